"""Model presets by name. Specs are cheap (no torch, no weights); backends load only when work is pending.

Where the weights come from is a property of the machine, not of the recipe, so it is set in the environment:
GALLERY_DEEPFLOYD_PATH / GALLERY_DEEPFLOYD_STAGE2_PATH (local folders in the Hub layout) or
GALLERY_DEEPFLOYD_REVISION (a Hub revision), and GALLERY_DIGITS_MODEL (another digits model folder).
"""

from __future__ import annotations

import os
from functools import cache

from generator.models.base import ModelSpec

DEEPFLOYD_PRESETS = ("deepfloyd-if", "if-i-xl", "if-i-l", "if-i-m")
MODEL_IDS = {"digits", *DEEPFLOYD_PRESETS}


@cache
def get_spec(model_id: str) -> ModelSpec:
    """The spec for a preset name; raises KeyError for an unknown one."""
    if model_id == "digits":
        from generator.models.digits import digits_spec

        return digits_spec(os.environ.get("GALLERY_DIGITS_MODEL"))   # default: models/digits
    if model_id in DEEPFLOYD_PRESETS:
        from generator.models.deepfloyd import model_spec

        env = os.environ.get
        return model_spec(model_id, path=env("GALLERY_DEEPFLOYD_PATH"), revision=env("GALLERY_DEEPFLOYD_REVISION"),
                          stage2_path=env("GALLERY_DEEPFLOYD_STAGE2_PATH"))
    raise KeyError(f"unknown model {model_id!r}; known: {', '.join(sorted(MODEL_IDS))}")
