"""`reference`: inverse problems by factorized diffusion (Geng, Park & Owens 2024) — one component comes from a
reference image: after every step x ← f(forward(ref, t′)) + (x − f(x)), so the prompt only fills in the rest.
Colourise a greyscale photo (f = grey), add high frequencies to a blurred one (f = low-pass), or make a
hybrid whose far view is a given picture."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from generator.modes.base import ModeContext, Param, Problem, Result, param, register
from generator.modes.common import ModelMode, as_image, check_prompts, with_upsampled
from generator.modes.factorized import FactorParams, factor_problems, with_versions

if TYPE_CHECKING:
    import torch

    from generator.diffusion.factorizations import Factor
    from generator.engine import Hook, Track
    from generator.jobs import Job


@dataclass(eq=False)
class KeepFactor:
    """After each step, the fixed component of x_t′ is the reference's, noised to t′ with fresh noise."""

    reference: torch.Tensor         # (1, C, H, W)
    factor: Factor

    def __call__(self, track: Track, t_prev: int) -> None:
        from generator.diffusion.schedule import add_noise

        known = self.reference
        if t_prev >= 0:
            known = add_noise(self.reference, track.noise(), track.schedule.alpha_bar(t_prev))
        track.x = self.factor(known) + track.x - self.factor(track.x)


@register
class Reference(ModelMode):
    name = "reference"
    inputs = ("image",)
    prompts = (1, 1)

    @dataclass(frozen=True)
    class Params(FactorParams):
        """The factorizations with a component an image can fix; no scale weights."""

        factorization: str = param(Param(str, default="hybrid", choices=("hybrid", "color", "motion"),
                                         help="hybrid: the image gives the low frequencies; color: its grey; "
                                              "motion: its motion-blurred version"))
        weights: list[float] = field(default_factory=list)      # not a parameter here

    shared_images = ("reference", "fixed")

    def resolve(self, params: dict[str, Any], spec: Any) -> dict[str, Any]:
        return with_versions(super().resolve(params, spec))

    def check_params(self, params: Mapping[str, Any], inputs: Mapping[str, Any], image_size: int,
                     project_root: Path) -> list[Problem]:
        """The factorization has two components: the image's (first) and the prompt's."""
        problems = factor_problems(params, image_size)
        if params["factorization"] == "hybrid" and len(params["sigmas"]) > 1:
            problems.append((("sigmas",), "the reference gives the low band: give one σ"))
        return problems

    def tracks(self, job: Job, ctx: ModeContext) -> list[Track]:
        from generator.engine import draw_noise, make_rng
        from generator.modes.common import guided_terms, load_input, make_track

        check_prompts(job, 1, "the prompt for what the reference image leaves open")
        fixed = self.Params.from_job(job).parts(2, job.params["size"]).components[0]
        reference = load_input(job, "image", ctx)
        rng = make_rng(job.seed)
        x_T = draw_noise(rng, reference.shape, ctx.device)

        def stage2_hooks(size: int) -> list[Hook]:
            return [KeepFactor(load_input(job, "image", ctx, size=size), fixed)]

        return [make_track(job, ctx, x_T, guided_terms(job, job.prompts), rng=rng,
                           hooks=[KeepFactor(reference, fixed)], stage2_hooks=stage2_hooks,
                           extras={"reference": reference, "fixed": fixed})]

    def assemble(self, job: Job, tracks: Sequence[Track], ctx: ModeContext) -> Result:
        (track,) = tracks
        reference, fixed = track.extras["reference"], track.extras["fixed"]
        images = {"reference": as_image(reference), "fixed": as_image(fixed(reference)), "result": as_image(track.x)}
        return Result(with_upsampled(images, track, "result"))
