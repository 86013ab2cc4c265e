"""The DeepFloyd book's card table (docs/deepfloyd.md): card → settings → estimated peak → estimated time, computed.

Settings and peak come from the same plan `gallery plan --device cuda --memory SIZE` prints (models/hardware.py):
the memory mode, batches sized after the weights, T5's placement. The time is the book's pending model
evaluations (counted from the recipes, stage I at 2.879 TFLOP and stage II at 3.09 TFLOP per sample) at the
card's dense fp16 tensor rate (fp32 accumulate, from its vendor's datasheet) times the utilisation measured on an
H200 (the engine at batch 32, eager: 334 of 989 TFLOP/s, 34 %; docs: /work/shared/reference). No card below was
run: these are estimates from documented numbers, not measurements.

    python bench/card_table.py          # prints the Markdown table
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.models.deepfloyd import model_spec, t5_lines  # noqa: E402
from generator.models.hardware import GiB  # noqa: E402


# (card, memory GiB as the driver reports it, dense fp16 tensor TFLOP/s with fp32 accumulate, native bf16)
CARDS = [
    ("Tesla T4 (Colab free)", 15.0, 65, False),
    ("RTX 3060 12 GB", 12.0, 25.6, True),
    ("Tesla V100 16 GB", 16.0, 125, False),
    ("RTX 3090 24 GB", 24.0, 71, True),
    ("RTX 4090 24 GB", 24.0, 165, True),
    ("L4 24 GB", 22.5, 121, True),
    ("A100 40 GB", 40.0, 312, True),
    ("H100 / H200", 80.0, 989, True),
]
UTILISATION = 334 / 989  # measured: H200, engine, batch 32, eager fp16
TFLOP = {"stage I": 2.879, "stage II": 3.09}


def book_evaluations() -> dict[str, int]:
    """The DeepFloyd book's model evaluations per stage, from its recipes (nothing stored counts)."""
    from generator.modes.base import MODES
    from generator.project import Project, load_plan

    plan = load_plan(Project(ROOT))
    out = {"stage I": 0, "stage II": 0}
    for figure in (f for f in plan.figures if f.figure.book == "deepfloyd"):
        for job in (j for j in figure.jobs if MODES[j.mode].needs_model):
            mode = MODES[job.mode]
            total = first = mode.model_calls(job)
            if mode.stages(job.params) > 1:  # stage I alone: the same job without upsampling
                first = mode.model_calls(
                    dataclasses.replace(job, params=dataclasses.replace(job.params, upsample=False))
                )
            out["stage I"] += first
            out["stage II"] += total - first
    return out


def rows() -> list[str]:
    spec = model_spec("deepfloyd-if", dtype="fp16")
    evaluations = book_evaluations()
    work = sum(n * TFLOP[stage] for stage, n in evaluations.items())
    out = ["| card | settings | est. peak | est. time for the book |", "|---|---|---|---|"]
    for card, memory, tflops, bf16 in CARDS:
        plan = spec.plan(int(memory * GiB))
        batches = ", ".join(f"{b}" for b in plan.batches.values())
        t5 = t5_lines("cuda", int(memory * GiB), "fp16")[0].split(": on ")[1]
        t5 = t5.split(" where the card")[0] if bf16 else t5.split("else on ")[-1]
        minutes = work / (tflops * UTILISATION) / 60
        settings = f"fp16, {plan.mode}, batch {batches} (I, II); T5 on {t5}"
        fits = "" if plan.fits else " (does not fit)"
        out.append(f"| {card} | {settings} | {plan.peak / GiB:.1f} of {memory:.0f} GiB{fits} | {minutes:.0f} min |")
    out.append(
        f"\nThe book: {evaluations['stage I']:,} stage-I and {evaluations['stage II']:,} stage-II "
        f"evaluations, {work / 1000:.0f} PFLOP, at {UTILISATION:.0%} of each card's dense fp16 rate; "
        f"loading (≈ 20 GB of weights, again per chunk of 128 jobs when sequential) is not counted."
    )
    return out


if __name__ == "__main__":
    print("\n".join(rows()))
