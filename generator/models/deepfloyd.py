"""DeepFloyd IF: a 64² text-conditioned pixel-space DDPM (stage I) and a 64→256 super-resolution DDPM
(stage II), both conditioned on T5-v1.1-XXL prompt embeddings (DeepFloyd, 2023, after Imagen, Saharia et al.
2022), and optionally Stable Diffusion's ×4 upscaler as stage III (256→1024, as the IF reference code does).
This module names the models, plans their memory and checks they can run, without importing torch; the loaded
model (`DeepFloydBackend`, a models/base.py `Backend` with stages II and III) lives in deepfloyd_backend.py,
which never imports this module (it reads a spec through its own `IFSpec` protocol).

Contract with the runner and the engine (generator/engine.py), kept small:

    spec = model_spec("if-i-l")                     # no weights touched; spec.scheduler_config gives ᾱ
    preflight(spec, needs_stage2, prompts_missing)  # raises ModelUnavailable; writes nothing
    model = spec.load(device, store_root)           # cheap: UNets load on first use, T5 only if needed
    model.ready_for((3, 64, 64))                    # stage I's weights resident (the engine, before sizing)
    emb = model.encode(prompts)                     # {prompt: (77, 4096)}, from the on-disk cache
    eps, var = model.predict(x_t, t, emb_batch)     # stage I: x_t (B, 3, 64, 64), t (B,), emb (B, 77, 4096)
    cond = model.upscale_condition(x0, noise_level, noise)       # stage II condition, (B, 3, 256, 256)
    eps, var = model.predict(x_t, t, emb_batch, image=cond, noise_level=noise_level)   # stage II
    x1024 = model.upscale_x4(x256, prompt, rng, **spec.stage3_settings)                # stage III

`var` is the learned-range variance channel block (the scheduler's `predicted_variance`). Stage II steps
with `spec.upscale_scheduler_config` (it clips at 1.0, not 1.5). To match diffusers'
IFSuperResolutionPipeline sample for sample, a stage-II track draws its x_T first and the condition's noise
second, from the same generator.

The UNets' dtype is the spec's (`dtype`): fp16 on CUDA and MPS, bf16 on the CPU, or as asked. It changes pixels
far beyond the engine's packing tolerance (tests/test_deepfloyd_dtypes.py), so a job key names it when it is
not fp16, the dtype the Hub's weights are published in. With "auto", the key's dtype is the one this machine
would run: bf16 only where the model may run on the CPU (Hardware.allow_cpu, GALLERY_ALLOW_CPU=1, or --device
cpu), so a machine without a GPU renders the results a GPU made.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from generator.models.base import BYTES_PER_SAMPLE_64, Backend, ModelSpec, ModelUnavailable
from generator.models.deepfloyd_arch import T5_XXL_PARAMS, T5_XXL_WO_PARAMS
from generator.models.embeddings import embedding_cache
from generator.models.hardware import (
    ALLOW_CPU_ENV,
    BYTES_PER_PARAM,
    CPU_BATCH,
    MEMORY_MODES,
    GiB,
    Hardware,
    MemoryPlan,
    Stage,
    check_choice,
    device_kind,
    encoder_placement,
    pick_device,
    plan_memory,
    resolve_dtype,
)
from generator.models.weights import (
    Part,
    check_access,
    check_local,
    check_part,
    fingerprint,
    hub_offline,
)


if TYPE_CHECKING:
    import torch

__all__ = ["DeepFloydSpec", "ModelUnavailable", "PRESETS", "model_spec", "preflight"]

# DeepFloyd's stage-I DDPMScheduler config (as published with the weights), written out so that model-free
# modes get ᾱ without a download. Stage II differs only in sample_max_value.
STAGE_I_SCHEDULER: dict[str, Any] = {
    "num_train_timesteps": 1000,
    "beta_schedule": "squaredcos_cap_v2",
    "beta_start": 0.0001,
    "beta_end": 0.02,
    "trained_betas": None,
    "variance_type": "learned_range",
    "prediction_type": "epsilon",
    "clip_sample": True,
    "clip_sample_range": 1.0,
    "thresholding": True,
    "dynamic_thresholding_ratio": 0.95,
    "sample_max_value": 1.5,
    "timestep_spacing": "leading",
    "steps_offset": 0,
    "rescale_betas_zero_snr": False,
}
STAGE_II_SCHEDULER: dict[str, Any] = {**STAGE_I_SCHEDULER, "sample_max_value": 1.0}
# Stage II's image-noising schedule: only its ᾱ is used, to noise the upsampled stage-I image.
NOISING_SCHEDULER: dict[str, Any] = {
    "num_train_timesteps": 1000,
    "beta_schedule": "squaredcos_cap_v2",
    "beta_start": 0.0001,
    "beta_end": 0.02,
}

PRESETS: dict[str, tuple[str, str]] = {
    "deepfloyd-if": ("DeepFloyd/IF-I-XL-v1.0", "DeepFloyd IF-I-XL v1.0 (4.3 B parameters)"),
    "if-i-xl": ("DeepFloyd/IF-I-XL-v1.0", "DeepFloyd IF-I-XL v1.0 (4.3 B parameters)"),
    "if-i-l": ("DeepFloyd/IF-I-L-v1.0", "DeepFloyd IF-I-L v1.0 (0.9 B parameters, the course's model)"),
    "if-i-m": ("DeepFloyd/IF-I-M-v1.0", "DeepFloyd IF-I-M v1.0 (0.4 B parameters)"),
}
STAGE_II_REPO = "DeepFloyd/IF-II-L-v1.0"
STAGE_III_REPO = "stabilityai/stable-diffusion-x4-upscaler"
# Parameters, for planning memory before any weights are read: IF-I-XL, IF-II-L and T5 counted from their
# configs (models/deepfloyd_arch.py); IF-I-L and IF-I-M as published; the ×4 upscaler's UNet 0.473 B + text
# encoder 0.340 B + VAE 0.055 B, counted from its configs the same way.
PARAMS = {
    "DeepFloyd/IF-I-XL-v1.0": 4.305e9,
    "DeepFloyd/IF-I-L-v1.0": 0.9e9,
    "DeepFloyd/IF-I-M-v1.0": 0.4e9,
    STAGE_II_REPO: 1.243e9,
    STAGE_III_REPO: 0.869e9,
}
# Stage III as the IF reference code calls it (StableDiffusionUpscalePipeline: 75 steps, γ = 9; noise level 100).
STAGE_III_SETTINGS: dict[str, Any] = {"steps": 75, "guidance": 9.0, "noise_level": 100}
STAGE_III_ACTIVATIONS = 3 * GiB  # one 256² → 1024² call (CFG pair, tiled VAE decode): an estimate
STAGE_III_PARTS = ("unet", "vae", "text_encoder", "tokenizer", "scheduler", "low_res_scheduler")
EMBEDDING_FAMILY = "deepfloyd-if"  # every IF model shares one T5-v1.1-XXL encoder
# The UNets' dtype for --dtype auto, by device; fp16 is the key's reference (the Hub's published weights).
AUTO_DTYPE = {"cuda": "fp16", "mps": "fp16", "cpu": "bf16"}
REFERENCE_DTYPE = "fp16"


@dataclass(frozen=True)
class DeepFloydSpec(ModelSpec):
    """A DeepFloyd IF preset: stage I and II from the Hub, or from local directories in the Hub layout."""

    repo: str = ""  # stage I Hub id (also names the layout a local copy needs)
    path: str | None = None  # local stage-I directory (unet/, text_encoder/, tokenizer/)
    stage2_repo: str = STAGE_II_REPO
    stage2_path: str | None = None  # local stage-II directory (unet/)
    stage2_revision: str = "main"
    stage3_repo: str = STAGE_III_REPO
    stage3_path: str | None = None  # local ×4 upscaler (unet/, vae/, text_encoder/, tokenizer/, …)
    stage3_revision: str = "main"
    stage3_settings: dict[str, Any] = field(default_factory=lambda: dict(STAGE_III_SETTINGS))
    memory_mode: str = "auto"  # resident / sequential / offload (hardware.py); not in the key
    memory: int | None = None  # device memory to plan for (bytes); None: the device's own
    allow_cpu: bool = False  # it may run on a CPU (hours per figure); not in the key
    upscale_scheduler_config: dict[str, Any] = field(default_factory=lambda: dict(STAGE_II_SCHEDULER))
    noising_scheduler_config: dict[str, Any] = field(default_factory=lambda: dict(NOISING_SCHEDULER))
    embedding_family: str = EMBEDDING_FAMILY
    dtype: str = REFERENCE_DTYPE
    reference_dtype: str = REFERENCE_DTYPE
    needs_gpu = True

    def part(self, kind: str, stage: int = 1) -> Part:
        """Where one subfolder comes from; stage I's text_encoder and tokenizer are T5's."""
        if stage == 2:
            return Part(kind, self.stage2_repo, self.stage2_revision, self.stage2_path)
        if stage == 3:
            return Part(kind, self.stage3_repo, self.stage3_revision, self.stage3_path)
        return Part(kind, self.repo, "main" if self.path else self.revision, self.path)

    def upscale_key(self) -> dict[str, str]:
        """Stage II's identity, for the keys of jobs that upscale (stage I's is `key()`)."""
        revision = f"local-{fingerprint(self.stage2_path)}" if self.stage2_path else self.stage2_revision
        return {"id": self.stage2_repo if not self.stage2_path else f"{self.id}/stage2", "revision": revision}

    def stage3_key(self) -> dict[str, Any]:
        """Stage III's identity and settings, for the keys of jobs that upscale to 1024²."""
        revision = f"local-{fingerprint(self.stage3_path)}" if self.stage3_path else self.stage3_revision
        return {
            "id": self.stage3_repo if not self.stage3_path else f"{self.id}/stage3",
            "revision": revision,
            "size": 4 * (self.upscale_size or 256),
            **self.stage3_settings,
        }

    def stages(self, needs_stage2: bool = True, needs_stage3: bool = False) -> list[Stage]:
        """The cascade's models for memory planning: weights as published, activations per sample as the
        engine budgets them (bytes_per_sample), stage III one image per pipeline call."""
        scale = BYTES_PER_PARAM[self.dtype] / 2
        out = [Stage("stage I", PARAMS[self.repo], activation_bytes(self.image_size) * scale)]
        if needs_stage2 or needs_stage3:
            out.append(Stage("stage II", PARAMS[STAGE_II_REPO], activation_bytes(self.upscale_size or 256) * scale))
        if needs_stage3:
            out.append(Stage("stage III", PARAMS[STAGE_III_REPO], 0, STAGE_III_ACTIVATIONS * scale, batched=False))
        return out

    def plan(
        self, memory: int, needs_stage2: bool = True, needs_stage3: bool = False, device: str = "cuda"
    ) -> MemoryPlan:
        """The memory mode and batches this spec would use on `device` with `memory` bytes."""
        return plan_memory(
            memory,
            self.stages(needs_stage2, needs_stage3),
            self.dtype,
            self.memory_mode,
            batch=CPU_BATCH if device_kind(device) == "cpu" else None,
        )

    def plan_lines(
        self, device: str, memory: int | None, needs_stage2: bool = True, needs_stage3: bool = False
    ) -> list[str]:
        """The dtype, memory mode, batches and estimated peak on `device` with `memory` bytes, and where T5 runs."""
        stages = self.stages(needs_stage2, needs_stage3)
        sizes = ", ".join(f"{s.name} {s.weight_bytes(self.dtype) / 1e9:.1f}" for s in stages)
        lines = [f"dtype {self.dtype}; weights GB: {sizes}"]
        if memory is None:
            return lines + ["give --memory SIZE (e.g. 16GB) for the memory mode, batches and peak"]
        plan = self.plan(memory, needs_stage2, needs_stage3, device)
        lines += plan.lines() + t5_lines(device_kind(device), memory, self.dtype)
        if not plan.fits:
            lines.append("too large for this memory: a smaller stage I (model: if-i-l, 0.9 B) or a larger card")
        return lines

    def missing_prompts(self, prompts: Sequence[str], store_root: str | Path = "store") -> list[str]:
        """Prompts whose embeddings are not cached yet (encoding them needs T5)."""
        return embedding_cache(store_root, self.embedding_family).missing(prompts)

    def unavailable(
        self,
        *,
        needs_stage2: bool = False,
        prompts: Sequence[str] = (),
        store_root: str | Path | None = None,
        device: str | None = None,
        needs_stage3: bool = False,
    ) -> str | None:
        """`preflight`'s message, or None when the run can go ahead (see `preflight`)."""
        try:
            preflight(
                self,
                needs_stage2,
                self.missing_prompts(prompts, store_root or "store"),
                device,
                self.allow_cpu,
                needs_stage3=needs_stage3,
            )
        except ModelUnavailable as err:
            return str(err)
        return None

    def load(self, device: str | torch.device | None = None, store_root: str | Path | None = None) -> Backend:
        """A DeepFloydBackend on `device` (CUDA > MPS > CPU by default); weights load lazily, T5 only for missing
        embeddings."""
        import torch

        from generator.models.deepfloyd_backend import DeepFloydBackend

        return DeepFloydBackend(
            self, torch.device(pick_device(None if device is None else str(device))), store_root or "store"
        )


