"""identity: the picture as it is."""

from __future__ import annotations

from generator.diffusion.views.base import Array, Motion, View


class Identity(View):
    name = "identity"
    words = "upright"

    def view(self, x: Array) -> Array:
        return x

    def inverse_view(self, x: Array) -> Array:
        return x

    def motion(self, size: int) -> Motion:
        return Motion("rigid", angle=0.0)
