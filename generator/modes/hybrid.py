"""`hybrid`: hybrid images by factorized diffusion (Geng, Park & Owens 2024) — ε = G(ε_far) + (ε_near − G(ε_near)),
G a Gaussian low-pass: the far prompt is seen from afar (or small), the near prompt up close."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from generator.modes.base import ModeContext, Param, Result, param, register
from generator.modes.common import IllusionParams, ModelMode, as_image, check_prompts, with_upsampled
from generator.modes.factorized import KERNEL, hybrid_problems

if TYPE_CHECKING:
    import torch

    from generator.engine import Track
    from generator.jobs import Job


@register
class Hybrid(ModelMode):
    name = "hybrid"
    prompts = (2, 2)

    @dataclass(frozen=True)
    class Params(IllusionParams):
        kernel_size: int = param(KERNEL)
        sigma: float = param(Param(float, default=0.0, minimum=0.0, maximum=20.0,
                                   help="Gaussian σ at stage I; 0: the paper's 2 at 64², scaled to the model "
                                        "(1 at 32²)"))

        def sigmas(self) -> list[float]:
            return [self.sigma] if self.sigma else []

    def check_params(self, params, inputs, image_size, project_root):  # type: ignore[no-untyped-def]
        """The stage-I low-pass kernel (made odd) must fit the image and hold the Gaussian (≥ 5σ + 1)."""
        p = self.Params.from_params(params)
        return hybrid_problems(p.kernel_size, p.sigmas(), image_size)

    def tracks(self, job: Job, ctx: ModeContext) -> list[Track]:
        """Prompts in order: far (low frequencies), near (high frequencies); their estimates add up."""
        from generator.diffusion.factorizations import factorization
        from generator.engine import draw_noise, make_rng
        from generator.modes.common import guided_terms, image_shape, make_track

        check_prompts(job, 2, "the far (low-pass) prompt, then the near (high-pass) one")
        p = self.Params.from_job(job)
        low, high = factorization("hybrid", 2, job.params["size"], sigmas=p.sigmas(),
                                  kernel_size=p.kernel_size).components
        rng = make_rng(job.seed)
        x_T = draw_noise(rng, image_shape(job, ctx), ctx.device)
        terms = [*guided_terms(job, job.prompts[:1], component=low), *guided_terms(job, job.prompts[1:], component=high)]
        return [make_track(job, ctx, x_T, terms, rng=rng, reduce="sum", extras={"low": low})]

    def assemble(self, job: Job, tracks: Sequence[Track], ctx: ModeContext) -> Result:
        (track,) = tracks
        low = track.extras["low"]

        def shown(x: torch.Tensor) -> dict[str, torch.Tensor]:
            import torch.nn.functional as F

            small = F.interpolate(x, scale_factor=0.25, mode="area")
            return {"far": low(x), "small": small, "hybrid": x}

        images = {name: as_image(x) for name, x in shown(track.x).items()}
        return Result(with_upsampled(images, track, "hybrid", shown))
