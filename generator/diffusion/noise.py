"""Where every random number of a figure comes from: a CPU `torch.Generator` per job seeded with the job's seed,
and N(0, I) drawn from it on the CPU, then moved (diffusers' `randn_tensor`), so the same seed gives the same
noise on every device. The first draw of a seed is x_T of the sampling modes and ε of the `forward` mode."""

from __future__ import annotations

from typing import Sequence

import torch


def make_rng(seed: int) -> torch.Generator:
    """A CPU generator: the same noise on every device (diffusers' advice for reproducibility)."""
    return torch.Generator("cpu").manual_seed(int(seed))


def draw_noise(
    rng: torch.Generator, shape: Sequence[int], device: torch.device | str, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """randn(shape) from `rng` on its own device, then moved (as diffusers' `randn_tensor`)."""
    device = torch.device(device)
    if rng.device.type == device.type:
        return torch.randn(tuple(shape), generator=rng, device=device, dtype=dtype)
    pin = device.type == "cuda"
    noise = torch.randn(tuple(shape), generator=rng, dtype=dtype, pin_memory=pin)
    return noise.to(device, non_blocking=pin)
