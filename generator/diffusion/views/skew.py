"""skew: column c rolled circularly down by int(f·(c − n/2)) rows, f = 1.5 (the reference's SkewView)."""

from __future__ import annotations

import numpy as np

from generator.diffusion.views.base import pixel_grid
from generator.diffusion.views.permutation import Permutation, flat_index


class Skew(Permutation):
    name = "skew"
    words = "skewed"

    def __init__(self, factor: float = 1.5) -> None:
        super().__init__()
        self.factor = factor

    def make(self, n: int) -> np.ndarray:
        rows, cols = pixel_grid(n)
        shift = np.array([int(self.factor * (c - n / 2)) for c in range(n)])[cols]
        return flat_index(n, (rows - shift) % n, cols)
