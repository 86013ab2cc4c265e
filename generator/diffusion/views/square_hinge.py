"""square_hinge: the image cut into 3×3 squares, each turned a quarter turn about its centre — clockwise where
i + j is even (the corners and the middle), counter-clockwise elsewhere — as the reference's SquareHingeView
(https://www.youtube.com/watch?v=vrOjy-v5JgQ&t=120). The squares are n // 3 wide from the top left; the
n mod 3 rows and columns left over at the bottom and right stay where they are."""

from __future__ import annotations

import numpy as np

from generator.diffusion.views.base import pixel_grid
from generator.diffusion.views.permutation import TurnedPieces


SQUARES = 3


class SquareHinge(TurnedPieces):
    name = "square_hinge"
    version = 2  # 2: the reference's 3×3 squares and turns (1: 4×4, the other way round)

    def labels(self, n: int) -> np.ndarray:
        """Square i·3 + j for the pixels of square (i, j); 9 for the leftover border."""
        side = n // SQUARES
        rows, cols = pixel_grid(n)
        inside = (rows < SQUARES * side) & (cols < SQUARES * side)
        return np.where(inside, (rows // side) * SQUARES + cols // side, SQUARES * SQUARES)

    def turns(self, n: int) -> np.ndarray:
        """Quarter turns counter-clockwise per square (−1: clockwise), 0 for the border."""
        i, j = np.divmod(np.arange(SQUARES * SQUARES), SQUARES)
        return np.append(np.where((i + j) % 2 == 0, -1, 1), 0)

    def pivots(self, n: int) -> np.ndarray:
        side = n // SQUARES
        i, j = np.divmod(np.arange(SQUARES * SQUARES), SQUARES)
        centres = np.stack([i * side + (side - 1) / 2, j * side + (side - 1) / 2], 1)
        return np.vstack([centres, [[(n - 1) / 2, (n - 1) / 2]]])
