"""The noise schedule: ᾱ_t from a diffusers DDPMScheduler config, forward noising
x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε and the one-step estimate x̂₀ = (x_t − √(1−ᾱ_t) ε̂) / √ᾱ_t (Ho et al. 2020, eq. 4, 15).

ᾱ is float32 on the CPU, exactly as diffusers builds it; the DDPM step (ddpm.py) reads it from there.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any, Sequence

import torch

from generator.diffusion.timesteps import config_thresholding, parse_timesteps, resolve_thresholding


__all__ = ["Schedule", "add_noise", "alphas_cumprod", "one_step_estimate", "parse_timesteps"]


@functools.lru_cache(maxsize=16)
def _alphas_cumprod(config_json: str) -> torch.Tensor:
    from diffusers import DDPMScheduler

    return DDPMScheduler.from_config(json.loads(config_json)).alphas_cumprod


def alphas_cumprod(config: dict[str, Any]) -> torch.Tensor:
    """ᾱ_t for t = 0 … T−1 (float32, CPU), built by diffusers' DDPMScheduler from its config dict."""
    return _alphas_cumprod(json.dumps(config, sort_keys=True)).clone()


def as_alpha_bar(alpha_bar_t: torch.Tensor | float) -> torch.Tensor:
    """ᾱ as a tensor: a tensor as it is (its dtype and device: per-sample ᾱ of a batch), a number as float32."""
    return alpha_bar_t if isinstance(alpha_bar_t, torch.Tensor) else torch.tensor(alpha_bar_t, dtype=torch.float32)


def add_noise(x0: torch.Tensor, eps: torch.Tensor, alpha_bar_t: torch.Tensor | float) -> torch.Tensor:
    """x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε, in the order of operations of diffusers' `add_noise`."""
    alpha_bar_t = as_alpha_bar(alpha_bar_t)
    return alpha_bar_t**0.5 * x0 + (1 - alpha_bar_t) ** 0.5 * eps


def one_step_estimate(x_t: torch.Tensor, eps: torch.Tensor, alpha_bar_t: torch.Tensor | float) -> torch.Tensor:
    """x̂₀ = (x_t − √(1−ᾱ_t) ε̂) / √ᾱ_t, in the order of operations of diffusers' DDPMScheduler.step."""
    alpha_bar_t = as_alpha_bar(alpha_bar_t)
    return (x_t - (1 - alpha_bar_t) ** 0.5 * eps) / alpha_bar_t**0.5


@dataclass(frozen=True, eq=False)
class Schedule:
    """One model's noise schedule and the parts of its scheduler config the DDPM step needs."""

    alphas_cumprod: torch.Tensor  # (T,) float32 on the CPU
    variance_type: str = "fixed_small"  # used when the model predicts no variance
    thresholding: str = "none"  # the config's own choice: "dynamic", "clip" or "none"
    dynamic_thresholding_ratio: float = 0.995
    sample_max_value: float = 1.0
    clip_sample_range: float = 1.0

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Schedule:
        """Read a diffusers DDPMScheduler config (dict); only ε-prediction models are supported."""
        if config.get("prediction_type", "epsilon") != "epsilon":
            raise ValueError(
                f"scheduler prediction_type {config['prediction_type']!r} is not supported: "
                f"the engine steps ε-prediction models only"
            )
        return cls(
            alphas_cumprod=alphas_cumprod(config),
            variance_type=config.get("variance_type", "fixed_small"),
            thresholding=config_thresholding(config),
            dynamic_thresholding_ratio=float(config.get("dynamic_thresholding_ratio", 0.995)),
            sample_max_value=float(config.get("sample_max_value", 1.0)),
            clip_sample_range=float(config.get("clip_sample_range", 1.0)),
        )

    @property
    def num_train_timesteps(self) -> int:
        return len(self.alphas_cumprod)

    def alpha_bar(self, t: int) -> torch.Tensor:
        """ᾱ_t as a 0-d float32 CPU tensor; ᾱ = 1 for t < 0 (the step past the last timestep)."""
        return self.alphas_cumprod[t] if t >= 0 else torch.tensor(1.0)

    def timesteps(self, steps: str | Sequence[int]) -> list[int]:
        return parse_timesteps(steps, self.num_train_timesteps)

    def resolve_thresholding(self, choice: str) -> str:
        """ "auto" → the scheduler config's own choice; else one of dynamic / clip / none."""
        return resolve_thresholding(choice, self.thresholding)
