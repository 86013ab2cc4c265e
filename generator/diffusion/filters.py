"""Gaussian blur, shared by the classical blur-denoising baseline and the hybrid-image factorization, and the
odd-kernel rounding every kernel width goes through. Importing this module loads no torch (recipes are checked
without it); the blur imports it when it runs."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def odd_kernel(width: int) -> int:
    """The odd kernel width for `width`: `width` itself if odd, else `width` + 1 (a centred kernel has a middle)."""
    return width + (width % 2 == 0)


def scaled_odd(width: int, size: int, base_size: int) -> int:
    """`width` pixels at base_size, scaled to `size` and made odd."""
    return odd_kernel(round(width * size / base_size))


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
        raise ValueError(f"kernel_size {kernel_size} is too large for a {height}×{width} image with reflect "
                         f"padding: use at most {2 * min(height, width) - 1}")
    g = _kernel_on(kernel_size, float(sigma), x.dtype, x.device)
    x = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    x = F.conv2d(x, g.view(1, 1, -1, 1).expand(channels, 1, -1, 1), groups=channels)
    return F.conv2d(x, g.view(1, 1, 1, -1).expand(channels, 1, 1, -1), groups=channels)
