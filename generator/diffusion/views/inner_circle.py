"""inner_circle: a centred disk of radius 3/8 of the side turned by 180°, the border still (the reference's
InnerCircleView: pixel centres (i − n/2 + ½, j − n/2 + ½) inside the radius, r = 24 at 64², 96 at 256²)."""

from __future__ import annotations

import numpy as np

from generator.diffusion.views.base import pixel_grid
from generator.diffusion.views.permutation import TurnedPieces


def disk(n: int, radius: float) -> np.ndarray:
    """The pixels whose centres lie inside a centred disk of radius `radius`·n (symmetric under 90° turns)."""
    rows, cols = pixel_grid(n)
    centre = (n - 1) / 2
    return (rows - centre) ** 2 + (cols - centre) ** 2 < (radius * n) ** 2


class InnerCircle(TurnedPieces):
    name = "inner_circle"
    words = "centre turned"

    def __init__(self, radius: float = 3 / 8) -> None:
        super().__init__()
        self.radius = radius

    def labels(self, n: int) -> np.ndarray:
        return disk(n, self.radius).astype(np.int64)  # 1: the disk, 0: the border

    def turns(self, n: int) -> np.ndarray:
        return np.array([0, 2])

    def pivots(self, n: int) -> np.ndarray:
        return np.full((2, 2), (n - 1) / 2)
