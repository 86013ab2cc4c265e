"""The small protocol every model backend speaks, and the spec that names a model without loading it.

A `ModelSpec` is what recipes and job keys see: an id, a revision, the image size and the scheduler config
(enough for model-free modes such as `forward`, which need ᾱ but no weights). `spec.load()` gives a
`Backend`, which the engine drives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Sequence

if TYPE_CHECKING:
    import torch




class Backend(Protocol):
    """A loaded diffusion model: prompts → embeddings, (x_t, t, embeddings) → noise estimate."""

    spec: "ModelSpec"
    device: torch.device

    def encode(self, prompts: list[str]) -> dict[str, torch.Tensor]:
        """Embeddings per prompt (cached on disk per model and prompt where encoding is costly)."""

    def predict(
        self, x_t: torch.Tensor, t: torch.Tensor, emb: torch.Tensor, **cond: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """ε̂ of shape x_t.shape and the learned-range variance channels (None for fixed variance).

        x_t: (B, C, H, W); t: (B,) long, one timestep per sample; emb: (B, …) stacked embeddings.
        """


class ModelUnavailable(RuntimeError):
    """The model cannot be used here as configured; the message says why and what to do."""


@dataclass(frozen=True)
class ModelSpec:
    """A model known by name, before any weights are touched."""

    id: str                          # preset name used in recipes, e.g. "deepfloyd-if", "digits"
    revision: str                    # part of every job key: a hub revision or a hash of local weights
    image_size: int                  # stage I resolution
    channels: int                    # 3 for RGB, 1 for digits
    scheduler_config: dict[str, Any] = field(default_factory=dict)   # diffusers DDPMScheduler config
    upscale_size: int | None = None  # stage II resolution, if the model has one
    description: str = ""            # shown on the site next to every image it made
    prompt_help: str = ""            # what prompts it understands, for error messages

    def key(self) -> dict[str, str]:
        return {"id": self.id, "revision": self.revision}

    def check_prompt(self, prompt: str) -> None:
        """Raise ValueError (saying what the model understands) for a prompt it cannot take; any text by default."""

    def unavailable(self, *, needs_stage2: bool = False, prompts: Sequence[str] = (),
                    store_root: Path | None = None, device: str | None = None) -> str | None:
        """Why this model cannot run here (no GPU, no weights, gated, offline…) and what to do; None if it can.

        Cheap and side-effect free: it runs before any work starts, and nothing is written when it fails.
        """
        return None

    def load(self, device: str | torch.device | None = None, store_root: Path | None = None) -> Backend:
        raise NotImplementedError(f"model {self.id!r} cannot be loaded here")
