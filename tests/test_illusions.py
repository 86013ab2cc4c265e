"""Illusion modes end to end on the tiny model (N-view anagrams, native stage II views) and the animation
contract every view offers the site (frames from the upright reading to the viewed one)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from generator.diffusion.views import VIEWS, get_view
from generator.site.motion import animation_frames, view_motion
from tests.tiny_backend import make_job, run_job


FEW = {"steps": "strided-100"}
STAGE2 = {"upsample": True, "upsample_steps": [900, 500, 100]}


@pytest.mark.parametrize(
    "views", [["identity", "rotate_cw", "rotate_180"], ["identity", "square_hinge", "jigsaw", "inner_circle"]]
)
def test_n_view_anagrams_show_each_prompt_under_its_view_at_both_stages(backend, views):
    prompts = ["a", "b", "a blurry photo", "b"][: len(views)]
    result, tracks = run_job(make_job("anagram", prompts, 2, views=views, **FEW, **STAGE2), backend)
    assert list(result.images) == views + [f"{v}-32" for v in views]
    assert len(tracks[0].terms) == len(views) and tracks[0].reduce == "mean"
    upright = result.images["identity-32"]
    for name in views[1:]:
        view = get_view(name, 16)
        assert torch.equal(result.images[f"{name}-32"], view.view(upright))  # the native 32² view
        assert torch.equal(result.images[name], view.view(result.images["identity"]))


def test_upsampled_anagrams_with_a_native_stage_two_view_get_a_new_key():
    plain = make_job("anagram", ["a", "b"], views=["identity", "flip"], **STAGE2)
    native = make_job("anagram", ["a", "b"], views=["identity", "inner_circle"], **STAGE2)
    stage1 = make_job("anagram", ["a", "b"], views=["identity", "inner_circle"])
    assert plain.params.stage2_views is None and stage1.params.stage2_views is None
    assert "stage2_views" not in plain.params.key() and native.params.key()["stage2_views"] == "native"


@pytest.mark.parametrize(
    "mode, params, prompts",
    [
        ("anagram", {}, ["a", "b"]),
        ("hybrid", {}, ["a", "b"]),
        ("factorized", {"factorization": "color"}, ["a", "b"]),
    ],
)
def test_illusions_condition_stage_two_as_the_reference_illusion_sampler(mode, params, prompts):
    """Noise level 50 and the stage-I guidance by default (the course's 250 and 4 elsewhere); a job that does not
    run stage II records the course's values, which it does not use, so its key does not depend on them."""
    upsampled = make_job(mode, prompts, guidance=10.0, **params, **STAGE2)
    assert (upsampled.params.noise_level, upsampled.params.upsample_guidance) == (50, 10.0)
    assert make_job(mode, prompts, noise_level=20, upsample_guidance=3.0, **params, **STAGE2).params.noise_level == 20
    single = make_job(mode, prompts, **params)
    assert (single.params.noise_level, single.params.upsample_guidance) == (250, 4.0)
    course = make_job("cfg", ["a"], **STAGE2)
    assert (course.params.noise_level, course.params.upsample_guidance) == (250, 4.0)


def test_revised_operators_give_their_jobs_new_keys_and_no_others():
    assert make_job("anagram", ["a", "b"], views=["identity", "jigsaw"]).params.operator_versions == {"jigsaw": 2}
    assert "operator_versions" not in make_job("anagram", ["a", "b"], views=["identity", "rotate_180"]).params.key()
    motion = make_job("factorized", ["a", "b"], factorization="motion", motion_length=3)
    assert motion.params.operator_versions == {"motion": 2}
    assert (
        "operator_versions"
        not in make_job("factorized", ["a", "b"], factorization="hybrid", kernel_size=9, sigmas=[1.5]).params.key()
    )


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
    expected = np.asarray(image.rotate(90))  # half of 180° counter-clockwise: PIL's rotate(90)
    inner = slice(8, 24)
    assert (half[inner, inner] == expected[inner, inner]).mean() > 0.95
    circle = [np.asarray(f) for f in animation_frames("inner_circle", image, n=5)]
    assert all(np.array_equal(f[:3, :3], circle[0][:3, :3]) for f in circle)  # the border stays put


def test_view_motion_says_what_css_can_show():
    assert view_motion("rotate_180")["css"] == "rotate(180deg)"
    assert view_motion("rotate_cw")["css"] == "rotate(90deg)" and view_motion("rotate_ccw")["css"] == "rotate(-90deg)"
    assert view_motion("flip")["css"] == "scaleY(-1)"
    for name in ("jigsaw", "square_hinge", "inner_circle", "negate", "skew", "blur"):
        assert view_motion(name)["css"] is None
    assert view_motion("jigsaw")["kind"] == "pieces" and view_motion("skew")["kind"] == "paths"
    assert view_motion("blur")["failure"] and view_motion("jigsaw")["failure"] is None


# ---------------------------------------------------------------------------------------------- factorizations

from generator.diffusion import factorizations as fz  # noqa: E402


FACTORIZATIONS = {
    "hybrid-2": lambda: fz.hybrid_bands(9, [1.5], 32),
    "hybrid-3": lambda: fz.hybrid_bands(13, [1.0, 2.0], 32),
    "color": lambda: fz.color(32),
    "motion": lambda: fz.motion(5, 32),
    "scale": lambda: fz.scale([4.0, -3.0]),
}


@pytest.mark.parametrize("name", list(FACTORIZATIONS))
@pytest.mark.parametrize("size", [32, 64, 256])
def test_components_are_linear_and_sum_to_the_identity(name, size):
    parts = FACTORIZATIONS[name]()
    gen = torch.Generator().manual_seed(size)
    x, y = torch.randn(2, 3, size, size, generator=gen), torch.randn(2, 3, size, size, generator=gen)
    torch.testing.assert_close(sum(parts(x)), x, atol=1e-5, rtol=0)
    for f in parts.components:
        torch.testing.assert_close(f(2 * x - y), 2 * f(x) - f(y), atol=1e-4, rtol=0)
    assert all(not torch.allclose(f(x), x) for f in parts.components)  # no component is everything


def test_each_factor_does_what_its_name_says():
    x = torch.randn(1, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    grey, chroma = fz.color(32).components
    assert torch.allclose(grey(x)[:, 0], x.mean(1)) and torch.allclose(
        chroma(x).mean(1), torch.zeros(1, 32, 32), atol=1e-6
    )
    low, middle, high = fz.hybrid_bands(13, [1.0, 2.0], 32).components
    assert high(x).std() > middle(x).std() > low(x).std()  # white noise: more power up high
    line = torch.zeros(1, 1, 33, 33)
    line[..., 16, 16] = 1.0
    streak = fz.MotionBlur(5, 33)(line)[0, 0]
    assert torch.allclose(streak.diagonal()[14:19], torch.full((5,), 0.2))  # top left to bottom right
    assert streak.sum() == pytest.approx(1.0) and streak.flip(0).diagonal()[15] == 0
    assert fz.LowPass(33, 2.0, 64).scaled(256) == (133, 8.0)
    with pytest.raises(ValueError, match="sum to 1"):
        fz.scale([0.5, 0.6])


@pytest.mark.parametrize(
    "params, prompts, names",
    [
        (
            {"factorization": "hybrid", "sigmas": [1.0, 2.0]},
            ["a", "b", "a blurry photo"],
            ["far", "middle", "small", "image"],
        ),
        ({"factorization": "color"}, ["a", "b"], ["grey", "image"]),
        ({"factorization": "motion", "motion_length": 3}, ["a", "b"], ["moving", "image"]),
        ({"factorization": "scale", "weights": [0.5, 0.5]}, ["a", "b"], ["image"]),
    ],
)
def test_factorized_mode_runs_every_factorization(backend, params, prompts, names):
    result, tracks = run_job(make_job("factorized", prompts, 1, **params, **FEW), backend)
    assert list(result.images) == names and tracks[0].reduce == "sum"
    assert result.info["components"] == list(tracks[0].extras["parts"].labels)


def test_scale_with_weights_gamma_and_one_minus_gamma_is_cfg(backend):
    """ε = γ ε(a) + (1 − γ) ε(""): the CFG estimate, as the scale factorization of prompts (a, "")."""
    from generator.modes import MODES
    from tests.tiny_backend import make_context

    job = make_job("factorized", ["a", ""], 4, factorization="scale", weights=[3.0, -2.0], guidance=1.0, **FEW)
    (track,) = MODES["factorized"].tracks(job, make_context(backend, ["a"]))
    gen = torch.Generator().manual_seed(0)
    outputs = {r.key: (torch.randn(r.x.shape, generator=gen), None) for r in track.requests()}
    eps, _ = track.combine(outputs)
    by_prompt = {key[2]: value[0] for key, value in outputs.items()}
    torch.testing.assert_close(eps, by_prompt[""] + 3.0 * (by_prompt["a"] - by_prompt[""]), atol=1e-5, rtol=0)


def test_reference_keeps_the_reference_component_and_the_prompt_fills_the_rest(backend, tmp_path):
    from tests.tiny_backend import write_test_image

    image = write_test_image(tmp_path / "ref.png")
    job = make_job("reference", ["a"], 3, {"image": image}, factorization="hybrid", sigmas=[1.0], **FEW)
    result, tracks = run_job(job, backend)
    low = tracks[0].extras["fixed"]
    assert list(result.images) == ["reference", "fixed", "result"]
    plain, _ = run_job(make_job("cfg", ["a"], 3, **FEW), backend)
    far = lambda x: (low(x[None]) - result.images["fixed"][None]).abs().mean()  # noqa: E731
    assert far(result.images["result"]) < 0.5 * far(plain.images["sample"])  # its far view is the reference's


def test_factorization_mistakes_are_reported():
    with pytest.raises(ValueError, match="needs 3 prompts"):
        make_job("factorized", ["a", "b"], factorization="hybrid", sigmas=[1.0, 2.0])
    with pytest.raises(ValueError, match="needs 2 prompts"):
        make_job("factorized", ["a", "b", "c"], factorization="motion")
    from generator.modes import MODES

    Params = MODES["factorized"].Params
    problems = MODES["factorized"].check_params(Params(factorization="scale", weights=[1, 1], size=32), {}, None)
    assert "sum to 1" in problems[0][1]
    problems = MODES["factorized"].check_params(Params(factorization="color", channels=1, size=32), {}, None)
    assert "RGB" in problems[0][1]


def test_views_that_do_not_fit_the_model_are_refused_when_recipes_are_read():
    from generator.modes import MODES

    Params = MODES["anagram"].Params
    problems = MODES["anagram"].check_params(Params(views=["identity", "jigsaw", "patch_permute"], size=36), {}, None)
    assert [path for path, _ in problems] == [("views", 2)] and "multiple of 8" in problems[0][1]
    assert MODES["anagram"].check_params(Params(views=["identity", "jigsaw"], size=32), {}, None) == []
