"""The model protocol's stated defaults (models/base.py), and what the engine and modes read from them."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from generator.engine import auto_batch_size, fit_buckets, padded_size, run_tracks
from generator.models.base import BYTES_PER_SAMPLE_64, Backend, ModelSpec
from generator.models.digits import digits_spec
from generator.models.registry import get_spec
from generator.modes.base import ParamError
from generator.modes.common import SamplingMode, SamplingParams
from tests.tiny_backend import TinyBackend, tiny_spec


class PlainBackend(Backend):
    """Only what every backend must say: encode and predict (ε̂ = 0.1 x_t, fixed variance)."""

    def __init__(self) -> None:
        self.spec = ModelSpec(id="plain", revision="0", image_size=8, channels=1)
        self.device = torch.device("cpu")

    def encode(self, prompts: list[str]) -> dict[str, torch.Tensor]:
        return {p: torch.zeros(2) for p in prompts}

    def predict(self, x_t, t, emb, **cond):
        return 0.1 * x_t, None


def test_a_backend_that_states_nothing_more_gets_the_plainest_capabilities():
    backend = PlainBackend()
    assert backend.batch_buckets is None
    assert (padded_size(backend, 1), padded_size(backend, 5), fit_buckets(backend, 12)) == (2, 5, 12)
    assert backend.bytes_per_sample((3, 64, 64)) == BYTES_PER_SAMPLE_64
    assert backend.bytes_per_sample((3, 256, 256)) == 4 * BYTES_PER_SAMPLE_64  # √(pixels / 64²)
    assert auto_batch_size(backend, torch.zeros(1, 1, 8, 8)) == 16  # the CPU default
    backend.free()  # nothing to free: no error
    with pytest.raises(NotImplementedError, match="'plain' has no stage II"):
        backend.upscale_condition(torch.zeros(1, 1, 8, 8), torch.tensor([250]), torch.zeros(1, 1, 16, 16))


def test_the_engine_runs_a_backend_that_states_only_encode_and_predict():
    from generator.diffusion.schedule import Schedule
    from generator.engine import Term, Track, make_generator

    backend = PlainBackend()
    schedule = Schedule.from_config(
        {"num_train_timesteps": 1000, "beta_schedule": "linear", "variance_type": "fixed_small", "clip_sample": True}
    )
    track = Track(
        x=torch.randn(1, 1, 8, 8, generator=make_generator(0)),
        timesteps=[990, 500, 0],
        terms=[Term("a")],
        embeddings=backend.encode(["a"]),
        schedule=schedule,
        rng=make_generator(1),
    )
    run_tracks([track], backend, progress=False)
    assert track.done and torch.isfinite(track.x).all()


def test_buckets_a_backend_states_are_what_the_engine_pads_to():
    backend = TinyBackend()
    backend.batch_buckets = (2, 8, 32)
    assert (padded_size(backend, 3), padded_size(backend, 9), fit_buckets(backend, 20)) == (8, 32, 8)


def test_stage_two_is_known_from_the_spec_not_found_by_trial():
    assert ModelSpec(id="m", revision="0", image_size=8, channels=1, upscale_size=32).stage2_key() is None
    assert tiny_spec().stage2_key() == {"id": "tiny-stage2", "revision": "0"}
    assert dataclasses.replace(tiny_spec(), upscale_size=None).stage2_key() is None
    assert digits_spec().stage2_key() is None
    assert get_spec("if-i-l").stage2_key() == get_spec("if-i-l").upscale_key()


def test_upsampling_a_model_without_stage_two_is_refused_by_name():
    p = SamplingParams(upsample=True)
    with pytest.raises(ParamError, match="model 'digits' has no stage II"):
        SamplingMode().resolve(p, digits_spec())
    assert SamplingMode().resolve(p, tiny_spec()).upscaler == {"id": "tiny-stage2", "revision": "0"}
