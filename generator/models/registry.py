"""Model presets by name. Specs are cheap (no torch, no weights); backends load only when work is pending.

A spec is made for a Hardware (models/hardware.py: device, dtype, memory, memory mode — what `gallery build
--device … --dtype … --memory … --memory-mode …` and their GALLERY_ variables choose), given by the caller. Where
the weights come from is a property of the machine, read from the environment: GALLERY_DEEPFLOYD_PATH /
GALLERY_DEEPFLOYD_STAGE2_PATH / GALLERY_UPSCALER_PATH (local folders in the Hub layout) or
GALLERY_DEEPFLOYD_REVISION / GALLERY_UPSCALER_REVISION (Hub revisions), GALLERY_DIGITS_MODEL (another digits model
folder).
"""

from __future__ import annotations

import os
from functools import cache
from typing import Callable

from generator.models.base import ModelSpec
from generator.models.deepfloyd import model_spec
from generator.models.digits import digits_spec
from generator.models.hardware import Hardware


WEIGHTS = (
    "GALLERY_DIGITS_MODEL",
    "GALLERY_DEEPFLOYD_PATH",
    "GALLERY_DEEPFLOYD_REVISION",
    "GALLERY_DEEPFLOYD_STAGE2_PATH",
    "GALLERY_UPSCALER_PATH",
    "GALLERY_UPSCALER_REVISION",
)
Weights = dict[str, str | None]  # WEIGHTS → the environment's value


def deepfloyd(name: str) -> Callable[[Hardware, Weights], ModelSpec]:
    """The factory of DeepFloyd preset `name`: its weights from the Hub, or local copies the environment names."""

    def spec(hardware: Hardware, env: Weights) -> ModelSpec:
        return model_spec(
            name,
            path=env["GALLERY_DEEPFLOYD_PATH"],
            revision=env["GALLERY_DEEPFLOYD_REVISION"],
            stage2_path=env["GALLERY_DEEPFLOYD_STAGE2_PATH"],
            stage3_path=env["GALLERY_UPSCALER_PATH"],
            stage3_revision=env["GALLERY_UPSCALER_REVISION"],
            hardware=hardware,
        )

    return spec


# Preset name → its spec on a Hardware, with the weights the environment names. A new backend adds its line.
PRESETS: dict[str, Callable[[Hardware, Weights], ModelSpec]] = {
    "digits": lambda hardware, env: digits_spec(env["GALLERY_DIGITS_MODEL"], dtype=hardware.dtype),
    **{name: deepfloyd(name) for name in ("deepfloyd-if", "if-i-xl", "if-i-l", "if-i-m")},
}
MODEL_IDS = set(PRESETS)


def get_spec(model_id: str, hardware: Hardware = Hardware()) -> ModelSpec:
    """The spec for a preset name on `hardware`, its weights where the environment says; KeyError for an unknown
    one."""
    return _spec(model_id, hardware, tuple(os.environ.get(name) for name in WEIGHTS))


@cache
def _spec(model_id: str, hardware: Hardware, weights: tuple[str | None, ...]) -> ModelSpec:
    if model_id not in PRESETS:
        raise KeyError(f"unknown model {model_id!r}; known: {', '.join(sorted(MODEL_IDS))}")
    return PRESETS[model_id](hardware, dict(zip(WEIGHTS, weights)))
