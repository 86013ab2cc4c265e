"""`reference`: inverse problems by factorized diffusion (Geng, Park & Owens 2024) — one component comes from a
reference image: after every step x ← f(forward(ref, t′)) + (x − f(x)), so the prompt only fills in the rest.
Colourise a greyscale photo (f = grey), add high frequencies to a blurred one (f = low-pass), or make a
hybrid whose far view is a given picture."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

from generator.jobs import InputImage, Job
from generator.models.base import ModelSpec
from generator.modes.base import ModelContext, Problem, Result, register
from generator.modes.common import (
    SamplingMode,
    as_image,
    check_prompts,
    guided_terms,
    load_input,
    make_track,
    with_upsampled,
)
from generator.modes.factorized import FactorParams, factor_problems, with_versions
from generator.modes.runtime import engine, factorizations, schedule
from generator.params import Param, param


if TYPE_CHECKING:
    import torch


@dataclass(eq=False)
class KeepFactor:
    """After each step, the fixed component of x_t′ is the reference's, noised to t′ with fresh noise."""

    reference: torch.Tensor  # (1, C, H, W)
    factor: factorizations.Factor

    def __call__(self, track: engine.Track, t_prev: int) -> None:
        known = self.reference
        if t_prev >= 0:
            known = schedule.add_noise(self.reference, track.noise(), track.schedule.alpha_bar(t_prev))
        track.x = self.factor(known) + track.x - self.factor(track.x)


@dataclass(frozen=True)
class ReferenceParams(FactorParams):
    """The factorizations with a component an image can fix; no scale weights."""

    factorization: str = param(
        Param(
            str,
            default="hybrid",
            choices=("hybrid", "color", "motion"),
            help="hybrid: the image gives the low frequencies; color: its grey; motion: its motion-blurred version",
        )
    )
    weights: list[float] = field(default_factory=list)  # not a parameter here


@register
class Reference(SamplingMode[ReferenceParams]):
    name = "reference"
    inputs = ("image",)
    prompts = (1, 1)
    Params = ReferenceParams
    shared_images = ("reference", "fixed")
    noun = "reference"

    def resolve(self, p: ReferenceParams, spec: ModelSpec) -> ReferenceParams:
        return with_versions(super().resolve(p, spec))

    def check_params(self, p: ReferenceParams, inputs: Mapping[str, InputImage], project_root: Path) -> list[Problem]:
        """The factorization has two components: the image's (first) and the prompt's."""
        problems = factor_problems(p)
        if p.factorization == "hybrid" and len(p.sigmas) > 1:
            problems.append((("sigmas",), "the reference gives the low band: give one σ"))
        return problems

    def tracks(self, job: Job[ReferenceParams], ctx: ModelContext) -> list[engine.Track]:
        check_prompts(job, 1, "the prompt for what the reference image leaves open")
        fixed = job.params.parts(2).components[0]
        reference = load_input(job, "image", ctx)
        rng = engine.make_rng(job.seed)
        x_T = engine.draw_noise(rng, reference.shape, ctx.device)

        def stage2_hooks(size: int) -> list[engine.Hook]:
            return [KeepFactor(load_input(job, "image", ctx, size=size), fixed)]

        return [
            make_track(
                job,
                ctx,
                x_T,
                guided_terms(job, job.prompts),
                rng=rng,
                hooks=[KeepFactor(reference, fixed)],
                stage2_hooks=stage2_hooks,
                extras={"reference": reference, "fixed": fixed},
            )
        ]

    def assemble(self, job: Job[ReferenceParams], tracks: Sequence[engine.Track], ctx: ModelContext) -> Result:
        (track,) = tracks
        reference, fixed = track.extras["reference"], track.extras["fixed"]
        images = {"reference": as_image(reference), "fixed": as_image(fixed(reference)), "result": as_image(track.x)}
        return Result(with_upsampled(images, track, "result"))
