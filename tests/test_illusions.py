"""Illusion modes end to end on the tiny model (N-view anagrams, native stage II views) and the animation
contract every view offers the site (frames from the upright reading to the viewed one)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from generator.diffusion.views import VIEWS, animation_frames, get_view, view_motion
from tests.tiny_backend import TinyBackend, make_job, run_job

FEW = {"steps": "strided-100"}
STAGE2 = {"upsample": True, "upsample_steps": [900, 500, 100]}


@pytest.fixture(scope="module")
def backend() -> TinyBackend:
    return TinyBackend()


@pytest.mark.parametrize("views", [["identity", "rotate_cw", "rotate_180"],
                                   ["identity", "square_hinge", "jigsaw", "inner_circle"]])
def test_n_view_anagrams_show_each_prompt_under_its_view_at_both_stages(backend, views):
    prompts = ["a", "b", "a blurry photo", "b"][:len(views)]
    result, tracks = run_job(make_job("anagram", prompts, 2, views=views, **FEW, **STAGE2), backend)
    assert list(result.images) == views + [f"{v}-32" for v in views]
    assert len(tracks[0].terms) == len(views) and tracks[0].reduce == "mean"
    upright = result.images["identity-32"]
    for name in views[1:]:
        view = get_view(name, 16)
        assert torch.equal(result.images[f"{name}-32"], view.view(upright))      # the native 32² view
        assert torch.equal(result.images[name], view.view(result.images["identity"]))


def test_upsampled_anagrams_with_a_native_stage_two_view_get_a_new_key():
    plain = make_job("anagram", ["a", "b"], views=["identity", "flip"], **STAGE2)
    native = make_job("anagram", ["a", "b"], views=["identity", "inner_circle"], **STAGE2)
    stage1 = make_job("anagram", ["a", "b"], views=["identity", "inner_circle"])
    assert "stage2_views" not in plain.params and "stage2_views" not in stage1.params
    assert native.params["stage2_views"] == "native"


def picture(mode: str = "L", size: int = 32) -> Image.Image:
    rng = np.random.default_rng(0)
    shape = (size, size) if mode == "L" else (size, size, 3)
    return Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode)


@pytest.mark.parametrize("name", list(VIEWS))
def test_animation_starts_upright_and_ends_with_the_view_applied(name):
    image = picture("L" if name != "white_balance" else "RGB")
    frames = animation_frames(name, image, n=8)
    assert len(frames) == 8 and all(f.size == image.size and f.mode == image.mode for f in frames)
    first, last = (np.asarray(f, dtype=np.int16) for f in (frames[0], frames[-1]))
    assert np.array_equal(first, np.asarray(image))
    x = torch.from_numpy(np.asarray(image, dtype=np.float64) / 127.5 - 1)
    x = x[None] if x.dim() == 2 else x.permute(2, 0, 1)
    expected = ((get_view(name, 32).view(x) + 1) * 127.5).clamp(0, 255)
    expected = expected[0] if expected.shape[0] == 1 else expected.permute(1, 2, 0)
    assert np.abs(last - expected.numpy()).max() <= 1
    middle = np.asarray(frames[4], dtype=np.int16)
    assert name == "identity" or not (np.array_equal(middle, first) or np.array_equal(middle, last))


def test_rotations_turn_through_the_angle_and_pieces_move_along_their_paths():
    image = picture()
    half = np.asarray(animation_frames("rotate_180", image, n=3)[1])
    expected = np.asarray(image.rotate(90))                  # half of 180° counter-clockwise: PIL's rotate(90)
    inner = slice(8, 24)
    assert (half[inner, inner] == expected[inner, inner]).mean() > 0.95
    circle = [np.asarray(f) for f in animation_frames("inner_circle", image, n=5)]
    assert all(np.array_equal(f[:3, :3], circle[0][:3, :3]) for f in circle)      # the border stays put


def test_view_motion_says_what_css_can_show():
    assert view_motion("rotate_180")["css"] == "rotate(180deg)"
    assert view_motion("rotate_cw")["css"] == "rotate(90deg)" and view_motion("rotate_ccw")["css"] == "rotate(-90deg)"
    assert view_motion("flip")["css"] == "scaleY(-1)"
    for name in ("jigsaw", "square_hinge", "inner_circle", "negate", "skew", "blur"):
        assert view_motion(name)["css"] is None
    assert view_motion("jigsaw")["kind"] == "pieces" and view_motion("skew")["kind"] == "paths"
    assert view_motion("blur")["failure"] and view_motion("jigsaw")["failure"] is None
