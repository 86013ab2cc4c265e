"""Views for visual anagrams (Geng, Park & Owens, CVPR 2024): maps of the image, each with its inverse.

The method needs orthogonal views — pixel permutations (and negation) keep Gaussian noise i.i.d. Gaussian —
with exact inverses. Every view is a function of the size it is applied at: a permutation is built natively
for the image in hand (32², 64², 256², …), from its geometry (a disk turned 180°, jigsaw pieces, hinged
squares), never by block-expanding a smaller one, so stage II at 256² applies the true transformation. Only
the seeded shuffles are defined on a grid of cells (8×8 patches; `pixel_permute`: the stage-I pixels) and move
whole cells at larger sizes. Seeded views draw from their own seed, never from global state.

The paper's failure cases are views too (`blur`, `white_balance`, `inner_circle_bilinear`): their contract says
`invertible = False` / `keeps_noise = False` and `failure` says why the sampler cannot work with them.

A view acts on the last two dims of a torch tensor or a numpy array (…, H, W). This module imports neither
torch nor the site: `view_motion` and the registry are cheap; `animation_frames` renders with numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

if TYPE_CHECKING:
    import torch
    from PIL import Image

Array = Any        # a torch.Tensor or a numpy.ndarray, (…, H, W)


class View:
    """An image transform v with v⁻¹; `name` is how recipes refer to it."""

    name: str = "view"
    invertible: bool = True          # inverse_view(view(x)) == x exactly
    keeps_noise: bool = True         # orthogonal: N(0, I) stays N(0, I) (the method's requirement)
    failure: str | None = None       # why the anagram sampler fails with this view (None: it works)

    def view(self, x: Array) -> Array:
        raise NotImplementedError

    def inverse_view(self, x: Array) -> Array:
        raise NotImplementedError

    def inverse_variance(self, v: Array) -> Array:
        """Map predicted variance back: like the noise, except for sign flips (variance has no sign)."""
        return self.inverse_view(v)

    def motion(self, size: int) -> Motion:
        """How to animate upright → viewed at `size`: by default a crossfade."""
        return Motion("fade")

    def __repr__(self) -> str:
        return f"<view {self.name}>"


@dataclass(frozen=True)
class Motion:
    """An animation recipe derived from the view: `kind` is one of
    - rigid:  the whole picture turns by `angle` degrees (`css` transform shows it);
    - flip:   the picture folds over its horizontal axis (scaleY from 1 to −1);
    - pieces: each labelled piece turns by its angle about its pivot (`labels` (H, W), `pivots` (L, 2),
              `angles` (L,)); pixels with angle 0 stay;
    - paths:  every pixel slides along a straight line from where it is to where the view puts it;
    - fade:   a crossfade to the viewed picture (negation, and views that are not permutations)."""

    kind: str
    css: str | None = None
    angle: float = 0.0
    labels: np.ndarray | None = None
    pivots: np.ndarray | None = None
    angles: np.ndarray | None = None


# ---------------------------------------------------------------------------------------------- exact views


class Identity(View):
    name = "identity"

    def view(self, x: Array) -> Array:
        return x

    def inverse_view(self, x: Array) -> Array:
        return x

    def motion(self, size: int) -> Motion:
        return Motion("rigid", css="none")


class Negate(View):
    """x ↦ −x: orthogonal but not a permutation; the variance is left as it is."""

    name = "negate"

    def view(self, x: Array) -> Array:
        return -x

    def inverse_view(self, x: Array) -> Array:
        return -x

    def inverse_variance(self, v: Array) -> Array:
        return v


class Flip(View):
    """Upside down: rows reversed."""

    name = "flip"

    def view(self, x: Array) -> Array:
        return np.flip(x, -2) if isinstance(x, np.ndarray) else x.flip(-2)

    def inverse_view(self, x: Array) -> Array:
        return self.view(x)

    def motion(self, size: int) -> Motion:
        return Motion("flip", css="scaleY(-1)")


class Rotate(View):
    """A rotation by k·90° counter-clockwise (k = −1: clockwise); needs square images."""

    def __init__(self, name: str, k: int) -> None:
        self.name, self.k = name, k

    def view(self, x: Array) -> Array:
        return rot90(x, self.k)

    def inverse_view(self, x: Array) -> Array:
        return rot90(x, -self.k)

    def motion(self, size: int) -> Motion:
        clockwise = (-90 * self.k + 180) % 360 - 180 or 0     # CSS turns clockwise; 180 rather than −180
        return Motion("rigid", css=f"rotate({180 if clockwise == -180 else clockwise}deg)", angle=90.0 * self.k)


def rot90(x: Array, k: int) -> Array:
    """torch.rot90 / np.rot90 over the last two dims (counter-clockwise for k > 0)."""
    if isinstance(x, np.ndarray):
        return np.rot90(x, k, axes=(-2, -1))
    import torch

    return torch.rot90(x, k, dims=(-2, -1))


class Permutation(View):
    """A pixel permutation built natively at each size: view(x).flat[i] = x.flat[perm(size)[i]]."""

    def __init__(self, name: str, make: Callable[[int], np.ndarray],
                 pieces: Callable[[int], Motion] | None = None) -> None:
        self.name, self._make, self._pieces = name, make, pieces
        self._torch: dict[tuple[int, str], tuple[Any, Any]] = {}

    def permutation(self, size: int) -> np.ndarray:
        """perm over the size² pixels (row-major), int64; raises ValueError for a size the view cannot take."""
        return _cached(self._make, size)

    def inverse_permutation(self, size: int) -> np.ndarray:
        return np.argsort(self.permutation(size))

    def motion(self, size: int) -> Motion:
        return self._pieces(size) if self._pieces else Motion("paths")

    def _index(self, x: Array, inverse: bool) -> Any:
        h, w = x.shape[-2:]
        if h != w:
            raise ValueError(f"view {self.name!r} needs a square image, got {h}×{w}")
        if isinstance(x, np.ndarray):
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


def gather(x: Array, index: Any) -> Array:
    """out[…, i] = x[…, index[i]] over the flattened last two dims."""
    flat = x.reshape(*x.shape[:-2], -1)
    return flat[..., index].reshape(x.shape)


@lru_cache(maxsize=256)
def _cached(make: Callable[[int], np.ndarray], size: int) -> np.ndarray:
    perm = np.asarray(make(size), dtype=np.int64)
    perm.setflags(write=False)
    return perm


# ---------------------------------------------------------------------------------------------- geometry


def pixel_grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) int arrays of an size×size image."""
    return np.meshgrid(np.arange(size), np.arange(size), indexing="ij")


