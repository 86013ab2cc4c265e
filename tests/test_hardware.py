"""Devices, dtypes and memory plans (models/hardware.py), and the engine sizing a batch after the weights load."""

from __future__ import annotations

import pytest
import torch

from generator import engine
from generator.models.base import BYTES_PER_SAMPLE_64, ModelSpec
from generator.models.deepfloyd import model_spec
from generator.models.deepfloyd_arch import T5_XXL_PARAMS, T5_XXL_WO_PARAMS
from generator.models.hardware import (
    CONTEXT_BYTES,
    GiB,
    Stage,
    batch_for,
    encoder_placement,
    parse_memory,
    pick_device,
    plan_memory,
)


def test_auto_device_prefers_cuda_then_mps_then_the_cpu(monkeypatch):
    found = {"cuda": False, "mps": False}
    monkeypatch.setattr("generator.models.hardware.cuda_available", lambda: found["cuda"])
    monkeypatch.setattr("generator.models.hardware.mps_available", lambda: found["mps"])
    assert pick_device() == pick_device("auto") == "cpu"
    found["mps"] = True
    assert pick_device(None) == "mps"
    found["cuda"] = True
    assert pick_device("auto") == "cuda" and pick_device("cuda:1") == "cuda:1" and pick_device("cpu") == "cpu"


def test_memory_sizes_read_as_a_card_states_them():
    assert parse_memory("16GB") == parse_memory("16 GiB") == parse_memory("16g") == 16 * GiB
    assert parse_memory("24000MB") == 24000 * 2**20 and parse_memory("auto") is None and parse_memory(None) is None
    with pytest.raises(ValueError, match="memory 'lots' not understood: give a size such as 16GB"):
        parse_memory("lots")


# --------------------------------------------------------------------------------------- memory plans


def if_stages(**needs):
    return model_spec("deepfloyd-if").stages(**needs)


@pytest.mark.parametrize(
    "card_gib, mode, fits",
    [
        (80, "resident", True),
        (24, "resident", True),
        (16, "sequential", True),
        (12, "sequential", True),
        (8, "sequential", False),
    ],
)
def test_the_plan_for_each_card_size(card_gib, mode, fits):
    plan = plan_memory(card_gib * GiB, if_stages(needs_stage2=True))
    assert (plan.mode, plan.fits) == (mode, fits)
    assert plan.peak <= card_gib * GiB or not fits
    held = {"stage I": 4.305e9 * 2, "stage II": 1.243e9 * 2}
    for name, batch in plan.batches.items():  # sized with the weights already resident
        weights = sum(held.values()) if mode == "resident" else held[name]
        per_sample = BYTES_PER_SAMPLE_64 * (1 if name == "stage I" else 4)
        assert batch == batch_for(card_gib * GiB - CONTEXT_BYTES - weights, per_sample)


def test_a_plan_sizes_batches_after_the_weights_and_stage_three_adds_its_own():
    two = plan_memory(24 * GiB, if_stages(needs_stage2=True), mode="resident")
    three = plan_memory(24 * GiB, if_stages(needs_stage2=True, needs_stage3=True), mode="resident")
    assert three.batches["stage III"] == 1 and three.batches["stage I"] < two.batches["stage I"]
    assert three.peak > two.peak
    offload = plan_memory(16 * GiB, if_stages(needs_stage2=True), mode="offload")
    assert offload.host == pytest.approx(2 * (4.305e9 + 1.243e9)) and offload.mode == "offload"
    assert "host RAM" in offload.lines()[0]
    fp32 = plan_memory(24 * GiB, if_stages(needs_stage2=True), dtype="fp32")
    assert fp32.mode == "sequential"  # 22 GB of fp32 UNets do not sit together on 24 GB


def test_a_made_up_stage_gets_exactly_its_share():
    stage = Stage("s", params=1e9, per_sample=GiB)
    plan = plan_memory(10 * GiB, [stage], mode="resident")
    assert plan.batches == {"s": batch_for(10 * GiB - CONTEXT_BYTES - 2e9, GiB)}
    assert plan.peak == pytest.approx(CONTEXT_BYTES + 2e9 + plan.batches["s"] * GiB)


@pytest.mark.parametrize(
    "device, memory, bf16, unet, expected",
    [
        ("cuda", 24 * GiB, True, "fp16", ("cuda", "bf16")),  # Ampere or later
        ("cuda", 16 * GiB, False, "fp16", ("cuda", "fp16")),  # a T4: fp16 with fp32 `wo`
        ("cuda", 12 * GiB, False, "fp16", ("cpu", "bf16")),  # too small for fp16 + fp32 wo
        ("cuda", 8 * GiB, True, "fp16", ("cpu", "bf16")),
        ("cpu", 24 * GiB, True, "bf16", ("cpu", "bf16")),
        ("cpu", 24 * GiB, True, "fp32", ("cpu", "fp32")),  # an fp32 run is fp32 throughout
        ("mps", 32 * GiB, False, "fp16", ("mps", "fp16")),
    ],
)
def test_where_t5_encodes(device, memory, bf16, unet, expected):
    assert encoder_placement(device, memory, bf16, unet, T5_XXL_PARAMS, T5_XXL_WO_PARAMS) == expected


# ------------------------------------------------------------------------ batch size after the load


class LoadingBackend:
    """A backend whose weights take 10 GiB of the device when `ready_for` loads them (plus 1 GiB that an
    offloaded copy still brings at each call)."""

    spec = ModelSpec(id="loading", revision="0", image_size=8, channels=1)
    device = torch.device("cpu")
    batch_buckets = None
    memory_limit = None

    def __init__(self, events: list[str]):
        self.events = events

    def ready_for(self, sample_shape):
        self.events.append("load")
        return GiB

    def bytes_per_sample(self, sample_shape):
        return GiB / 4


def test_the_batch_is_sized_after_the_weights_are_resident(monkeypatch):
    events: list[str] = []

    def free_bytes(device, limit=None):
        events.append("measure")
        return (6 if "load" in events else 16) * GiB  # 16 GiB free before the load, 6 after

    monkeypatch.setattr(engine, "free_bytes", free_bytes)
    size = engine.auto_batch_size(LoadingBackend(events), torch.zeros(1, 1, 8, 8))
    assert events == ["load", "measure"]
    assert size == batch_for(6 * GiB - GiB, GiB / 4) == 14  # not the 44 the pre-load 16 GiB would give
