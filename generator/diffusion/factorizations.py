"""Factorized diffusion (Geng, Park & Owens 2024): the image as a sum of linear components x = Σ f_i(x); each
component's noise estimate comes from its own prompt, ε = Σ f_i(ε_i). Each factor is a linear map; the last
component of every factorization is the complement of the others, so the components sum to the identity.

- hybrid: f_low = G_σ (a Gaussian low-pass), f_high = 1 − G_σ; three bands: G_σ2·G_σ1, G_σ1 − G_σ2·G_σ1, 1 − G_σ1
- color: f_grey = the channel mean repeated, f_chroma = 1 − f_grey
- motion: f_blur = a box blur along the main diagonal (the streak of a moving camera), f_sharp = 1 − f_blur
- scale: f_i = w_i·1 with Σ w_i = 1 (CFG, composition and negation as special cases)

Parameters are given at `base_size` (the stage-I side) and scale with the image: at 256² (stage II of a 64²
model) σ, the kernel and the streak grow 4× (σ 2, kernel 33 → σ 8, kernel 133), as in the paper's settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import torch
import torch.nn.functional as F

from generator.diffusion.filters import gaussian_blur, hybrid_kernel, hybrid_sigmas, scaled_odd


Factor = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class LowPass:
    """f(x) = G_σ(x): Gaussian blur with `kernel_size` and `sigma` at `base_size`, scaled with the image."""

    kernel_size: int = 33
    sigma: float = 2.0
    base_size: int = 64

    def scaled(self, size: int) -> tuple[int, float]:
        return scaled_odd(self.kernel_size, size, self.base_size), self.sigma * size / self.base_size

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        kernel, sigma = self.scaled(x.shape[-1])
        return gaussian_blur(x, kernel, sigma)


@dataclass(frozen=True)
class Complement:
    """f(x) = x − g(x): what g leaves (HighPass for a low-pass g)."""

    low: Factor = LowPass()

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return x - self.low(x)


HighPass = Complement


@dataclass(frozen=True)
class Chain:
    """f(x) = second(first(x))."""

    first: Factor
    second: Factor

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.second(self.first(x))


@dataclass(frozen=True)
class Difference:
    """f(x) = a(x) − b(x): a band between two low-passes."""

    a: Factor
    b: Factor

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.a(x) - self.b(x)


@dataclass(frozen=True)
class Greyscale:
    """f(x) = mean over channels, repeated: the picture in dim light."""

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(-3, keepdim=True).expand_as(x)


@dataclass(frozen=True)
class MotionBlur:
    """f(x) = a box blur along the main diagonal, top left to bottom right (the reference's `eye(n) / n`, as a
    cross-correlation), `length` pixels at `base_size`, zero padding (as the reference's conv2d padding)."""

    length: int = 7
    base_size: int = 64

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 3:
            return self(x[None])[0]
        n = scaled_odd(self.length, x.shape[-1], self.base_size)
        channels = x.shape[-3]
        kernel = torch.eye(n, dtype=x.dtype, device=x.device) / n
        return F.conv2d(x, kernel.expand(channels, 1, n, n), padding=n // 2, groups=channels)


@dataclass(frozen=True)
class Scale:
    """f(x) = w·x."""

    weight: float

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.weight * x


@dataclass(frozen=True)
class Factorization:
    """Components f_1 … f_n of the identity (Σ f_i(x) = x), one per prompt, with a name for each."""

    name: str
    components: tuple[Factor, ...]
    labels: tuple[str, ...]

    def __call__(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [f(x) for f in self.components]


def hybrid(kernel_size: int = 33, sigma: float = 2.0, base_size: int = 64) -> tuple[LowPass, Complement]:
    """The (low, high) pair of a hybrid image; low + high is the identity."""
    low = LowPass(kernel_size, sigma, base_size)
    return low, Complement(low)


def hybrid_bands(kernel_size: int, sigmas: Sequence[float], base_size: int) -> Factorization:
    """2 bands (low, high) for one σ; 3 (low, middle, high) for σ1 < σ2: G_σ2 G_σ1, G_σ1 − G_σ2 G_σ1, 1 − G_σ1."""
    if len(sigmas) == 1:
        low, high = hybrid(kernel_size, sigmas[0], base_size)
        return Factorization("hybrid", (low, high), ("far", "near"))
    if len(sigmas) != 2:
        raise ValueError(f"a hybrid has 2 or 3 bands: give 1 or 2 σ values, got {list(sigmas)}")
    g1, g2 = LowPass(kernel_size, sigmas[0], base_size), LowPass(kernel_size, sigmas[1], base_size)
    far = Chain(g1, g2)
    return Factorization("hybrid", (far, Difference(g1, far), Complement(g1)), ("far", "middle", "near"))


def color(base_size: int = 64) -> Factorization:
    """(grey, chroma): one prompt in dim light, the other in colour."""
    return Factorization("color", (Greyscale(), Complement(Greyscale())), ("grey", "color"))


def motion(length: int, base_size: int) -> Factorization:
    """(blurred, sharp): one prompt seen moving, the other still."""
    blur = MotionBlur(length, base_size)
    return Factorization("motion", (blur, Complement(blur)), ("moving", "still"))


def scale(weights: Sequence[float]) -> Factorization:
    """w_1·1, …, w_n·1 with Σ w_i = 1: [γ, 1 − γ] over (prompt, "") is CFG, [½, ½] a composition, [1 + λ, −λ]
    a negation of the second prompt."""
    if abs(sum(weights) - 1) > 1e-6:
        raise ValueError(f"scale weights must sum to 1 (so the components sum to the image), got {list(weights)}")
    return Factorization("scale", tuple(Scale(float(w)) for w in weights), tuple(f"×{w:g}" for w in weights))


FACTORIZATIONS = ("hybrid", "color", "motion", "scale")


def factorization(
    name: str,
    bands: int,
    size: int,
    *,
    sigmas: Sequence[float] = (),
    kernel_size: int = 0,
    motion_length: int = 7,
    weights: Sequence[float] = (),
) -> Factorization:
    """The factorization `name` with `bands` components (one per prompt) for a model of `size`² images; σ, the
    kernel and the streak are given at stage I (`size`) and scale with the image at stage II. No σ: the
    paper's (filters.hybrid_sigmas); kernel 0: filters.hybrid_kernel — the rule the `hybrid` mode uses too."""
    if name == "hybrid":
        sigmas = list(sigmas) or hybrid_sigmas(bands, size)
        return hybrid_bands(kernel_size or hybrid_kernel(max(sigmas), size), sigmas, size)
    if name == "color":
        return color(size)
    if name == "motion":
        return motion(motion_length, size)
    if name == "scale":
        return scale(weights)
    raise ValueError(f"unknown factorization {name!r}; choose one of: {', '.join(FACTORIZATIONS)}")
