"""docs/extending.md's worked examples are real: each code block, run as the file its first line names, makes a
mode, a view or a model backend that works the way the built-in ones do — registered beside them for the test
only, then removed again."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from generator.diffusion import views as views_package
from generator.diffusion.views import get_view, is_permutation
from generator.engine import run_tracks
from generator.models import registry
from generator.modes import MODES
from tests.tiny_backend import make_context, make_job, run_job


GUIDE = Path(__file__).resolve().parents[1] / "docs" / "extending.md"
BLOCKS = dict(re.findall(r"^```python\n# (generator/\S+\.py)\n(.*?)^```", GUIDE.read_text(), re.M | re.S))


def run_as(path: str) -> types.ModuleType:
    """The guide's code block for `path`, executed as that module (registered in sys.modules while the test runs)."""
    name = path.removesuffix(".py").replace("/", ".")
    module = types.ModuleType(name)
    module.__file__ = path
    sys.modules[name] = module
    exec(compile(BLOCKS[path], path, "exec"), module.__dict__)
    return module


@pytest.fixture
def cleanup(monkeypatch):
    """Whatever an example registers is gone after its test."""
    monkeypatch.setattr("generator.modes.base.MODES", MODES)
    before = dict(MODES), set(sys.modules)
    yield monkeypatch
    MODES.clear()
    MODES.update(before[0])
    for name in set(sys.modules) - before[1]:
        del sys.modules[name]


def test_the_guide_shows_one_file_of_each_kind():
    assert sorted(BLOCKS) == [
        "generator/diffusion/views/mirror.py",
        "generator/models/gaussian.py",
        "generator/modes/blend.py",
    ]
    for path in BLOCKS:
        assert not (GUIDE.parents[1] / path).exists(), f"{path} is an example, not a module of the package"


def test_the_example_mode_registers_and_keeps_the_contract(cleanup, backend):
    run_as("generator/modes/blend.py")
    mode = MODES["blend"]
    assert mode.params["guidance"].default == 7.0 and mode.noun == "blend"
    job = make_job("blend", ["a", "b"], 3, steps="strided-100")
    counted: list[int] = []
    ctx = make_context(backend, mode.embedding_prompts(job))
    tracks = mode.tracks(job, ctx)
    run_tracks(tracks, backend, progress=False, on_tick=counted.append)
    (image,) = mode.assemble(job, tracks, ctx).images.values()
    assert image.shape == (3, 16, 16) and image.abs().max() <= 1 and image.std() > 0.05
    assert mode.model_calls(job) == sum(counted) == 3 * 10  # a, b and the unconditional prompt, 10 steps


def test_the_example_view_is_exact_and_serves_an_anagram(cleanup, backend):
    module = run_as("generator/diffusion/views/mirror.py")
    cleanup.setitem(views_package.VIEWS, "mirror", lambda size, seed: module.Mirror())
    get_view.cache_clear()
    view = get_view("mirror", 16)
    x = np.random.default_rng(0).normal(size=(3, 16, 16))
    assert np.array_equal(view.inverse_view(view.view(x)), x) and is_permutation(view, 16)
    assert views_package.view_words("mirror") == "mirrored"
    result, _ = run_job(make_job("anagram", ["a", "b"], 1, views=["identity", "mirror"], steps="strided-100"), backend)
    assert torch.equal(result.images["mirror"], result.images["identity"].flip(-1))
    get_view.cache_clear()


def test_the_example_backend_samples_its_gaussian(cleanup):
    module = run_as("generator/models/gaussian.py")
    cleanup.setitem(registry.PRESETS, "gaussian", lambda hardware, env: module.gaussian_spec())
    spec = registry.get_spec("gaussian")
    assert spec.unavailable() is None and not spec.needs_gpu and spec.build_command("b") == "make gallery"
    model = spec.load("cpu")
    stds = []
    for seed in range(4):
        result, _ = run_job(make_job("sample", ["anything"], seed, spec=spec, steps="strided-50"), model)
        stds.append(float(result.images["sample"].std()))
    registry._spec.cache_clear()
    assert 0.38 < np.mean(stds) < 0.5, stds  # σ = 0.5, approached from below (0.42 at 20 steps)
