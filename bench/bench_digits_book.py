"""How long `make gallery` takes to generate the whole digits book from an empty store (target: ≤ 180 s).

Copies the recipes into a temporary project, so the real store is untouched, runs `gallery build --book digits`
in a fresh process (imports, model load, engine, PNG writes and the render all counted) and prints the wall
time, the jobs run and the ratio to the 3-minute budget.

    python bench/bench_digits_book.py [--threads N] [--batch-size N]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 180.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads (default: all cores)")
    parser.add_argument("--batch-size", type=int, help="samples per model call (default: the engine's)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        shutil.copytree(ROOT / "recipes", project / "recipes")
        shutil.copytree(ROOT / "models", project / "models")
        command = [sys.executable, "-m", "generator.cli", "--root", str(project), "build", "--book", "digits"]
        if args.batch_size:
            command += ["--batch-size", str(args.batch_size)]
        env = {
            **os.environ,
            "OMP_NUM_THREADS": str(args.threads),
            "GALLERY_DIGITS_MODEL": str(project / "models" / "digits"),
        }
        began = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - began
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-4000:], sep="\n")
        return done.returncode
    summary = re.search(r"figures: .*", done.stdout)
    print(summary[0] if summary else done.stdout[-500:])
    print(
        f"digits book from an empty store: {seconds:.1f} s on {os.cpu_count()} cores, {args.threads} torch "
        f"threads — {seconds / BUDGET_S:.2f}× the {BUDGET_S:.0f} s budget"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
