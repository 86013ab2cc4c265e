"""Anagram views are permutations with exact inverses, built natively at every resolution; the Gaussian blur and
the hybrid factorization behave as filters should."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from generator.diffusion import views
from generator.diffusion.factorizations import hybrid
from generator.diffusion.filters import gaussian_blur, gaussian_kernel1d
from generator.diffusion.views import VIEWS, get_view, is_permutation
from generator.site.motion import view_motion


EXACT = [name for name in VIEWS if get_view(name, 64).invertible]
PERMUTATIONS = [name for name in EXACT if name != "negate"]
FAILURES = [name for name in VIEWS if not get_view(name, 64).invertible]
SIZES = [32, 64, 256]


@pytest.mark.parametrize("name", EXACT)
@pytest.mark.parametrize("size", SIZES)
def test_inverse_view_undoes_view_exactly(name, size):
    view = get_view(name, 32 if size == 32 else 64, seed=3)
    x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(0))
    assert torch.equal(view.inverse_view(view.view(x)), x)
    assert torch.equal(view.view(view.inverse_view(x)), x)
    assert view.view(x).shape == x.shape


@pytest.mark.parametrize("name", PERMUTATIONS)
@pytest.mark.parametrize("size", SIZES)
def test_permutation_views_are_bijections_at_every_size(name, size):
    view = get_view(name, 32 if size == 32 else 64, seed=1)
    perm = view.permutation(size) if hasattr(view, "permutation") else None
    assert is_permutation(view, size)
    if perm is not None:
        assert sorted(perm.tolist()) == list(range(size * size))
        assert (view.inverse_permutation(size)[perm] == np.arange(size * size)).all()
    grid = torch.arange(float(size * size)).reshape(size, size)
    assert name == "identity" or not torch.equal(view.view(grid), grid)


@pytest.mark.parametrize("name, k", [("rotate_cw", -1), ("rotate_ccw", 1), ("rotate_180", 2)])
def test_rotations_and_flip_are_the_torch_transforms(name, k):
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(4))
    assert torch.equal(get_view(name, 16).view(x), torch.rot90(x, k, dims=(-2, -1)))
    assert torch.equal(get_view("flip", 16).view(x), torch.flip(x, dims=(-2,)))
    assert np.array_equal(get_view(name, 16).view(x.numpy()), torch.rot90(x, k, dims=(-2, -1)).numpy())


def test_inner_circle_turns_the_disk_by_180_degrees_natively_at_every_size():
    for size in SIZES:
        x = torch.randn(1, 1, size, size, generator=torch.Generator().manual_seed(size))
        disk = torch.from_numpy(views.disk(size, 3 / 8))
        expected = torch.where(disk, torch.rot90(x, 2, dims=(-2, -1)), x)
        assert torch.equal(get_view("inner_circle", 64).view(x), expected)


def test_stage_two_uses_the_native_permutation_not_a_block_expanded_one():
    """At 256² the view is the true transformation: the block expansion of the 64² permutation differs."""
    view = get_view("inner_circle", 64)
    native, small = view.permutation(256), view.permutation(64)
    rows, cols = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
    source = small[(rows // 4) * 64 + cols // 4]
    expanded = (((source // 64) * 4 + rows % 4) * 256 + (source % 64) * 4 + cols % 4).ravel()
    assert 0.3 < (native != expanded).mean() < 0.6
    x = torch.randn(1, 1, 256, 256)
    assert torch.equal(view.view(x).flatten(), x.flatten()[torch.from_numpy(native.copy())])


def test_square_hinge_turns_each_of_nine_squares_a_quarter_turn_in_a_checkerboard():
    x = torch.randn(1, 1, 64, 64, generator=torch.Generator().manual_seed(0))
    y = get_view("square_hinge", 64).view(x)
    for i, j in [(0, 0), (0, 1), (2, 1), (1, 1)]:
        block = x[..., 21 * i : 21 * i + 21, 21 * j : 21 * j + 21]
        turned = torch.rot90(block, -1 if (i + j) % 2 == 0 else 1, dims=(-2, -1))  # even: clockwise
        assert torch.equal(y[..., 21 * i : 21 * i + 21, 21 * j : 21 * j + 21], turned)
    assert torch.equal(y[..., 63, :], x[..., 63, :]) and torch.equal(y[..., :, 63], x[..., :, 63])  # left over


def test_jigsaw_pieces_have_knobs_and_its_seed_draws_the_puzzle():
    labels = views.jigsaw_labels(64)
    assert sorted(np.unique(labels).tolist()) == list(range(16))
    perm = get_view("jigsaw", 64).permutation(64)
    assert (perm != np.arange(64 * 64)).mean() > 0.9  # seed 0: all but one piece move
    assert not np.array_equal(get_view("jigsaw", 64, seed=1).permutation(64), perm)
    assert np.array_equal(get_view("jigsaw", 64, seed=0).permutation(64), perm)


def test_seeded_shuffles_are_deterministic_and_move_whole_cells():
    grid = torch.arange(4096.0).reshape(1, 64, 64)
    same = [get_view("pixel_permute", 64, seed=s).view(grid) for s in (5, 5, 6)]
    assert torch.equal(same[0], same[1]) and not torch.equal(same[0], same[2])
    small = torch.randn(1, 3, 64, 64)
    big = small.repeat_interleave(4, -2).repeat_interleave(4, -1)
    view = get_view("pixel_permute", 64, seed=2)
    assert torch.equal(view.view(big), view.view(small).repeat_interleave(4, -2).repeat_interleave(4, -1))


@pytest.mark.parametrize("name", FAILURES)
def test_failure_views_say_why_and_are_not_exact(name):
    view = get_view(name, 64)
    assert not view.invertible and not view.keeps_noise and view.failure
    assert not is_permutation(view, 32)
    x = torch.randn(1, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    assert not torch.allclose(view.inverse_view(view.view(x)), x, atol=1e-3) or name == "white_balance"
    assert view_motion(name)["failure"] == view.failure


def test_negate_is_orthogonal_but_keeps_the_variance():
    view = get_view("negate", 16)
    assert not is_permutation(view, 16)
    v = torch.rand(1, 3, 16, 16)
    assert torch.equal(view.inverse_variance(v), v) and torch.equal(view.view(v), -v)


def test_orientations_and_seeds():
    x = torch.arange(4.0).reshape(1, 2, 2)  # [[0, 1], [2, 3]]
    assert get_view("flip", 2).view(x).tolist() == [[[2.0, 3.0], [0.0, 1.0]]]  # upside down
    assert get_view("rotate_cw", 2).view(x).tolist() == [[[2.0, 0.0], [3.0, 1.0]]]
    assert get_view("rotate_ccw", 2).view(x).tolist() == [[[1.0, 3.0], [0.0, 2.0]]]


def test_unknown_view_and_bad_size_are_reported():
    with pytest.raises(ValueError, match="unknown view 'spin'.*flip"):
        get_view("spin", 64)
    with pytest.raises(ValueError, match="multiple of 8"):
        get_view("patch_permute", 64).view(torch.zeros(1, 3, 20, 20))


def test_the_views_module_does_not_import_torch():
    code = (
        "import sys, generator.diffusion.views as v; v.get_view('jigsaw', 64).motion(64); "
        "v.get_view('square_hinge', 64).permutation(64); print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_gaussian_blur_matches_a_direct_2d_convolution():
    x = torch.randn(2, 3, 20, 20, generator=torch.Generator().manual_seed(0))
    g = gaussian_kernel1d(7, 1.5)
    kernel2d = (g[:, None] * g[None, :]).expand(3, 1, 7, 7)
    expected = F.conv2d(F.pad(x, (3, 3, 3, 3), mode="reflect"), kernel2d, groups=3)
    torch.testing.assert_close(gaussian_blur(x, 7, 1.5), expected, atol=1e-6, rtol=0)
    torch.testing.assert_close(gaussian_blur(x[0], 7, 1.5), expected[0], atol=1e-6, rtol=0)
    assert torch.allclose(gaussian_blur(torch.full((3, 9, 9), 0.3), 5, 2.0), torch.tensor(0.3))
    assert gaussian_blur(x, 7, 1.5).std() < x.std() / 2


def test_gaussian_blur_rejects_bad_kernels():
    with pytest.raises(ValueError, match="odd"):
        gaussian_blur(torch.zeros(3, 8, 8), 4, 1.0)
    with pytest.raises(ValueError, match="too large.*at most 15"):
        gaussian_blur(torch.zeros(3, 8, 8), 17, 1.0)


def test_hybrid_components_sum_to_the_image_and_scale_with_it():
    low, high = hybrid(33, 2.0, base_size=64)
    x = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(low(x) + high(x), x, atol=1e-6, rtol=0)
    assert low.scaled(64) == (33, 2.0) and low.scaled(256) == (133, 8.0)
    assert high(torch.full((1, 3, 64, 64), 0.5)).abs().max() < 1e-6  # no high frequencies in a constant
