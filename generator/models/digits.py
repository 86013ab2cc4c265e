"""The embedded digits model as a `Backend`: a small class-conditional pixel-space DDPM on 32×32 MNIST digits
(Ho et al. 2020), trained by this project (`make embedded-model`) and loaded the way real models are, with
diffusers' `UNet2DModel.from_pretrained`. A prompt's "embedding" is its class id: 0–9, or 10 for "".

Importing this module is cheap (no torch): the registry builds the spec while planning; torch and diffusers
load in `spec.load()`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator import shipped
from generator.models.base import Backend, ModelSpec, ModelUnavailable
from generator.models.digits_prompts import PROMPT_HELP, class_of
from generator.models.hardware import pick_device, resolve_dtype, torch_dtype


if TYPE_CHECKING:
    import torch

DEFAULT_PATH = shipped("models/digits")  # the embedded model: package data (see generator.shipped)
WEIGHTS = Path("unet") / "diffusion_pytorch_model.safetensors"
UNET_CONFIG = Path("unet") / "config.json"
SCHEDULER = Path("scheduler") / "scheduler_config.json"
MISSING = "missing"

# The noise schedule it is trained and sampled with: a diffusers DDPMScheduler config (cosine ᾱ, Nichol & Dhariwal
# 2021), here so the spec names the schedule while planning, before (or without) any weights.
SCHEDULER_CONFIG = {
    "num_train_timesteps": 1000,
    "beta_schedule": "squaredcos_cap_v2",
    "prediction_type": "epsilon",
    "variance_type": "fixed_small",
    "clip_sample": True,
}

DESCRIPTION = (
    "a small class-conditional DDPM (diffusers UNet2DModel, 2.7 M parameters) that this project trains on a CPU "
    "from 4000 MNIST digits (32×32 grayscale); its prompts are the digits 0–9"
)


def described(path: Path) -> str:
    """DESCRIPTION with what training.json says of this training run."""
    try:
        record = json.loads((path / "training.json").read_text())
        run = (
            f"; these weights: {record['steps']} steps, {record['wall_time_s'] / 60:.0f} min on "
            f"{record['machine']['cpu_count']} CPU cores"
        )
    except (OSError, KeyError, ValueError):
        run = ""
    return DESCRIPTION + run


class DigitsUnavailable(ModelUnavailable):
    """The digits model's files are missing; the message says how to make them."""


@dataclass(frozen=True)
class DigitsSpec(ModelSpec):
    """The digits model, named by the hash of its weights."""

    path: str = str(DEFAULT_PATH)

    def check_prompt(self, prompt: str) -> None:
        class_of(prompt)  # ValueError listing the prompts the model understands

    def unavailable(self, **needs: object) -> str | None:
        missing = [
            str(Path(self.path) / f) for f in (WEIGHTS, UNET_CONFIG, SCHEDULER) if not (Path(self.path) / f).is_file()
        ]
        if not missing:
            return None
        return (
            f"the digits model is missing ({', '.join(missing)}); run `make embedded-model` to train it "
            f"(20–30 minutes on a CPU), or `python -m generator.digits.train --out {self.path}`"
        )

    def load(self, device: str | torch.device | None = None, store_root: str | Path | None = None) -> DigitsBackend:
        """The backend on `device` (CUDA > MPS > CPU by default); `store_root` is unused: class ids need no cache."""
        import torch

        if (problem := self.unavailable()) is not None:
            raise DigitsUnavailable(problem)
        return DigitsBackend(self, torch.device(pick_device(None if device is None else str(device))))


class DigitsBackend(Backend):
    """Prompts → class ids; (x_t, t, class) → ε̂ with fixed variance (no variance channels), the UNet in the
    spec's dtype; the protocol's defaults for the rest: one stage, any batch size, the engine's memory estimate."""

    def __init__(self, spec: DigitsSpec, device: torch.device) -> None:
        from diffusers import UNet2DModel

        self.spec, self.device, self.dtype = spec, device, torch_dtype(spec.dtype)
        self.unet = UNet2DModel.from_pretrained(Path(spec.path) / "unet", torch_dtype=self.dtype).to(device).eval()

    def encode(self, prompts: list[str]) -> dict[str, torch.Tensor]:
        """Each prompt's class id as a 0-d LongTensor; ValueError for prompts the model does not know."""
        import torch

        return {p: torch.tensor(class_of(p), dtype=torch.long) for p in prompts}

    def predict(
        self,
        x_t: torch.Tensor,
        t: torch.Tensor,
        emb: torch.Tensor,
        image: torch.Tensor | None = None,
        noise_level: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, None]:
        """ε̂(x_t, t, c): x_t (B, 1, 32, 32), t (B,) long, emb (B,) long class ids."""
        import torch

        if image is not None or noise_level is not None:
            raise TypeError("the digits model has no stage II: it takes no condition image")
        with torch.no_grad():
            eps = self.unet(
                x_t.to(self.device, self.dtype), t.to(self.device), class_labels=emb.to(self.device).long()
            ).sample
        return eps.to(x_t.dtype), None


def weights_revision(path: Path) -> str:
    """First 16 hex digits of the sha256 of the weights file."""
    h = hashlib.sha256()
    with (path / WEIGHTS).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def digits_spec(path: str | Path | None = None, dtype: str | None = None) -> DigitsSpec:
    """The spec of the trained digits model at `path` (default models/digits/), in `dtype` (auto: fp32 on every
    device — it was trained in fp32 and is too small for half precision to pay; fp16/bf16 enter the key).

    Without the files the spec still names the model (revision "missing", the training scheduler config) and
    `spec.unavailable()` says to run `make embedded-model`; `spec.load()` raises DigitsUnavailable.
    """
    path = Path(path) if path is not None else DEFAULT_PATH
    dtype = resolve_dtype(dtype, "any", {})
    spec = DigitsSpec(
        id="digits",
        revision=MISSING,
        image_size=32,
        channels=1,
        description=DESCRIPTION,
        prompt_help=PROMPT_HELP,
        path=str(path),
        scheduler_config=dict(SCHEDULER_CONFIG),
        dtype=dtype,
    )
    if spec.unavailable() is not None:
        return spec
    config = json.loads((path / SCHEDULER).read_text())
    unet_config = json.loads((path / UNET_CONFIG).read_text())
    return DigitsSpec(
        id="digits",
        revision=weights_revision(path),
        image_size=unet_config["sample_size"],
        channels=unet_config["in_channels"],
        description=described(path),
        prompt_help=PROMPT_HELP,
        path=str(path),
        scheduler_config={k: v for k, v in config.items() if not k.startswith("_")},
        dtype=dtype,
    )
