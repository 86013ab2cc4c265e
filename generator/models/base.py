"""The protocol every model backend speaks, and the spec that names a model without loading it.

A `ModelSpec` is what recipes and job keys see: an id, a revision, the image size and the scheduler config
(enough for model-free modes such as `forward`, which need ᾱ but no weights), and, for a model with a
super-resolution stage II, that stage's size, scheduler and identity. `spec.load()` gives a `Backend`, which
the engine drives. A backend subclasses `Backend` and overrides what it can do; the defaults state the
plainest model: one stage, any batch size, the engine's memory estimate, nothing to free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Sequence

from generator.errors import EXIT_MODEL_UNAVAILABLE, GalleryError


if TYPE_CHECKING:
    import torch

BYTES_PER_SAMPLE_64 = 256 << 20  # one sample's activations at 64² (fp16 UNet), the default estimate


class Backend:
    """A loaded diffusion model: prompts → embeddings, (x_t, t, embeddings) → noise estimate."""

    spec: ModelSpec
    device: torch.device
    batch_buckets: tuple[int, ...] | None = None  # compiled batch sizes the engine pads calls up to
    memory_limit: int | None = None  # device bytes to size batches for (--memory); None: all

    def encode(self, prompts: list[str]) -> dict[str, torch.Tensor]:
        """Embeddings per prompt (cached on disk per model and prompt where encoding is costly)."""
        raise NotImplementedError

    def predict(
        self,
        x_t: torch.Tensor,
        t: torch.Tensor,
        emb: torch.Tensor,
        image: torch.Tensor | None = None,
        noise_level: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """ε̂ of shape x_t.shape and the learned-range variance channels (None for fixed variance).

        x_t: (B, C, H, W); t: (B,) long, one timestep per sample; emb: (B, …) stacked embeddings;
        image, noise_level: stage II's condition (see `upscale_condition`), None at stage I.
        """
        raise NotImplementedError

    def bytes_per_sample(self, sample_shape: tuple[int, ...]) -> float:
        """GPU memory one sample of a model call needs, for the engine's batch size: by default 256 MiB at
        64², scaled with the square root of the pixel count."""
        pixels = sample_shape[-1] * sample_shape[-2]
        return BYTES_PER_SAMPLE_64 * max(1.0, (pixels / 4096) ** 0.5)

    def ready_for(self, sample_shape: tuple[int, ...]) -> int:
        """Load what `predict` needs for inputs shaped (B, *sample_shape), freeing what it no longer needs, before
        the engine sizes the batch from the free memory; returns the bytes of weights that will still move onto
        the device at each call (offloaded weights), 0 when they are resident. By default: nothing to do."""
        return 0

    def upscale_condition(self, x0: torch.Tensor, noise_level: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """Stage II's condition image for stage-I outputs x0 at noise level `noise_level` (spec.upscale_size²)."""
        raise NotImplementedError(f"model {self.spec.id!r} has no stage II")

    def upscale_x4(
        self,
        x: torch.Tensor,
        prompt: str,
        rng: torch.Generator,
        *,
        steps: int,
        guidance: float,
        noise_level: int,
        **identity: Any,
    ) -> torch.Tensor:
        """Stage III: x (1, C, S, S) in [-1, 1] → (1, C, 4S, 4S), conditioned on `prompt` ("" for none), with the
        settings spec.stage3_key() pins (`identity`: the rest of that key)."""
        raise NotImplementedError(f"model {self.spec.id!r} has no stage III")

    def free(self) -> None:
        """Return the memory the weights hold (nothing by default)."""
        return None


class ModelUnavailable(GalleryError):
    """The model cannot be used here as configured; the message says why and what to do."""

    exit_code = EXIT_MODEL_UNAVAILABLE


@dataclass(frozen=True)
class ModelSpec:
    """A model known by name, before any weights are touched."""

    id: str  # preset name used in recipes, e.g. "deepfloyd-if", "digits"
    revision: str  # part of every job key: a hub revision or a hash of local weights
    image_size: int  # stage I resolution
    channels: int  # 3 for RGB, 1 for digits
    scheduler_config: dict[str, Any] = field(default_factory=dict)  # diffusers DDPMScheduler config
    upscale_size: int | None = None  # stage II resolution, if the model has one
    description: str = ""  # shown on the site next to every image it made
    prompt_help: str = ""  # what prompts it understands, for error messages
    upscale_scheduler_config: dict[str, Any] = field(default_factory=dict)  # stage II's scheduler, if any
    dtype: str = "fp32"  # what the weights compute in (fp16 / bf16 / fp32): it changes the pixels
    reference_dtype: str = "fp32"  # the dtype a key leaves unsaid (keys made before dtypes were a choice)
    needs_gpu: ClassVar[bool] = False  # its figures are made on a GPU machine (a CPU would take hours)

    def build_command(self, book: str, figure: str | None = None) -> str:
        """The command that makes this model's pending figures of `book` (or of one `figure` of it): the project's
        own `make gallery` where the model runs anywhere; else a build of just those, for a machine that has what
        the model needs."""
        if not self.needs_gpu:
            return "make gallery"
        return f".venv/bin/gallery build --book {book}" + (f" --figure {figure}" if figure else "")

    def key(self) -> dict[str, str]:
        """The model's part of a job key: id, revision and, when not the reference, the dtype."""
        key = {"id": self.id, "revision": self.revision}
        return key if self.dtype == self.reference_dtype else {**key, "dtype": self.dtype}

    def upscale_key(self) -> dict[str, str] | None:
        """Stage II's identity, for the keys of jobs that upscale; None: this model has no stage II."""
        return None

    def stage2_key(self) -> dict[str, str] | None:
        """`upscale_key()` when the model has a stage II (a size and an identity), else None."""
        return self.upscale_key() if self.upscale_size else None

    def stage3_key(self) -> dict[str, Any] | None:
        """Stage III's identity and settings (a ×4 upscaler after stage II), or None: the model has none."""
        return None

    def plan_lines(
        self, device: str, memory: int | None, needs_stage2: bool = False, needs_stage3: bool = False
    ) -> list[str]:
        """What a run would use on `device` with `memory` bytes (`gallery plan --device … --memory …`)."""
        return [f"dtype {self.dtype}; small weights, always resident; batch from the free memory"]

    def check_prompt(self, prompt: str) -> None:
        """Raise ValueError (saying what the model understands) for a prompt it cannot take; any text by default."""

    def unavailable(
        self,
        *,
        needs_stage2: bool = False,
        prompts: Sequence[str] = (),
        store_root: str | Path | None = None,
        device: str | None = None,
        needs_stage3: bool = False,
    ) -> str | None:
        """Why this model cannot run here (no GPU, no weights, gated, offline…) and what to do; None if it can.

        Cheap and side-effect free: it runs before any work starts, and nothing is written when it fails.
        """
        return None

    def load(self, device: str | torch.device | None = None, store_root: str | Path | None = None) -> Backend:
        raise NotImplementedError(f"model {self.id!r} cannot be loaded here")
