"""The digits book from an empty store: one process vs N processes under torchrun (gloo, CPU), and the balance.

Each run copies the recipes and the digits model into a temporary project (the real store is untouched) and
runs `gallery run --book digits`: first one process with all cores' threads, then N processes started as a
user would (`torchrun --standalone --nproc_per_node N -m generator.cli run`), one thread each. Prints the wall
times, the speed-up, and the balance of the split (max share / mean share, target ≤ 1.15) in model
evaluations and in each process's measured seconds.

    python bench/bench_scale.py [--processes N]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from timed import timed  # noqa: E402


def cost_balance(processes: int) -> float:
    """max/mean of the model evaluations each process is given (the split every process computes)."""
    from generator.distributed import balance, split
    from generator.project import Project, load_plan
    from generator.runner import job_cost

    work = load_plan(Project(ROOT)).select(["digits"], None)
    jobs = list({j.key: j for f in work for j in f.jobs}.values())
    return balance(split(jobs, job_cost, lambda j: j.key, processes), job_cost)


def timed_run(launcher: list[str], threads: int) -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        shutil.copytree(ROOT / "recipes", project / "recipes")
        shutil.copytree(ROOT / "models", project / "models")
        env = {
            **os.environ,
            "OMP_NUM_THREADS": str(threads),
            "PYTHONPATH": str(ROOT),
            "GALLERY_DIGITS_MODEL": str(project / "models" / "digits"),
        }
        return timed([*launcher, "-m", "generator.cli", "--root", str(project), "run", "--book", "digits"], env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    one, _ = timed_run([sys.executable], cores)
    many, out = timed_run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(args.processes)],
        max(1, cores // args.processes),
    )
    summary = r"(\d+) jobs run · [\d.]+ s \(this share's work: ([\d.]+) s\)"
    shares = [(int(n), float(s)) for n, s in re.findall(summary, out)]
    seconds = [s for _, s in shares]
    print(f"digits book from an empty store on {cores} cores:")
    print(f"  1 process, {cores} threads: {one:.1f} s")
    print(
        f"  {args.processes} processes (torchrun, gloo), {max(1, cores // args.processes)} thread(s) each: "
        f"{many:.1f} s — {one / many:.2f}× the single process"
    )
    print(
        f"  jobs per process: {[n for n, _ in shares]}; seconds of work per process (before the final barrier): {seconds}"
    )
    print(
        f"  balance (max share / mean share): {cost_balance(args.processes):.3f} in model evaluations, "
        f"{max(seconds) / (sum(seconds) / len(seconds)):.3f} in measured seconds (target ≤ 1.15)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
