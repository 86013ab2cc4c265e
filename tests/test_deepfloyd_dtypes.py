"""DeepFloyd IF in every dtype on the CPU: the tiny random-weight stages I, II and III loaded through the real
loading path (`model_spec(path=…, dtype=…)`) and run by the engine (stage III by its pipeline), against fp32.

Measured on this project's machine (2-core Xeon with AVX-512 BF16/FP16, torch 2.13 CPU), max / mean |Δ| from
fp32: stage I's images after 30 CFG steps (pixels in [-1, 1]) bf16 0.19 / 0.027, fp16 0.031 / 0.0043; stage II's
noise estimates and variances per UNet call (values up to 1.7) bf16 0.32 / 0.016, fp16 0.043 / 0.0018; stage
III's images (10 steps) bf16 0.20 / 0.013, fp16 0.017 / 0.0015. TOLERANCES allow about twice that (other CPUs round differently). Stage II
is compared call by call, not image by image: the random-weight stage II is chaotic even in fp32 (a 1e-3 change
of its condition moves its 4-step image by 1.77 at most, 0.14 on average), so its images would measure the
weights, not the dtype; it still runs end to end in every dtype here, and must stay finite.

Every difference is far above the engine's PACKING_ATOL (1e-3, what packing may move): the dtype changes the
pixels, so a job key names it (ModelSpec.key; fp16, the Hub's published dtype, is left unsaid).
"""

from __future__ import annotations

import tempfile

import pytest
import torch

from generator.diffusion.schedule import Schedule
from generator.engine import PACKING_ATOL, Term, Track, draw_noise, make_generator, run_tracks
from generator.models.deepfloyd import key_dtype, model_spec
from generator.models.digits import digits_spec
from generator.models.hardware import Hardware
from tests.tiny_if import tiny_if_dir


PROMPTS = ["a rocket ship", "an oil painting of a snowy mountain village"]
STAGE1_STEPS = list(range(990, -1, -30))
STAGE2_STEPS = [990, 660, 330, 0]
STAGE3 = {"steps": 10, "guidance": 9.0, "noise_level": 100}
# dtype → stage → (max |Δ|, mean |Δ|) allowed from fp32
TOLERANCES = {
    "bf16": {"stage I": (0.4, 0.06), "stage II ε̂": (0.65, 0.035), "stage III": (0.4, 0.03)},
    "fp16": {"stage I": (0.07, 0.01), "stage II ε̂": (0.09, 0.004), "stage III": (0.04, 0.004)},
}


def cascade(dtype: str, store: str, inputs: dict[str, torch.Tensor] | None = None) -> dict[str, torch.Tensor]:
    """Each prompt through stage I (CFG γ = 7), stage II (γ = 4) and stage III, with `dtype` weights; stages II
    and III start from `inputs` (fp32's results) when given, so that each stage's own error is measured."""
    root = tiny_if_dir()
    spec = model_spec(
        "if-i-l", path=root / "stage1", stage2_path=root / "stage2", stage3_path=root / "stage3", dtype=dtype
    )
    backend = spec.load("cpu", store_root=store)
    emb = backend.encode(PROMPTS + [""])
    tracks = []
    for seed, prompt in enumerate(PROMPTS):
        rng = make_generator(seed)
        tracks.append(
            Track(
                x=draw_noise(rng, (1, 3, 16, 16), "cpu"),
                timesteps=STAGE1_STEPS,
                terms=[Term(prompt, uncond="", guidance=7.0)],
                embeddings=emb,
                rng=rng,
                schedule=Schedule.from_config(spec.scheduler_config),
                thresholding="dynamic",
            )
        )
    run_tracks(tracks, backend, progress=False)
    level = torch.tensor([250])
    stage2 = []
    for i, (track, prompt) in enumerate(zip(tracks, PROMPTS)):
        x0 = inputs["stage I"][i : i + 1] if inputs else track.x
        x_T = draw_noise(track.rng, (1, 3, 64, 64), "cpu")
        cond = backend.upscale_condition(x0, level, draw_noise(track.rng, (1, 3, 64, 64), "cpu"))
        stage2.append(
            Track(
                x=x_T,
                timesteps=STAGE2_STEPS,
                terms=[Term(prompt, uncond="", guidance=4.0)],
                embeddings=emb,
                rng=track.rng,
                schedule=Schedule.from_config(spec.upscale_scheduler_config),
                thresholding="dynamic",
                cond={"image": cond, "noise_level": level},
            )
        )
    run_tracks(stage2, backend, progress=False)
    stage3 = [
        backend.upscale_x4(inputs["stage II"][i : i + 1] if inputs else t.x, p, t.rng, **STAGE3)
        for i, (t, p) in enumerate(zip(stage2, PROMPTS))
    ]
    return {
        "stage I": torch.cat([t.x for t in tracks]),
        "stage II": torch.cat([t.x for t in stage2]),
        "stage II ε̂": stage2_estimates(backend, emb),
        "stage III": torch.cat(stage3),
    }