def t5_lines(kind: str, memory: int, dtype: str) -> list[str]:
    """Where T5-XXL would encode the prompts not yet cached, for `gallery plan` (hardware.encoder_placement)."""

    def where(bf16: bool) -> str:
        place, t5_dtype = encoder_placement(kind, memory, bf16, dtype, T5_XXL_PARAMS, T5_XXL_WO_PARAMS)
        wo = " with its wo layers in fp32" if t5_dtype == "fp16" else ""
        return f"{'the GPU' if place != 'cpu' else 'the CPU'} in {t5_dtype}{wo}"

    head = "T5-XXL (prompts not yet cached; alone, before the UNets load): on"
    if kind == "cuda" and where(True) != where(False):
        return [f"{head} {where(True)} where the card has native bf16 (Ampere or later), else on {where(False)}"]
    return [f"{head} {where(kind != 'mps')}"]


def activation_bytes(side: int) -> float:
    """What one sample of a UNet call needs at side² in fp16: the engine's default budget (models/base.py)."""
    return BYTES_PER_SAMPLE_64 * max(1.0, side / 64)


def key_dtype(requested: str | None, device: str | None, allow_cpu: bool) -> str:
    """The UNets' dtype for the job keys: --dtype, or for auto the one the model would run in here — with no
    device named, the GPU's fp16 unless the CPU may run it (a GPU-less machine then still finds GPU results)."""
    if device in (None, "", "auto") and not allow_cpu:
        return resolve_dtype(requested, "cuda", AUTO_DTYPE)
    return resolve_dtype(requested, device_kind(device), AUTO_DTYPE)


