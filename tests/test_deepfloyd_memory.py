"""The DeepFloyd backend's memory modes on the tiny models (CPU, fp32): sequential stages, accelerate's model CPU
offload, the mode chosen from the memory, stage III after the UNets, and T5's fallback when fp16 overflows."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from generator.models import deepfloyd_backend
from generator.models.deepfloyd import model_spec
from generator.models.deepfloyd_backend import memory_mode
from generator.models.embeddings import NonFiniteEmbeddings
from generator.models.hardware import GiB, Hardware
from tests.tiny_if import T5_DIM, tiny_if_dir


def tiny(mode: str = "resident", memory: int | None = None):
    root = tiny_if_dir()
    return model_spec(
        "if-i-l",
        path=root / "stage1",
        stage2_path=root / "stage2",
        stage3_path=root / "stage3",
        dtype="fp32",
        hardware=Hardware(memory_mode=mode, memory=memory),
    )


@pytest.fixture
def loads(monkeypatch) -> list[str]:
    """Every UNet load, by the folder it came from."""
    seen: list[str] = []
    load = deepfloyd_backend.load_unet

    def counted(part, device, dtype):
        seen.append(part.path.rsplit("/", 1)[-1])
        return load(part, device, dtype)

    monkeypatch.setattr(deepfloyd_backend, "load_unet", counted)
    return seen


def inputs(side: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return (
        torch.randn(2, 3, side, side, generator=g),
        torch.tensor([500, 20]),
        torch.randn(2, 77, T5_DIM, generator=g),
    )


def both_stages(backend):
    x, t, e = inputs(16)
    x2, _, _ = inputs(64, 1)
    stage1 = backend.predict(x, t, e)
    stage2 = backend.predict(x2, t, e, image=torch.zeros_like(x2), noise_level=torch.tensor([250, 250]))
    return stage1, stage2


def test_resident_keeps_both_unets_and_sequential_frees_stage_one_before_stage_two_loads(tmp_path, loads):
    resident = tiny("resident").load("cpu", store_root=tmp_path)
    expected = both_stages(resident)
    both_stages(resident)
    assert loads == ["stage1", "stage2"] and sorted(resident._unets) == [1, 2]
    loads.clear()
    sequential = tiny("sequential").load("cpu", store_root=tmp_path)
    sequential.ready_for((3, 16, 16))
    assert sorted(sequential._unets) == [1]
    sequential.ready_for((3, 64, 64))  # what the engine calls before a stage II phase
    assert sorted(sequential._unets) == [2] and loads == ["stage1", "stage2"]
    got = both_stages(sequential)
    assert loads == ["stage1", "stage2", "stage1", "stage2"]  # each stage reloads once the other has gone
    for (eps, var), (eps_r, var_r) in zip(got, expected):
        assert torch.equal(eps, eps_r) and torch.equal(var, var_r)


def test_offload_wraps_each_unet_in_accelerates_hook_and_offloads_the_idle_one(tmp_path, monkeypatch):
    from accelerate.hooks import CpuOffload

    backend = tiny("offload").load("cpu", store_root=tmp_path)
    expected = both_stages(tiny("resident").load("cpu", store_root=tmp_path))
    offloaded: list[int] = []
    got = both_stages(backend)
    assert sorted(backend._hooks) == [1, 2]
    assert all(isinstance(backend._unets[s]._hf_hook, CpuOffload) for s in (1, 2))
    for stage, hook in backend._hooks.items():
        monkeypatch.setattr(hook, "offload", lambda stage=stage: offloaded.append(stage))
    backend.ready_for((3, 16, 16))
    assert offloaded == [2]  # stage II goes back to the CPU before stage I runs
    for (eps, var), (eps_r, var_r) in zip(got, expected):
        assert torch.equal(eps, eps_r) and torch.equal(var, var_r)
    with pytest.raises(ValueError, match="torch.compile and model CPU offload do not mix"):
        backend.compile()


def test_auto_mode_comes_from_the_memory_the_run_may_use():
    device = torch.device("cuda")  # only named: nothing touches a GPU
    assert memory_mode(tiny("auto", memory=80 * GiB), device) == "resident"
    assert memory_mode(tiny("auto", memory=12 * GiB), device) == "sequential"
    assert memory_mode(tiny("offload", memory=80 * GiB), device) == "offload"


def test_stage_three_frees_the_unets_first_unless_resident(tmp_path, loads):
    backend = tiny("sequential").load("cpu", store_root=tmp_path)
    both_stages(backend)
    x = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(2)) * 2 - 1
    out = backend.upscale_x4(
        x, "a rocket ship", torch.Generator().manual_seed(3), steps=2, guidance=9.0, noise_level=100
    )
    assert out.shape == (1, 3, 256, 256) and torch.isfinite(out).all() and backend._unets == {}
    resident = tiny("resident").load("cpu", store_root=tmp_path)
    both_stages(resident)
    again = resident.upscale_x4(
        x, "a rocket ship", torch.Generator().manual_seed(3), steps=2, guidance=9.0, noise_level=100
    )
    assert sorted(resident._unets) == [1, 2] and torch.allclose(again, out, atol=1e-5)


def test_non_finite_t5_embeddings_are_encoded_again_on_the_cpu_in_bf16(tmp_path, monkeypatch):
    """T5-XXL in fp16 can overflow: nothing of it is cached, and the prompts are encoded again in bf16."""
    load = deepfloyd_backend.load_t5
    used = []

    def overflowing(spec, device, dtype):
        tokenizer, encoder = load(spec, device, dtype)
        used.append(dtype)
        if dtype == torch.float16:
            encoder.register_forward_hook(lambda module, args, out: (out[0] * float("inf"),))
        return tokenizer, encoder

    monkeypatch.setattr(deepfloyd_backend, "load_t5", overflowing)
    monkeypatch.setattr(deepfloyd_backend, "encoder_placement", lambda *a: ("cpu", "fp16"))
    spec = dataclasses.replace(tiny(), dtype="fp16")
    out = spec.load("cpu", store_root=tmp_path).encode(["a rocket ship", ""])
    assert used == [torch.float16, torch.bfloat16]
    assert all(torch.isfinite(e).all() and e.dtype == torch.float16 for e in out.values())
    with pytest.raises(NonFiniteEmbeddings, match="gave non-finite embeddings for 1 prompt"):
        deepfloyd_backend.ensure_embeddings(
            ["a dog"],
            deepfloyd_backend.embedding_cache(tmp_path / "x", "f"),
            lambda: overflowing(spec, torch.device("cpu"), torch.float16),
        )
    assert not (tmp_path / "x").exists() or not any((tmp_path / "x").rglob("*.safetensors"))
