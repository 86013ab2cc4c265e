"""The model-based modes end to end on a tiny random model: their images, and the identities each must keep."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from PIL import Image

from generator.modes import MODES
from tests.tiny_backend import TinyBackend, make_job, run_job, tiny_spec


FEW = {"steps": "strided-100"}  # 10 steps
STAGE2 = {"upsample": True, "upsample_steps": [900, 500, 100]}


@pytest.fixture(scope="module")
def mask(tmp_path_factory) -> str:
    """White (new content) in the left half."""
    path = tmp_path_factory.mktemp("inputs") / "mask.png"
    Image.fromarray(np.where(np.arange(24)[None, :] < 12, 255, 0).repeat(24, 0).astype(np.uint8)).save(path)
    return str(path)


@pytest.mark.parametrize(
    "mode, prompts, uses_image, params, names",
    [
        ("one_step", ["a"], True, {"t": 500}, ["original", "noisy", "estimate"]),
        (
            "iterative",
            ["a"],
            True,
            {"i_start": 2, "show_every": 4, **FEW},
            ["original", "t=700", "t=300", "one-step", "blurred", "iterative"],
        ),
        ("sample", ["a"], False, {**FEW, **STAGE2}, ["sample", "sample-32"]),
        ("cfg", ["a"], False, FEW, ["sample"]),
        ("sdedit", ["a"], True, {"i_start": 3, **FEW}, ["original", "edit"]),
        ("text_img2img", ["b"], True, {"i_start": 3, **FEW, **STAGE2}, ["original", "edit", "edit-32"]),
        ("inpaint", ["a"], True, {"rect": [2, 4, 8, 12], **FEW}, ["image", "mask", "hole", "result"]),
        ("anagram", ["a", "b"], False, {"views": ["identity", "rotate_cw"], **FEW}, ["identity", "rotate_cw"]),
        ("hybrid", ["a", "b"], False, {"kernel_size": 9, "sigma": 1.0, **FEW}, ["far", "small", "hybrid"]),
    ],
)
def test_modes_make_their_images(backend, image, mode, prompts, uses_image, params, names):
    job = make_job(mode, prompts, 7, {"image": image} if uses_image else None, **params)
    result, _ = run_job(job, backend)
    assert list(result.images) == names
    for name, x in result.images.items():
        assert x.dim() == 3 and x.shape[0] in (1, 3) and x.abs().max() <= 1, name
    final = list(result.images.values())[-1]
    assert final.std() > 0.05  # a picture, not a constant
    assert MODES[mode].model_calls(job) > 0


def test_one_step_uses_the_forward_modes_noise_and_inverts_the_true_noise(image):
    """The noisy image is the `forward` figure's; told the true ε, the estimate is the original."""
    from generator.diffusion.schedule import Schedule

    job = make_job("one_step", ["a"], 3, {"image": image}, t=400)
    forward = MODES["forward"].make(make_job("forward", [], 3, {"image": image}, t=400))
    oracle = TinyBackend()
    alpha_bar = Schedule.from_config(oracle.spec.scheduler_config).alpha_bar(400)
    x0 = forward.images["original"]
    oracle.predict = lambda x_t, t, emb: ((x_t - alpha_bar**0.5 * x0) / (1 - alpha_bar) ** 0.5, None)
    result, _ = run_job(job, oracle)
    assert torch.equal(result.images["noisy"], forward.images["noisy"].clamp(-1, 1))
    torch.testing.assert_close(result.images["estimate"], x0, atol=1e-5, rtol=0)


def test_iterative_one_step_panel_is_the_one_step_mode(backend, image):
    it, _ = run_job(make_job("iterative", ["a"], 5, {"image": image}, i_start=10), backend)
    one, _ = run_job(make_job("one_step", ["a"], 5, {"image": image}, t=690), backend)
    assert torch.equal(it.images["t=690"], one.images["noisy"])
    torch.testing.assert_close(it.images["one-step"], one.images["estimate"], atol=1e-6, rtol=0)


def test_sdedit_from_the_last_index_returns_its_input(backend, image):
    past_end, _ = run_job(make_job("sdedit", ["a"], 1, {"image": image}, i_start=34), backend)
    assert torch.equal(past_end.images["edit"], past_end.images["original"])
    last, _ = run_job(make_job("sdedit", ["a"], 1, {"image": image}, i_start=33), backend)  # t = 0 → −1
    difference = (last.images["edit"] - last.images["original"]).abs()
    assert difference.max() < 0.1 and difference.mean() < 0.02


@pytest.mark.parametrize("how", ["rect", "mask", "rect+stage2"])
def test_inpainting_keeps_the_known_pixels(backend, image, mask, how):
    inputs = {"image": image, **({"mask": mask} if how == "mask" else {})}
    params = {"rect": [] if how == "mask" else [2, 4, 8, 12], **FEW, **(STAGE2 if "stage2" in how else {})}
    result, tracks = run_job(make_job("inpaint", ["a"], 2, inputs, **params), backend)
    original, hole = result.images["image"], result.images["mask"] > 0
    assert 0 < hole.float().mean() < 1
    assert torch.equal(result.images["result"][~hole.expand(3, -1, -1)], original[~hole.expand(3, -1, -1)])
    assert not torch.equal(result.images["result"], original)
    if "stage2" in how:
        big = tracks[0].next
        known = big.hooks[0].mask[0] == 0
        assert torch.equal(big.x[0][known.expand(3, -1, -1)], big.hooks[0].original[0][known.expand(3, -1, -1)])


