"""white_balance (a failure): every pixel ×1.5 — the reference's WhiteBalanceViewFailure, an attempt at the
dress illusion. Invertible, but not orthogonal: the noise's variance grows 2.25-fold."""

from __future__ import annotations

from generator.diffusion.views.base import Array, View


class WhiteBalance(View):
    name = "white_balance"
    version = 2  # 2: the reference's ×1.5 (1: per-channel gains 1.3, 1, 0.7)
    invertible = False  # the inverse divides, which is exact only up to rounding
    keeps_noise = False
    failure = (
        "brightening by 1.5 scales the noise too: x_t is no longer a noisy image at the model's noise "
        "level, and dividing the estimate back amplifies its errors — not an orthogonal view"
    )

    def __init__(self, factor: float = 1.5) -> None:
        self.factor = factor

    def view(self, x: Array) -> Array:
        return x * self.factor

    def inverse_view(self, x: Array) -> Array:
        return x / self.factor

    def inverse_variance(self, v: Array) -> Array:
        return v  # as the reference: only the noise estimate is divided back