def model_spec(
    name: str,
    path: str | Path | None = None,
    revision: str | None = None,
    stage2_path: str | Path | None = None,
    stage2_revision: str | None = None,
    *,
    stage3_path: str | Path | None = None,
    stage3_revision: str | None = None,
    hardware: Hardware = Hardware(),
    dtype: str | None = None,
) -> DeepFloydSpec:
    """The spec of a preset ("deepfloyd-if" = "if-i-xl", "if-i-l", "if-i-m"), from the Hub or a local copy, for
    `hardware` (its device — auto: CUDA > MPS > CPU —, memory and memory mode), in `dtype` or else the
    hardware's (auto: AUTO_DTYPE, see `key_dtype`)."""
    if name not in PRESETS:
        raise ValueError(f"unknown DeepFloyd IF model {name!r}: choose one of {', '.join(PRESETS)}")
    if path is not None and revision is not None:
        raise ValueError(f"model {name!r}: give a local path or a Hub revision, not both")
    repo, description = PRESETS[name]
    if path is not None:
        path = str(Path(path).expanduser().resolve())
        problems = check_local(Part("unet", repo, path=path))
        if problems:
            raise ModelUnavailable(f"model {name!r}: " + "; ".join(problems))
        revision, description = f"local-{fingerprint(path)}", f"{description}, weights from {path}"
    stage2_path, stage3_path = (
        str(Path(p).expanduser().resolve()) if p is not None else None for p in (stage2_path, stage3_path)
    )
    return DeepFloydSpec(
        id=name,
        revision=revision or "main",
        image_size=_sample_size(path, 64),
        channels=3,
        scheduler_config=dict(STAGE_I_SCHEDULER),
        upscale_size=_sample_size(stage2_path, 256),
        description=description,
        prompt_help="any English text; T5-XXL reads the first 77 tokens",
        repo=repo,
        path=path,
        stage2_path=stage2_path,
        stage2_revision=stage2_revision or "main",
        stage3_path=stage3_path,
        stage3_revision=stage3_revision or "main",
        dtype=key_dtype(dtype or hardware.dtype, hardware.device, hardware.allow_cpu),
        memory_mode=check_choice("memory mode", hardware.memory_mode or "auto", MEMORY_MODES),
        memory=hardware.memory,
        allow_cpu=hardware.allow_cpu,
    )


