"""jigsaw: a 4×4 jigsaw puzzle whose pieces change places, turned — the reference's JigsawView geometry, with
its piece masks drawn here from their shape rather than loaded from files.

The board (the reference's layout; c corners, i inner, e and f edge pieces, the digit the quarter turn):

    c0 e0 f0 c1
    f3 i0 i1 e1
    e3 i3 i2 f1
    c3 f2 e2 c2

Piece k of a kind is piece 0 turned clockwise k times about the board's centre. Every inner edge carries a knob
— a neck of half-width s/16 with a fillet of radius 7s/64 where it leaves its piece, and a ball of radius 15s/128
centred 13s/64 past the edge (s the cell side) — on the side the reference's pieces put it: c0 into e0, e0 into
f0 and i0, f0 into c1 and i1, i0 into i1, and their turns. e and f pieces have the same shape, a cell apart.

The rotation rule (the reference's `make_jigsaw_perm`): a seeded draw of a permutation of the four turns within
each kind, and one swap bit per edge of the board. The piece shown in slot k of a kind is the one from slot
perm[k], turned by (perm[k] − k)·90° about the centre; where the swap bit of the board edge it comes from is
set, the e and f pieces on that edge trade places. Our draws come from numpy's Generator with the view's seed
(the reference seeds numpy's global state), so the same seed gives another — equally valid — puzzle.
"""

from __future__ import annotations

import numpy as np

from generator.diffusion.views.base import Motion, pixel_grid
from generator.diffusion.views.permutation import Permutation, check_divides, flat_index, turn_source


PIECES = 4
CORNER, INNER, EDGE_E, EDGE_F = 0, 1, 2, 3  # kinds; a piece's label is 4·kind + its quarter turn
LAYOUT = np.array([[0, 8, 12, 1], [15, 4, 5, 9], [11, 7, 6, 13], [3, 14, 10, 2]])
# The knobs of the unturned pieces: (cell (row, col), outward direction (rows, cols)); the rest are their turns.
KNOBS = (((0, 0), (0, 1)), ((0, 1), (0, 1)), ((0, 1), (1, 0)), ((0, 2), (0, 1)), ((0, 2), (1, 0)), ((1, 1), (0, 1)))
NECK, FILLET, BALL_AT, BALL = 1 / 16, 7 / 64, 13 / 64, 15 / 128  # in cell sides


def knob(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Inside a knob: u is the distance past the edge, v along it from its middle (in cell sides)."""
    ball = (u - BALL_AT) ** 2 + v**2 < BALL**2
    into_fillet = np.clip(FILLET - u, 0, FILLET)
    half_width = np.where(u < FILLET, NECK + FILLET - np.sqrt(FILLET**2 - into_fillet**2), NECK)
    return ball | ((u >= 0) & (u <= BALL_AT) & (np.abs(v) < half_width))


def jigsaw_labels(n: int) -> np.ndarray:
    """The piece (4·kind + turn) of every pixel of an n×n board. Centred pixel coordinates are exact in floats
    and every knob is a quarter turn of a base knob, so the map is exactly symmetric under quarter turns."""
    side = check_divides(n, PIECES, "jigsaw")
    centres = (np.arange(n) + 0.5) / side - PIECES / 2  # pixel centres in cell sides, board-centred
    y, x = np.meshgrid(centres, centres, indexing="ij")
    labels = LAYOUT[np.floor(y + 2).astype(int), np.floor(x + 2).astype(int)]
    for (i, j), (di, dj) in KNOBS:
        mid, out = (i - 1.5 + di / 2, j - 1.5 + dj / 2), (di, dj)  # the edge's middle and outward direction
        for turn in range(4):
            u = (y - mid[0]) * out[0] + (x - mid[1]) * out[1]
            v = (x - mid[1]) * out[0] - (y - mid[0]) * out[1]
            labels = np.where(knob(u, v), LAYOUT[i, j] + turn, labels)
            mid, out = (mid[1], -mid[0]), (out[1], -out[0])  # a clockwise quarter turn of the board
    return labels


def draw_puzzle(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(perm (16,): the turn each slot's piece comes from, per kind; swaps (4,): one bit per board edge)."""
    rng = np.random.default_rng(seed)
    perm = np.concatenate([rng.permutation(4) for _ in range(4)])
    return perm, rng.integers(0, 2, size=4)


class Jigsaw(Permutation):
    name = "jigsaw"
    version = 2  # 2: the reference's pieces and rotation rule (1: the project's own cut)
    side_multiple = PIECES

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        self.perm, self.swaps = draw_puzzle(seed)

    def sources(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per pixel: its slot's label, the turn (quarter turns, counter-clockwise) and the shift (rows, cols)
        that bring the piece shown there from where it lies upright."""
        labels, side = jigsaw_labels(n), n // PIECES
        kind, turn = np.divmod(labels, 4)
        came_from = self.perm[labels]
        swapped = (kind >= EDGE_E) & (self.swaps[came_from] == 1)
        sign = np.where(kind == EDGE_E, 1, -1) * np.where(came_from < 2, 1, -1) * side
        shift_r = np.where(swapped & (came_from % 2 == 1), sign, 0)
        shift_c = np.where(swapped & (came_from % 2 == 0), sign, 0)
        return labels, came_from - turn, shift_r, shift_c

    def make(self, n: int) -> np.ndarray:
        labels, turns, shift_r, shift_c = self.sources(n)
        rows, cols = pixel_grid(n)
        src_r, src_c = turn_source(rows, cols, turns, ((n - 1) / 2, (n - 1) / 2))
        return flat_index(n, src_r + shift_r, src_c + shift_c)

    def motion(self, size: int) -> Motion:
        """Each upright piece turns about the centre and, if swapped, slides along its board edge."""
        labels, turns, shift_r, shift_c = self.sources(size)
        perm = self.permutation(size).reshape(size, size)
        upright = labels.ravel()[perm]  # the piece each pixel's content comes from
        angles, shifts = np.zeros(16), np.zeros((16, 2))
        for piece in range(16):
            at = np.flatnonzero(upright == piece)[0]
            angles[piece] = 90.0 * turns.ravel()[at]
            shifts[piece] = shift_r.ravel()[at], shift_c.ravel()[at]
        return Motion("pieces", labels=labels, pivots=np.full((16, 2), (size - 1) / 2), angles=angles, shifts=shifts)
