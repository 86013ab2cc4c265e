"""Every view and factorization equals the definition of the papers' reference implementation
(github.com/dangeng/visual_anagrams, `visual_anagrams/views/`), written out here from that code's algorithm —
per pixel, in plain numpy, independently of ours — and compared at the sizes DeepFloyd IF samples at, 64² and
256² (the reference scales its kernels between them by factor = size // 64)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from generator.diffusion import factorizations as fz
from generator.diffusion.views import get_view, jigsaw_labels
from generator.modes.factorized import FactorParams, factor_problems
from generator.modes.hybrid import Hybrid


SIZES = [64, 256]


def noise(size: int, channels: int = 3, seed: int = 0) -> torch.Tensor:
    return torch.randn(1, channels, size, size, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def permuted(x: torch.Tensor, perm: list[int] | np.ndarray) -> torch.Tensor:
    """The reference's PermuteView.view: pixel i of the result is pixel perm[i] of x (raster order)."""
    flat = x.reshape(*x.shape[:-2], -1)
    return flat[..., torch.as_tensor(np.asarray(perm))].reshape(x.shape)


# ---------------------------------------------------------------------------------------------- exact views


@pytest.mark.parametrize("size", SIZES)
def test_flip_rotations_and_negate_are_the_reference_transforms(size):
    x = noise(size)
    assert torch.equal(get_view("flip", 64).view(x), torch.flip(x, [-2]))  # torch.flip(im, [1]) of (C, H, W)
    # TF.rotate by ±90°, 180° with nearest interpolation: exact quarter turns, counter-clockwise for positive angles
    rows, cols = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    for name, angle in (("rotate_cw", -90), ("rotate_ccw", 90), ("rotate_180", 180)):
        a = math.radians(angle)
        c = (size - 1) / 2
        src_c = np.rint(c + math.cos(a) * (cols - c) - math.sin(a) * (rows - c)).astype(int)
        src_r = np.rint(c + math.sin(a) * (cols - c) + math.cos(a) * (rows - c)).astype(int)
        assert torch.equal(get_view(name, 64).view(x), permuted(x, (src_r * size + src_c).ravel())), name
    negate = get_view("negate", 64)
    assert torch.equal(negate.view(x), -x) and torch.equal(negate.inverse_variance(x), x)