def rotation_source(rows: np.ndarray, cols: np.ndarray, k: np.ndarray, centre: tuple[float, float]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The pixel that a turn by k·90° (counter-clockwise on screen, as torch.rot90) about `centre` brings to
    (rows, cols): the inverse turn of the output position. Exact for pixel-centred pivots."""
    cr, cc = centre
    dr, dc = rows - cr, cols - cc
    k = np.asarray(k) % 4
    src_r = np.select([k == 0, k == 1, k == 2, k == 3], [dr, dc, -dr, -dc])
    src_c = np.select([k == 0, k == 1, k == 2, k == 3], [dc, -dr, -dc, dr])
    return np.rint(src_r + cr).astype(np.int64), np.rint(src_c + cc).astype(np.int64)


def from_source(size: int, src_r: np.ndarray, src_c: np.ndarray) -> np.ndarray:
    return (src_r * size + src_c).ravel()


def skew(factor: float) -> Callable[[int], np.ndarray]:
    """Column c rolled circularly down by int(factor · (c − n/2)) rows, n the size it is applied at."""
    def make(n: int) -> np.ndarray:
        rows, cols = pixel_grid(n)
        shift = np.array([int(factor * (c - n / 2)) for c in range(n)])[cols]
        return from_source(n, (rows - shift) % n, cols)
    return make


def disk(n: int, radius: float) -> np.ndarray:
    """The pixels whose centres lie inside a centred disk of radius `radius`·n (symmetric under 90° turns)."""
    rows, cols = pixel_grid(n)
    centre = (n - 1) / 2
    return (rows - centre) ** 2 + (cols - centre) ** 2 < (radius * n) ** 2


def turned_pieces(labels: Callable[[int], np.ndarray], turns: Callable[[int], np.ndarray],
                  pivots: Callable[[int], np.ndarray]) -> tuple[Callable[[int], np.ndarray], Callable[[int], Motion]]:
    """A permutation where each labelled piece turns by turns[label]·90° about pivots[label] (row, col), and
    its Motion. The label map must be mapped onto itself by those turns, or the result is no permutation."""
    def make(n: int) -> np.ndarray:
        lab, (rows, cols) = labels(n), pixel_grid(n)
        piv = pivots(n)[lab]
        src_r, src_c = rotation_source(rows, cols, turns(n)[lab], (piv[..., 0], piv[..., 1]))
        perm = from_source(n, src_r, src_c)
        if not np.array_equal(np.sort(perm), np.arange(n * n)):
            raise ValueError(f"{n}×{n}: the pieces do not tile the image after turning")
        return perm

    def motion(n: int) -> Motion:
        return Motion("pieces", labels=labels(n), pivots=pivots(n), angles=90.0 * turns(n))
    return make, motion


def inner_circle(radius: float) -> tuple[Callable[[int], np.ndarray], Callable[[int], Motion]]:
    """A centred disk of radius `radius`·n turned by 180°; the rest stays."""
    return turned_pieces(lambda n: disk(n, radius).astype(np.int64), lambda n: np.array([0, 2]),
                         lambda n: np.full((2, 2), (n - 1) / 2))


def square_hinge(squares: int = 4) -> tuple[Callable[[int], np.ndarray], Callable[[int], Motion]]:
    """The image cut into squares×squares sub-squares, each turned by +90° or −90° about its own centre in a
    checkerboard (3×3 in the paper; 4 divides every power-of-two size, so no pixel is left out)."""
    def labels(n: int) -> np.ndarray:
        side = check_divides(n, squares, "square_hinge")
        rows, cols = pixel_grid(n)
        return (rows // side) * squares + cols // side

    def turns(n: int) -> np.ndarray:
        i, j = np.divmod(np.arange(squares * squares), squares)
        return np.where((i + j) % 2 == 0, 1, -1)

    def pivots(n: int) -> np.ndarray:
        side = n // squares
        i, j = np.divmod(np.arange(squares * squares), squares)
        return np.stack([i * side + (side - 1) / 2, j * side + (side - 1) / 2], 1)
    return turned_pieces(labels, turns, pivots)


def check_divides(n: int, parts: int, name: str) -> int:
    if n % parts:
        raise ValueError(f"view {name!r} cuts the image into {parts}×{parts} pieces: its side must be a multiple "
                         f"of {parts}, got {n}")
    return n // parts


# ------------------------------------------------------------------------------------------------ jigsaw

JIGSAW_TURNS = {"corner": 1, "centre": 2, "edge_a": 3, "edge_b": 1}   # quarter turns about the image centre


def jigsaw_labels(n: int, pieces: int = 4, seed: int = 0) -> np.ndarray:
    """The piece of every pixel: a pieces×pieces grid whose inner edges carry round tabs (a knob on one piece,
    the matching blank in its neighbour), tab sides drawn from `seed`. The layout is symmetric under quarter
    turns about the image centre, so a piece turned with its orbit lands exactly in another piece's slot.
    Integer arithmetic on doubled coordinates (pixel centres at odd numbers) keeps the symmetry exact."""
    side = check_divides(n, pieces, "jigsaw")
    u, v = np.meshgrid(2 * np.arange(n) + 1 - n, 2 * np.arange(n) + 1 - n, indexing="ij")   # doubled, centred
    labels = ((u + n) // (2 * side)) * pieces + (v + n) // (2 * side)
    for centre, owner in jigsaw_tabs(n, pieces, seed):
        inside = (u - centre[0]) ** 2 + (v - centre[1]) ** 2 <= (side * 2 * 22 // 100) ** 2
        labels[inside] = cell_of(owner, n, side, pieces)
    return labels


def jigsaw_tabs(n: int, pieces: int, seed: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(tab centre, a point inside its owner piece) in doubled coordinates: one tab per inner edge, the
    vertical edges' tabs drawn from `seed` (one choice per pair of edges a half turn apart), the horizontal
    ones their quarter turns."""
    side2 = 2 * (n // pieces)
    rng = np.random.default_rng(seed)
    reach = side2 * 12 // 100                             # the knob's centre lies this far past the edge
    tabs = []
    for i in range(pieces):                               # vertical edges: between columns j and j + 1
        for j in range(pieces - 1):
            edge_v, mid_u = -n + side2 * (j + 1), -n + side2 * i + side2 // 2
            if (i, j) > (pieces - 1 - i, pieces - 2 - j):
                continue                                  # its half-turn partner decides
            sign = 1 if rng.random() < 0.5 else -1        # +1: the knob sticks out of the left piece
            tab = ((mid_u, edge_v + sign * reach), (mid_u, edge_v - sign * side2 // 2))
            tabs += [turn_point_pair(tab, k) for k in range(4)]
    return tabs


def turn_point_pair(tab: tuple[tuple[int, int], tuple[int, int]], k: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Both points of a tab turned by k quarter turns about the origin."""
    def turn(p: tuple[int, int]) -> tuple[int, int]:
        u, v = p
        for _ in range(k % 4):
            u, v = -v, u
        return u, v
    return turn(tab[0]), turn(tab[1])


def cell_of(point: tuple[int, int], n: int, side: int, pieces: int) -> int:
    u, v = point
    return ((u + n) // (2 * side)) * pieces + (v + n) // (2 * side)


def jigsaw_orbit(label: np.ndarray, pieces: int) -> np.ndarray:
    """The orbit under quarter turns of each grid piece, numbered by its smallest member: on a 4×4 grid
    0 the corners, 1 and 2 the two edge orbits, 3 the centre four."""
    def turn(cell: np.ndarray) -> np.ndarray:
        i, j = np.divmod(cell, pieces)
        return j * pieces + (pieces - 1 - i)
    members = [label]
    for _ in range(3):
        members.append(turn(members[-1]))
    representative = np.minimum.reduce(members)
    return np.searchsorted(np.unique(representative), representative)


def jigsaw(pieces: int = 4, seed: int = 0) -> tuple[Callable[[int], np.ndarray], Callable[[int], Motion]]:
    """Jigsaw pieces turned about the image centre with their orbit: corners by 90°, the edge pieces by 270°
    and 90°, the centre four by 180° — every piece moves to another slot, turned."""
    if pieces != 4:
        raise ValueError("jigsaw: only 4×4 pieces have their turns chosen")
    turns_of_orbit = np.array([JIGSAW_TURNS["corner"], JIGSAW_TURNS["edge_a"], JIGSAW_TURNS["edge_b"],
                               JIGSAW_TURNS["centre"]])
    return turned_pieces(lambda n: jigsaw_orbit(jigsaw_labels(n, pieces, seed), pieces),
                         lambda n: turns_of_orbit, lambda n: np.full((4, 2), (n - 1) / 2))


def seeded_cells(seed: int, cells: int | None) -> Callable[[int], np.ndarray]:
    """A seeded shuffle of a cells×cells grid (torch.randperm with its own generator), each cell size/cells
    pixels wide at the size it is applied at; cells=None: one cell per pixel of the base grid set later."""
    def make(n: int) -> np.ndarray:
        import torch

        grid = cells or n
        k = check_divides(n, grid, "shuffle")
        perm = torch.randperm(grid * grid, generator=torch.Generator().manual_seed(seed)).numpy()
        rows, cols = pixel_grid(n)
        source = perm[(rows // k) * grid + cols // k]
        return from_source(n, (source // grid) * k + rows % k, (source % grid) * k + cols % k)
    return make


# ---------------------------------------------------------------------------------------------- failures


class Blur(View):
    """A circular Gaussian blur (σ = `sigma`/64 of the side): not invertible — its 'inverse' is a regularised
    (Wiener) deconvolution that cannot bring back the frequencies the blur removed."""

    name = "blur"
    invertible = False
    keeps_noise = False
    failure = ("a blur is not invertible and not orthogonal: it shrinks the noise's high frequencies, so the "
               "blurred x_t is not the noisy image the model was trained on, and the estimate cannot be mapped back")

    def __init__(self, sigma: float = 1.5, eps: float = 1e-2) -> None:
        self.sigma, self.eps = sigma, eps

    def transfer(self, n: int) -> np.ndarray:
        """H(f) = exp(−2π²σ²|f|²) on the FFT grid, σ scaled with the side."""
        sigma = self.sigma * n / 64
        f = np.fft.fftfreq(n)
        return np.exp(-2 * math.pi ** 2 * sigma ** 2 * (f[:, None] ** 2 + f[None, :] ** 2))

    def _filter(self, x: Array, gain: np.ndarray) -> Array:
        if isinstance(x, np.ndarray):
            return np.fft.ifft2(np.fft.fft2(x) * gain).real
        import torch

        g = torch.from_numpy(gain).to(x.device, torch.float64)
        return torch.fft.ifft2(torch.fft.fft2(x.double()) * g).real.to(x.dtype)

    def view(self, x: Array) -> Array:
        return self._filter(x, self.transfer(x.shape[-1]))

    def inverse_view(self, x: Array) -> Array:
        h = self.transfer(x.shape[-1])
        return self._filter(x, h / (h ** 2 + self.eps))


class WhiteBalance(View):
    """Per-channel gains (warmer light): invertible, but not orthogonal — the noise's variance changes."""

    name = "white_balance"
    invertible = False
    keeps_noise = False
    failure = ("a white-balance change scales the channels unequally: x_t's noise no longer has unit variance "
               "in every channel, and dividing the estimate back amplifies its errors — not an orthogonal view")

    def __init__(self, gains: tuple[float, ...] = (1.3, 1.0, 0.7)) -> None:
        self.gains = gains

    def _scale(self, x: Array, power: int) -> Array:
        channels = x.shape[-3] if x.ndim >= 3 else 1
        g = np.array(self.gains[:channels] if channels > 1 else self.gains[:1], dtype=np.float64) ** power
        g = g.reshape(-1, 1, 1)
        if isinstance(x, np.ndarray):
            return x * g
        import torch

        return x * torch.as_tensor(g, dtype=x.dtype, device=x.device)

    def view(self, x: Array) -> Array:
        return self._scale(x, 1)

    def inverse_view(self, x: Array) -> Array:
        return self._scale(x, -1)


class BilinearInnerCircle(View):
    """The inner disk turned by `angle`° with bilinear interpolation: not a permutation (pixels are mixed), so
    neither exact to invert nor noise-preserving — the paper's 'not pixel-exact' failure."""

    name = "inner_circle_bilinear"
    invertible = False
    keeps_noise = False
    failure = ("a turn by an angle that is not a multiple of 90° resamples pixels bilinearly: neighbouring noise "
               "values are averaged (the noise loses variance and becomes correlated) and turning back blurs "
               "the estimate instead of undoing the view")

    def __init__(self, angle: float = 135.0, radius: float = 3 / 8) -> None:
        self.angle, self.radius = angle, radius

    def _turn(self, x: Array, angle: float) -> Array:
        n = x.shape[-1]
        index, weight = bilinear_turn(n, angle, self.radius)
        if isinstance(x, np.ndarray):
            return sum(w.reshape(n, n) * gather(x, i) for i, w in zip(index, weight))
        import torch

        parts = [torch.from_numpy(w.reshape(n, n)).to(x.device, x.dtype) * gather(x, torch.from_numpy(i).to(x.device))
                 for i, w in zip(index, weight)]
        return sum(parts[1:], parts[0])

    def view(self, x: Array) -> Array:
        return self._turn(x, self.angle)

    def inverse_view(self, x: Array) -> Array:
        return self._turn(x, -self.angle)


@lru_cache(maxsize=32)
def bilinear_turn(n: int, angle: float, radius: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Four (source index, weight) pairs: the disk turned by `angle`° about the centre, bilinear; outside the
    disk each pixel reads itself."""
    rows, cols = pixel_grid(n)
    c = (n - 1) / 2
    a = math.radians(angle)
    sr = c + math.cos(a) * (rows - c) - math.sin(a) * (cols - c)
    sc = c + math.sin(a) * (rows - c) + math.cos(a) * (cols - c)
    inside = disk(n, radius)
    sr, sc = np.where(inside, sr, rows), np.where(inside, sc, cols)
    r0, c0 = np.floor(sr).astype(np.int64), np.floor(sc).astype(np.int64)
    fr, fc = sr - r0, sc - c0
    index, weight = [], []
    for dr, dc, w in ((0, 0, (1 - fr) * (1 - fc)), (0, 1, (1 - fr) * fc), (1, 0, fr * (1 - fc)), (1, 1, fr * fc)):
        index.append((np.clip(r0 + dr, 0, n - 1) * n + np.clip(c0 + dc, 0, n - 1)).ravel())
        weight.append(w.ravel())
    return index, weight


# ---------------------------------------------------------------------------------------------- registry


def _permutation(name: str, spec: tuple[Callable[[int], np.ndarray], Callable[[int], Motion]] | Callable
                 ) -> Permutation:
    make, pieces = spec if isinstance(spec, tuple) else (spec, None)
    return Permutation(name, make, pieces)


INNER_CIRCLE = inner_circle(3 / 8)
SQUARE_HINGE = square_hinge(4)
JIGSAW = jigsaw(4)
SKEW = skew(1.5)

# name → factory(size, seed): size is the stage-I image side (the cell grid of pixel_permute); seed only
# matters for the seeded shuffles. Exact views first, then the paper's failure cases.
VIEWS: dict[str, Callable[[int, int], View]] = {
    "identity": lambda size, seed: Identity(),
    "flip": lambda size, seed: Flip(),
    "rotate_cw": lambda size, seed: Rotate("rotate_cw", -1),
    "rotate_ccw": lambda size, seed: Rotate("rotate_ccw", 1),
    "rotate_180": lambda size, seed: Rotate("rotate_180", 2),
    "negate": lambda size, seed: Negate(),
    "skew": lambda size, seed: _permutation("skew", SKEW),
    "patch_permute": lambda size, seed: _permutation("patch_permute", seeded_cells(seed, 8)),
    "pixel_permute": lambda size, seed: _permutation("pixel_permute", seeded_cells(seed, size)),
    "inner_circle": lambda size, seed: _permutation("inner_circle", INNER_CIRCLE),
    "square_hinge": lambda size, seed: _permutation("square_hinge", SQUARE_HINGE),
    "jigsaw": lambda size, seed: _permutation("jigsaw", JIGSAW),
    "blur": lambda size, seed: Blur(),
    "white_balance": lambda size, seed: WhiteBalance(),
    "inner_circle_bilinear": lambda size, seed: BilinearInnerCircle(),
}
# sides a view needs to be a multiple of (its pieces or cells), checked when recipes are read
SIDE_MULTIPLE = {"patch_permute": 8, "square_hinge": 4, "jigsaw": 4}


def size_problem(name: str, size: int) -> str | None:
    """Why view `name` cannot be applied to size×size images, or None."""
    multiple = SIDE_MULTIPLE.get(name, 1)
    if size % multiple:
        return f"view {name!r} needs an image side that is a multiple of {multiple}, but the model's is {size}"
    return None


def get_view(name: str, size: int, seed: int = 0) -> View:
    """The view called `name` for stage-I images of side `size` (seeded views use `seed`)."""
    if name not in VIEWS:
        raise ValueError(f"unknown view {name!r}; choose one of: {', '.join(VIEWS)}")
    return VIEWS[name](size, seed)


def is_permutation(view: View, size: int) -> bool:
    """True when the view only moves pixels (an i.i.d. Gaussian stays i.i.d. Gaussian)."""
    x = np.arange(size * size, dtype=np.float64).reshape(1, size, size)
    y = np.asarray(view.view(x))
    return bool(np.array_equal(np.sort(y.ravel()), x.ravel()))


# ---------------------------------------------------------------------------------------------- animation


def view_motion(view_name: str, size: int = 64) -> dict[str, Any]:
    """What a page needs to animate a view without frames: {"css": a CSS transform, or None}, the motion kind
    and, for failure views, why they fail."""
    view = get_view(view_name, size)
    motion = view.motion(size)
    return {"css": motion.css, "kind": motion.kind, "invertible": view.invertible,
            "keeps_noise": view.keeps_noise, "failure": view.failure}


def animation_frames(view_name: str, image: Image.Image, n: int = 24, *, seed: int = 0,
                     base_size: int | None = None) -> list[Image.Image]:
    """n frames from the upright reading (frame 0: `image` as stored) to the view's (last: the view applied),
    derived from the view's own motion: turning pieces, a fold, sliding pixels, or a crossfade."""
    from PIL import Image as PILImage

    if n < 2:
        raise ValueError(f"animation_frames needs n ≥ 2 frames, got {n}")
    x = to_array(image)            # [-1, 1], as the sampler sees images
    size = x.shape[-1]
    view = get_view(view_name, base_size or size, seed)
    end = np.asarray(view.view(x))
    motion = view.motion(size)
    frames = [x] + [frame(view, motion, x, end, i / (n - 1)) for i in range(1, n - 1)] + [end]
    mode = image.mode if image.mode in ("L", "RGB") else "RGB"
    return [PILImage.fromarray(to_bytes(f), mode) for f in frames]


def to_array(image: Image.Image) -> np.ndarray:
    """PIL → float (C, H, W) in [-1, 1]."""
    a = np.asarray(image.convert("L" if image.mode in ("L", "1", "I", "F") else "RGB"), dtype=np.float64)
    a = a / 127.5 - 1
    return a[None] if a.ndim == 2 else a.transpose(2, 0, 1)


def to_bytes(x: np.ndarray) -> np.ndarray:
    """float (C, H, W) in [-1, 1] → uint8 (H, W) or (H, W, C)."""
    out = np.clip(np.rint((x + 1) * 127.5), 0, 255).astype(np.uint8)
    return out[0] if out.shape[0] == 1 else out.transpose(1, 2, 0)


def frame(view: View, motion: Motion, x: np.ndarray, end: np.ndarray, s: float) -> np.ndarray:
    """The picture a fraction s of the way from x to end = view(x)."""
    if motion.kind == "rigid":
        n = x.shape[-1]
        return turn_pieces(x, np.zeros((n, n), np.int64), np.full((1, 2), (n - 1) / 2), np.array([motion.angle]), s)
    if motion.kind == "pieces":
        return turn_pieces(x, motion.labels, motion.pivots, motion.angles, s)
    if motion.kind == "flip":
        return fold(x, s)
    if motion.kind == "paths" and isinstance(view, Permutation):
        return slide(x, view.permutation(x.shape[-1]), s)
    return (1 - s) * x + s * end


def background(x: np.ndarray) -> np.ndarray:
    """What shows where no piece is: black."""
    return np.full_like(x, -1.0)


def turn_pieces(x: np.ndarray, labels: np.ndarray, pivots: np.ndarray, angles: np.ndarray, s: float) -> np.ndarray:
    """Each piece turned by s·angle about its pivot (backward warp, nearest pixel); still pieces first."""
    n = x.shape[-1]
    rows, cols = pixel_grid(n)
    out = background(x)
    order = sorted(range(len(angles)), key=lambda k: angles[k] != 0)
    for k in order:
        a = math.radians(s * angles[k])
        pr, pc = pivots[k]
        # inverse turn of the output position (counter-clockwise on screen, rows grow downwards)
        sr = pr + math.cos(a) * (rows - pr) + math.sin(a) * (cols - pc)
        sc = pc - math.sin(a) * (rows - pr) + math.cos(a) * (cols - pc)
        sr, sc = np.rint(sr).astype(np.int64), np.rint(sc).astype(np.int64)
        ok = (sr >= 0) & (sr < n) & (sc >= 0) & (sc < n)
        ok[ok] &= labels[sr[ok], sc[ok]] == k
        out[:, ok] = x[:, sr[ok], sc[ok]]
    return out


def fold(x: np.ndarray, s: float) -> np.ndarray:
    """The picture folded over its horizontal axis: rows scaled by cos(πs) (1 → −1)."""
    n = x.shape[-2]
    c = (n - 1) / 2
    scale = math.cos(math.pi * s)
    out = background(x)
    if abs(scale) < 1e-6:
        return out
    src = np.rint(c + (np.arange(n) - c) / scale).astype(np.int64)
    ok = (src >= 0) & (src < n)
    out[:, ok] = x[:, src[ok]]
    return out


def slide(x: np.ndarray, perm: np.ndarray, s: float) -> np.ndarray:
    """Every pixel a fraction s along the straight line from its place to where the permutation puts it."""
    n = x.shape[-1]
    dest = np.arange(n * n)
    src_r, src_c = np.divmod(perm, n)
    dst_r, dst_c = np.divmod(dest, n)
    r = np.rint(src_r + s * (dst_r - src_r)).astype(np.int64)
    c = np.rint(src_c + s * (dst_c - src_c)).astype(np.int64)
    out = background(x).reshape(x.shape[0], -1)
    out[:, r * n + c] = x.reshape(x.shape[0], -1)[:, perm]
    return out.reshape(x.shape)
