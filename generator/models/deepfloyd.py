"""DeepFloyd IF: a 64² text-conditioned pixel-space DDPM (stage I) and a 64→256 super-resolution DDPM
(stage II), both conditioned on T5-v1.1-XXL prompt embeddings (DeepFloyd, 2023, after Imagen, Saharia et al.
2022). This module names the models and checks they can run, without importing torch; the loaded model
(`DeepFloydBackend`, a models/base.py `Backend` with a stage II and batch buckets) lives in deepfloyd_backend.py.

Contract with the runner and the engine (generator/engine.py), kept small:

    spec = model_spec("if-i-l")                     # no weights touched; spec.scheduler_config gives ᾱ
    preflight(spec, needs_stage2, prompts_missing)  # raises ModelUnavailable; writes nothing
    model = spec.load(device, store_root)           # cheap: UNets load on first use, T5 only if needed
    emb = model.encode(prompts)                     # {prompt: (77, 4096)}, from the on-disk cache
    eps, var = model.predict(x_t, t, emb_batch)     # stage I: x_t (B, 3, 64, 64), t (B,), emb (B, 77, 4096)
    cond = model.upscale_condition(x0, noise_level, noise)       # stage II condition, (B, 3, 256, 256)
    eps, var = model.predict(x_t, t, emb_batch, image=cond, noise_level=noise_level)   # stage II

`var` is the learned-range variance channel block (the scheduler's `predicted_variance`). Stage II steps
with `spec.upscale_scheduler_config` (it clips at 1.0, not 1.5). To match diffusers'
IFSuperResolutionPipeline sample for sample, a stage-II track draws its x_T first and the condition's noise
second, from the same generator.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from generator.models.base import Backend, ModelSpec, ModelUnavailable
from generator.models.embeddings import embedding_cache
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
    "num_train_timesteps": 1000, "beta_schedule": "squaredcos_cap_v2", "beta_start": 0.0001, "beta_end": 0.02,
}

PRESETS: dict[str, tuple[str, str]] = {
    "deepfloyd-if": ("DeepFloyd/IF-I-XL-v1.0", "DeepFloyd IF-I-XL v1.0 (4.3 B parameters)"),
    "if-i-xl": ("DeepFloyd/IF-I-XL-v1.0", "DeepFloyd IF-I-XL v1.0 (4.3 B parameters)"),
    "if-i-l": ("DeepFloyd/IF-I-L-v1.0", "DeepFloyd IF-I-L v1.0 (0.9 B parameters, the course's model)"),
    "if-i-m": ("DeepFloyd/IF-I-M-v1.0", "DeepFloyd IF-I-M v1.0 (0.4 B parameters)"),
}
STAGE_II_REPO = "DeepFloyd/IF-II-L-v1.0"
EMBEDDING_FAMILY = "deepfloyd-if"      # every IF model shares one T5-v1.1-XXL encoder
ALLOW_CPU_ENV = "GALLERY_ALLOW_CPU"


@dataclass(frozen=True)
class DeepFloydSpec(ModelSpec):
    """A DeepFloyd IF preset: stage I and II from the Hub, or from local directories in the Hub layout."""

    repo: str = ""                               # stage I Hub id (also names the layout a local copy needs)
    path: str | None = None                      # local stage-I directory (unet/, text_encoder/, tokenizer/)
    stage2_repo: str = STAGE_II_REPO
    stage2_path: str | None = None               # local stage-II directory (unet/)
    stage2_revision: str = "main"
    upscale_scheduler_config: dict[str, Any] = field(default_factory=lambda: dict(STAGE_II_SCHEDULER))
    noising_scheduler_config: dict[str, Any] = field(default_factory=lambda: dict(NOISING_SCHEDULER))
    embedding_family: str = EMBEDDING_FAMILY

    def part(self, kind: str, stage: int = 1) -> Part:
        """Where one subfolder comes from; text_encoder and tokenizer always come with stage I."""
        if stage == 2:
            return Part(kind, self.stage2_repo, self.stage2_revision, self.stage2_path)
        return Part(kind, self.repo, "main" if self.path else self.revision, self.path)

    def upscale_key(self) -> dict[str, str]:
        """Stage II's identity, for the keys of jobs that upscale (stage I's is `key()`)."""
        revision = f"local-{fingerprint(self.stage2_path)}" if self.stage2_path else self.stage2_revision
        return {"id": self.stage2_repo if not self.stage2_path else f"{self.id}/stage2", "revision": revision}

    def missing_prompts(self, prompts: Sequence[str], store_root: str | Path = "store") -> list[str]:
        """Prompts whose embeddings are not cached yet (encoding them needs T5)."""
        return embedding_cache(store_root, self.embedding_family).missing(prompts)

    def unavailable(self, *, needs_stage2: bool = False, prompts: Sequence[str] = (),
                    store_root: str | Path = "store", device: str | torch.device | None = None) -> str | None:
        """`preflight`'s message, or None when the run can go ahead (see `preflight`)."""
        try:
            preflight(self, needs_stage2, self.missing_prompts(prompts, store_root), device)
        except ModelUnavailable as err:
            return str(err)
        return None

    def load(self, device: str | torch.device | None = None, store_root: str | Path = "store") -> Backend:
        """A DeepFloydBackend on `device` (CUDA if present); weights load lazily, T5 only for missing embeddings."""
        from generator.models.deepfloyd_backend import DeepFloydBackend

        return DeepFloydBackend(self, default_device(device), store_root)


