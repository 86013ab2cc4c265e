"""inner_circle_bilinear (a failure): the inner disk turned by 135° counter-clockwise with bilinear interpolation —
the reference's InnerCircleViewFailure (torchvision's `rotate` about the image centre, zeros outside, the disk
mask at (i − n/2)² + (j − n/2)² < ⌊3n/8⌋², as it draws it). Not a permutation: pixels are mixed."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from generator.diffusion.views.base import Array, View, gather, is_numpy, pixel_grid


def reference_disk(n: int) -> np.ndarray:
    """The reference failure view's mask: centred on pixel (n/2, n/2), radius ⌊3n/8⌋."""
    rows, cols = pixel_grid(n)
    return (rows - n / 2) ** 2 + (cols - n / 2) ** 2 < int(n / 8 * 3) ** 2


@lru_cache(maxsize=32)
def bilinear_turn(n: int, angle: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Four (source index, weight) pairs: inside the disk the picture turned by `angle`° counter-clockwise about
    the image centre, bilinear, sources outside the image reading zero; outside the disk each pixel itself."""
    rows, cols = pixel_grid(n)
    c, a = (n - 1) / 2, math.radians(angle)
    sr = c + math.sin(a) * (cols - c) + math.cos(a) * (rows - c)
    sc = c + math.cos(a) * (cols - c) - math.sin(a) * (rows - c)
    inside = reference_disk(n)
    sr, sc = np.where(inside, sr, rows), np.where(inside, sc, cols)
    r0, c0 = np.floor(sr).astype(np.int64), np.floor(sc).astype(np.int64)
    fr, fc = sr - r0, sc - c0
    index, weight = [], []
    for dr, dc, w in ((0, 0, (1 - fr) * (1 - fc)), (0, 1, (1 - fr) * fc), (1, 0, fr * (1 - fc)), (1, 1, fr * fc)):
        r, cc = r0 + dr, c0 + dc
        inside_image = (r >= 0) & (r < n) & (cc >= 0) & (cc < n)
        index.append((np.clip(r, 0, n - 1) * n + np.clip(cc, 0, n - 1)).ravel())
        weight.append(np.where(inside_image, w, 0.0).ravel())
    return index, weight


class BilinearInnerCircle(View):
    name = "inner_circle_bilinear"
    version = 2  # 2: the reference's turn direction, mask and zero padding
    invertible = False
    keeps_noise = False
    failure = (
        "a turn by an angle that is not a multiple of 90° resamples pixels bilinearly: neighbouring noise "
        "values are averaged (the noise loses variance and becomes correlated) and turning back blurs "
        "the estimate instead of undoing the view"
    )

    def __init__(self, angle: float = 135.0) -> None:
        self.angle = angle

    def _turn(self, x: Array, angle: float) -> Array:
        n = x.shape[-1]
        index, weight = bilinear_turn(n, angle)
        if is_numpy(x):
            return sum(w.reshape(n, n) * gather(x, i) for i, w in zip(index, weight))
        import torch

        parts = [
            torch.from_numpy(w.reshape(n, n)).to(x.device, x.dtype) * gather(x, torch.from_numpy(i).to(x.device))
            for i, w in zip(index, weight)
        ]
        return sum(parts[1:], parts[0])

    def view(self, x: Array) -> Array:
        return self._turn(x, self.angle)

    def inverse_view(self, x: Array) -> Array:
        return self._turn(x, -self.angle)
