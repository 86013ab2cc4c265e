"""The DeepFloyd IF backend on tiny random-weight models: specs, loading from a local directory, predict,
and the stage-II condition, checked against diffusers' own IF pipelines (CPU, fp32)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest
import torch
from diffusers import DDPMScheduler, IFPipeline, IFSuperResolutionPipeline, UNet2DConditionModel

from generator.models.deepfloyd import NOISING_SCHEDULER, STAGE_I_SCHEDULER, ModelUnavailable, model_spec, preflight
from generator.models.deepfloyd_arch import IF_I_XL_UNET, IF_II_L_UNET
from generator.models.deepfloyd_backend import DeepFloydBackend
from generator.models.weights import fingerprint, local_variant
from tests.tiny_if import T5_DIM, tiny_if_dir


STRIDED_30 = list(range(990, -1, -30))


@pytest.fixture(scope="module")
def spec():
    root = tiny_if_dir()
    return model_spec("if-i-l", path=root / "stage1", stage2_path=root / "stage2", dtype="fp32")


@pytest.fixture(scope="module")
def backend(spec, tmp_path_factory) -> DeepFloydBackend:
    return spec.load("cpu", store_root=tmp_path_factory.mktemp("store"))


def emb(n: int, seed: int) -> torch.Tensor:
    return torch.randn(n, 77, T5_DIM, generator=torch.Generator().manual_seed(seed))


# ------------------------------------------------------------------------------------------- specs


def test_presets_name_the_hub_models_and_sizes():
    assert model_spec("deepfloyd-if").repo == "DeepFloyd/IF-I-XL-v1.0"
    assert model_spec("if-i-xl").repo == "DeepFloyd/IF-I-XL-v1.0"
    assert model_spec("if-i-l").repo == "DeepFloyd/IF-I-L-v1.0"
    assert model_spec("if-i-m").repo == "DeepFloyd/IF-I-M-v1.0"
    spec = model_spec("if-i-l", revision="abc123")
    assert (spec.image_size, spec.upscale_size, spec.channels) == (64, 256, 3)
    assert spec.key() == {"id": "if-i-l", "revision": "abc123"}
    assert spec.upscale_key() == {"id": "DeepFloyd/IF-II-L-v1.0", "revision": "main"}


def test_unknown_preset_and_path_with_revision_are_refused():
    with pytest.raises(ValueError, match="choose one of deepfloyd-if"):
        model_spec("if-iv")
    with pytest.raises(ValueError, match="not both"):
        model_spec("if-i-l", path=tiny_if_dir() / "stage1", revision="main")


def public(config) -> dict:
    return {k: v for k, v in config.items() if not k.startswith("_")}


def test_static_scheduler_config_is_deepfloyds():
    """The written-out config gives the scheduler that diffusers' IF conversion script builds."""
    ours = DDPMScheduler.from_config(STAGE_I_SCHEDULER)
    theirs = DDPMScheduler(
        variance_type="learned_range",
        beta_schedule="squaredcos_cap_v2",
        prediction_type="epsilon",
        thresholding=True,
        dynamic_thresholding_ratio=0.95,
        sample_max_value=1.5,
    )
    assert public(ours.config) == public(theirs.config)
    assert torch.equal(ours.alphas_cumprod, theirs.alphas_cumprod)
    stage2 = DDPMScheduler.from_config(model_spec("if-i-l").upscale_scheduler_config)
    assert stage2.config.sample_max_value == 1.0 and stage2.config.variance_type == "learned_range"
    noising = DDPMScheduler.from_config(NOISING_SCHEDULER)
    assert public(noising.config) == public(DDPMScheduler(beta_schedule="squaredcos_cap_v2").config)


def test_full_size_configs_have_the_published_parameter_counts():
    with torch.device("meta"):
        stage1 = UNet2DConditionModel(**IF_I_XL_UNET)
        stage2 = UNet2DConditionModel(**IF_II_L_UNET)
    assert round(sum(p.numel() for p in stage1.parameters()) / 1e9, 3) == 4.305
    assert round(sum(p.numel() for p in stage2.parameters()) / 1e9, 3) == 1.243


