"""Model presets by name. Specs are cheap (no torch, no weights); backends load only when work is pending.

Where the weights come from, and what they run on, are properties of the machine, not of the recipe, so they are
set in the environment: GALLERY_DEEPFLOYD_PATH / GALLERY_DEEPFLOYD_STAGE2_PATH / GALLERY_UPSCALER_PATH (local
folders in the Hub layout) or GALLERY_DEEPFLOYD_REVISION / GALLERY_UPSCALER_REVISION (Hub revisions),
GALLERY_DIGITS_MODEL (another digits model folder), and GALLERY_DEVICE, GALLERY_DTYPE, GALLERY_MEMORY,
GALLERY_MEMORY_MODE (which `gallery build --device … --dtype … --memory … --memory-mode …` set).
"""

from __future__ import annotations

import os
from functools import cache

from generator.models.base import ModelSpec
from generator.models.hardware import DEVICE_ENV, DTYPE_ENV, MEMORY_ENV, MEMORY_MODE_ENV, parse_memory

DEEPFLOYD_PRESETS = ("deepfloyd-if", "if-i-xl", "if-i-l", "if-i-m")
MODEL_IDS = {"digits", *DEEPFLOYD_PRESETS}
ENVIRONMENT = ("GALLERY_DIGITS_MODEL", "GALLERY_DEEPFLOYD_PATH", "GALLERY_DEEPFLOYD_REVISION",
               "GALLERY_DEEPFLOYD_STAGE2_PATH", "GALLERY_UPSCALER_PATH", "GALLERY_UPSCALER_REVISION",
               "GALLERY_ALLOW_CPU", DEVICE_ENV, DTYPE_ENV, MEMORY_ENV, MEMORY_MODE_ENV)


def get_spec(model_id: str) -> ModelSpec:
    """The spec for a preset name, as the environment configures it; raises KeyError for an unknown one."""
    return _spec(model_id, tuple(os.environ.get(name) for name in ENVIRONMENT))


@cache
def _spec(model_id: str, environment: tuple[str | None, ...]) -> ModelSpec:
    env = dict(zip(ENVIRONMENT, environment))
    if model_id == "digits":
        from generator.models.digits import digits_spec

        return digits_spec(env["GALLERY_DIGITS_MODEL"], dtype=env[DTYPE_ENV])   # default: models/digits
    if model_id in DEEPFLOYD_PRESETS:
        from generator.models.deepfloyd import model_spec

        return model_spec(model_id, path=env["GALLERY_DEEPFLOYD_PATH"], revision=env["GALLERY_DEEPFLOYD_REVISION"],
                          stage2_path=env["GALLERY_DEEPFLOYD_STAGE2_PATH"], stage3_path=env["GALLERY_UPSCALER_PATH"],
                          stage3_revision=env["GALLERY_UPSCALER_REVISION"], device=env[DEVICE_ENV],
                          dtype=env[DTYPE_ENV], memory_mode=env[MEMORY_MODE_ENV], memory=parse_memory(env[MEMORY_ENV]))
    raise KeyError(f"unknown model {model_id!r}; known: {', '.join(sorted(MODEL_IDS))}")
