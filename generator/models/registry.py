"""Model presets by name. Specs are cheap (no torch, no weights); backends load only when work is pending."""

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

        return model_spec(model_id)
    raise KeyError(f"unknown model {model_id!r}; known: {', '.join(sorted(MODEL_IDS))}")
