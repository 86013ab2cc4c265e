"""Every job key of every figure of every book: `figure → sorted job keys` as JSON, for a refactor's "keys
unchanged" check (run before and after, then diff). With --payloads, each key's canonical payload too.

    .venv/bin/python bench/job_keys.py > /tmp/keys-before.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.jobs import canonical_json  # noqa: E402
from generator.models.hardware import Hardware  # noqa: E402
from generator.project import Project, load_plan  # noqa: E402


def job_keys(root: Path, payloads: bool = False) -> dict[str, object]:
    """book/figure-id → its jobs' keys, sorted (or key → canonical payload, with `payloads`), on the hardware
    the GALLERY_ variables name (as `gallery plan` would make them)."""
    plan = load_plan(Project(root), Hardware.from_env(), cache=False)
    out: dict[str, object] = {}
    for f in plan.figures:
        name = f"{f.figure.book}/{f.figure.id}"
        if payloads:
            out[name] = {j.key: canonical_json(j.key_payload()) for j in sorted(f.jobs, key=lambda j: j.key)}
        else:
            out[name] = sorted(j.key for j in f.jobs)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="project folder (default: this checkout)")
    parser.add_argument("--payloads", action="store_true", help="each key's canonical payload as well")
    args = parser.parse_args()
    print(json.dumps(job_keys(args.root, args.payloads), indent=1, sort_keys=True, ensure_ascii=False))
