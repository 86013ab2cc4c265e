"""Seconds per image of a 30-step CFG stage-I DeepFloyd IF figure, two ways, in one run:

  (a) diffusers' IFPipeline, one image per call (batch 2 = uncond + cond per UNet call), and
  (b) the project's engine, many images stepped together (≥ 32 samples per UNet call).

Both drive the same full-size IF-I-XL UNet (4.305 B parameters), built with random weights directly on the
GPU in fp16: a UNet's speed does not depend on its weight values, so nothing is downloaded. Throughput is
also given in TFLOP/s, counting 2 × steps UNet forwards per image (60 at 30 steps) at the per-sample cost
counted by torch's FlopCounterMode (2.879 TFLOP for IF-I-XL at 64²).

    python bench/bench_stage1.py                  # CUDA GPU: full-size IF-I-XL, fp16, eager
    python bench/bench_stage1.py --compile        # the engine's UNet torch.compile'd, fixed batch buckets
    python bench/bench_stage1.py --tiny           # a tiny IF-shaped UNet on the CPU (the default without CUDA)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

import torch


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator.diffusion.schedule import Schedule  # noqa: E402
from generator.engine import Term, Track, draw_noise, make_generator, run_tracks  # noqa: E402
from generator.models.deepfloyd import STAGE_I_SCHEDULER, model_spec  # noqa: E402
from generator.models.deepfloyd_arch import (  # noqa: E402
    IF_I_XL_TFLOP_PER_SAMPLE,
    IF_I_XL_UNET,
    TINY_STAGE1_UNET,
)
from generator.models.deepfloyd_backend import DeepFloydBackend  # noqa: E402


PROMPT = "a photo of a hipster barista"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cuda = torch.cuda.is_available()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--tiny",
        action="store_true",
        default=not cuda,
        help="tiny IF-shaped UNet on the CPU (default when no CUDA GPU is present)",
    )
    p.add_argument("--steps", type=int, default=30, help="denoising steps per image (default 30)")
    p.add_argument("--guidance", type=float, default=7.0, help="CFG scale γ (default 7)")
    p.add_argument("--images", type=int, default=None, help="images through the engine (default 32; tiny 4)")
    p.add_argument("--pipeline-images", type=int, default=None, help="images through IFPipeline (default 3; tiny 2)")
    p.add_argument("--batch", type=int, default=None, help="samples per engine UNet call (default 32; tiny 8)")
    p.add_argument("--compile", action="store_true", help="torch.compile the engine's UNet (fixed batch buckets)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = p.parse_args(argv)
    args.images = args.images or (4 if args.tiny else 32)
    args.pipeline_images = args.pipeline_images or (2 if args.tiny else 3)
    args.batch = args.batch or (8 if args.tiny else 32)
    return args


def build_unet(config: dict[str, Any], device: torch.device, dtype: torch.dtype, seed: int) -> torch.nn.Module:
    """A UNet2DConditionModel with random weights, created directly on `device` in `dtype` (no copy, no download)."""
    from diffusers import UNet2DConditionModel

    torch.manual_seed(seed)
    default = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with device:
            unet = UNet2DConditionModel(**config)
    finally:
        torch.set_default_dtype(default)
    return unet.eval().requires_grad_(False)


def tflop_per_sample(unet: torch.nn.Module, emb: torch.Tensor, size: int) -> float:
    """FLOPs of one forward at batch 1, counted by torch's FlopCounterMode, in TFLOP."""
    from torch.utils.flop_counter import FlopCounterMode

    x = torch.zeros(1, 3, size, size, device=emb.device, dtype=emb.dtype)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        unet(x, torch.tensor([500], device=emb.device), encoder_hidden_states=emb[None])
    return counter.get_total_flops() / 1e12


def timed(fn: Callable[[], Any], device: torch.device) -> float:
    """Wall seconds of fn(), the GPU's queued work included."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start


def bench_pipeline(unet, emb: dict[str, torch.Tensor], timesteps: list[int], args, device) -> float:
    """Seconds per image through diffusers' IFPipeline, one image per call (after one warm-up call)."""
    from diffusers import DDPMScheduler, IFPipeline

    pipe = IFPipeline(
        tokenizer=None,
        text_encoder=None,
        unet=unet,
        scheduler=DDPMScheduler(**STAGE_I_SCHEDULER),
        safety_checker=None,
        feature_extractor=None,
        watermarker=None,
        requires_safety_checker=False,
    )
    pipe.set_progress_bar_config(disable=True)

    def one_image(seed: int) -> None:
        pipe(
            prompt_embeds=emb[PROMPT][None],
            negative_prompt_embeds=emb[""][None],
            timesteps=timesteps,
            guidance_scale=args.guidance,
            num_images_per_prompt=1,
            output_type="pt",
            generator=torch.Generator().manual_seed(seed),
        )

    one_image(args.seed)
    seconds = [timed(lambda: one_image(args.seed + 1 + i), device) for i in range(args.pipeline_images)]
    return sum(seconds) / len(seconds)


