"""blur (a failure): the picture made 8× smaller and back, bilinear both ways — the reference's BlurViewFailure
(torchvision 0.16's `resize` on tensors: bilinear, no antialiasing) — whose 'inverse' passes the estimate on."""

from __future__ import annotations

import numpy as np

from generator.diffusion.views.base import Array, View, is_numpy


def bilinear_resize(x: Array, size: int) -> Array:
    """Bilinear resampling of the last two dims to size×size (half-pixel centres, no antialiasing)."""
    if is_numpy(x):
        import torch

        return bilinear_resize(torch.from_numpy(np.ascontiguousarray(x)), size).numpy()
    import torch.nn.functional as F

    flat = x.reshape(-1, 1, *x.shape[-2:])
    out = F.interpolate(flat, size=(size, size), mode="bilinear", align_corners=False, antialias=False)
    return out.reshape(*x.shape[:-2], size, size)


class Blur(View):
    name = "blur"
    version = 2  # 2: the reference's ×8 down and up (1: a Gaussian blur with a Wiener inverse)
    invertible = False
    keeps_noise = False
    failure = (
        "a blur is not invertible and not orthogonal: it removes the noise's high frequencies, so the "
        "blurred x_t is not the noisy image the model was trained on, and the estimate cannot be mapped back"
    )

    def __init__(self, factor: int = 8) -> None:
        self.factor = factor

    def view(self, x: Array) -> Array:
        n = x.shape[-1]
        return bilinear_resize(bilinear_resize(x, n // self.factor), n)

    def inverse_view(self, x: Array) -> Array:
        return x