def _sample_size(path: str | None, default: int) -> int:
    """A local UNet's resolution, from its config (the Hub presets are 64² and 256²)."""
    config = Path(path or "", "unet", "config.json")
    return int(json.loads(config.read_text())["sample_size"]) if path and config.exists() else default


def preflight(
    spec: DeepFloydSpec,
    needs_stage2: bool,
    prompts_missing: bool | Sequence[str],
    device: str | torch.device | None = None,
    allow_cpu: bool = False,
    needs_stage3: bool = False,
) -> None:
    """Check, before any work and writing nothing, that the run can load what it needs; else raise
    ModelUnavailable listing the problems and what to do about each. Checks: a CUDA GPU (or `allow_cpu`,
    GALLERY_ALLOW_CPU=1), the local directories' files, the Hub cache when HF_HUB_OFFLINE is set,
    and, last and only if all else is fine, access to the Hub repositories (licence accepted, token)."""
    problems = _device_problems(device_kind(device), allow_cpu)
    parts = [spec.part("unet")]
    if prompts_missing:
        parts += [spec.part("tokenizer"), spec.part("text_encoder")]
    if needs_stage2 or needs_stage3:
        parts.append(spec.part("unet", stage=2))
    if needs_stage3:
        parts += [spec.part(kind, stage=3) for kind in STAGE_III_PARTS]
    for part in parts:
        problems += check_part(part)
    if not hub_offline() and not problems:  # the Hub is asked only when nothing local already stops the run
        for repo in dict.fromkeys(p.repo for p in parts if not p.path):
            problems += check_access(repo)
    if problems:
        problems = list(dict.fromkeys(problems))
        raise ModelUnavailable(f"cannot run {spec.id} ({spec.repo}):\n  - " + "\n  - ".join(problems))


def _device_problems(device: str, allow_cpu: bool) -> list[str]:
    if device != "cpu" or allow_cpu:
        return []
    return [
        f"no CUDA GPU is available (nor an Apple MPS device): DeepFloyd IF on the CPU takes hours per figure (each IF-I-XL UNet "
        f"call is 2.9 TFLOP). Run on a machine with an NVIDIA GPU (12 GB is enough in the sequential memory "
        f"mode: docs/deepfloyd.md), or set {ALLOW_CPU_ENV}=1 to run on the CPU anyway (bf16 there: see `gallery plan --device cpu`)"
    ]
