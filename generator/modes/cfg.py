"""`cfg`: sampling with classifier-free guidance, ε = ε_u + γ (ε_c − ε_u) (Ho & Salimans 2022)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from generator.jobs import Job
from generator.modes.base import ModelContext, Result, register
from generator.modes.common import GuidedParams, SamplingMode, as_image, noise_track, with_upsampled
from generator.modes.runtime import engine
from generator.params import Param, param


@dataclass(frozen=True)
class CFGParams(GuidedParams):
    """The guided sampling parameters, with a guidance scale a figure may sweep."""

    guidance: float | None = param(
        Param(
            float,
            default=7.0,
            minimum=0.0,
            maximum=50.0,
            sweepable=True,
            shown=True,
            help="CFG scale γ in ε_u + γ(ε_c − ε_u)",
        )
    )


@register
class CFG(SamplingMode[CFGParams]):
    name = "cfg"
    prompts = (1, 1)
    Params = CFGParams
    noun = "CFG sample"

    def tracks(self, job: Job[CFGParams], ctx: ModelContext) -> list[engine.Track]:
        return [noise_track(job, ctx)]

    def assemble(self, job: Job[CFGParams], tracks: Sequence[engine.Track], ctx: ModelContext) -> Result:
        (track,) = tracks
        return Result(
            with_upsampled({"sample": as_image(track.x)}, track, "sample"), {"guidance": job.params.guidance}
        )