@pytest.mark.parametrize("size", SIZES)
def test_skew_is_the_reference_column_roll(size):
    x = noise(size)
    columns = [torch.roll(x[..., :, i], int(1.5 * (i - size // 2)), dims=-1) for i in range(size)]
    assert torch.equal(get_view("skew", 64).view(x), torch.stack(columns, -1))


def reference_inner_circle(size: int, r: int) -> list[int]:
    """make_inner_circle_perm: every pixel centre inside radius r turned by 180° about the image centre."""
    perm = []
    for iy in range(size):
        for ix in range(size):
            x, y = ix - size // 2 + 0.5, iy - size // 2 + 0.5
            if x**2 + y**2 < r**2:
                x, y = -x, -y
            perm.append(int(x + size // 2 - 0.5) + int(y + size // 2 - 0.5) * size)
    return perm


@pytest.mark.parametrize("size", SIZES)
def test_inner_circle_is_the_reference_permutation(size):
    x = noise(size)
    assert torch.equal(get_view("inner_circle", 64).view(x), permuted(x, reference_inner_circle(size, size * 3 // 8)))


def reference_square_hinge(size: int) -> np.ndarray:
    """make_square_hinge: 3×3 squares of side size // 3 from the top left, each torch.rot90'd by k = −1 where
    i + j is even (clockwise) and +1 elsewhere; leftover rows and columns stay."""
    idxs = np.arange(size * size).reshape(size, size)
    s = size // 3
    for i in range(3):
        for j in range(3):
            k = -1 if (i + j) % 2 == 0 else 1
            idxs[i * s : (i + 1) * s, j * s : (j + 1) * s] = np.rot90(
                idxs[i * s : (i + 1) * s, j * s : (j + 1) * s], k
            )
    return idxs.ravel()


@pytest.mark.parametrize("size", [32, *SIZES])
def test_square_hinge_is_the_reference_permutation(size):
    x = noise(size, 1)
    view = get_view("square_hinge", 64)
    assert torch.equal(view.view(x), permuted(x, reference_square_hinge(size)))
    assert torch.equal(view.inverse_view(view.view(x)), x)


# ---------------------------------------------------------------------------------------------- jigsaw

# The reference's 4×4 board (views/assets/4x4/*.png, read once): who owns the knob on each inner edge.
# Vertical edges, per row, left to right: L = the left piece's knob reaches right, R = the right piece's left.
VERTICAL = ["LLL", "LLR", "LRR", "RRR"]
# Horizontal edges, per gap between rows, left to right: T = the upper piece's knob reaches down, B = up.
HORIZONTAL = ["BTTT", "BBTT", "BBBT"]
LAYOUT = [[0, 8, 12, 1], [15, 4, 5, 9], [11, 7, 6, 13], [3, 14, 10, 2]]  # c 0–3, i 4–7, e 8–11, f 12–15


@pytest.mark.parametrize("size", SIZES)
def test_jigsaw_pieces_have_the_reference_layout_and_shapes(size):
    labels, s = jigsaw_labels(size), size // 4
    assert np.array_equal(np.rot90(labels, -1), 4 * (labels // 4) + (labels - 1) % 4)  # piece k: piece 0 turned k×
    e0, f0 = labels == 8, labels == 12
    assert np.array_equal(np.roll(e0, s, axis=1), f0)  # e and f: one shape, a cell apart
    cells = np.array(LAYOUT)[np.arange(size)[:, None] // s, np.arange(size)[None, :] // s]
    assert 0.08 < (labels != cells).mean() < 0.11  # the reference's: 9.4%
    depth = int(0.15 * s)  # inside a knob's neck
    for r, row in enumerate(VERTICAL):
        for c, owner in enumerate(row):
            y, x = r * s + s // 2, (c + 1) * s
            probe = labels[y, x + depth] if owner == "L" else labels[y, x - 1 - depth]
            assert probe == LAYOUT[r][c if owner == "L" else c + 1], (r, c)
    for r, row in enumerate(HORIZONTAL):
        for c, owner in enumerate(row):
            y, x = (r + 1) * s, c * s + s // 2
            probe = labels[y + depth, x] if owner == "T" else labels[y - 1 - depth, x]
            assert probe == LAYOUT[r if owner == "T" else r + 1][c], (r, c)


def reference_jigsaw(size: int, pieces: np.ndarray, piece_perms: np.ndarray, edge_swaps: np.ndarray) -> list[int]:
    """make_jigsaw_perm, pixel by pixel: the pixel's piece (rotation index piece % 4) is turned by
    (piece_perms[piece] − rotation)·90° about the centre; if it lands on an e/f edge piece whose edge swaps, it
    moves a quarter of the side along that edge."""
    perm = []
    for y in range(size):
        for x in range(size):
            piece = pieces[y, x]
            angle = (piece_perms[piece] - piece % 4) * 90 / 180 * np.pi
            cx, cy = x - (size - 1) / 2, y - (size - 1) / 2
            nx = int(np.rint(np.cos(angle) * cx - np.sin(angle) * cy + (size - 1) / 2))
            ny = int(np.rint(np.sin(angle) * cx + np.cos(angle) * cy + (size - 1) / 2))
            new_piece = pieces[ny, nx]
            edge = new_piece % 4
            if new_piece >= 8 and edge_swaps[edge] == 1:
                sign = (1 - 2 * ((new_piece - 8) // 4)) * (1 - 2 * (edge // 2)) * (size // 4)
                if edge % 2 == 0:
                    nx += sign
                else:
                    ny += sign
            perm.append(ny * size + nx)
    return perm


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("seed", [0, 3])
def test_jigsaw_follows_the_reference_rotation_rule(size, seed):
    view = get_view("jigsaw", 64, seed)
    reference = reference_jigsaw(size, jigsaw_labels(size), view.perm, view.swaps)
    assert np.array_equal(view.permutation(size), reference)
    for kind in range(4):  # a permutation of the four turns within each kind
        assert sorted(view.perm[4 * kind : 4 * kind + 4].tolist()) == [0, 1, 2, 3]


# ---------------------------------------------------------------------------------------------- failures


def torchvision_rotate_bilinear(x: np.ndarray, angle: float) -> np.ndarray:
    """TF.rotate(x, angle, BILINEAR) on a tensor: the inverse affine matrix of a turn by −angle about the centre,
    an affine grid over pixel centres, grid_sample(align_corners=False, padding zeros) — written per pixel."""
    n = x.shape[-1]
    rot = math.radians(-angle)
    m = [math.cos(rot), math.sin(rot), -math.sin(rot), math.cos(rot)]  # [d, −b, −c, a] of the inverse
    out = np.zeros_like(x)
    for i in range(n):
        for j in range(n):
            gx, gy = j - n / 2 + 0.5, i - n / 2 + 0.5  # the base grid (half-pixel centres)
            sx, sy = m[0] * gx + m[1] * gy + n / 2 - 0.5, m[2] * gx + m[3] * gy + n / 2 - 0.5
            x0, y0 = math.floor(sx), math.floor(sy)
            for yy, xx in ((y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)):
                if 0 <= yy < n and 0 <= xx < n:
                    out[..., i, j] += (1 - abs(sx - xx)) * (1 - abs(sy - yy)) * x[..., yy, xx]
    return out


@pytest.mark.parametrize("size", [64, pytest.param(256, marks=pytest.mark.slow)])
def test_bilinear_inner_circle_is_the_reference_failure_view(size):
    x = noise(size, 1).numpy()
    coords = np.arange(size) - size / 2
    mask = (coords[:, None] ** 2 + coords[None, :] ** 2) < int(size / 8 * 3) ** 2
    view = get_view("inner_circle_bilinear", 64)
    for angle, ours in ((135, view.view(x)), (-135, view.inverse_view(x))):
        expected = mask * torchvision_rotate_bilinear(x, angle) + (1 - mask) * x
        np.testing.assert_allclose(ours, expected, atol=1e-12)


def bilinear_resize(x: np.ndarray, out: int) -> np.ndarray:
    """torch's bilinear interpolate (align_corners=False, no antialias) per axis: source (i + ½)·in/out − ½,
    clamped at 0, linear between its two neighbours."""

    def axis(a: np.ndarray, dim: int) -> np.ndarray:
        n = a.shape[dim]
        rows = []
        for i in range(out):
            src = max((i + 0.5) * n / out - 0.5, 0.0)
            lo = min(int(math.floor(src)), n - 1)
            hi, w = min(lo + 1, n - 1), src - math.floor(src)
            rows.append((1 - w) * np.take(a, lo, dim) + w * np.take(a, hi, dim))
        return np.stack(rows, dim)

    return axis(axis(x, -2), -1)


@pytest.mark.parametrize("size", SIZES)
def test_blur_and_white_balance_are_the_reference_failure_views(size):
    x = noise(size).numpy()
    blur = get_view("blur", 64)
    np.testing.assert_allclose(blur.view(x), bilinear_resize(bilinear_resize(x, size // 8), size), atol=1e-12)
    assert np.array_equal(blur.inverse_view(x), x)  # "uninvertible, so just pass through"
    balance = get_view("white_balance", 64)
    np.testing.assert_allclose(balance.view(x), 1.5 * x)
    np.testing.assert_allclose(balance.inverse_view(x), x / 1.5)
    assert np.array_equal(balance.inverse_variance(x), x)  # only the noise channels are divided


# ---------------------------------------------------------------------------------------------- factorizations


def reference_motion_blur(x: np.ndarray, size7: int = 7) -> np.ndarray:
    """MotionBlurView: conv2d (a cross-correlation) with eye(k)/k, zero padding k // 2, per channel; k = 7·f,
    plus one when f is even (f = size // 64)."""
    f = x.shape[-1] // 64
    k = size7 * f + ((f + 1) % 2)
    p = k // 2
    padded = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(p, p), (p, p)])
    n = x.shape[-1]
    return sum(padded[..., a : a + n, a : a + n] for a in range(k)) / k


@pytest.mark.parametrize("size", SIZES)
def test_motion_blur_is_the_reference_diagonal_with_zero_padding(size):
    x = noise(size)
    blur, sharp = fz.motion(7, 64).components
    expected = reference_motion_blur(x.numpy())
    np.testing.assert_allclose(blur(x).numpy(), expected, atol=1e-12)
    np.testing.assert_allclose(sharp(x).numpy(), x.numpy() - expected, atol=1e-12)


def reference_gaussian_blur(x: np.ndarray, k: int, sigma: float) -> np.ndarray:
    """TF.gaussian_blur: kernel exp(−½(t/σ)²) at t = linspace(−(k−1)/2, (k−1)/2), normalised, applied along
    both axes after reflect padding by k // 2."""
    t = np.linspace(-(k - 1) / 2, (k - 1) / 2, k)
    g = np.exp(-0.5 * (t / sigma) ** 2)
    g /= g.sum()
    p, n = k // 2, x.shape[-1]
    padded = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(p, p), (p, p)], mode="reflect")
    rows = sum(g[a] * padded[..., a : a + n, :] for a in range(k))
    return sum(g[a] * rows[..., :, a : a + n] for a in range(k))


@pytest.mark.parametrize("size", SIZES)
def test_hybrid_is_the_reference_low_and_high_pass(size):
    """HybridLowPassView(σ 2, kernel 33) at 64², and at 256² kernel 33·4 + 1 = 133, σ 8 — also what the
    `hybrid` mode and the `factorized` mode choose by default for a 64² model."""
    x = noise(size)
    f = size // 64
    expected = reference_gaussian_blur(x.numpy(), 33 * f + ((f + 1) % 2), 2.0 * f)
    for parts in (fz.factorization("hybrid", 2, 64), fz.hybrid_bands(33, [2.0], 64)):
        low, high = parts.components
        np.testing.assert_allclose(low(x).numpy(), expected, atol=1e-10)
        np.testing.assert_allclose(high(x).numpy(), x.numpy() - expected, atol=1e-10)


def test_color_is_the_reference_grey_and_chroma():
    x = noise(64)
    grey, chroma = fz.color(64).components
    expected = np.repeat(x.numpy().mean(1, keepdims=True), 3, 1)
    np.testing.assert_allclose(grey(x).numpy(), expected, atol=1e-12)
    np.testing.assert_allclose(chroma(x).numpy(), x.numpy() - expected, atol=1e-12)


def test_hybrid_kernels_narrower_than_five_sigma_are_refused_with_the_blur_they_would_do():
    mode = Hybrid()
    (problem,) = mode.check_params(Hybrid.Params(sigma=3.0, kernel_size=9, size=32), {}, None)
    assert problem[0] == ("kernel_size",) and "σ 2.23, not 3" in problem[1] and "at least 17" in problem[1]
    assert mode.check_params(Hybrid.Params(sigma=3.0, kernel_size=17, size=32), {}, None) == []
    assert mode.check_params(Hybrid.Params(sigma=0.0, kernel_size=0, size=32), {}, None) == []
    factor = FactorParams(factorization="hybrid", sigmas=[1.0, 2.0], kernel_size=9, size=64, channels=3)
    assert any("5σ + 1 = 11" in message for _, message in factor_problems(factor))


def test_hybrid_and_factorized_choose_the_same_default_sigma_and_kernel():
    """At 32² both take the paper's σ 2 at 64² scaled (σ 1) and the kernel 2·⌈8σ⌉ + 1 = 17."""
    from generator.modes.hybrid import Hybrid as H

    p = H.Params()
    low_h, _ = fz.factorization("hybrid", 2, 32, sigmas=p.sigmas(), kernel_size=p.kernel_size).components
    low_f, _ = fz.factorization("hybrid", 2, 32).components
    assert (low_h.kernel_size, low_h.sigma) == (low_f.kernel_size, low_f.sigma) == (17, 1.0)
