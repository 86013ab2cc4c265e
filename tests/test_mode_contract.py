"""What every registered mode promises, checked on one small example job of each (a new mode adds its example
here): its parameters check clean; its images are named, (C, H, W) and in [-1, 1]; `model_calls` is what the
engine counted running its tracks; and its result is the same packed with another job as alone."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from generator.engine import PACKING_ATOL, run_tracks
from generator.modes import MODES
from tests.tiny_backend import make_context, make_job


DIGITS = Path(__file__).resolve().parents[1] / "models" / "digits"
FEW = {"steps": "strided-100"}  # 10 steps
STAGE2 = {"upsample": True, "upsample_steps": [900, 500, 100]}
IMAGE = {"image"}

# mode → (prompts, inputs, parameters): "image" is the test picture, a path is a record file
EXAMPLES: dict[str, tuple[list[str], set[str] | dict[str, Path], dict]] = {
    "forward": ([], IMAGE, {"t": 300}),
    "blur_denoise": ([], IMAGE, {"t": 300, "search_sigma": [1.0, 2.0]}),
    "one_step": (["a"], IMAGE, {"t": 500}),
    "iterative": (["a"], IMAGE, {"i_start": 2, "show_every": 4, **FEW}),
    "sample": (["a"], set(), {**FEW, **STAGE2}),
    "cfg": (["a"], set(), {**FEW, "guidance": 3.0}),
    "sdedit": (["a"], IMAGE, {"i_start": 3, **FEW}),
    "text_img2img": (["b"], IMAGE, {"i_start": 3, **FEW, **STAGE2}),
    "inpaint": (["a"], IMAGE, {"rect": [2, 4, 8, 12], **FEW}),
    "anagram": (["a", "b"], set(), {"views": ["identity", "rotate_cw"], **FEW, **STAGE2}),
    "hybrid": (["a", "b"], set(), {"kernel_size": 9, "sigma": 1.0, **FEW}),
    "factorized": (["a", "b"], set(), {"factorization": "color", **FEW}),
    "reference": (["a"], IMAGE, {"factorization": "hybrid", "sigmas": [1.0], "kernel_size": 9, **FEW}),
    "loss_curve": ([], {"record": DIGITS / "training.json"}, {}),
    "epoch_samples": ([], {"record": DIGITS / "training.json"}, {}),
    "evaluation": ([], {"record": DIGITS / "eval.json"}, {}),
    "illusion_atlas": ([], {"record": DIGITS / "atlas.json"}, {"tables": ["anagram:flip"]}),
}


def example(name: str, image: str, seed: int = 0):
    prompts, inputs, params = EXAMPLES[name]
    paths = {"image": image} if inputs == IMAGE else {k: str(v) for k, v in dict(inputs).items()}
    return make_job(name, prompts, seed, paths, **params)


def test_every_registered_mode_has_an_example():
    assert set(EXAMPLES) == set(MODES), "add an example job for each new mode to EXAMPLES"


def assert_images(images: dict[str, torch.Tensor]) -> None:
    assert images and all(isinstance(name, str) and name for name in images)
    for name, x in images.items():
        assert x.dim() == 3 and x.shape[0] in (1, 3), name
        assert torch.isfinite(x).all() and x.abs().max() <= 1, name


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_modes_contract(name, image, backend):
    mode, job = MODES[name], example(name, image)
    assert mode.check_params(job.params, {i.name: i for i in job.inputs}, Path.cwd()) == []
    mode.check(job)
    if not mode.needs_model:
        assert mode.model_calls(job) == 0
        assert_images(mode.make(job).images)
        return
    counted: list[int] = []
    ctx = make_context(backend, mode.embedding_prompts(job))
    tracks = mode.tracks(job, ctx)
    run_tracks(tracks, backend, progress=False, on_tick=counted.append)
    alone = mode.assemble(job, tracks, ctx).images
    assert_images(alone)
    assert mode.model_calls(job) == sum(counted) > 0

    other = example(name, image, seed=1)
    both = {key: mode.tracks(j, ctx) for key, j in (("job", job), ("other", other))}
    run_tracks(both["job"] + both["other"], backend, progress=False)
    packed = mode.assemble(job, both["job"], ctx).images
    assert list(packed) == list(alone)
    for key in alone:
        torch.testing.assert_close(packed[key], alone[key], atol=PACKING_ATOL, rtol=0)