def model_spec(
    name: str,
    path: str | Path | None = None,
    revision: str | None = None,
    stage2_path: str | Path | None = None,
    stage2_revision: str | None = None,
) -> DeepFloydSpec:
    """The spec of a preset ("deepfloyd-if" = "if-i-xl", "if-i-l", "if-i-m"), from the Hub or a local copy."""
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
    if stage2_path is not None:
        stage2_path = str(Path(stage2_path).expanduser().resolve())
    return DeepFloydSpec(
        id=name, revision=revision or "main", image_size=_sample_size(path, 64), channels=3,
        scheduler_config=dict(STAGE_I_SCHEDULER), upscale_size=_sample_size(stage2_path, 256),
        description=description,
        prompt_help="any English text; T5-XXL reads the first 77 tokens", repo=repo, path=path,
        stage2_path=stage2_path,
        stage2_revision=stage2_revision or "main",
    )


def _sample_size(path: str | None, default: int) -> int:
    """A local UNet's resolution, from its config (the Hub presets are 64² and 256²)."""
    config = Path(path or "", "unet", "config.json")
    return int(json.loads(config.read_text())["sample_size"]) if path and config.exists() else default


def default_device(device: str | torch.device | None = None) -> torch.device:
    import torch

    return torch.device(device if device is not None else ("cuda" if cuda_available() else "cpu"))


def cuda_available() -> bool:
    """torch.cuda.is_available(), without importing torch (1–2 s) on machines with no NVIDIA driver at all."""
    if not Path("/proc/driver/nvidia/version").exists() and shutil.which("nvidia-smi") is None:
        return False
    import torch

    return torch.cuda.is_available()


def device_type(device: str | torch.device | None) -> str:
    """"cuda" or "cpu" (or another torch device type), for the preflight's checks."""
    if device is None:
        return "cuda" if cuda_available() else "cpu"
    return str(device).split(":")[0]


def preflight(
    spec: DeepFloydSpec,
    needs_stage2: bool,
    prompts_missing: bool | Sequence[str],
    device: str | torch.device | None = None,
    allow_cpu: bool | None = None,
) -> None:
    """Check, before any work and writing nothing, that the run can load what it needs; else raise
    ModelUnavailable listing the problems and what to do about each. Checks: a CUDA GPU (or an explicit
    allow_cpu / GALLERY_ALLOW_CPU=1), the local directories' files, the Hub cache when HF_HUB_OFFLINE is set,
    and, last and only if all else is fine, access to the Hub repositories (licence accepted, token)."""
    problems = _device_problems(device_type(device), allow_cpu)
    parts = [spec.part("unet")]
    if prompts_missing:
        parts += [spec.part("tokenizer"), spec.part("text_encoder")]
    if needs_stage2:
        parts.append(spec.part("unet", stage=2))
    for part in parts:
        problems += check_part(part)
    if not hub_offline() and not problems:      # the Hub is asked only when nothing local already stops the run
        for repo in dict.fromkeys(p.repo for p in parts if not p.path):
            problems += check_access(repo)
    if problems:
        problems = list(dict.fromkeys(problems))
        raise ModelUnavailable(f"cannot run {spec.id} ({spec.repo}):\n  - " + "\n  - ".join(problems))


def _device_problems(device: str, allow_cpu: bool | None) -> list[str]:
    if allow_cpu is None:
        allow_cpu = os.environ.get(ALLOW_CPU_ENV, "").lower() in {"1", "true", "yes", "on"}
    if device != "cpu" or allow_cpu:
        return []
    return [f"no CUDA GPU is available: DeepFloyd IF on the CPU takes hours per figure (each IF-I-XL UNet "
            f"call is 2.9 TFLOP). Run on a machine with an NVIDIA GPU (24 GB is enough), or set "
            f"{ALLOW_CPU_ENV}=1 to run on the CPU anyway"]
