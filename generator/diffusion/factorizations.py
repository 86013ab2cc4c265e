"""Factorized diffusion (Geng, Park & Owens 2024): the image as a sum of linear components x = Σ f_i(x); each
component's noise estimate comes from its own prompt, ε = Σ f_i(ε_i). Hybrid images: f_low = G_σ (a
Gaussian low-pass), f_high = 1 − G_σ.

Components are defined at the stage-I size and scale with the image: at 256² (stage II of a 64² model) σ and
the kernel grow 4× (σ 2, kernel 33 → σ 8, kernel 133), as in the paper's reference settings.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from generator.diffusion.filters import gaussian_blur


@dataclass(frozen=True)
class LowPass:
    """f(x) = G_σ(x): Gaussian blur with `kernel_size` and `sigma` at `base_size`, scaled with the image."""

    kernel_size: int = 33
    sigma: float = 2.0
    base_size: int = 64

    def scaled(self, size: int) -> tuple[int, float]:
        scale = size / self.base_size
        kernel = round(self.kernel_size * scale)
        return kernel + (kernel % 2 == 0), self.sigma * scale

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        kernel, sigma = self.scaled(x.shape[-1])
        return gaussian_blur(x, kernel, sigma)


@dataclass(frozen=True)
class HighPass:
    """f(x) = x − G_σ(x): what the low-pass leaves."""

    low: LowPass = LowPass()

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return x - self.low(x)


def hybrid(kernel_size: int = 33, sigma: float = 2.0, base_size: int = 64) -> tuple[LowPass, HighPass]:
    """The (low, high) pair of a hybrid image; low + high is the identity."""
    low = LowPass(kernel_size, sigma, base_size)
    return low, HighPass(low)
