"""The loaded DeepFloyd IF model: fp16 UNets on CUDA (fp32 on the CPU) loaded on first use, T5 loaded only to
fill the embedding cache and freed before the UNets load, and stage II's noised, upsampled condition.
See deepfloyd.py for the contract with the engine.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import torch
import torch.nn.functional as F

from generator.diffusion.schedule import add_noise, alphas_cumprod
from generator.models.base import Backend
from generator.models.embeddings import EmbeddingCache, embedding_cache, ensure_embeddings, free_memory
from generator.models.weights import Part, local_variant

if TYPE_CHECKING:
    from generator.models.deepfloyd import DeepFloydSpec

log = logging.getLogger(__name__)


def upscale_condition(
    x0: torch.Tensor, noise_level: torch.Tensor, noise: torch.Tensor, alpha_bar: torch.Tensor, size: int
) -> torch.Tensor:
    """Stage II's condition: x0 resized bilinearly (corners aligned) to size², then noised to
    `noise_level`: √ᾱ x + √(1−ᾱ) ε with the image-noising schedule (as IFSuperResolutionPipeline)."""
    up = F.interpolate(x0, (size, size), mode="bilinear", align_corners=True)
    a = alpha_bar.to(up.device, up.dtype)[noise_level.to(up.device)].view(-1, 1, 1, 1)
    return add_noise(up, noise.to(up), a)


class DeepFloydBackend(Backend):
    """Loaded DeepFloyd IF: fp16 UNets on CUDA (fp32 on the CPU), each loaded on first use."""

    def __init__(self, spec: DeepFloydSpec, device: torch.device, store_root: str | Path = "store",
                 unet: torch.nn.Module | None = None, unet2: torch.nn.Module | None = None):
        self.spec, self.device = spec, device
        self.dtype = torch.float16 if device.type == "cuda" else torch.float32
        self.cache: EmbeddingCache = embedding_cache(store_root, spec.embedding_family)
        self._unet, self._unet2 = unet, unet2
        self.noising_alpha_bar = alphas_cumprod(spec.noising_scheduler_config)
        self.batch_buckets: tuple[int, ...] | None = None    # set by compile(); the engine pads calls up to one
        self._compile = False

    @property
    def unet(self) -> torch.nn.Module:
        if self._unet is None:
            self._unet = self._compiled(load_unet(self.spec.part("unet"), self.device, self.dtype))
        return self._unet

    @property
    def unet2(self) -> torch.nn.Module:
        if self._unet2 is None:
            self._unet2 = self._compiled(load_unet(self.spec.part("unet", stage=2), self.device, self.dtype))
        return self._unet2

    def compile(self, buckets: Sequence[int] = (2, 4, 8, 16, 32, 48, 64)) -> None:
        """torch.compile the UNets for fixed batch sizes: the engine pads every call up to a bucket, so each
        bucket compiles once (1×1 convolutions as matmuls, as measured fastest on H100/H200)."""
        import torch._inductor.config as inductor

        inductor.conv_1x1_as_mm = True
        compiled_already, self.batch_buckets, self._compile = self._compile, tuple(sorted(buckets)), True
        if compiled_already:
            return
        self._unet = self._compiled(self._unet) if self._unet is not None else None
        self._unet2 = self._compiled(self._unet2) if self._unet2 is not None else None

    def _compiled(self, unet: torch.nn.Module) -> torch.nn.Module:
        return torch.compile(unet, dynamic=False) if self._compile else unet

    def encode(self, prompts: list[str]) -> dict[str, torch.Tensor]:
        """{prompt: (77, 4096)} in the UNets' dtype (one dtype, so the engine can pack any prompts together),
        from the cache; T5 is loaded (and freed) only to fill what is missing."""
        if (self._unet is not None or self._unet2 is not None) and self.cache.missing(prompts):
            log.warning("loading T5 while the UNets are resident: encode prompts before the first predict")
        found = ensure_embeddings(prompts, self.cache, lambda: load_t5(self.spec, self.device))
        return {p: emb.to(self.dtype) for p, emb in found.items()}

    @torch.no_grad()
    def predict(self, x_t: torch.Tensor, t: torch.Tensor, emb: torch.Tensor,
                image: torch.Tensor | None = None, noise_level: torch.Tensor | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """(ε̂, learned-range variance), each shaped like x_t; stage II when `image` (its condition) is given."""
        if image is None:
            unet, sample, labels = self.unet, x_t, None
        else:
            unet, sample, labels = self.unet2, torch.cat([x_t, image.to(x_t)], dim=1), noise_level.to(self.device)
        out = unet(sample.to(self.device, self.dtype), t.to(self.device),
                   encoder_hidden_states=emb.to(self.device, self.dtype), class_labels=labels, return_dict=False)[0]
        eps, var = out.to(x_t.dtype).split(x_t.shape[1], dim=1)
        return eps, var

    def upscale_condition(self, x0: torch.Tensor, noise_level: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """Stage II's condition image for stage-I outputs x0 (B, 3, 64, 64); `noise` is (B, 3, 256, 256)."""
        return upscale_condition(x0, noise_level, noise, self.noising_alpha_bar, self.spec.upscale_size)

    def free(self) -> None:
        """Drop both UNets and return their memory."""
        self._unet = self._unet2 = None
        free_memory()


def _source(part: Part) -> tuple[str, dict[str, Any]]:
    """`from_pretrained`'s first argument and keywords for one part: the Hub in fp16, or a local copy."""
    if part.kind == "tokenizer":
        return part.path or part.repo, {"subfolder": part.kind, **({} if part.path else {"revision": part.revision})}
    if part.path:
        return part.path, {"subfolder": part.kind, "variant": local_variant(part.path, part.kind)}
    return part.repo, {"subfolder": part.kind, "revision": part.revision, "variant": "fp16"}


def load_unet(part: Part, device: torch.device, dtype: torch.dtype) -> torch.nn.Module:
    from diffusers import UNet2DConditionModel

    source, kwargs = _source(part)
    return UNet2DConditionModel.from_pretrained(source, torch_dtype=dtype, **kwargs).to(device).eval()


def load_t5(spec: DeepFloydSpec, device: torch.device) -> tuple[Any, torch.nn.Module]:
    """IF's tokenizer and T5 encoder: bf16 on CUDA (T5-XXL overflows fp16), fp32 on the CPU."""
    import transformers
    from transformers import AutoTokenizer, T5EncoderModel

    source, kwargs = _source(spec.part("tokenizer"))
    tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
    source, kwargs = _source(spec.part("text_encoder"))
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    dtype_kw = "dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"
    encoder = T5EncoderModel.from_pretrained(source, **kwargs, **{dtype_kw: dtype})
    return tokenizer, encoder.to(device).eval()
