"""The code-shape numbers of issue 18 for a checkout: string-key parameter reads, mode/model name checks in
site/, imports inside functions, exception classes and their roots. Usage:

    .venv/bin/python bench/code_shape.py [CHECKOUT]          # default: this one; e.g. /work/main to compare
"""

from __future__ import annotations

import sys
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.code_shape import exception_classes, function_imports, site_name_checks, string_key_reads  # noqa: E402


def main(checkout: Path) -> None:
    package = checkout / "generator"
    reads = string_key_reads(package)
    errors = exception_classes(package)
    roots = sorted({name for name, bases in errors.items() if not set(bases) & set(errors)})
    rows = [
        ("string-key parameter reads", len(reads), f"in {len({r.split(':')[0] for r in reads})} files"),
        ("mode/model name checks in site/", len(site_name_checks(package)), ""),
        ("imports inside functions", len(function_imports(package)), ""),
        ("  of them in modes/", len(function_imports(package, "modes")), ""),
        ("  project modules in modes/", len(function_imports(package, "modes", project_only=True)), ""),
        ("exception classes", len(errors), f"roots: {', '.join(roots)}"),
    ]
    for what, n, note in rows:
        print(f"{what:36} {n:5}  {note}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1])
