"""The project's engine driving the DeepFloyd IF backend reproduces diffusers' IF pipelines sample for sample
(tiny random-weight models loaded from a local directory; CPU, fp32): one CFG track at timesteps 990, 960,
…, 0 with γ = 7 against IFPipeline, and one stage-II track against IFSuperResolutionPipeline."""

from __future__ import annotations

import pytest
import torch
from diffusers import DDPMScheduler, IFPipeline, IFSuperResolutionPipeline

from generator.diffusion.schedule import Schedule
from generator.engine import Term, Track, draw_noise, make_generator, run_tracks
from generator.models.deepfloyd import model_spec
from generator.models.deepfloyd_backend import DeepFloydBackend
from tests.tiny_if import T5_DIM, tiny_if_dir


STRIDED_30 = list(range(990, -1, -30))
PROMPT = "a rocket ship"


@pytest.fixture(scope="module")
def backend(tmp_path_factory) -> DeepFloydBackend:
    root = tiny_if_dir()
    spec = model_spec("if-i-l", path=root / "stage1", stage2_path=root / "stage2", dtype="fp32")
    return spec.load("cpu", store_root=tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="module")
def embeddings(backend) -> dict[str, torch.Tensor]:
    """Real (tiny) T5 embeddings, through the backend's cache."""
    out = backend.encode([PROMPT, ""])
    assert out[PROMPT].shape == (77, T5_DIM)
    return out


def no_progress(pipe):
    pipe.set_progress_bar_config(disable=True)
    return pipe


def test_engine_reproduces_ifpipeline(backend, embeddings):
    root = tiny_if_dir()
    pipe = no_progress(
        IFPipeline(
            tokenizer=None,
            text_encoder=None,
            unet=backend.unet,
            scheduler=DDPMScheduler.from_pretrained(root / "stage1", subfolder="scheduler"),
            safety_checker=None,
            feature_extractor=None,
            watermarker=None,
            requires_safety_checker=False,
        )
    )
    expected = pipe(
        prompt_embeds=embeddings[PROMPT][None],
        negative_prompt_embeds=embeddings[""][None],
        timesteps=STRIDED_30,
        guidance_scale=7.0,
        num_images_per_prompt=1,
        generator=torch.Generator().manual_seed(180),
        output_type="pt",
    ).images

    g = make_generator(180)
    track = Track(
        x=draw_noise(g, (1, 3, 16, 16), "cpu"),
        timesteps=STRIDED_30,
        terms=[Term(PROMPT, uncond="", guidance=7.0)],
        embeddings=embeddings,
        schedule=Schedule.from_config(backend.spec.scheduler_config),
        rng=g,
        thresholding="dynamic",
    )
    run_tracks([track], backend, progress=False)
    torch.testing.assert_close(track.x, expected, atol=1e-5, rtol=1e-5)
    assert expected.abs().max() > 0.1  # a real image, not a degenerate one


def test_engine_reproduces_ifsuperresolutionpipeline(backend, embeddings):
    root = tiny_if_dir()
    timesteps, level = [990, 750, 500, 250, 0], torch.tensor([250])
    image = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(3)) * 2 - 1
    pipe = no_progress(
        IFSuperResolutionPipeline(
            tokenizer=None,
            text_encoder=None,
            unet=backend.unet2,
            scheduler=DDPMScheduler.from_pretrained(root / "stage2", subfolder="scheduler"),
            image_noising_scheduler=DDPMScheduler.from_pretrained(
                root / "stage2", subfolder="image_noising_scheduler"
            ),
            safety_checker=None,
            feature_extractor=None,
            watermarker=None,
            requires_safety_checker=False,
        )
    )
    expected = pipe(
        image=image,
        prompt_embeds=embeddings[PROMPT][None],
        negative_prompt_embeds=embeddings[""][None],
        timesteps=timesteps,
        guidance_scale=4.0,
        noise_level=250,
        generator=torch.Generator().manual_seed(7),
        output_type="pt",
    ).images

    g = make_generator(7)
    x_T = draw_noise(g, (1, 3, 64, 64), "cpu")  # x_T first, then the condition's noise
    condition = backend.upscale_condition(image, level, draw_noise(g, (1, 3, 64, 64), "cpu"))
    track = Track(
        x=x_T,
        timesteps=timesteps,
        terms=[Term(PROMPT, uncond="", guidance=4.0)],
        embeddings=embeddings,
        schedule=Schedule.from_config(backend.spec.upscale_scheduler_config),
        rng=g,
        thresholding="dynamic",
        cond={"image": condition, "noise_level": level},
    )
    run_tracks([track], backend, progress=False)
    torch.testing.assert_close(track.x, expected, atol=1e-5, rtol=1e-5)
