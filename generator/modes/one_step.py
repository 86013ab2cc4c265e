"""`one_step`: denoise a noisy image in one model call, x̂₀ = (x_t − √(1−ᾱ_t) ε̂) / √ᾱ_t (Ho et al. 2020, eq. 15)."""

from __future__ import annotations

from typing import Sequence

from generator.jobs import Job
from generator.models.base import ModelSpec
from generator.modes.base import ModelContext, ModelMode, Result, register
from generator.modes.common import as_image, check_prompts, stage1_schedule
from generator.modes.forward import NoisedParams, clean_and_noisy, with_schedule
from generator.modes.runtime import engine


@register
class OneStep(ModelMode[NoisedParams]):
    name = "one_step"
    inputs = ("image",)
    prompts = (1, 1)
    Params = NoisedParams
    shared_images = ("original",)
    noun = "one-step denoising"

    def resolve(self, p: NoisedParams, spec: ModelSpec) -> NoisedParams:
        return with_schedule(p, spec)

    def model_calls(self, job: Job[NoisedParams]) -> int:
        return 1

    def tracks(self, job: Job[NoisedParams], ctx: ModelContext) -> list[engine.Track]:
        """x_t exactly as the `forward` mode noises it (same seed, same ε), then one model call at t."""
        check_prompts(job, 1, "the prompt the estimate is conditioned on")
        x0, x_t = clean_and_noisy(job, job.params.t)
        return [
            engine.Track(
                x=x_t[None].to(ctx.device),
                timesteps=[job.params.t],
                terms=[engine.Term(job.prompts[0])],
                embeddings=ctx.embeddings,
                schedule=stage1_schedule(ctx),
                rng=engine.make_rng(job.seed),
                predict_only=True,
                extras={"original": x0},
            )
        ]

    def assemble(self, job: Job[NoisedParams], tracks: Sequence[engine.Track], ctx: ModelContext) -> Result:
        (track,) = tracks
        assert track.x0_hat is not None  # a predict-only track holds its estimate
        return Result(
            {
                "original": track.extras["original"].clamp(-1, 1),
                "noisy": as_image(track.x),
                "estimate": as_image(track.x0_hat),
            },
            {"t": job.params.t},
        )
