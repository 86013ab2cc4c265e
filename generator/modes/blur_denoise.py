"""`blur_denoise`: the classical baseline — Gaussian blur of the noisy image, optionally the best σ by PSNR."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from generator.diffusion.filters import odd_kernel
from generator.modes.base import Mode, ModeParams, Param, Problem, Result, param, register
from generator.modes.common import kernel_problems
from generator.modes.forward import T_PARAM, clean_and_noisy, with_schedule

if TYPE_CHECKING:
    import torch

    from generator.jobs import Job
    from generator.models.base import ModelSpec


def psnr(x: torch.Tensor, reference: torch.Tensor) -> float:
    """Peak signal-to-noise ratio in dB of images in [-1, 1], measured on the displayed [0, 1] scale."""
    mse = float((((x.clamp(-1, 1) - reference) / 2) ** 2).mean())
    return math.inf if mse == 0 else 10 * math.log10(1 / mse)


@register
class BlurDenoise(Mode):
    name = "blur_denoise"
    needs_model = False
    inputs = ("image",)
    shared_images = ("original",)

    @dataclass(frozen=True)
    class Params(ModeParams):
        t: int = param(T_PARAM)
        kernel_size: int = param(Param(int, default=5, minimum=1, maximum=65, help="odd Gaussian kernel width"))
        sigma: float = param(Param(float, default=2.0, minimum=0.1, maximum=20.0, sweepable=True, help="Gaussian σ"))
        search_sigma: list[float] = param(Param(list, default=[], items=float, minimum=0.1, maximum=20.0,
                                                help="σ values to try; the best PSNR against the clean image is kept"))


    def resolve(self, params: dict[str, Any], spec: ModelSpec) -> dict[str, Any]:
        return with_schedule({**params, "kernel_size": odd_kernel(params["kernel_size"])}, spec)

    def check_params(self, params: Mapping[str, Any], inputs: Mapping[str, Any], image_size: int,
                     project_root: Path) -> list[Problem]:
        return kernel_problems("kernel_size", params["kernel_size"], image_size)

    def assemble(self, job: Job, tracks: Sequence[Any], ctx: Any) -> Result:
        from generator.diffusion.filters import gaussian_blur

        x0, x_t = clean_and_noisy(job)
        p = self.Params.from_job(job)
        k = p.kernel_size
        candidates = p.search_sigma or [p.sigma]
        scored = [(psnr(gaussian_blur(x_t, k, s), x0), s) for s in candidates]
        best_psnr, best_sigma = max(scored)
        denoised = gaussian_blur(x_t, k, best_sigma)
        info = {"sigma": best_sigma, "psnr_denoised": round(best_psnr, 2), "psnr_noisy": round(psnr(x_t, x0), 2)}
        return Result({"original": x0, "noisy": x_t, "blurred": denoised}, info)
