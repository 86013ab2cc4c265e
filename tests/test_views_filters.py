"""Anagram views are permutations with exact inverses, consistent across resolutions; the Gaussian blur and
the hybrid factorization behave as filters should."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from generator.diffusion.factorizations import hybrid
from generator.diffusion.filters import gaussian_blur, gaussian_kernel1d
from generator.diffusion.views import VIEWS, get_view, is_permutation

PERMUTATIONS = [name for name in VIEWS if name != "negate"]


@pytest.mark.parametrize("name", list(VIEWS))
@pytest.mark.parametrize("size", [16, 64])
def test_inverse_view_undoes_view_exactly(name, size):
    view = get_view(name, size, seed=3)
    x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(0))
    assert torch.equal(view.inverse_view(view.view(x)), x)
    assert torch.equal(view.view(view.inverse_view(x)), x)
    assert view.view(x).shape == x.shape


@pytest.mark.parametrize("name", PERMUTATIONS)
def test_views_only_move_pixels(name):
    view = get_view(name, 32, seed=1)
    assert is_permutation(view, 32)
    assert name == "identity" or not torch.equal(view.view(torch.arange(1024.0).reshape(32, 32)),
                                                 torch.arange(1024.0).reshape(32, 32))


def test_negate_is_orthogonal_but_keeps_the_variance():
    view = get_view("negate", 16)
    assert not is_permutation(view, 16)
    v = torch.rand(1, 3, 16, 16)
    assert torch.equal(view.inverse_variance(v), v) and torch.equal(view.view(v), -v)


@pytest.mark.parametrize("name", PERMUTATIONS)
def test_a_view_at_4x_moves_the_same_blocks_as_at_stage_one(name):
    """Stage II (4× larger) must see the stage-I permutation, block for block."""
    view = get_view(name, 16, seed=2)
    small = torch.randn(1, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    upsample = lambda x: F.interpolate(x, scale_factor=4, mode="nearest")  # noqa: E731
    big = upsample(small)
    assert torch.equal(view.view(big), upsample(view.view(small)))
    assert torch.equal(view.inverse_view(view.view(big)), big)


def test_orientations_and_seeds():
    x = torch.arange(4.0).reshape(1, 2, 2)                     # [[0, 1], [2, 3]]
    assert get_view("flip", 2).view(x).tolist() == [[[2.0, 3.0], [0.0, 1.0]]]             # upside down
    assert get_view("rotate_cw", 2).view(x).tolist() == [[[2.0, 0.0], [3.0, 1.0]]]
    assert get_view("rotate_ccw", 2).view(x).tolist() == [[[1.0, 3.0], [0.0, 2.0]]]
    grid = torch.arange(256.0).reshape(1, 16, 16)
    same = [get_view("pixel_permute", 16, seed=s).view(grid) for s in (5, 5, 6)]
    assert torch.equal(same[0], same[1]) and not torch.equal(same[0], same[2])


def test_unknown_view_and_bad_size_are_reported():
    with pytest.raises(ValueError, match="unknown view 'spin'.*flip"):
        get_view("spin", 64)
    with pytest.raises(ValueError, match="multiple of 8"):
        get_view("patch_permute", 64).view(torch.zeros(1, 3, 20, 20))


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
    assert high(torch.full((1, 3, 64, 64), 0.5)).abs().max() < 1e-6     # no high frequencies in a constant
