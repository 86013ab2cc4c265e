"""`blur_denoise`: the classical baseline — Gaussian blur of the noisy image, optionally the best σ by PSNR."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from generator.diffusion.filters import gaussian_blur, odd_kernel
from generator.jobs import InputImage, Job
from generator.models.base import ModelSpec
from generator.modes.base import ModelFreeMode, Problem, Result, register
from generator.modes.common import kernel_problems
from generator.modes.forward import T_PARAM, Scheduled, clean_and_noisy, with_schedule
from generator.params import Param, param


if TYPE_CHECKING:
    import torch


def psnr(x: torch.Tensor, reference: torch.Tensor) -> float:
    """Peak signal-to-noise ratio in dB of images in [-1, 1], measured on the displayed [0, 1] scale."""
    mse = float((((x.clamp(-1, 1) - reference) / 2) ** 2).mean())
    return math.inf if mse == 0 else 10 * math.log10(1 / mse)


@dataclass(frozen=True)
class BlurParams(Scheduled):
    t: int = param(T_PARAM)
    kernel_size: int = param(Param(int, default=5, minimum=1, maximum=65, help="odd Gaussian kernel width"))
    sigma: float = param(Param(float, default=2.0, minimum=0.1, maximum=20.0, sweepable=True, help="Gaussian σ"))
    search_sigma: list[float] = param(
        Param(
            list,
            default=[],
            items=float,
            minimum=0.1,
            maximum=20.0,
            help="σ values to try; the best PSNR against the clean image is kept",
        )
    )


@register
class BlurDenoise(ModelFreeMode[BlurParams]):
    name = "blur_denoise"
    inputs = ("image",)
    shared_images = ("original",)
    Params = BlurParams
    noun = "Gaussian-blur denoising"

    def resolve(self, p: BlurParams, spec: ModelSpec) -> BlurParams:
        return with_schedule(replace(p, kernel_size=odd_kernel(p.kernel_size)), spec)

    def check_params(self, p: BlurParams, inputs: Mapping[str, InputImage], project_root: Path) -> list[Problem]:
        return kernel_problems("kernel_size", p.kernel_size, p.size)

    def make(self, job: Job[BlurParams]) -> Result:
        p = job.params
        x0, x_t = clean_and_noisy(job, p.t)
        scored = [(psnr(gaussian_blur(x_t, p.kernel_size, s), x0), s) for s in p.search_sigma or [p.sigma]]
        best_psnr, best_sigma = max(scored)
        denoised = gaussian_blur(x_t, p.kernel_size, best_sigma)
        info = {"sigma": best_sigma, "psnr_denoised": round(best_psnr, 2), "psnr_noisy": round(psnr(x_t, x0), 2)}
        shown = {"original": x0, "noisy": x_t.clamp(-1, 1), "blurred": denoised.clamp(-1, 1)}  # as the PNGs clip
        return Result(shown, info)
