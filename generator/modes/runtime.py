"""The torch side the modes compute with — the engine, the noise schedule, the factorizations, the atlas — named
here and loaded on first use.

Recipes are validated and sites rendered from the modes' declarations alone, without torch (1–2 s to import).
So each name below is its module loaded lazily (generator/lazy.py): the modes import these at their top like any
other module, and torch loads when a mode first builds a track or a picture."""

from __future__ import annotations

from typing import TYPE_CHECKING

from generator.lazy import lazy_import


if TYPE_CHECKING:
    from generator import engine
    from generator.diffusion import factorizations, schedule
    from generator.digits import atlas
else:
    engine = lazy_import("generator.engine")
    schedule = lazy_import("generator.diffusion.schedule")
    factorizations = lazy_import("generator.diffusion.factorizations")
    atlas = lazy_import("generator.digits.atlas")

__all__ = ["atlas", "engine", "factorizations", "schedule"]
