"""The model-agnostic maths against diffusers' DDPMScheduler: schedule, noising, the DDPM step, thresholding."""

from __future__ import annotations

import pytest
import torch
from diffusers import DDPMScheduler

from generator.diffusion.ddpm import ddpm_step, dynamic_threshold, guide
from generator.diffusion.schedule import Schedule, add_noise, alphas_cumprod, one_step_estimate, parse_timesteps
from tests.tiny_backend import FIXED_SCHEDULER, IF_LIKE_SCHEDULER


STRIDED = list(range(990, -1, -30))


@pytest.mark.parametrize("config", [IF_LIKE_SCHEDULER, FIXED_SCHEDULER], ids=["cosine", "linear"])
def test_alphas_cumprod_is_diffusers(config):
    assert torch.equal(alphas_cumprod(config), DDPMScheduler.from_config(config).alphas_cumprod)


def test_strided_timesteps_are_the_course_ones():
    timesteps = parse_timesteps("strided-30")
    assert timesteps == STRIDED and len(timesteps) == 34
    assert [timesteps[i] for i in (1, 3, 5, 7, 10, 20)] == [960, 900, 840, 780, 690, 390]
    assert parse_timesteps("strided-20")[:2] == [980, 960]
    assert parse_timesteps([500, 250, 0]) == [500, 250, 0]
    assert len(parse_timesteps("smart50")) == 50


@pytest.mark.parametrize(
    "steps, message",
    [
        ("strided-0", "stride"),
        ("every-30", "not understood"),
        ([10, 20], "decreasing"),
        ([1000, 0], r"\[0, 1000\)"),
        ([], "empty"),
    ],
)
def test_bad_timesteps_say_what_is_wrong(steps, message):
    with pytest.raises(ValueError, match=message):
        parse_timesteps(steps)


def test_add_noise_matches_diffusers_and_one_step_inverts_it():
    scheduler = DDPMScheduler.from_config(IF_LIKE_SCHEDULER)
    alpha_bar = alphas_cumprod(IF_LIKE_SCHEDULER)
    g = torch.Generator().manual_seed(0)
    x0, eps = torch.rand(2, 3, 8, 8, generator=g) * 2 - 1, torch.randn(2, 3, 8, 8, generator=g)
    for t in (0, 250, 500, 750):
        x_t = add_noise(x0, eps, alpha_bar[t])
        assert torch.equal(x_t, scheduler.add_noise(x0, eps, torch.tensor([t, t])))
        torch.testing.assert_close(one_step_estimate(x_t, eps, alpha_bar[t]), x0, atol=2e-5, rtol=0)


def test_guidance_is_uncond_plus_scaled_difference():
    eps_u, eps_c = torch.tensor([1.0, -2.0]), torch.tensor([3.0, 0.0])
    assert torch.equal(guide(eps_u, eps_c, 7.0), torch.tensor([15.0, 12.0]))
    assert torch.equal(guide(eps_u, eps_c, 1.0), eps_c)


def diffusers_step(config, thresholding, t, prev, model_output, x_t, seed):
    """DDPMScheduler.step over the course's strided timesteps, as IFPipeline drives it."""
    config = {**config, "thresholding": thresholding == "dynamic", "clip_sample": thresholding == "clip"}
    scheduler = DDPMScheduler.from_config(config)
    scheduler.set_timesteps(timesteps=STRIDED)
    assert scheduler.previous_timestep(t) == prev
    return scheduler.step(model_output, t, x_t, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("thresholding", ["dynamic", "clip", "none"])
@pytest.mark.parametrize("learned", [True, False], ids=["learned_range", "fixed_small"])
@pytest.mark.parametrize("index", [0, 10, 32, 33])  # 990→960, 690→660, 30→0, 0→−1 (no noise)
def test_step_equals_diffusers_ddpm_scheduler(thresholding, learned, index):
    config = {**IF_LIKE_SCHEDULER, "variance_type": "learned_range" if learned else "fixed_small"}
    t = STRIDED[index]
    prev = STRIDED[index + 1] if index + 1 < len(STRIDED) else -1
    g = torch.Generator().manual_seed(index)
    x_t = torch.randn(1, 3, 16, 16, generator=g) * 1.5
    eps = torch.randn(1, 3, 16, 16, generator=g)
    var = torch.rand(1, 3, 16, 16, generator=g) * 2 - 1
    model_output = torch.cat([eps, var], dim=1) if learned else eps
    expected = diffusers_step(config, thresholding, t, prev, model_output, x_t, seed=5)

    noise = torch.randn(1, 3, 16, 16, generator=torch.Generator().manual_seed(5)) if t > 0 else None
    x_prev, x0_raw = ddpm_step(
        Schedule.from_config(config), x_t, eps, var if learned else None, t, prev, noise, thresholding
    )
    assert torch.equal(x_prev, expected.prev_sample)
    assert torch.equal(x0_raw, (x_t - (1 - alphas_cumprod(config)[t]) ** 0.5 * eps) / alphas_cumprod(config)[t] ** 0.5)


def test_dynamic_thresholding_rescales_only_saturated_images():
    calm = torch.linspace(-0.9, 0.9, 48).reshape(1, 3, 4, 4)
    assert torch.equal(dynamic_threshold(calm, 0.95, 1.5), calm)
    wild = calm * 3
    out = dynamic_threshold(wild, 0.95, 1.5)
    assert out.abs().max() == 1.0 and torch.equal(out, wild.clamp(-1.5, 1.5) / 1.5)


def test_schedule_reads_its_config():
    schedule = Schedule.from_config(IF_LIKE_SCHEDULER)
    assert schedule.thresholding == "dynamic" and schedule.sample_max_value == 1.5
    assert schedule.resolve_thresholding("auto") == "dynamic"
    assert Schedule.from_config(FIXED_SCHEDULER).resolve_thresholding("auto") == "clip"
    assert schedule.alpha_bar(-1) == 1.0
    with pytest.raises(ValueError, match="prediction_type"):
        Schedule.from_config({**FIXED_SCHEDULER, "prediction_type": "v_prediction"})
    with pytest.raises(ValueError, match="thresholding 'soft'"):
        schedule.resolve_thresholding("soft")
