"""patch_permute, pixel_permute: a seeded shuffle of a grid of cells (8×8 patches; every stage-I pixel).

The reference draws its patch permutation unseeded; here each view draws from its own seed (`view_seed`),
never from global state. At larger sizes (stage II) the cells are size/cells pixels wide and move whole."""

from __future__ import annotations

import numpy as np

from generator.diffusion.views.base import pixel_grid
from generator.diffusion.views.permutation import Permutation, check_divides, flat_index


class Shuffle(Permutation):
    """A shuffle of a cells×cells grid by torch.randperm with its own generator."""

    def __init__(self, name: str, cells: int, seed: int, words: str) -> None:
        super().__init__()
        self.name, self.cells, self.seed = name, cells, seed
        self.words = words
        self.side_multiple = cells

    def make(self, n: int) -> np.ndarray:
        import torch

        k = check_divides(n, self.cells, self.name)
        perm = torch.randperm(self.cells**2, generator=torch.Generator().manual_seed(self.seed)).numpy()
        rows, cols = pixel_grid(n)
        source = perm[(rows // k) * self.cells + cols // k]
        return flat_index(n, (source // self.cells) * k + rows % k, (source % self.cells) * k + cols % k)
