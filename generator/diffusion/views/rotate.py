"""rotate_cw, rotate_ccw, rotate_180: the picture turned by k quarter turns (needs square images)."""

from __future__ import annotations

from generator.diffusion.views.base import Array, Motion, View, rot90


class Rotate(View):
    """A turn by k·90° counter-clockwise (k = −1: clockwise), as torch.rot90."""

    def __init__(self, name: str, k: int) -> None:
        self.name, self.k = name, k
        self.words = {-1: "turned 90° right", 1: "turned 90° left", 2: "turned 180°"}[k]

    def view(self, x: Array) -> Array:
        return rot90(x, self.k)

    def inverse_view(self, x: Array) -> Array:
        return rot90(x, -self.k)

    def motion(self, size: int) -> Motion:
        return Motion("rigid", angle=90.0 * self.k)
