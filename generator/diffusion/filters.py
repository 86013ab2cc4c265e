"""Gaussian blur, shared by the classical blur-denoising baseline and the hybrid-image factorization, and the
odd-kernel rounding every kernel width goes through. Importing this module loads no torch (recipes are checked
without it); the blur imports it when it runs."""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Sequence


if TYPE_CHECKING:
    import torch


def odd_kernel(width: int) -> int:
    """The odd kernel width for `width`: `width` itself if odd, else `width` + 1 (a centred kernel has a middle)."""
    return width + (width % 2 == 0)


def scaled_odd(width: int, size: int, base_size: int) -> int:
    """`width` pixels at base_size, scaled to `size` and made odd."""
    return odd_kernel(round(width * size / base_size))


PAPER_SIGMAS = {2: (2.0,), 3: (1.0, 2.0)}  # hybrid σ at 64² (Geng et al. 2024): two bands, three bands
PAPER_SIZE = 64


def hybrid_sigmas(bands: int, size: int) -> list[float]:
    """The paper's hybrid σ at 64² — 2 for two bands, 1 and 2 for three — scaled to size² images (1 at 32²)."""
    return [s * size / PAPER_SIZE for s in PAPER_SIGMAS[bands]]


def hybrid_kernel(sigma: float, size: int) -> int:
    """The Gaussian kept to ±8σ: width 2·⌈8σ⌉ + 1 (33 at σ 2, the reference's at 64²), at most 2·size − 1 (what
    reflect padding allows on size² images). What it cuts off is below 1e-14 of the weight."""
    return min(2 * math.ceil(8 * sigma) + 1, 2 * size - 1)


def min_kernel(sigma: float) -> int:
    """The narrowest odd kernel ≥ 5σ + 1 wide (kernel ≈ 5σ avoids edge effects, Geng et al.'s reference code);
    narrower kernels cut off enough of the Gaussian to blur less than σ says (see `effective_sigma`)."""
    return odd_kernel(math.ceil(5 * sigma + 1))


def effective_sigma(kernel_size: int, sigma: float) -> float:
    """The standard deviation of the Gaussian truncated to `kernel_size` taps and renormalised: the blur it does."""
    taps = [i - (kernel_size - 1) / 2 for i in range(kernel_size)]
    weights = [math.exp(-t * t / (2 * sigma * sigma)) for t in taps]
    return math.sqrt(sum(w * t * t for w, t in zip(weights, taps)) / sum(weights))


def hybrid_kernel_problem(kernel_size: int, sigmas: Sequence[float]) -> str | None:
    """Why `kernel_size` is too narrow for the widest σ, or None."""
    sigma = max(sigmas)
    if kernel_size >= 5 * sigma + 1:
        return None
    return (
        f"kernel_size {kernel_size} is narrower than 5σ + 1 = {5 * sigma + 1:g} for σ {sigma:g}: it cuts off the "
        f"Gaussian's tails, so the blur is σ {effective_sigma(kernel_size, sigma):.2f}, not {sigma:g}; use at "
        f"least {min_kernel(sigma)}, or 0 for the default {2 * math.ceil(8 * sigma) + 1}"
    )


def gaussian_kernel1d(kernel_size: int, sigma: float, dtype: torch.dtype | None = None) -> torch.Tensor:
    """g(i) ∝ exp(−i² / 2σ²) for i = −(k−1)/2 … (k−1)/2, normalised to sum 1 (float32 unless `dtype`)."""
    import torch

    if kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f"Gaussian kernel_size must be a positive odd integer, got {kernel_size}")
    if sigma <= 0:
        raise ValueError(f"Gaussian sigma must be positive, got {sigma}")
    i = torch.arange(kernel_size, dtype=torch.float64) - (kernel_size - 1) / 2
    g = torch.exp(-(i**2) / (2 * sigma**2))
    return (g / g.sum()).to(dtype or torch.float32)


@functools.lru_cache(maxsize=64)
def _kernel_on(kernel_size: int, sigma: float, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """The 1-D kernel, copied to `device` once (no host-to-device copy inside a sampling loop)."""
    return gaussian_kernel1d(kernel_size, sigma, dtype).to(device)


def gaussian_blur(x: torch.Tensor, kernel_size: int, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of (B, C, H, W) or (C, H, W) images, reflect padding at the borders."""
    import torch.nn.functional as F

    if x.dim() == 3:
        return gaussian_blur(x[None], kernel_size, sigma)[0]
    if x.dim() != 4:
        raise ValueError(f"gaussian_blur expects (B, C, H, W) or (C, H, W), got shape {tuple(x.shape)}")
    _, channels, height, width = x.shape
    pad = kernel_size // 2
    if pad >= min(height, width):
        raise ValueError(
            f"kernel_size {kernel_size} is too large for a {height}×{width} image with reflect "
            f"padding: use at most {2 * min(height, width) - 1}"
        )
    g = _kernel_on(kernel_size, float(sigma), x.dtype, x.device)
    x = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    x = F.conv2d(x, g.view(1, 1, -1, 1).expand(channels, 1, -1, 1), groups=channels)
    return F.conv2d(x, g.view(1, 1, 1, -1).expand(channels, 1, 1, -1), groups=channels)
