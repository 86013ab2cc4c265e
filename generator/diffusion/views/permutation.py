"""Views that only move pixels, built natively at each size — a permutation of the size² pixels, never a block
expansion of a smaller one, so stage II at 256² applies the true transformation.

`Permutation` gathers by an index array; `TurnedPieces` builds that array from a partition of the image into
pieces, each turned by quarter turns about a pivot (the disk of inner_circle, the squares of square_hinge).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from generator.diffusion.views.base import Array, Motion, View, gather, is_numpy, pixel_grid


class Permutation(View):
    """view(x).flat[i] = x.flat[perm[i]], perm = `make(size)` for the size it is applied at."""

    def __init__(self) -> None:
        self._perms: dict[int, np.ndarray] = {}
        self._torch: dict[tuple[int, str], tuple[Any, Any]] = {}

    def make(self, n: int) -> np.ndarray:
        """The gather index over the n² pixels (row-major); raises ValueError for a size the view cannot take."""
        raise NotImplementedError

    def permutation(self, size: int) -> np.ndarray:
        """perm over the size² pixels (row-major), int64, read-only; made once per size."""
        if size not in self._perms:
            perm = np.asarray(self.make(size), dtype=np.int64)
            if not np.array_equal(np.sort(perm), np.arange(size * size)):
                raise ValueError(f"view {self.name!r} at {size}×{size}: not a permutation of the pixels")
            perm.setflags(write=False)
            self._perms[size] = perm
        return self._perms[size]

    def inverse_permutation(self, size: int) -> np.ndarray:
        return np.argsort(self.permutation(size))

    def motion(self, size: int) -> Motion:
        return Motion("paths")

    def _index(self, x: Array, inverse: bool) -> Any:
        h, w = x.shape[-2:]
        if h != w:
            raise ValueError(f"view {self.name!r} needs a square image, got {h}×{w}")
        if is_numpy(x):
            return self.inverse_permutation(h) if inverse else self.permutation(h)
        key = (h, str(x.device))
        if key not in self._torch:
            import torch

            perm = torch.from_numpy(self.permutation(h).copy()).to(x.device)
            self._torch[key] = (perm, torch.argsort(perm))
        return self._torch[key][inverse]

    def view(self, x: Array) -> Array:
        return gather(x, self._index(x, False))

    def inverse_view(self, x: Array) -> Array:
        return gather(x, self._index(x, True))


def turn_source(
    rows: np.ndarray, cols: np.ndarray, k: np.ndarray, pivot: tuple[Any, Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Where the picture at (rows, cols) comes from when it is turned by k·90° counter-clockwise (torch.rot90)
    about `pivot` (row, col): the inverse turn of the output position. Exact for pixel-centred pivots."""
    pr, pc = pivot
    dr, dc = rows - pr, cols - pc
    k = np.asarray(k) % 4
    src_r = np.select([k == 0, k == 1, k == 2, k == 3], [dr, dc, -dr, -dc])
    src_c = np.select([k == 0, k == 1, k == 2, k == 3], [dc, -dr, -dc, dr])
    return np.rint(src_r + pr).astype(np.int64), np.rint(src_c + pc).astype(np.int64)


def flat_index(size: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    return (rows * size + cols).ravel()


def check_divides(n: int, parts: int, name: str) -> int:
    """The side of one of parts×parts cells of an n×n image; ValueError when they do not tile it."""
    if n % parts:
        raise ValueError(
            f"view {name!r} cuts the image into {parts}×{parts} pieces: its side must be a multiple "
            f"of {parts}, got {n}"
        )
    return n // parts


class TurnedPieces(Permutation):
    """Each labelled piece turned by turns[label] quarter turns about pivots[label]; the label map must be mapped
    onto itself by those turns (else `permutation` raises)."""

    def labels(self, n: int) -> np.ndarray:
        raise NotImplementedError

    def turns(self, n: int) -> np.ndarray:
        raise NotImplementedError

    def pivots(self, n: int) -> np.ndarray:
        raise NotImplementedError

    def make(self, n: int) -> np.ndarray:
        labels, (rows, cols) = self.labels(n), pixel_grid(n)
        pivot = self.pivots(n)[labels]
        src_r, src_c = turn_source(rows, cols, self.turns(n)[labels], (pivot[..., 0], pivot[..., 1]))
        return flat_index(n, src_r, src_c)

    def motion(self, size: int) -> Motion:
        labels = self.labels(size)
        return Motion(
            "pieces",
            labels=labels,
            pivots=self.pivots(size),
            angles=90.0 * self.turns(size),
            shifts=np.zeros((int(labels.max()) + 1, 2)),
        )