def engine_tracks(n: int, timesteps: list[int], emb, schedule: Schedule, args, size: int, device) -> list[Track]:
    tracks = []
    for i in range(n):
        g = make_generator(args.seed + i)
        tracks.append(
            Track(
                x=draw_noise(g, (1, 3, size, size), device),
                timesteps=timesteps,
                terms=[Term(PROMPT, uncond="", guidance=args.guidance)],
                embeddings=emb,
                schedule=schedule,
                rng=g,
                thresholding="dynamic",
            )
        )
    return tracks


def bench_engine(backend: DeepFloydBackend, emb, timesteps: list[int], args, size: int, device) -> float:
    """Seconds per image through the engine, `args.images` images stepped together (after a 2-step warm-up
    with the same batch shapes, which is also when a compiled UNet compiles)."""
    schedule = Schedule.from_config(backend.spec.scheduler_config)
    warm = engine_tracks(args.images, timesteps[:2], emb, schedule, args, size, device)
    run_tracks(warm, backend, batch_size=args.batch, progress=False)
    tracks = engine_tracks(args.images, timesteps, emb, schedule, args, size, device)
    seconds = timed(lambda: run_tracks(tracks, backend, batch_size=args.batch, progress=False), device)
    return seconds / args.images


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    device = torch.device("cpu" if args.tiny else "cuda")
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("no CUDA GPU: run with --tiny to check the script on the CPU")
    dtype = torch.float16 if device.type == "cuda" else torch.float32
    config = TINY_STAGE1_UNET if args.tiny else IF_I_XL_UNET
    size, emb_dim = config["sample_size"], config["encoder_hid_dim"]

    unet = build_unet(config, device, dtype, args.seed)
    params = sum(p.numel() for p in unet.parameters())
    g = torch.Generator().manual_seed(args.seed)
    emb = {p: torch.randn(77, emb_dim, generator=g).to(device, dtype) for p in (PROMPT, "")}
    tflop = tflop_per_sample(unet, emb[PROMPT], size)
    from diffusers import DDPMScheduler

    scheduler = DDPMScheduler(**STAGE_I_SCHEDULER)
    scheduler.set_timesteps(args.steps)
    timesteps = [int(t) for t in scheduler.timesteps]

    pipeline_s = bench_pipeline(unet, emb, timesteps, args, device)
    spec = model_spec("deepfloyd-if", dtype="fp16" if device.type == "cuda" else "fp32")
    if args.tiny:
        spec = dataclasses.replace(spec, image_size=size)
    backend = DeepFloydBackend(spec, device, unet=unet)
    if args.compile:
        backend.compile(buckets=sorted({2, args.batch}))
    engine_s = bench_engine(backend, emb, timesteps, args, size, device)

    results = report(args, device, params, tflop, pipeline_s, engine_s)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return results


def report(args, device, params: int, tflop: float, pipeline_s: float, engine_s: float) -> dict[str, Any]:
    forwards = 2 * args.steps  # uncond + cond per step
    reference = None if args.tiny else IF_I_XL_TFLOP_PER_SAMPLE
    per_image = forwards * (reference or tflop)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU ({torch.get_num_threads()} threads)"
    results = {
        "device": name,
        "model": "tiny" if args.tiny else "IF-I-XL",
        "parameters": params,
        "dtype": "fp16" if device.type == "cuda" else "fp32",
        "steps": args.steps,
        "guidance": args.guidance,
        "tflop_per_sample_counted": tflop,
        "tflop_per_image": per_image,
        "pipeline": {
            "images": args.pipeline_images,
            "samples_per_call": 2,
            "s_per_image": pipeline_s,
            "tflops": per_image / pipeline_s,
        },
        "engine": {
            "images": args.images,
            "samples_per_call": min(args.batch, 2 * args.images),
            "compiled": args.compile,
            "s_per_image": engine_s,
            "tflops": per_image / engine_s,
        },
        "speedup": pipeline_s / engine_s,
    }
    if device.type == "cuda":
        results["peak_memory_gb"] = round(torch.cuda.max_memory_allocated(device) / 1e9, 2)
    print(
        f"{results['model']} ({params / 1e9:.4g} B parameters, {results['dtype']}) on {name}; "
        f"{args.steps} steps with CFG = {forwards} forwards per image; "
        f"{tflop:.4g} TFLOP per sample counted" + (f" ({reference} reference)" if reference else "")
    )
    for label, key in (("IFPipeline, 1 image per call", "pipeline"), ("engine", "engine")):
        r = results[key]
        extra = f", {r['images']} images, {r['samples_per_call']} samples per UNet call"
        extra += ", compiled" if r.get("compiled") else ""
        print(f"  {label:<30} {r['s_per_image']:8.3f} s per image  {r['tflops']:8.3g} TFLOP/s{extra}")
    print(f"  engine speed-up over the pipeline: {results['speedup']:.2f}×")
    if "peak_memory_gb" in results:
        print(f"  peak GPU memory: {results['peak_memory_gb']} GB")
    return results


if __name__ == "__main__":
    main()
