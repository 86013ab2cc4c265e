"""Timestep lists and per-job choices read from a scheduler config — plain Python (no torch), so that recipes
can be expanded into jobs without loading torch."""

from __future__ import annotations

from typing import Any, Sequence


THRESHOLDINGS = ("dynamic", "clip", "none")

# Step lists that diffusers ships for DeepFloyd IF (diffusers/pipelines/deepfloyd_if/timesteps.py).
PRESETS = ("fast27", "smart27", "smart50", "smart100", "smart185", "super27", "super40", "super100")


def parse_timesteps(steps: str | Sequence[int], num_train_timesteps: int = 1000) -> list[int]:
    """Timesteps from a spec: "strided-30" (990, 960, …, 0), a preset ("smart50"…) or an explicit list.

    "strided-S" starts at the largest multiple of S below T and goes down by S to 0 (the course's
    `range(990, -1, -30)`); explicit lists must be strictly decreasing and within [0, T).
    """
    if isinstance(steps, str):
        if steps.startswith("strided-") and steps[len("strided-") :].isdigit():
            stride = int(steps[len("strided-") :])
            if not 1 <= stride < num_train_timesteps:
                raise ValueError(f"steps {steps!r}: the stride must be between 1 and {num_train_timesteps - 1}")
            return list(range((num_train_timesteps - 1) // stride * stride, -1, -stride))
        if steps in PRESETS:
            from diffusers.pipelines.deepfloyd_if import timesteps as if_timesteps

            return list(getattr(if_timesteps, f"{steps}_timesteps"))
        raise ValueError(
            f"steps {steps!r} not understood: use 'strided-S' (e.g. 'strided-30'), one of "
            f"{', '.join(PRESETS)}, or an explicit decreasing list of timesteps"
        )
    timesteps = [int(t) for t in steps]
    if not timesteps:
        raise ValueError("steps: the explicit timestep list is empty")
    if any(b >= a for a, b in zip(timesteps, timesteps[1:])):
        raise ValueError(f"steps {timesteps}: timesteps must be strictly decreasing")
    if timesteps[0] >= num_train_timesteps or timesteps[-1] < 0:
        raise ValueError(f"steps {timesteps}: timesteps must lie in [0, {num_train_timesteps})")
    return timesteps


def config_thresholding(config: dict[str, Any]) -> str:
    """What a DDPMScheduler config does to x̂₀: "dynamic" (thresholding), "clip" (clip_sample) or "none"."""
    if config.get("thresholding"):
        return "dynamic"
    return "clip" if config.get("clip_sample", True) else "none"


def resolve_thresholding(choice: str, default: str) -> str:
    """ "auto" → `default` (the scheduler's own choice); else one of dynamic / clip / none."""
    if choice == "auto":
        return default
    if choice not in THRESHOLDINGS:
        raise ValueError(f"thresholding {choice!r}: expected auto, {', '.join(THRESHOLDINGS)}")
    return choice
