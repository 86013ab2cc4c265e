"""Views for visual anagrams (Geng, Park & Owens, CVPR 2024), one per module, registered here by name.

Exact views first — identity, flip, the rotations, negate, then the permutations with their geometry (skew, the
seeded shuffles, inner_circle, square_hinge, jigsaw) — then the paper's failure cases (blur, white_balance,
inner_circle_bilinear), whose contract says `invertible = False` / `keeps_noise = False` and `failure` why.
Importing the package loads no torch: the registry and the geometry are numpy.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

import numpy as np

from generator.diffusion.views.base import Array, Motion, View, gather, pixel_grid, rot90
from generator.diffusion.views.blur import Blur
from generator.diffusion.views.flip import Flip
from generator.diffusion.views.identity import Identity
from generator.diffusion.views.inner_circle import InnerCircle, disk
from generator.diffusion.views.inner_circle_bilinear import BilinearInnerCircle
from generator.diffusion.views.jigsaw import Jigsaw, jigsaw_labels
from generator.diffusion.views.negate import Negate
from generator.diffusion.views.permutation import Permutation, TurnedPieces
from generator.diffusion.views.rotate import Rotate
from generator.diffusion.views.shuffle import Shuffle
from generator.diffusion.views.skew import Skew
from generator.diffusion.views.square_hinge import SquareHinge
from generator.diffusion.views.white_balance import WhiteBalance


__all__ = [
    "Array",
    "Motion",
    "View",
    "Permutation",
    "TurnedPieces",
    "VIEWS",
    "get_view",
    "size_problem",
    "is_permutation",
    "gather",
    "rot90",
    "pixel_grid",
    "disk",
    "jigsaw_labels",
    "Identity",
    "view_words",
]

# name → factory(size, seed): size is the stage-I image side (the cell grid of pixel_permute); seed matters
# for the seeded views (the shuffles and the jigsaw puzzle).
VIEWS: dict[str, Callable[[int, int], View]] = {
    "identity": lambda size, seed: Identity(),
    "flip": lambda size, seed: Flip(),
    "rotate_cw": lambda size, seed: Rotate("rotate_cw", -1),
    "rotate_ccw": lambda size, seed: Rotate("rotate_ccw", 1),
    "rotate_180": lambda size, seed: Rotate("rotate_180", 2),
    "negate": lambda size, seed: Negate(),
    "skew": lambda size, seed: Skew(1.5),
    "patch_permute": lambda size, seed: Shuffle("patch_permute", 8, seed, "patches shuffled"),
    "pixel_permute": lambda size, seed: Shuffle("pixel_permute", size, seed, "pixels shuffled"),
    "inner_circle": lambda size, seed: InnerCircle(3 / 8),
    "square_hinge": lambda size, seed: SquareHinge(),
    "jigsaw": lambda size, seed: Jigsaw(seed),
    "blur": lambda size, seed: Blur(8),
    "white_balance": lambda size, seed: WhiteBalance(1.5),
    "inner_circle_bilinear": lambda size, seed: BilinearInnerCircle(135.0),
}


@lru_cache(maxsize=256)
def get_view(name: str, size: int, seed: int = 0) -> View:
    """The view called `name` for stage-I images of side `size` (seeded views use `seed`); one shared instance
    per arguments, so a permutation is built once per image size."""
    if name not in VIEWS:
        raise ValueError(f"unknown view {name!r}; choose one of: {', '.join(VIEWS)}")
    return VIEWS[name](size, seed)


def view_words(name: str) -> str:
    """How a reader looks at view `name`'s reading ('rotate_180' → 'turned 180°'); any other name, spaced."""
    words = get_view(name, 64).words if name in VIEWS else ""
    return words or name.replace("_", " ")


def size_problem(name: str, size: int) -> str | None:
    """Why view `name` cannot be applied to size×size images, or None."""
    multiple = get_view(name, size).side_multiple
    if size % multiple:
        return f"view {name!r} needs an image side that is a multiple of {multiple}, but the model's is {size}"
    return None


def is_permutation(view: View, size: int) -> bool:
    """True when the view only moves pixels (an i.i.d. Gaussian stays i.i.d. Gaussian)."""
    x = np.arange(size * size, dtype=np.float64).reshape(1, size, size)
    y = np.asarray(view.view(x))
    return bool(np.array_equal(np.sort(y.ravel()), x.ravel()))