def test_specs_and_preflight_do_not_import_torch():
    """Rendering and planning look specs up; only loading a model may pay for torch."""
    code = (
        "import sys, generator.models.deepfloyd as d; s = d.model_spec('if-i-l'); "
        "s.missing_prompts(['a'], 'nowhere'); s.upscale_key(); assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_local_spec_reads_sizes_and_fingerprints_weights(spec, tmp_path):
    assert spec.revision.startswith("local-") and spec.id == "if-i-l"
    assert (spec.image_size, spec.upscale_size) == (16, 64)  # from the tiny UNets' configs
    assert spec.upscale_key()["revision"].startswith("local-")
    assert model_spec("if-i-l", path=spec.path).revision == spec.revision  # stable
    (tmp_path / "unet").mkdir()
    (tmp_path / "unet" / "config.json").write_text("{}")
    (tmp_path / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(b"a" * 100)
    before = fingerprint(tmp_path)
    (tmp_path / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(b"a" * 99 + b"b")
    assert fingerprint(tmp_path) != before


def test_local_variant_prefers_fp16_files(tmp_path):
    (tmp_path / "unet").mkdir()
    (tmp_path / "unet" / "diffusion_pytorch_model.safetensors").touch()
    assert local_variant(tmp_path, "unet") is None
    (tmp_path / "unet" / "diffusion_pytorch_model.fp16.safetensors").touch()
    assert local_variant(tmp_path, "unet") == "fp16"


def test_local_path_without_unet_weights_is_refused(tmp_path):
    (tmp_path / "unet").mkdir()
    (tmp_path / "unet" / "config.json").write_text(json.dumps({"sample_size": 64}))
    with pytest.raises(ModelUnavailable, match=r"no weight file in .*unet .*diffusion_pytorch_model"):
        model_spec("if-i-l", path=tmp_path)


# ----------------------------------------------------------------------------------------- predict


def test_predict_splits_eps_and_variance(backend):
    x_t = torch.randn(3, 3, 16, 16)
    t = torch.tensor([990, 500, 0])
    e = emb(3, 1)
    eps, var = backend.predict(x_t, t, e)
    with torch.no_grad():
        out = backend.unet(x_t, t, encoder_hidden_states=e).sample
    assert eps.shape == var.shape == x_t.shape
    assert torch.equal(eps, out[:, :3]) and torch.equal(var, out[:, 3:])


def test_predict_per_sample_timesteps_match_single_calls(backend):
    """One batched call with a timestep per sample = separate calls (what lets the engine pack tracks)."""
    x_t, t, e = torch.randn(2, 3, 16, 16), torch.tensor([900, 30]), emb(2, 2)
    eps, _ = backend.predict(x_t, t, e)
    for i in range(2):
        eps_i, _ = backend.predict(x_t[i : i + 1], t[i : i + 1], e[i : i + 1])
        torch.testing.assert_close(eps[i : i + 1], eps_i, atol=1e-5, rtol=1e-5)


def test_stage2_predict_takes_the_condition_and_noise_level(backend):
    x_t, cond = torch.randn(2, 3, 64, 64), torch.randn(2, 3, 64, 64)
    t, level, e = torch.tensor([990, 990]), torch.tensor([250, 250]), emb(2, 3)
    eps, var = backend.predict(x_t, t, e, image=cond, noise_level=level)
    with torch.no_grad():
        out = backend.unet2(torch.cat([x_t, cond], 1), t, encoder_hidden_states=e, class_labels=level).sample
    assert eps.shape == (2, 3, 64, 64)
    assert torch.equal(eps, out[:, :3]) and torch.equal(var, out[:, 3:])
    eps_other, _ = backend.predict(x_t, t, e, image=cond, noise_level=torch.tensor([0, 0]))
    assert not torch.allclose(eps, eps_other)


# ------------------------------------------------------- against diffusers' pipelines (CPU, fp32)


def pipeline_stage1(backend: DeepFloydBackend, root) -> IFPipeline:
    scheduler = DDPMScheduler.from_pretrained(root / "stage1", subfolder="scheduler")
    return IFPipeline(
        tokenizer=None,
        text_encoder=None,
        unet=backend.unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        watermarker=None,
        requires_safety_checker=False,
    )


def reference_cfg_loop(backend, scheduler, timesteps, x, cond, uncond, guidance, generator, **stage2):
    """A plain loop through backend.predict and DDPMScheduler.step, one track with CFG."""
    scheduler.set_timesteps(timesteps=timesteps)
    for t in scheduler.timesteps:
        tt = torch.full((2,), int(t))
        both = {k: torch.cat([v, v]) for k, v in stage2.items()}
        eps, var = backend.predict(torch.cat([x, x]), tt, torch.cat([uncond, cond]), **both)
        eps_u, eps_c = eps.chunk(2)
        guided = torch.cat([eps_u + guidance * (eps_c - eps_u), var.chunk(2)[1]], dim=1)
        x = scheduler.step(guided, t, x, generator=generator).prev_sample
    return x


def test_backend_reproduces_ifpipeline(backend):
    """predict + DDPMScheduler.step with CFG equals IFPipeline sample for sample (timesteps 990 … 0, γ = 7)."""
    root = tiny_if_dir()
    cond, uncond = emb(1, 10), emb(1, 11)
    pipe = pipeline_stage1(backend, root)
    pipe.set_progress_bar_config(disable=True)
    expected = pipe(
        prompt_embeds=cond,
        negative_prompt_embeds=uncond,
        timesteps=STRIDED_30,
        guidance_scale=7.0,
        generator=torch.Generator().manual_seed(180),
        output_type="pt",
    ).images
    g = torch.Generator().manual_seed(180)
    x = torch.randn(1, 3, 16, 16, generator=g)
    scheduler = DDPMScheduler.from_config(backend.spec.scheduler_config)
    got = reference_cfg_loop(backend, scheduler, STRIDED_30, x, cond, uncond, 7.0, g)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)


def test_backend_reproduces_ifsuperresolutionpipeline(backend):
    """upscale_condition + stage-II predict equals IFSuperResolutionPipeline (noise level 250, γ = 4)."""
    root = tiny_if_dir()
    timesteps = [990, 660, 330, 0]
    cond, uncond = emb(1, 20), emb(1, 21)
    image = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(5)) * 2 - 1
    pipe = IFSuperResolutionPipeline(
        tokenizer=None,
        text_encoder=None,
        unet=backend.unet2,
        scheduler=DDPMScheduler.from_pretrained(root / "stage2", subfolder="scheduler"),
        image_noising_scheduler=DDPMScheduler.from_pretrained(root / "stage2", subfolder="image_noising_scheduler"),
        safety_checker=None,
        feature_extractor=None,
        watermarker=None,
        requires_safety_checker=False,
    )
    pipe.set_progress_bar_config(disable=True)
    expected = pipe(
        image=image,
        prompt_embeds=cond,
        negative_prompt_embeds=uncond,
        timesteps=timesteps,
        guidance_scale=4.0,
        noise_level=250,
        generator=torch.Generator().manual_seed(7),
        output_type="pt",
    ).images
    g = torch.Generator().manual_seed(7)
    x = torch.randn(1, 3, 64, 64, generator=g)  # x_T first, then the condition's noise
    level = torch.tensor([250])
    condition = backend.upscale_condition(image, level, torch.randn(1, 3, 64, 64, generator=g))
    scheduler = DDPMScheduler.from_config(backend.spec.upscale_scheduler_config)
    got = reference_cfg_loop(
        backend, scheduler, timesteps, x, cond, uncond, 4.0, g, image=condition, noise_level=level
    )
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)


