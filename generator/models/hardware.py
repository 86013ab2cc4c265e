"""Where a model runs, in what precision, and how a cascade's weights share the device's memory.

Plain Python: a plan (`gallery plan --device cuda --memory 16GB`) is made without torch and without the card
it is for; torch is imported only to ask a live device (is it there, its memory, bf16).

    pick_device("auto")                                  # "cuda" > "mps" > "cpu"
    resolve_dtype("auto", "cpu", {"cpu": "bf16"})        # "bf16"
    plan_memory(16 * GiB, stages)                        # mode, batch per stage, estimated peak

Memory modes: `resident` keeps every stage's UNet on the device; `sequential` frees one stage's weights before
the next stage loads (a 16 GB card: IF-I-XL alone is 8.6 GB in fp16); `offload` is accelerate's model CPU offload
(every stage in host RAM, moved onto the device for its calls). Batch sizes follow from what is left once the
stage's weights are resident: `batch_for(free, per_sample)`, the one rule the engine applies at run time too.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

from generator.errors import GalleryError


if TYPE_CHECKING:
    import torch

GiB = 2**30
DTYPES = ("auto", "fp16", "bf16", "fp32")
MEMORY_MODES = ("auto", "resident", "sequential", "offload")
BYTES_PER_PARAM = {"fp16": 2, "bf16": 2, "fp32": 4}
# What a user may set instead of --device, --dtype, --memory and --memory-mode (which win), and to let DeepFloyd IF
# run on a CPU; read once, by the CLI (Hardware.from_env), and passed down from there.
DEVICE_ENV, DTYPE_ENV, MEMORY_ENV, MEMORY_MODE_ENV = (
    "GALLERY_DEVICE",
    "GALLERY_DTYPE",
    "GALLERY_MEMORY",
    "GALLERY_MEMORY_MODE",
)
ALLOW_CPU_ENV = "GALLERY_ALLOW_CPU"
CONTEXT_BYTES = 0.75 * GiB  # CUDA context, cuDNN/cuBLAS workspaces, allocator slack (not in any weights)
MIN_BATCH, MAX_BATCH = 2, 64
CPU_BATCH = 16  # samples per call on the CPU: its memory is not what limits it
BATCH_SHARE = 0.7  # of the free memory, for activations (the rest absorbs fragmentation)


@dataclass(frozen=True)
class Hardware:
    """What a run computes on: the device, the UNets' dtype, the memory to plan for and how a cascade shares it,
    and whether DeepFloyd IF may run on a CPU. Specs are made for it (a DeepFloyd key names its dtype)."""

    device: str | None = None  # "cuda", "cuda:1", "mps", "cpu"; None: the best here (cuda > mps > cpu)
    dtype: str | None = None  # fp16 / bf16 / fp32; None: the model's choice for the device
    memory: int | None = None  # device bytes to plan for; None: the device's own
    memory_mode: str | None = None  # resident / sequential / offload; None: from the memory
    allow_cpu: bool = False  # DeepFloyd IF on a CPU (hours per figure): GALLERY_ALLOW_CPU=1

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        device: str | None = None,
        dtype: str | None = None,
        memory: str | None = None,
        memory_mode: str | None = None,
    ) -> Hardware:
        """The options given (the command line's), each else its GALLERY_ variable; "auto" is None."""
        env = os.environ if environ is None else environ

        def chosen(value: str | None, name: str) -> str | None:
            value = value or env.get(name) or None
            return None if value == "auto" else value

        try:
            size = parse_memory(chosen(memory, MEMORY_ENV))
        except ValueError as exc:
            raise GalleryError(f"{exc} ({MEMORY_ENV} or --memory)") from None
        return cls(
            chosen(device, DEVICE_ENV),
            chosen(dtype, DTYPE_ENV),
            size,
            chosen(memory_mode, MEMORY_MODE_ENV),
            env.get(ALLOW_CPU_ENV, "").lower() in {"1", "true", "yes", "on"},
        )

    @property
    def chosen(self) -> bool:
        """Whether any of device, dtype, memory and memory mode was chosen (not left to auto)."""
        return any(v is not None for v in (self.device, self.dtype, self.memory, self.memory_mode))


# --------------------------------------------------------------------------------------------- devices


def cuda_available() -> bool:
    """torch.cuda.is_available(), without importing torch (1–2 s) on machines with no NVIDIA driver at all."""
    if not Path("/proc/driver/nvidia/version").exists() and shutil.which("nvidia-smi") is None:
        return False
    import torch

    return torch.cuda.is_available()


def mps_available() -> bool:
    """Apple's Metal device (macOS only; torch is imported only there)."""
    if sys.platform != "darwin":
        return False
    import torch

    return torch.backends.mps.is_available()


def pick_device(requested: str | None = None) -> str:
    """`requested` as given ("cuda:1" stays), or for None / "auto" the best here: CUDA, else MPS, else the CPU."""
    if requested not in (None, "", "auto"):
        return str(requested)
    return "cuda" if cuda_available() else "mps" if mps_available() else "cpu"


def device_kind(device: str | torch.device | None) -> str:
    """ "cuda", "mps" or "cpu" (the type of a torch device string such as "cuda:1")."""
    return pick_device(None if device is None else str(device)).split(":")[0]


def check_choice(what: str, value: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(f"{what} {value!r} is not one of {', '.join(choices)}")
    return value


# ---------------------------------------------------------------------------------------------- dtypes


def resolve_dtype(requested: str | None, kind: str, auto: Mapping[str, str]) -> str:
    """ "fp16", "bf16" or "fp32": the request, or for "auto" the model's choice on this kind of device."""
    requested = check_choice("dtype", requested or "auto", DTYPES)
    return auto.get(kind, "fp32") if requested == "auto" else requested


def torch_dtype(name: str) -> torch.dtype:
    import torch

    return {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}[name]


def bf16_fast(device: str | torch.device) -> bool:
    """Whether the device runs bf16 natively: CUDA compute capability 8.0 (Ampere) and later, and the CPU
    (torch has bf16 kernels everywhere; AVX-512 BF16 / AMX make them fast). A T4 or V100 only emulates it."""
    import torch

    kind = device_kind(device)
    if kind == "cuda":
        return torch.cuda.get_device_capability(torch.device(device))[0] >= 8
    return kind == "cpu"


# ---------------------------------------------------------------------------------------------- memory


def parse_memory(text: str | None) -> int | None:
    """Bytes from "16GB", "16 GiB", "12G", "24000MB" (a card's GB as nvidia-smi shows it: GiB); None for auto."""
    if text in (None, "", "auto"):
        return None
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([GM])(?:i?B)?\s*", str(text), re.IGNORECASE)
    if not match:
        raise ValueError(f"memory {text!r} not understood: give a size such as 16GB, 12GB or 24000MB")
    return int(float(match[1]) * (GiB if match[2].upper() == "G" else 2**20))


def total_bytes(device: str | torch.device) -> int:
    """The device's memory: the card's, MPS's recommended working set, or the machine's RAM for the CPU."""
    kind = device_kind(device)
    if kind == "cuda":
        import torch

        return torch.cuda.get_device_properties(torch.device(device)).total_memory
    if kind == "mps":
        import torch

        return torch.mps.recommended_max_memory()
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def free_bytes(device: str | torch.device, limit: int | None = None) -> int | None:
    """Memory the device can still give (CUDA, MPS), as if it had only `limit` bytes when that is given (what
    is in use counts against it); None on the CPU (batches there have a fixed size)."""
    kind = device_kind(device)
    if kind == "cpu":
        return None
    import torch

    if kind == "cuda":
        free, total = torch.cuda.mem_get_info(torch.device(device))
    else:
        total = torch.mps.recommended_max_memory()
        free = max(0, total - torch.mps.driver_allocated_memory())
    return free if limit is None else max(0, min(free, limit - (total - free)))


def batch_for(free: float, per_sample: float) -> int:
    """Samples per model call that fit in `free` bytes at `per_sample` each (BATCH_SHARE of it, 2 to 64)."""
    return int(max(MIN_BATCH, min(MAX_BATCH, BATCH_SHARE * free // per_sample)))


@dataclass(frozen=True)
class Stage:
    """One model of a cascade, for planning: its weights and what one sample of its calls needs."""

    name: str  # "stage I"
    params: float  # parameters
    per_sample: float  # activation bytes per sample of a call
    fixed: float = 0.0  # activation bytes per call that do not scale with the batch (stage III's VAE)
    batched: bool = True  # False: one image per call whatever the memory (stage III's pipeline)

    def weight_bytes(self, dtype: str) -> float:
        return self.params * BYTES_PER_PARAM[dtype]


@dataclass(frozen=True)
class MemoryPlan:
    mode: str  # resident / sequential / offload
    batches: dict[str, int]  # stage name → samples per call
    peak: float  # estimated peak device bytes
    memory: float  # the device memory planned for
    host: float  # host RAM the weights need (offload keeps every stage there)
    fits: bool

    def lines(self) -> list[str]:
        batches = ", ".join(f"{name} {b}" for name, b in self.batches.items())
        verdict = "fits" if self.fits else "does NOT fit"
        return [
            f"memory mode {self.mode}: batch {batches}; estimated peak {self.peak / GiB:.1f} of "
            f"{self.memory / GiB:.1f} GiB ({verdict})"
            + (f"; host RAM for the offloaded weights ≥ {self.host / GiB:.1f} GiB" if self.mode == "offload" else "")
        ]


def plan_memory(
    memory: float, stages: Sequence[Stage], dtype: str = "fp16", mode: str = "auto", batch: int | None = None
) -> MemoryPlan:
    """The memory mode and batch sizes for `stages` on a device with `memory` bytes (`batch`: a fixed size, as
    on the CPU). auto: resident when every stage fits beside the others with batches of at least 8, else
    sequential (one stage's weights at a time)."""
    mode = check_choice("memory mode", mode, MEMORY_MODES)
    if mode == "auto":
        resident = _plan(memory, stages, dtype, "resident", batch)
        mode = "resident" if resident.fits and min(resident.batches.values()) >= 8 else "sequential"
    return _plan(memory, stages, dtype, mode, batch)


def _plan(memory: float, stages: Sequence[Stage], dtype: str, mode: str, batch: int | None) -> MemoryPlan:
    weights = {s.name: s.weight_bytes(dtype) for s in stages}
    batches, peak = {}, 0.0
    for s in stages:
        held = sum(weights.values()) if mode == "resident" else weights[s.name]
        free = memory - CONTEXT_BYTES - held - s.fixed
        batches[s.name] = (batch or batch_for(free, s.per_sample)) if s.batched else 1
        peak = max(peak, CONTEXT_BYTES + held + s.fixed + batches[s.name] * s.per_sample)
    host = sum(weights.values()) if mode == "offload" else 0.0
    return MemoryPlan(mode, batches, peak, memory, host, fits=peak <= memory)


def encoder_placement(
    device_type: str, memory: float | None, bf16: bool, unet_dtype: str, params: float, fp32_params: float = 0.0
) -> tuple[str, str]:
    """(device type, dtype) a text encoder of `params` runs in, alone on the device: fp32 when the UNets are;
    else bf16 where the device runs it natively; else fp16 on a GPU (with `fp32_params` of it kept in fp32);
    each only where it fits. Otherwise the CPU, in bf16 (or fp32 beside fp32 UNets)."""

    def fits(dtype: str) -> bool:
        weights = params * BYTES_PER_PARAM[dtype] + (2 * fp32_params if dtype == "fp16" else 0)
        return device_type == "cpu" or memory is None or weights + CONTEXT_BYTES + GiB <= memory

    wanted = ["fp32"] if unet_dtype == "fp32" else ["bf16"] * bf16 + ["fp16"] * (device_type != "cpu")
    dtype = next((d for d in wanted if fits(d)), None)
    return (device_type, dtype) if dtype else ("cpu", "fp32" if unet_dtype == "fp32" else "bf16")