def stage2_estimates(backend, emb: dict[str, torch.Tensor]) -> torch.Tensor:
    """Stage II's (ε̂, variance) for fixed inputs at t = 990, 330 and 0, stacked."""
    g = torch.Generator().manual_seed(0)
    x, cond = torch.randn(2, 3, 64, 64, generator=g), torch.randn(2, 3, 64, 64, generator=g)
    e = torch.stack([emb[PROMPTS[0]], emb[""]])
    return torch.stack(
        [
            torch.cat(backend.predict(x, torch.tensor([t, t]), e, image=cond, noise_level=torch.tensor([250, 250])))
            for t in (990, 330, 0)
        ]
    )


@pytest.fixture(scope="module")
def store():
    """One embedding cache for every dtype: the UNets' dtype is what is compared, not T5's."""
    with tempfile.TemporaryDirectory() as folder:
        yield folder


@pytest.fixture(scope="module")
def fp32(store) -> dict[str, torch.Tensor]:
    return cascade("fp32", store)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["bf16", "fp16"])
def test_every_stage_runs_in_reduced_precision_within_tolerance_of_fp32(dtype, fp32, store):
    try:
        out = cascade(dtype, store, inputs=fp32)
    except RuntimeError as exc:  # a CPU build without these kernels
        if "not implemented for" in str(exc):
            pytest.skip(f"{dtype} kernels missing on this CPU: {exc}")
        raise
    for stage, (max_tol, mean_tol) in TOLERANCES[dtype].items():
        assert out[stage].shape == fp32[stage].shape and out[stage].dtype == torch.float32  # the engine's
        assert torch.isfinite(out[stage]).all()
        diff = (out[stage] - fp32[stage]).abs()
        assert diff.max() <= max_tol and diff.mean() <= mean_tol, (stage, diff.max().item(), diff.mean().item())
        assert diff.max() > PACKING_ATOL, f"{stage} in {dtype} moved pixels no more than packing does"
    assert torch.isfinite(out["stage II"]).all() and out["stage II"].shape == (2, 3, 64, 64)
    assert fp32["stage III"].shape == (2, 3, 256, 256) and fp32["stage I"].abs().max() > 0.1


@pytest.mark.slow
def test_the_digits_model_runs_in_every_dtype_and_bf16_moves_its_pixels():
    """The digits model too: auto is fp32 everywhere; bf16 and fp16 run, within tolerance, beyond packing."""
    out = {}
    for dtype in ("fp32", "bf16", "fp16"):
        spec = digits_spec(dtype=dtype)
        backend = spec.load("cpu")
        rng = make_generator(7)
        track = Track(
            x=draw_noise(rng, (1, 1, 32, 32), "cpu"),
            timesteps=list(range(990, -1, -30)),
            terms=[Term("7", uncond="", guidance=4.0)],
            embeddings=backend.encode(["7", ""]),
            schedule=Schedule.from_config(spec.scheduler_config),
            rng=rng,
        )
        run_tracks([track], backend, progress=False)
        out[dtype] = track.x
    for dtype in ("bf16", "fp16"):
        diff = (out[dtype] - out["fp32"]).abs()
        assert torch.isfinite(out[dtype]).all() and diff.mean() < 0.05, (dtype, diff.mean().item())
    assert (out["bf16"] - out["fp32"]).abs().max() > PACKING_ATOL


# ------------------------------------------------------------------------------------- dtype in the key


def test_the_key_names_the_dtype_unless_it_is_the_models_reference():
    root = tiny_if_dir()
    keys = {d: model_spec("if-i-l", path=root / "stage1", dtype=d).key() for d in ("fp16", "bf16", "fp32")}
    assert "dtype" not in keys["fp16"]  # the Hub's dtype: keys made before stay
    assert keys["bf16"]["dtype"] == "bf16" and keys["fp32"]["dtype"] == "fp32"
    assert len({str(k) for k in keys.values()}) == 3
    assert "dtype" not in digits_spec().key() and digits_spec(dtype="bf16").key()["dtype"] == "bf16"


def test_auto_dtype_follows_the_device_but_a_machine_that_cannot_run_the_model_keys_the_gpus(monkeypatch):
    assert (
        key_dtype("auto", "cuda", False) == key_dtype("auto", "mps", False) == key_dtype(None, None, False) == "fp16"
    )
    assert key_dtype("auto", "cpu", False) == "bf16"  # --device cpu: runs, and is keyed, in bf16
    assert key_dtype("fp32", None, False) == "fp32"
    monkeypatch.setattr("generator.models.hardware.cuda_available", lambda: False)
    monkeypatch.setattr("generator.models.hardware.mps_available", lambda: False)
    assert key_dtype(None, None, True) == "bf16"  # no GPU, but the CPU may run it: bf16
    monkeypatch.setenv("GALLERY_ALLOW_CPU", "1")  # as the user says it (the CLI reads it)
    assert model_spec("if-i-l", hardware=Hardware.from_env()).dtype == "bf16"
    with pytest.raises(ValueError, match="dtype 'fp8' is not one of auto, fp16, bf16, fp32"):
        key_dtype("fp8", "cuda", False)
