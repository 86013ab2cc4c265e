"""negate: x ↦ −x, orthogonal but not a permutation."""

from __future__ import annotations

from generator.diffusion.views.base import Array, View


class Negate(View):
    """−x; the predicted variance is mapped back as it is (as the reference's NegateView)."""

    name = "negate"
    words = "negative"

    def view(self, x: Array) -> Array:
        return -x

    def inverse_view(self, x: Array) -> Array:
        return -x

    def inverse_variance(self, v: Array) -> Array:
        return v
