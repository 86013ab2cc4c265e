"""What every view of a visual anagram is (Geng, Park & Owens, CVPR 2024): a map v of the image with its inverse.

The method needs orthogonal views — pixel permutations (and negation) keep Gaussian noise i.i.d. Gaussian —
with exact inverses; the paper's failure cases say why they break that. A view acts on the last two dims of a
torch tensor or a numpy array (…, H, W), at the size it is given. `motion` describes the view's geometry as a
movement (which pieces turn by how much about where), for the site to animate; this package draws nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np


Array = Any  # a torch.Tensor or a numpy.ndarray, (…, H, W)


@dataclass(frozen=True)
class Motion:
    """A view's geometry as a movement from the upright picture (s = 0) to the view (s = 1). `kind`:
    - rigid:  the whole picture turns counter-clockwise by `angle` degrees;
    - flip:   the picture folds over its horizontal axis;
    - pieces: piece k of the upright picture (`labels` (H, W)) turns counter-clockwise by `angles[k]` degrees
              about `pivots[k]` (row, col) and moves by `shifts[k]` (rows, cols): at s, the picture at p shows
              the upright pixel pivot + R(s·angle)(p − pivot) + s·shift, R the turn of torch.rot90;
    - paths:  every pixel slides along a straight line from where it is to where the view puts it;
    - fade:   no movement shows it (negation, views that are not permutations)."""

    kind: str
    angle: float = 0.0
    labels: np.ndarray | None = None
    pivots: np.ndarray | None = None
    angles: np.ndarray | None = None
    shifts: np.ndarray | None = None


class View:
    """An image transform v with v⁻¹; `name` is how recipes refer to it."""

    name: str = "view"  # a class's, or an instance's where one class makes several views (rotations)
    words: str = ""  # how a reader looks at its reading ("upside down"); "": the name, spaced
    version: ClassVar[int] = 1  # bump when the pixels the view makes change: jobs using it get new keys
    invertible: ClassVar[bool] = True  # inverse_view(view(x)) == x exactly
    keeps_noise: ClassVar[bool] = True  # orthogonal: N(0, I) stays N(0, I) (the method's requirement)
    failure: ClassVar[str | None] = None  # why the anagram sampler fails with this view (None: it works)
    side_multiple: int = 1  # the image side must be a multiple of this (its pieces or cells)

    def view(self, x: Array) -> Array:
        raise NotImplementedError

    def inverse_view(self, x: Array) -> Array:
        raise NotImplementedError

    def inverse_variance(self, v: Array) -> Array:
        """Map predicted variance back: like the noise, except for sign flips (variance has no sign)."""
        return self.inverse_view(v)

    def motion(self, size: int) -> Motion:
        """The view as a movement at `size`; by default none (a crossfade shows it)."""
        return Motion("fade")

    def __repr__(self) -> str:
        return f"<view {self.name}>"


def is_numpy(x: Array) -> bool:
    return isinstance(x, np.ndarray)


def rot90(x: Array, k: int) -> Array:
    """torch.rot90 / np.rot90 over the last two dims (counter-clockwise for k > 0)."""
    if is_numpy(x):
        return np.rot90(x, k, axes=(-2, -1))
    import torch

    return torch.rot90(x, k, dims=(-2, -1))


def gather(x: Array, index: Any) -> Array:
    """out[…, i] = x[…, index[i]] over the flattened last two dims."""
    flat = x.reshape(*x.shape[:-2], -1)
    return flat[..., index].reshape(x.shape)


def pixel_grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) int arrays of a size×size image."""
    return np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
