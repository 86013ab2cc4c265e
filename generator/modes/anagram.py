"""`anagram`: visual anagrams (Geng, Park & Owens, CVPR 2024) — one image that shows prompt i under view i.
Each step: ε = mean_i v_i⁻¹(CFG(v_i(x_t), p_i)), the variance mapped back the same way."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from generator.diffusion.views import VIEWS, get_view   # no torch: the registry and geometry are numpy
from generator.modes.base import ModeContext, Param, ParamError, Problem, Result, param, register
from generator.modes.common import IllusionParams, ModelMode, as_image, with_upsampled

if TYPE_CHECKING:
    import torch

    from generator.diffusion.views import View
    from generator.engine import Track
    from generator.jobs import Job

# views whose stage-II permutation used to be a block expansion of the stage-I one (now native at 256²)
NATIVE_AT_STAGE2 = ("skew", "patch_permute", "inner_circle")


@register
class Anagram(ModelMode):
    name = "anagram"
    prompts = (2, 6)

    @dataclass(frozen=True)
    class Params(IllusionParams):
        views: list[str] = param(Param(list, default=["identity", "flip"], items=str,
                                       help=f"one view per prompt, from: {', '.join(VIEWS)}"))
        view_seed: int = param(Param(int, default=0, minimum=0,
                                     help="seed of the random views (patch_permute, pixel_permute, jigsaw)"))

    def resolve(self, params: dict[str, Any], spec: Any) -> dict[str, Any]:
        unknown = [v for v in params["views"] if v not in VIEWS]
        if unknown:
            raise ParamError("views", f"mode 'anagram': unknown view(s) {unknown}; choose from {', '.join(VIEWS)}")
        params = super().resolve(params, spec)
        if params.get("upsample") and any(v in NATIVE_AT_STAGE2 for v in params["views"]):
            params["stage2_views"] = "native"         # their stage II result changed: a new key, others keep theirs
        revised = {name: get_view(name, params.get("size", 64)).version for name in params["views"]}
        if revised := {name: v for name, v in sorted(revised.items()) if v > 1}:
            params["operator_versions"] = revised     # views whose pixels changed: new keys for their jobs only
        return params

    def check_params(self, params: Mapping[str, Any], inputs: Mapping[str, Any], image_size: int,
                     project_root: Path) -> list[Problem]:
        """Each view must fit the model's images (jigsaw and square_hinge cut 4×4 pieces, patch_permute 8×8)."""
        from generator.diffusion.views import size_problem

        return [(("views", i), problem) for i, name in enumerate(params["views"])
                if (problem := size_problem(name, image_size)) is not None]

    def check(self, job: Job) -> None:
        from generator.modes.common import check_prompts

        check_prompts(job, len(job.params["views"]), f"one per view ({', '.join(job.params['views'])})")

    def views(self, job: Job) -> list[View]:
        p = self.Params.from_job(job)
        return [get_view(name, job.params["size"], p.view_seed) for name in p.views]

    def tracks(self, job: Job, ctx: ModeContext) -> list[Track]:
        from generator.engine import draw_noise, make_rng
        from generator.modes.common import guided_terms, image_shape, make_track

        rng = make_rng(job.seed)
        x_T = draw_noise(rng, image_shape(job, ctx), ctx.device)
        terms = [term for prompt, view in zip(job.prompts, self.views(job))
                 for term in guided_terms(job, [prompt], view=view)]
        return [make_track(job, ctx, x_T, terms, rng=rng, extras={"views": [t.view for t in terms]})]

    def assemble(self, job: Job, tracks: Sequence[Track], ctx: ModeContext) -> Result:
        (track,) = tracks
        views = track.extras["views"]

        def shown(x: torch.Tensor) -> dict[str, torch.Tensor]:
            return {view.name: view.view(x) for view in views}

        images = {name: as_image(x) for name, x in shown(track.x).items()}
        return Result(with_upsampled(images, track, "", shown), {"prompts": dict(zip(self.Params.from_job(job).views,
                                                                                        job.prompts))})