def test_backend_built_from_modules_needs_no_files():
    """The benchmark path: a backend around a UNet built in memory (random weights), no download."""
    from tests.tiny_if import TINY_STAGE1_UNET

    spec = dataclasses.replace(model_spec("deepfloyd-if", dtype="fp32"), image_size=16)
    unet = UNet2DConditionModel(**TINY_STAGE1_UNET).eval()
    backend = DeepFloydBackend(spec, torch.device("cpu"), unet=unet)
    eps, var = backend.predict(torch.randn(1, 3, 16, 16), torch.tensor([500]), emb(1, 4))
    assert eps.shape == var.shape == (1, 3, 16, 16) and backend.unet is unet


def test_compile_wraps_the_unets_and_sets_batch_buckets():
    from tests.tiny_if import TINY_STAGE1_UNET

    spec = dataclasses.replace(model_spec("deepfloyd-if", dtype="fp32"), image_size=16)
    unet = UNet2DConditionModel(**TINY_STAGE1_UNET).eval()
    backend = DeepFloydBackend(spec, torch.device("cpu"), unet=unet)
    backend.compile(buckets=(32, 2, 8))
    assert backend.batch_buckets == (2, 8, 32)
    assert backend.unet is not unet and backend.unet._orig_mod is unet  # torch.compile's wrapper
    backend.compile()
    assert backend.unet._orig_mod is unet  # not wrapped twice


def test_local_copy_with_fp16_variant_and_shards_loads(tmp_path):
    """The Hub's own layout: fp16 variant files and a sharded text encoder (index + shards)."""
    from tests.tiny_if import TINY_STAGE1_UNET, tiny_text_encoder, tiny_tokenizer

    torch.manual_seed(1)
    UNet2DConditionModel(**TINY_STAGE1_UNET).half().save_pretrained(tmp_path / "unet", variant="fp16")
    tiny_text_encoder().half().save_pretrained(tmp_path / "text_encoder", variant="fp16", max_shard_size="20KB")
    tiny_tokenizer().save_pretrained(tmp_path / "tokenizer")
    names = {p.name for p in (tmp_path / "text_encoder").iterdir()}
    assert "model.safetensors.index.fp16.json" in names and len(names) > 3
    spec = model_spec("if-i-m", path=tmp_path, dtype="fp32")
    preflight(spec, needs_stage2=False, prompts_missing=True, allow_cpu=True)
    backend = spec.load("cpu", store_root=tmp_path / "store")
    e = backend.encode(["a dog"])["a dog"]
    eps, _ = backend.predict(torch.randn(1, 3, 16, 16), torch.tensor([10]), e[None])
    assert backend.unet.dtype == torch.float32 and e.dtype == torch.float32 and torch.isfinite(eps).all()
    shard = next(p for p in (tmp_path / "text_encoder").iterdir() if "-of-" in p.name)
    shard.unlink()
    with pytest.raises(ModelUnavailable, match=f"shard {shard.name} named in .* is missing"):
        preflight(spec, needs_stage2=False, prompts_missing=True, allow_cpu=True)
