"""`anagram`: visual anagrams (Geng, Park & Owens, CVPR 2024) — one image that shows prompt i under view i.
Each step: ε = mean_i v_i⁻¹(CFG(v_i(x_t), p_i)), the variance mapped back the same way."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

from generator.diffusion.views import VIEWS, View, get_view, size_problem, view_words
from generator.jobs import InputImage, Job
from generator.models.base import ModelSpec
from generator.modes.base import ModelContext, ParamError, Problem, Result, register
from generator.modes.common import (
    IllusionParams,
    SamplingMode,
    as_image,
    check_prompts,
    guided_terms,
    image_shape,
    make_track,
    with_upsampled,
)
from generator.modes.runtime import engine
from generator.params import Param, param, pinned


if TYPE_CHECKING:
    import torch

# views whose stage-II permutation used to be a block expansion of the stage-I one (now native at 256²)
NATIVE_AT_STAGE2 = ("skew", "patch_permute", "inner_circle")


@dataclass(frozen=True)
class AnagramParams(IllusionParams):
    views: list[str] = param(
        Param(list, default=["identity", "flip"], items=str, help=f"one view per prompt, from: {', '.join(VIEWS)}")
    )
    view_seed: int = param(
        Param(int, default=0, minimum=0, help="seed of the random views (patch_permute, pixel_permute, jigsaw)")
    )
    stage2_views: str | None = pinned()  # "native": stage II applies the views at 256² (see NATIVE_AT_STAGE2)
    operator_versions: dict[str, int] | None = pinned()  # the revised views it uses, by version


@register
class Anagram(SamplingMode[AnagramParams]):
    name = "anagram"
    prompts = (2, 6)
    Params = AnagramParams
    noun = "visual anagram"
    motions = ("turn",)

    def resolve(self, p: AnagramParams, spec: ModelSpec) -> AnagramParams:
        unknown = [v for v in p.views if v not in VIEWS]
        if unknown:
            raise ParamError("views", f"mode 'anagram': unknown view(s) {unknown}; choose from {', '.join(VIEWS)}")
        p = super().resolve(p, spec)
        if p.upsample and any(v in NATIVE_AT_STAGE2 for v in p.views):
            p = replace(p, stage2_views="native")  # their stage II result changed: a new key, others keep theirs
        revised = {name: get_view(name, p.size).version for name in p.views}
        if revised := {name: v for name, v in sorted(revised.items()) if v > 1}:
            p = replace(p, operator_versions=revised)  # views whose pixels changed: new keys for their jobs only
        return p

    def check_params(self, p: AnagramParams, inputs: Mapping[str, InputImage], project_root: Path) -> list[Problem]:
        """Each view must fit the model's images (jigsaw and square_hinge cut 4×4 pieces, patch_permute 8×8)."""
        return [
            (("views", i), problem)
            for i, name in enumerate(p.views)
            if (problem := size_problem(name, p.size)) is not None
        ]

    def check(self, job: Job[AnagramParams]) -> None:
        check_prompts(job, len(job.params.views), f"one per view ({', '.join(job.params.views)})")

    def readings(self, p: AnagramParams) -> list[str]:
        return list(p.views)

    def prompt_roles(self, p: AnagramParams) -> list[str]:
        return [view_words(name) for name in p.views]

    def views(self, job: Job[AnagramParams]) -> list[View]:
        p = job.params
        return [get_view(name, p.size, p.view_seed) for name in p.views]

    def tracks(self, job: Job[AnagramParams], ctx: ModelContext) -> list[engine.Track]:
        rng = engine.make_rng(job.seed)
        x_T = engine.draw_noise(rng, image_shape(job), ctx.device)
        terms = [
            term
            for prompt, view in zip(job.prompts, self.views(job))
            for term in guided_terms(job, [prompt], view=view)
        ]
        return [make_track(job, ctx, x_T, terms, rng=rng, extras={"views": [t.view for t in terms]})]

    def assemble(self, job: Job[AnagramParams], tracks: Sequence[engine.Track], ctx: ModelContext) -> Result:
        (track,) = tracks
        views = track.extras["views"]

        def shown(x: torch.Tensor) -> dict[str, torch.Tensor]:
            return {view.name: view.view(x) for view in views}

        images = {name: as_image(x) for name, x in shown(track.x).items()}
        return Result(with_upsampled(images, track, "", shown), {"prompts": dict(zip(job.params.views, job.prompts))})
