"""A tiny random-weight text-conditioned pixel diffusion model speaking the Backend protocol, for engine and
mode tests: diffusers' UNet2DConditionModel at 16² (stage I, ε + learned-range variance, or ε only) and a
6-channel 32² super-resolution UNet conditioned on a noise level (stage II), DeepFloyd IF in miniature.
Each forward pass takes a few milliseconds on one CPU thread.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from typing import Any

import torch

from generator.models.base import Backend, ModelSpec


EMB_LEN, EMB_DIM = 4, 12

IF_LIKE_SCHEDULER: dict[str, Any] = {
    "num_train_timesteps": 1000,
    "beta_schedule": "squaredcos_cap_v2",
    "variance_type": "learned_range",
    "prediction_type": "epsilon",
    "clip_sample": True,
    "clip_sample_range": 1.0,
    "thresholding": True,
    "dynamic_thresholding_ratio": 0.95,
    "sample_max_value": 1.5,
}
FIXED_SCHEDULER: dict[str, Any] = {
    "num_train_timesteps": 1000,
    "beta_schedule": "linear",
    "beta_start": 1e-4,
    "beta_end": 0.02,
    "variance_type": "fixed_small",
    "prediction_type": "epsilon",
    "clip_sample": True,
}


@functools.cache
def tiny_unet(
    learned_variance: bool = True, in_channels: int = 3, size: int = 16, class_embed: bool = False, seed: int = 0
) -> torch.nn.Module:
    from diffusers import UNet2DConditionModel

    torch.manual_seed(seed)
    extra = {"class_embed_type": "timestep"} if class_embed else {}
    unet = UNet2DConditionModel(
        sample_size=size,
        in_channels=in_channels,
        out_channels=6 if learned_variance else 3,
        layers_per_block=1,
        block_out_channels=(8, 16),
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=EMB_DIM,
        attention_head_dim=4,
        norm_num_groups=4,
        **extra,
    )
    with torch.no_grad():  # random but lively: make the variance output span [-1, 1]
        unet.conv_out.weight.mul_(4.0)
    return unet.eval()


@dataclass(frozen=True)
class TinySpec(ModelSpec):
    upscale_scheduler_config: dict[str, Any] = field(
        default_factory=lambda: {**IF_LIKE_SCHEDULER, "sample_max_value": 1.0}
    )

    def upscale_key(self) -> dict[str, str]:
        return {"id": "tiny-stage2", "revision": "0"}


def tiny_spec(learned_variance: bool = True) -> TinySpec:
    return TinySpec(
        id="tiny",
        revision="0",
        image_size=16,
        channels=3,
        upscale_size=32,
        scheduler_config=dict(IF_LIKE_SCHEDULER if learned_variance else FIXED_SCHEDULER),
    )


class TinyBackend(Backend):
    """Prompts → fixed random (EMB_LEN, EMB_DIM) embeddings; predict → (ε̂, variance or None)."""

    def __init__(self, learned_variance: bool = True, device: str = "cpu") -> None:
        self.spec = tiny_spec(learned_variance)
        self.device = torch.device(device)
        self.unet = tiny_unet(learned_variance).to(self.device)
        self.unet2 = tiny_unet(learned_variance, in_channels=6, size=32, class_embed=True, seed=1).to(self.device)
        self.calls: list[int] = []  # batch size of every predict call

    def encode(self, prompts: list[str]) -> dict[str, torch.Tensor]:
        out = {}
        for p in prompts:
            seed = int.from_bytes(hashlib.sha256(p.encode()).digest()[:4], "little")
            out[p] = torch.randn(EMB_LEN, EMB_DIM, generator=torch.Generator().manual_seed(seed))
        return out

    @torch.no_grad()
    def predict(
        self,
        x_t: torch.Tensor,
        t: torch.Tensor,
        emb: torch.Tensor,
        image: torch.Tensor | None = None,
        noise_level: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        self.calls.append(x_t.shape[0])
        if image is None:
            out = self.unet(x_t, t, encoder_hidden_states=emb).sample
        else:
            out = self.unet2(
                torch.cat([x_t, image], dim=1), t, encoder_hidden_states=emb, class_labels=noise_level
            ).sample
        if out.shape[1] == 2 * x_t.shape[1]:
            eps, var = out.split(x_t.shape[1], dim=1)
            return eps, var.tanh()  # the real model's variance output lies in [-1, 1]
        return out, None

    def upscale_condition(self, x0: torch.Tensor, noise_level: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        import torch.nn.functional as F

        from generator.diffusion.schedule import add_noise, alphas_cumprod

        up = F.interpolate(x0, (32, 32), mode="bilinear", align_corners=True)
        alpha_bar = alphas_cumprod({"num_train_timesteps": 1000, "beta_schedule": "squaredcos_cap_v2"})
        return add_noise(up, noise, alpha_bar[noise_level].view(-1, 1, 1, 1))


def make_job(
    mode_name: str,
    prompts: list[str],
    seed: int = 0,
    inputs: dict[str, str] | None = None,
    spec: ModelSpec | None = None,
    **params: Any,
):
    """A fully resolved Job of a registered mode, as recipe expansion would make it."""
    from generator.jobs import InputImage, Job
    from generator.modes import MODES

    mode, spec = MODES[mode_name], spec or tiny_spec()
    typed = mode.Params(**params, size=spec.image_size, channels=spec.channels, resize="squash")
    images = tuple(InputImage(name, path, "0" * 64, path) for name, path in (inputs or {}).items())
    job = Job(
        book="test",
        section="test",
        figure="fig",
        mode=mode_name,
        algorithm=mode.version,
        params=mode.resolve(typed, spec),
        prompts=tuple(prompts),
        seed=seed,
        model=spec.key(),
        inputs=images,
    )
    mode.check(job)
    return job


def make_context(backend: TinyBackend, prompts: list[str]):
    from generator.runner import RunContext

    return RunContext(backend.spec, backend, backend.device, None, backend.encode(sorted({*prompts, ""})))


def run_job(job, backend: TinyBackend, **run_args: Any):
    """tracks → engine → assemble, as the runner does; returns (Result, tracks)."""
    from generator.engine import run_tracks
    from generator.modes import MODES

    mode = MODES[job.mode]
    ctx = make_context(backend, list(job.prompts))
    tracks = mode.tracks(job, ctx)
    run_tracks(tracks, backend, progress=False, **run_args)
    return mode.assemble(job, tracks, ctx), tracks


def write_test_image(path, size: int = 24, channels: int = 3) -> str:
    """A smooth colour test pattern (no randomness) saved as PNG."""
    import numpy as np
    from PIL import Image

    y, x = np.mgrid[0:size, 0:size] / (size - 1)
    rgb = np.stack([x, y, 1 - (x + y) / 2], axis=-1)
    Image.fromarray((rgb * 255).round().astype(np.uint8)).save(path)
    return str(path)
