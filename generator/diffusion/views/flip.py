"""flip: upside down, rows reversed (the reference's torch.flip over the height)."""

from __future__ import annotations

import numpy as np

from generator.diffusion.views.base import Array, Motion, View, is_numpy


class Flip(View):
    name = "flip"
    words = "upside down"

    def view(self, x: Array) -> Array:
        return np.flip(x, -2) if is_numpy(x) else x.flip(-2)

    def inverse_view(self, x: Array) -> Array:
        return self.view(x)

    def motion(self, size: int) -> Motion:
        return Motion("flip")
