"""Views for visual anagrams (Geng, Park & Owens, CVPR 2024): orthogonal maps of the image — mostly pixel
permutations, which keep Gaussian noise i.i.d. Gaussian — each with its exact inverse.

A view acts on the last two dims of any tensor (…, H, W). Every permutation is defined on a base grid (the
stage-I image, or a coarser grid of patches) and applied block-wise at larger sizes, so stage II at 256²
sees the very same permutation as stage I at 64². Seeded views (patch_permute, pixel_permute) draw their
permutation from their own seed, never from global state.
"""

from __future__ import annotations

from typing import Callable

import torch


class View:
    """An image transform v with v⁻¹; `name` is how recipes refer to it."""

    name: str = "view"

    def view(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def inverse_view(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def inverse_variance(self, v: torch.Tensor) -> torch.Tensor:
        """Map predicted variance back: like the noise, except for sign flips (variance has no sign)."""
        return self.inverse_view(v)

    def __repr__(self) -> str:
        return f"<view {self.name}>"


class Identity(View):
    name = "identity"

    def view(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def inverse_view(self, x: torch.Tensor) -> torch.Tensor:
        return x


class Negate(View):
    """x ↦ −x: orthogonal but not a permutation; the variance is left as it is."""

    name = "negate"

    def view(self, x: torch.Tensor) -> torch.Tensor:
        return -x

    def inverse_view(self, x: torch.Tensor) -> torch.Tensor:
        return -x

    def inverse_variance(self, v: torch.Tensor) -> torch.Tensor:
        return v


class Flip(View):
    """Upside down: rows reversed."""

    name = "flip"

    def view(self, x: torch.Tensor) -> torch.Tensor:
        return x.flip(-2)

    def inverse_view(self, x: torch.Tensor) -> torch.Tensor:
        return x.flip(-2)


class Rotate(View):
    """A rotation by k·90° counter-clockwise (k = −1: clockwise); needs square images."""

    def __init__(self, name: str, k: int) -> None:
        self.name, self.k = name, k

    def view(self, x: torch.Tensor) -> torch.Tensor:
        return torch.rot90(x, self.k, dims=(-2, -1))

    def inverse_view(self, x: torch.Tensor) -> torch.Tensor:
        return torch.rot90(x, -self.k, dims=(-2, -1))


class Permutation(View):
    """A pixel permutation defined on an n×n base grid; at size k·n each base cell is a k×k block."""

    def __init__(self, name: str, grid: int, make: Callable[[int], torch.Tensor]) -> None:
        self.name, self.grid, self._make = name, grid, make
        self._cache: dict[tuple[int, int, str], tuple[torch.Tensor, torch.Tensor]] = {}

    def base_permutation(self) -> torch.Tensor:
        """perm over the n² base cells: view(x)[i] = x[perm[i]] (row-major)."""
        return self._make(self.grid)

    def _indices(self, h: int, w: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        key = (h, w, str(device))
        if key not in self._cache:
            n = self.grid
            if h != w or h % n:
                raise ValueError(f"view {self.name!r} needs a square image whose side is a multiple of {n}, "
                                 f"got {h}×{w}")
            perm = block_expand(self.base_permutation(), n, h // n)
            self._cache[key] = (perm.to(device), torch.argsort(perm).to(device))
        return self._cache[key]

    def _apply(self, x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        flat = x.flatten(-2)
        return flat[..., index].reshape(x.shape)

    def view(self, x: torch.Tensor) -> torch.Tensor:
        return self._apply(x, self._indices(x.shape[-2], x.shape[-1], x.device)[0])

    def inverse_view(self, x: torch.Tensor) -> torch.Tensor:
        return self._apply(x, self._indices(x.shape[-2], x.shape[-1], x.device)[1])


def block_expand(perm: torch.Tensor, n: int, k: int) -> torch.Tensor:
    """A permutation of n×n cells → the permutation of (k·n)² pixels that moves k×k blocks the same way."""
    if k == 1:
        return perm
    size = n * k
    rows, cols = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    source = perm[(rows // k) * n + cols // k]                   # the base cell each output block reads
    return (((source // n) * k + rows % k) * size + (source % n) * k + cols % k).flatten()


def grid_permutation(fn: Callable[[torch.Tensor, torch.Tensor, int], tuple[torch.Tensor, torch.Tensor]]
                     ) -> Callable[[int], torch.Tensor]:
    """A permutation from a map (row, col) → source (row, col) over an n×n grid."""
    def make(n: int) -> torch.Tensor:
        rows, cols = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
        src_r, src_c = fn(rows, cols, n)
        return (src_r * n + src_c).flatten()
    return make


def seeded_permutation(seed: int) -> Callable[[int], torch.Tensor]:
    return lambda n: torch.randperm(n * n, generator=torch.Generator().manual_seed(seed))


def skew(factor: float) -> Callable[[int], torch.Tensor]:
    """Column c rolled circularly down by int(factor · (c − n/2)) rows."""
    def fn(rows: torch.Tensor, cols: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        shift = torch.tensor([int(factor * (c - n / 2)) for c in range(n)])[cols]
        return (rows - shift) % n, cols
    return grid_permutation(fn)


def inner_circle(radius: float) -> Callable[[int], torch.Tensor]:
    """A centred disk of radius `radius`·n turned by 180°; the rest stays."""
    def fn(rows: torch.Tensor, cols: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        centre = (n - 1) / 2
        inside = (rows - centre) ** 2 + (cols - centre) ** 2 < (radius * n) ** 2
        return torch.where(inside, n - 1 - rows, rows), torch.where(inside, n - 1 - cols, cols)
    return grid_permutation(fn)


# name → factory(size, seed): size is the stage-I image side; seed only matters for seeded views.
VIEWS: dict[str, Callable[[int, int], View]] = {
    "identity": lambda size, seed: Identity(),
    "flip": lambda size, seed: Flip(),
    "rotate_cw": lambda size, seed: Rotate("rotate_cw", -1),
    "rotate_ccw": lambda size, seed: Rotate("rotate_ccw", 1),
    "rotate_180": lambda size, seed: Rotate("rotate_180", 2),
    "negate": lambda size, seed: Negate(),
    "skew": lambda size, seed: Permutation("skew", size, skew(1.5)),
    "patch_permute": lambda size, seed: Permutation("patch_permute", 8, seeded_permutation(seed)),
    "pixel_permute": lambda size, seed: Permutation("pixel_permute", size, seeded_permutation(seed)),
    "inner_circle": lambda size, seed: Permutation("inner_circle", size, inner_circle(3 / 8)),
}


def get_view(name: str, size: int, seed: int = 0) -> View:
    """The view called `name` for stage-I images of side `size` (seeded views use `seed`)."""
    if name not in VIEWS:
        raise ValueError(f"unknown view {name!r}; choose one of: {', '.join(VIEWS)}")
    return VIEWS[name](size, seed)


def is_permutation(view: View, size: int) -> bool:
    """True when the view only moves pixels (an i.i.d. Gaussian stays i.i.d. Gaussian)."""
    x = torch.arange(size * size, dtype=torch.float64).reshape(1, size, size)
    y = view.view(x)
    return bool(torch.equal(y.flatten().sort().values, x.flatten()))