def test_hybrid_of_one_prompt_twice_is_plain_cfg(backend):
    hybrid, _ = run_job(make_job("hybrid", ["a", "a"], 4, kernel_size=9, sigma=1.0, **FEW), backend)
    plain, _ = run_job(make_job("cfg", ["a"], 4, **FEW), backend)
    torch.testing.assert_close(hybrid.images["hybrid"], plain.images["sample"], atol=1e-4, rtol=0)


def test_anagram_with_swapped_prompts_is_the_upside_down_image(backend, monkeypatch):
    """With noise that is itself symmetric under the flip, swapping the prompts flips the result exactly."""
    import generator.engine as engine

    draw = engine.draw_noise

    def symmetric(generator, shape, device, dtype=torch.float32):
        n = draw(generator, shape, device, dtype)
        return (n + n.flip(-2)) / 2**0.5

    monkeypatch.setattr(engine, "draw_noise", symmetric)
    views = {"views": ["identity", "flip"], **FEW}
    first, _ = run_job(make_job("anagram", ["a", "b"], 9, **views), backend)
    swapped, _ = run_job(make_job("anagram", ["b", "a"], 9, **views), backend)
    # Rows of the two runs meet the model flipped and in other batch positions: equal up to kernel rounding.
    torch.testing.assert_close(swapped.images["identity"], first.images["identity"].flip(-2), atol=1e-4, rtol=0)
    assert torch.equal(first.images["flip"], first.images["identity"].flip(-2))


def test_anagram_upsampling_applies_the_views_to_stage_two(backend):
    result, tracks = run_job(
        make_job("anagram", ["a", "b"], 1, views=["identity", "patch_permute"], **FEW, **STAGE2), backend
    )
    assert list(result.images) == ["identity", "patch_permute", "identity-32", "patch_permute-32"]
    view = tracks[0].next.terms[1].view
    assert torch.equal(result.images["patch_permute-32"], view.view(result.images["identity-32"]))


def test_mistakes_are_reported(backend, image, mask):
    with pytest.raises(ValueError, match="expected 3 prompt.*one per view"):
        run_job(make_job("anagram", ["a", "b"], views=["identity", "flip", "negate"], **FEW), backend)
    with pytest.raises(ValueError, match="unknown view.*spin"):
        make_job("anagram", ["a", "b"], views=["identity", "spin"])
    with pytest.raises(ValueError, match="not both"):
        run_job(make_job("inpaint", ["a"], 0, {"image": image, "mask": mask}, rect=[0, 0, 4, 4]), backend)
    with pytest.raises(ValueError, match="one is needed"):
        run_job(make_job("inpaint", ["a"], 0, {"image": image}), backend)
    with pytest.raises(ValueError, match=r"rect \[0, 0, 40, 4\]"):
        run_job(make_job("inpaint", ["a"], 0, {"image": image}, rect=[0, 0, 40, 4]), backend)
    with pytest.raises(ValueError, match="i_start 40 is past the end of the 34 timesteps"):
        make_job("sdedit", ["a"], 0, {"image": image}, i_start=40)
    no_stage2 = dataclasses.replace(tiny_spec(), upscale_size=None)
    with pytest.raises(ValueError, match="has no stage II"):
        make_job("sample", ["a"], spec=no_stage2, upsample=True)


def test_jobs_pin_what_decides_their_pixels():
    job = make_job("cfg", ["a"], uncond="a blurry photo", upsample=True)
    assert job.params.thresholding == "dynamic"  # "auto" resolved from the scheduler config
    assert job.params.upscaler == {"id": "tiny-stage2", "revision": "0"}
    assert MODES["cfg"].embedding_prompts(job) == ["a", "a blurry photo", ""]
    assert MODES["cfg"].model_calls(job) == 2 * 34 + 2 * 50
    assert MODES["sample"].model_calls(make_job("sample", ["a"])) == 34
    assert MODES["anagram"].model_calls(make_job("anagram", ["a", "b"])) == 4 * 34
    assert MODES["hybrid"].model_calls(make_job("hybrid", ["a", "b"])) == 3 * 34  # one shared ε_u
    assert MODES["sdedit"].model_calls(make_job("sdedit", ["a"], i_start=30)) == 2 * 4


def test_resolving_jobs_does_not_load_torch():
    """Recipes expand into jobs (and `gallery render` runs) without importing torch."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from generator.modes import MODES\n"
        "from generator.models.base import ModelSpec\n"
        "spec = ModelSpec('m', '0', 64, 3, {'thresholding': True}, 256)\n"
        "for name in ('one_step', 'iterative', 'sample', 'cfg', 'sdedit', 'inpaint', 'anagram', 'hybrid'):\n"
        "    mode = MODES[name]\n"
        "    mode.resolve(mode.Params(**({'t': 10} if 't' in mode.params else {}), size=64, channels=3), spec)\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
