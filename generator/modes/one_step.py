"""`one_step`: denoise a noisy image in one model call, x̂₀ = (x_t − √(1−ᾱ_t) ε̂) / √ᾱ_t (Ho et al. 2020, eq. 15)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from generator.modes.base import ModeContext, Result, register
from generator.modes.common import ModelMode, as_image, check_prompts
from generator.modes.forward import NoisedParams, with_schedule

if TYPE_CHECKING:
    from generator.engine import Track
    from generator.jobs import Job
    from generator.models.base import ModelSpec


@register
class OneStep(ModelMode):
    name = "one_step"
    inputs = ("image",)
    prompts = (1, 1)
    Params = NoisedParams
    shared_images = ("original",)

    def resolve(self, params: dict[str, Any], spec: ModelSpec) -> dict[str, Any]:
        return with_schedule(super().resolve(params, spec), spec)

    def model_calls(self, job: Job) -> int:
        return 1

    def tracks(self, job: Job, ctx: ModeContext) -> list[Track]:
        """x_t exactly as the `forward` mode noises it (same seed, same ε), then one model call at t."""
        from generator.engine import Term, Track, make_rng
        from generator.modes.common import stage1_schedule
        from generator.modes.forward import clean_and_noisy

        check_prompts(job, 1, "the prompt the estimate is conditioned on")
        x0, x_t = clean_and_noisy(job)
        return [Track(x=x_t[None].to(ctx.device), timesteps=[self.Params.from_job(job).t], terms=[Term(job.prompts[0])],
                      embeddings=ctx.embeddings, schedule=stage1_schedule(ctx), rng=make_rng(job.seed),
                      predict_only=True, extras={"original": x0})]

    def assemble(self, job: Job, tracks: Sequence[Track], ctx: ModeContext) -> Result:
        (track,) = tracks
        return Result({"original": track.extras["original"].clamp(-1, 1), "noisy": as_image(track.x),
                       "estimate": as_image(track.x0_hat)}, {"t": self.Params.from_job(job).t})
