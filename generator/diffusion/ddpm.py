"""The DDPM step t → t′ (Ho et al. 2020, eq. 6–7) with learned-range (Nichol & Dhariwal 2021, eq. 15) or fixed
variance, optional dynamic thresholding (Saharia et al. 2022, Imagen) and classifier-free guidance
(Ho & Salimans 2022).

The arithmetic mirrors diffusers' DDPMScheduler.step operation for operation, so that in fp32 a step gives the
same numbers. Its coefficients are 0-d float32 CPU tensors computed from Python ints (t, t′ are known on the
host): nothing here waits for the GPU.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch

from generator.diffusion.schedule import Schedule


@dataclass(frozen=True)
class StepCoefficients:
    """Everything about t → t′ that does not depend on the image (0-d float32 CPU tensors)."""

    alpha_prod_t: torch.Tensor
    alpha_prod_t_prev: torch.Tensor
    beta_prod_t: torch.Tensor
    current_beta_t: torch.Tensor
    x0_coeff: torch.Tensor  # √ᾱ_t′ β_t / (1 − ᾱ_t)
    x_t_coeff: torch.Tensor  # √α_t (1 − ᾱ_t′) / (1 − ᾱ_t)
    posterior_variance: torch.Tensor  # β̃_t = (1 − ᾱ_t′) / (1 − ᾱ_t) β_t, clamped at 1e-20


@functools.lru_cache(maxsize=4096)
def _coefficients(schedule: Schedule, t: int, t_prev: int) -> StepCoefficients:
    alpha_prod_t = schedule.alpha_bar(t)
    alpha_prod_t_prev = schedule.alpha_bar(t_prev)
    beta_prod_t = 1 - alpha_prod_t
    beta_prod_t_prev = 1 - alpha_prod_t_prev
    current_alpha_t = alpha_prod_t / alpha_prod_t_prev
    current_beta_t = 1 - current_alpha_t
    variance = (1 - alpha_prod_t_prev) / (1 - alpha_prod_t) * current_beta_t
    return StepCoefficients(
        alpha_prod_t=alpha_prod_t,
        alpha_prod_t_prev=alpha_prod_t_prev,
        beta_prod_t=beta_prod_t,
        current_beta_t=current_beta_t,
        x0_coeff=(alpha_prod_t_prev ** (0.5) * current_beta_t) / beta_prod_t,
        x_t_coeff=current_alpha_t ** (0.5) * beta_prod_t_prev / beta_prod_t,
        posterior_variance=torch.clamp(variance, min=1e-20),
    )


def coefficients(schedule: Schedule, t: int, t_prev: int) -> StepCoefficients:
    """The coefficients of the step t → t′ (cached; t′ < 0 means ᾱ_t′ = 1)."""
    if not (0 <= t < schedule.num_train_timesteps and t_prev < t):
        raise ValueError(f"a DDPM step needs 0 ≤ t′ < t < {schedule.num_train_timesteps}, got t={t}, t′={t_prev}")
    return _coefficients(schedule, int(t), int(t_prev))


def guide(eps_uncond: torch.Tensor, eps_cond: torch.Tensor, guidance: float) -> torch.Tensor:
    """Classifier-free guidance: ε = ε_u + γ (ε_c − ε_u)."""
    return eps_uncond + guidance * (eps_cond - eps_uncond)


def dynamic_threshold(x0: torch.Tensor, ratio: float, max_value: float) -> torch.Tensor:
    """Imagen's dynamic thresholding: s = clamp(quantile(|x̂₀|, ratio), 1, max); x̂₀ ← clamp(x̂₀, −s, s) / s."""
    dtype = x0.dtype
    batch, channels, *rest = x0.shape
    flat = x0.float() if dtype not in (torch.float32, torch.float64) else x0
    flat = flat.reshape(batch, channels * int(torch.Size(rest).numel()))
    s = torch.quantile(flat.abs(), ratio, dim=1)
    s = torch.clamp(s, min=1, max=max_value).unsqueeze(1)
    return (torch.clamp(flat, -s, s) / s).reshape(batch, channels, *rest).to(dtype)


def threshold(x0: torch.Tensor, schedule: Schedule, how: str) -> torch.Tensor:
    """Apply "dynamic", "clip" (to ±clip_sample_range) or "none" to the estimate x̂₀."""
    if how == "dynamic":
        return dynamic_threshold(x0, schedule.dynamic_thresholding_ratio, schedule.sample_max_value)
    if how == "clip":
        return x0.clamp(-schedule.clip_sample_range, schedule.clip_sample_range)
    if how == "none":
        return x0
    raise ValueError(f"thresholding {how!r}: expected dynamic, clip or none")


def fixed_noise_scale(c: StepCoefficients, variance_type: str) -> torch.Tensor:
    """σ of a fixed-variance step: √β̃_t ("fixed_small", DDPM's σ² = β̃) or √β_t ("fixed_large")."""
    if variance_type in ("fixed_small", "learned_range"):
        return c.posterior_variance**0.5
    if variance_type == "fixed_large":
        return c.current_beta_t**0.5
    raise ValueError(
        f"variance_type {variance_type!r} is not supported: use fixed_small, fixed_large, or "
        f"learned_range with a model that predicts variance"
    )


def ddpm_step(
    schedule: Schedule,
    x_t: torch.Tensor,
    eps: torch.Tensor,
    var: torch.Tensor | None,
    t: int,
    t_prev: int,
    noise: torch.Tensor | None,
    thresholding: str = "none",
) -> tuple[torch.Tensor, torch.Tensor]:
    """x_t′ = (√ᾱ_t′ β_t/(1−ᾱ_t)) x̂₀ + (√α_t (1−ᾱ_t′)/(1−ᾱ_t)) x_t + σ z; returns (x_t′, raw x̂₀).

    `var` is the model's learned-range output in [−1, 1] (None: fixed variance from the schedule); `noise`
    is z, needed only when t > 0, drawn by the caller exactly as diffusers draws it.
    """
    c = coefficients(schedule, t, t_prev)
    x0_raw = (x_t - c.beta_prod_t ** (0.5) * eps) / c.alpha_prod_t ** (0.5)
    x0 = threshold(x0_raw, schedule, thresholding)
    x_prev = c.x0_coeff * x0 + c.x_t_coeff * x_t
    if t > 0:
        if noise is None:
            raise ValueError(f"the step from t={t} adds noise: pass `noise` shaped like x_t")
        if var is not None and schedule.variance_type == "learned_range":
            x_prev = x_prev + learned_range_noise(c, var, noise)
        else:
            x_prev = x_prev + fixed_noise_scale(c, schedule.variance_type) * noise
    return x_prev, x0_raw


def learned_range_noise(c: StepCoefficients, var: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """exp(½ v) z with v = frac·log β_t + (1 − frac)·log β̃_t, frac = (var + 1)/2 (diffusers' order)."""
    min_log = torch.log(c.posterior_variance)
    max_log = torch.log(c.current_beta_t)
    frac = (var + 1) / 2
    variance = frac * max_log + (1 - frac) * min_log
    return torch.exp(0.5 * variance) * noise
