"""Train the embedded digits model: a class-conditional DDPM ε-predictor on the 4000 training digits.

    python -m generator.digits.train --out models/digits [--seed 0] [--epochs N]

Loss: ‖ε − ε_θ(√ᾱ_t x_0 + √(1−ᾱ_t) ε, t, c)‖² (Ho et al. 2020), with c dropped to the unconditional class 10%
of the time so one network gives both halves of classifier-free guidance (Ho & Salimans 2022).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from diffusers import DDPMScheduler, UNet2DModel
from PIL import Image
from tqdm import tqdm

from generator.digits.data import IMAGE_SIZE, data_hash, load_split
from generator.fileops import publish_dir, remove, swap_dir, temp_name
from generator.models.digits import SCHEDULER_CONFIG
from generator.models.digits_prompts import NUM_CLASS_EMBEDS, UNCONDITIONAL


PREVIEW_TIMESTEPS = list(range(990, -1, -30))  # the strided schedule the project samples with


@dataclass
class TrainConfig:
    """Everything that shapes the weights, recorded in training.json."""

    block_out_channels: tuple[int, ...] = (32, 64, 128)
    layers_per_block: int = 1
    attention: tuple[bool, ...] = (False, False, True)  # per resolution: 32, 16, 8
    norm_groups: int = 8  # ≥ 4 channels per GroupNorm group: one-channel groups erase each image's mean
    batch_size: int = 50
    lr: float = 1e-3
    warmup_steps: int = 200
    ema_decay: float = 0.999
    p_uncond: float = 0.1
    grad_clip: float = 1.0
    preview_guidance: float = 4.0
    preview_per_digit: int = 4


def build_unet(config: TrainConfig) -> UNet2DModel:
    """A diffusers UNet2DModel on 32×32×1 with 11 class embeddings (10 digits + unconditional)."""
    down = tuple("AttnDownBlock2D" if a else "DownBlock2D" for a in config.attention)
    up = tuple("AttnUpBlock2D" if a else "UpBlock2D" for a in reversed(config.attention))
    return UNet2DModel(
        sample_size=IMAGE_SIZE,
        in_channels=1,
        out_channels=1,
        block_out_channels=tuple(config.block_out_channels),
        layers_per_block=config.layers_per_block,
        down_block_types=down,
        up_block_types=up,
        num_class_embeds=NUM_CLASS_EMBEDS,
        norm_num_groups=config.norm_groups,
        attention_head_dim=min(32, config.block_out_channels[-1]),
    )


def build_scheduler() -> DDPMScheduler:
    return DDPMScheduler(**SCHEDULER_CONFIG)


def ema_update(ema: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    """θ_ema ← decay·θ_ema + (1 − decay)·θ."""
    with torch.no_grad():
        for p_ema, p in zip(ema.parameters(), model.parameters()):
            p_ema.lerp_(p, 1.0 - decay)


def lr_factor(step: int, total: int, warmup: int) -> float:
    """Linear warm-up, then cosine decay to 10%."""
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))


def train_step(unet, scheduler, x_0, labels, config: TrainConfig, gen: torch.Generator) -> torch.Tensor:
    """One ε-prediction loss on a batch, with labels dropped to the unconditional class w.p. p_uncond."""
    n = x_0.shape[0]
    t = torch.randint(0, scheduler.config.num_train_timesteps, (n,), generator=gen)
    eps = torch.randn(x_0.shape, generator=gen)
    drop = torch.rand(n, generator=gen) < config.p_uncond
    c = torch.where(drop, torch.full_like(labels, UNCONDITIONAL), labels)
    x_t = scheduler.add_noise(x_0, eps, t)
    eps_hat = unet(x_t, t, class_labels=c).sample
    return torch.nn.functional.mse_loss(eps_hat, eps)


@torch.no_grad()
def sample_cfg(unet, labels: torch.Tensor, guidance: float, seed: int) -> torch.Tensor:
    """CFG samples ε̂ = ε_u + w(ε_c − ε_u) with diffusers' DDPMScheduler on the strided timesteps."""
    scheduler = build_scheduler()
    scheduler.set_timesteps(timesteps=PREVIEW_TIMESTEPS)
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn((len(labels), 1, IMAGE_SIZE, IMAGE_SIZE), generator=gen)
    uncond = torch.full_like(labels, UNCONDITIONAL)
    for t in scheduler.timesteps:
        eps_c, eps_u = unet(torch.cat([x, x]), t, class_labels=torch.cat([labels, uncond])).sample.chunk(2)
        x = scheduler.step(eps_u + guidance * (eps_c - eps_u), t, x, generator=gen).prev_sample
    return x.clamp(-1, 1)


def save_grid(images: torch.Tensor, rows: int, path: Path) -> None:
    """(N, 1, H, W) in [-1, 1] → one grayscale PNG, `rows` rows."""
    n, _, h, w = images.shape
    cols = n // rows
    grid = images[:, 0].reshape(rows, cols, h, w).permute(0, 2, 1, 3).reshape(rows * h, cols * w)
    pixels = ((grid + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).numpy()
    Image.fromarray(pixels, mode="L").save(path)


def preview_epochs(epochs: int) -> set[int]:
    """Epochs whose samples are saved: 1, a few in between, and the last."""
    return {e for e in (1, 5, 10, 20, 40) if e <= epochs} | {epochs}


def machine() -> dict:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }


def train(
    out: Path,
    seed: int = 0,
    epochs: int = 20,
    config: TrainConfig | None = None,
    max_steps: int | None = None,
    previews: bool = True,
) -> dict:
    """Train from `seed` and write the model to `out` atomically; returns the training record."""
    config = config or TrainConfig()
    # 1. Data, model, optimiser — everything seeded.
    torch.manual_seed(seed)
    split = load_split("train")
    unet, scheduler = build_unet(config), build_scheduler()
    ema = copy.deepcopy(unet).eval().requires_grad_(False)
    optim = torch.optim.AdamW(unet.parameters(), lr=config.lr, weight_decay=0.0)
    steps_per_epoch = len(split.labels) // config.batch_size
    total = min(epochs * steps_per_epoch, max_steps or 10**12)
    sched_lr = torch.optim.lr_scheduler.LambdaLR(optim, lambda s: lr_factor(s, total, config.warmup_steps))
    gen = torch.Generator().manual_seed(seed)

    tmp = out.parent / temp_name(out.name, "tmp")
    remove(tmp)
    (tmp / "samples").mkdir(parents=True)
    losses, epoch_losses, step, start = [], [], 0, time.time()
    # 2. Epochs of shuffled batches; EMA after every step; previews at a few epochs.
    bar = tqdm(total=total, desc="digits", unit="step")
    for epoch in range(1, epochs + 1):
        epoch_start = step
        order = torch.randperm(len(split.labels), generator=gen)
        for b in range(steps_per_epoch):
            if step >= total:
                break
            idx = order[b * config.batch_size : (b + 1) * config.batch_size]
            loss = train_step(unet, scheduler, split.images[idx], split.labels[idx], config, gen)
            optim.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(unet.parameters(), config.grad_clip)
            optim.step()
            sched_lr.step()
            step += 1
            ema_update(ema, unet, min(config.ema_decay, (1 + step) / (10 + step)))
            losses.append(round(loss.item(), 5))
            bar.update(1)
            bar.set_postfix(epoch=epoch, loss=f"{loss.item():.4f}")
        epoch_losses.append(round(sum(losses[epoch_start:]) / max(1, step - epoch_start), 5))
        tqdm.write(f"epoch {epoch}/{epochs}  loss {epoch_losses[-1]:.4f}  ({time.time() - start:.0f} s)")
        if previews and epoch in preview_epochs(epochs):
            labels = torch.arange(10).repeat_interleave(config.preview_per_digit)
            grid = sample_cfg(ema, labels, config.preview_guidance, seed=seed)
            save_grid(grid, 10, tmp / "samples" / f"epoch-{epoch:03d}.png")
        if step >= total:
            break
    bar.close()

    # 3. Save EMA weights, scheduler and the record; then swap the folder in.
    record = {
        "config": asdict(config),
        "seed": seed,
        "epochs": epoch,
        "steps": step,
        "steps_per_epoch": steps_per_epoch,
        "wall_time_s": round(time.time() - start, 1),
        "machine": machine(),
        "data_hash": data_hash(),
        "train_size": len(split.labels),
        "scheduler": SCHEDULER_CONFIG,
        "preview_guidance": config.preview_guidance,
        "epoch_loss": epoch_losses,
        "step_loss": losses,
    }
    ema.save_pretrained(tmp / "unet", safe_serialization=True)
    scheduler.save_pretrained(tmp / "scheduler")
    (tmp / "training.json").write_text(json.dumps(record, indent=1) + "\n")
    replace_dir(tmp, out)
    return record


def replace_dir(tmp: Path, out: Path) -> None:
    """Swap `tmp` in as `out`; keeps the classifier, which does not depend on the diffusion weights."""
    if not out.exists():
        publish_dir(tmp, out)
        return
    for kept in out.glob("classifier*"):
        (tmp / kept.name).write_bytes(kept.read_bytes())
    swap_dir(tmp, out)
    remove(tmp)  # now the previous model


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("models/digits"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args(argv)
    record = train(args.out, seed=args.seed, epochs=args.epochs)
    print(
        f"saved {args.out}: {record['steps']} steps in {record['wall_time_s']} s, "
        f"final epoch loss {record['epoch_loss'][-1]:.4f}"
    )


if __name__ == "__main__":
    main()
