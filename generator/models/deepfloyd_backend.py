"""The loaded DeepFloyd IF cascade: its UNets in the spec's dtype, each loaded on first use and kept on the device
as the memory mode says (hardware.py); T5 loaded only to fill the embedding cache, where the device allows, and
freed before the UNets load; stage II's noised, upsampled condition; stage III through diffusers'
StableDiffusionUpscalePipeline. See deepfloyd.py for the contract with the engine.

This module reads a spec through `IFSpec` (what it needs of deepfloyd.DeepFloydSpec) and never imports
deepfloyd.py, which imports this module only to load: the two stay out of an import cycle.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Protocol, Sequence, cast

import torch
import torch.nn.functional as F

from generator.diffusion.schedule import add_noise, alphas_cumprod
from generator.models.base import Backend
from generator.models.deepfloyd_arch import T5_XXL_PARAMS, T5_XXL_WO_PARAMS
from generator.models.embeddings import (
    EmbeddingCache,
    NonFiniteEmbeddings,
    embedding_cache,
    ensure_embeddings,
    free_memory,
)
from generator.models.hardware import MemoryPlan, bf16_fast, encoder_placement, torch_dtype, total_bytes
from generator.models.weights import SCHEDULERS, Part, local_variant


log = logging.getLogger(__name__)


class IFSpec(Protocol):
    """What the backend reads of a DeepFloyd IF spec (deepfloyd.DeepFloydSpec, a frozen dataclass)."""

    @property
    def id(self) -> str: ...
    @property
    def image_size(self) -> int: ...
    @property
    def upscale_size(self) -> int | None: ...
    @property
    def dtype(self) -> str: ...
    @property
    def memory_mode(self) -> str: ...
    @property
    def memory(self) -> int | None: ...
    @property
    def embedding_family(self) -> str: ...
    @property
    def noising_scheduler_config(self) -> dict[str, Any]: ...

    def part(self, kind: str, stage: int = 1) -> Part: ...

    def plan(
        self, memory: int, needs_stage2: bool = True, needs_stage3: bool = False, device: str = "cuda"
    ) -> MemoryPlan: ...


def upscale_condition(
    x0: torch.Tensor, noise_level: torch.Tensor, noise: torch.Tensor, alpha_bar: torch.Tensor, size: int
) -> torch.Tensor:
    """Stage II's condition: x0 resized bilinearly (corners aligned) to size², then noised to
    `noise_level`: √ᾱ x + √(1−ᾱ) ε with the image-noising schedule (as IFSuperResolutionPipeline)."""
    up = F.interpolate(x0, (size, size), mode="bilinear", align_corners=True)
    a = alpha_bar.to(up.device, up.dtype)[noise_level.to(up.device)].view(-1, 1, 1, 1)
    return add_noise(up, noise.to(up), a)


def memory_mode(spec: IFSpec, device: torch.device) -> str:
    """The spec's memory mode, or for auto the plan's for this device's memory (or the --memory given)."""
    if spec.memory_mode != "auto":
        return spec.memory_mode
    return spec.plan(spec.memory or total_bytes(device), device=device.type).mode


class DeepFloydBackend(Backend):
    """Loaded DeepFloyd IF: UNets in the spec's dtype, loaded on first use; stage → UNet in `_unets`."""

    spec: IFSpec  # type: ignore[assignment]   # a DeepFloydSpec, read through IFSpec (no import cycle)

    def __init__(
        self,
        spec: IFSpec,
        device: torch.device,
        store_root: str | Path = "store",
        unet: torch.nn.Module | None = None,
        unet2: torch.nn.Module | None = None,
    ):
        self.spec, self.device = spec, device
        self.dtype = torch_dtype(spec.dtype)
        self.cache: EmbeddingCache = embedding_cache(store_root, spec.embedding_family)
        self._unets: dict[int, torch.nn.Module] = {s: u for s, u in ((1, unet), (2, unet2)) if u is not None}
        self._hooks: dict[int, Any] = {}  # offload mode: stage → accelerate's hook
        self._upscaler: Any = None  # stage III's pipeline, loaded on first use
        self.mode = memory_mode(spec, device)
        self.memory_limit = spec.memory
        if spec.memory and device.type == "cuda":  # rehearse a smaller card: the allocator stops there
            torch.cuda.set_per_process_memory_fraction(min(1.0, spec.memory / total_bytes(device)), device)
        self.noising_alpha_bar = alphas_cumprod(spec.noising_scheduler_config)
        self.batch_buckets: tuple[int, ...] | None = None  # set by compile(); the engine pads calls up to one
        self._compile = False

    # ------------------------------------------------------------------------------------------ weights

    @property
    def unet(self) -> torch.nn.Module:
        return self.stage_unet(1)

    @property
    def unet2(self) -> torch.nn.Module:
        return self.stage_unet(2)

    def stage_unet(self, stage: int) -> torch.nn.Module:
        """Stage 1 or 2's UNet, loaded on first use. Sequential: the other stages are freed first; offload:
        the other stages' UNets go back to the CPU (accelerate's model CPU offload)."""
        if stage not in self._unets:
            if self.mode == "sequential":
                self.free()
            self._unets[stage] = self._load_unet(stage)
        for other, hook in self._hooks.items():
            if other != stage:
                hook.offload()
        return self._unets[stage]

    def _load_unet(self, stage: int) -> torch.nn.Module:
        part = self.spec.part("unet", stage)
        if self.mode != "offload":
            return self._compiled(load_unet(part, self.device, self.dtype))
        from accelerate import cpu_offload_with_hook

        unet, self._hooks[stage] = cpu_offload_with_hook(load_unet(part, torch.device("cpu"), self.dtype), self.device)
        return unet

    def ready_for(self, sample_shape: tuple[int, ...]) -> int:
        """Load the UNet for inputs of this side (stage II at spec.upscale_size); the bytes an offloaded UNet
        still has to bring onto the device, so that the engine sizes the batch with them counted."""
        unet = self.stage_unet(2 if sample_shape[-1] == self.spec.upscale_size else 1)
        parameter = next(unet.parameters())
        if self.mode != "offload" or parameter.device.type == self.device.type:
            return 0
        return sum(p.numel() * p.element_size() for p in unet.parameters())

    def compile(self, buckets: Sequence[int] = (2, 4, 8, 16, 32, 48, 64)) -> None:
        """torch.compile the UNets for fixed batch sizes: the engine pads every call up to a bucket, so each
        bucket compiles once (1×1 convolutions as matmuls, as measured fastest on H100/H200)."""
        import torch._inductor.config as inductor

        if self.mode == "offload":
            raise ValueError("torch.compile and model CPU offload do not mix: use memory mode resident or sequential")
        inductor.conv_1x1_as_mm = True
        compiled_already, self.batch_buckets, self._compile = self._compile, tuple(sorted(buckets)), True
        if not compiled_already:
            self._unets = {stage: self._compiled(unet) for stage, unet in self._unets.items()}

    def _compiled(self, unet: torch.nn.Module) -> torch.nn.Module:
        return cast(torch.nn.Module, torch.compile(unet, dynamic=False)) if self._compile else unet

    def free(self) -> None:
        """Drop every stage's weights and return their memory."""
        self._unets, self._hooks, self._upscaler = {}, {}, None
        free_memory()

    # ------------------------------------------------------------------------------------------ calls

    def encode(self, prompts: list[str]) -> dict[str, torch.Tensor]:
        """{prompt: (77, 4096)} in the UNets' dtype (one dtype, so the engine can pack any prompts together),
        from the cache; T5 is loaded (and freed) only to fill what is missing, and where its fp16 run gives
        non-finite embeddings they are encoded again on the CPU in bf16. Where T5 runs: hardware.encoder_placement
        (bf16 on the GPU where the card has it, fp16 with fp32 `wo` where not, the CPU where it does not fit)."""
        if (self._unets or self._upscaler is not None) and self.cache.missing(prompts):
            log.warning("loading T5 while the UNets are resident: encode prompts before the first predict")
        where, dtype = encoder_placement(
            self.device.type,
            self.memory_limit or total_bytes(self.device),
            bf16_fast(self.device),
            self.spec.dtype,
            T5_XXL_PARAMS,
            T5_XXL_WO_PARAMS,
        )
        device = self.device if where == self.device.type else torch.device("cpu")
        try:
            found = ensure_embeddings(prompts, self.cache, lambda: load_t5(self.spec, device, torch_dtype(dtype)))
        except NonFiniteEmbeddings as exc:
            log.warning("%s; encoding them again on the CPU in bf16", exc)
            found = ensure_embeddings(
                prompts, self.cache, lambda: load_t5(self.spec, torch.device("cpu"), torch.bfloat16)
            )
        return {p: emb.to(self.dtype) for p, emb in found.items()}

    @torch.no_grad()
    def predict(
        self,
        x_t: torch.Tensor,
        t: torch.Tensor,
        emb: torch.Tensor,
        image: torch.Tensor | None = None,
        noise_level: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(ε̂, learned-range variance), each shaped like x_t; stage II when `image` (its condition) is given."""
        if image is None:
            unet, sample, labels = self.stage_unet(1), x_t, None
        elif noise_level is None:
            raise ValueError("stage II needs the noise level its condition image was noised to")
        else:
            unet, sample, labels = (
                self.stage_unet(2),
                torch.cat([x_t, image.to(x_t)], dim=1),
                noise_level.to(self.device),
            )
        out = unet(
            sample.to(self.device, self.dtype),
            t.to(self.device),
            encoder_hidden_states=emb.to(self.device, self.dtype),
            class_labels=labels,
            return_dict=False,
        )[0]
        eps, var = out.to(x_t.dtype).split(x_t.shape[1], dim=1)
        return eps, var

    def upscale_condition(self, x0: torch.Tensor, noise_level: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """Stage II's condition image for stage-I outputs x0 (B, 3, 64, 64); `noise` is (B, 3, 256, 256)."""
        return upscale_condition(x0, noise_level, noise, self.noising_alpha_bar, self.spec.upscale_size or 256)

    @torch.no_grad()
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
        """Stage III: a stage-II image (1, 3, S, S) in [-1, 1] → (1, 3, 4S, 4S) by StableDiffusionUpscalePipeline
        (its VAE decodes in tiles, so 1024² fits beside the rest), noise drawn from `rng` (a CPU generator)."""
        pipe = self.upscaler()
        out = pipe(
            prompt=[prompt],
            image=((x.float() + 1) / 2).clamp(0, 1).to(self.device),
            generator=rng,
            num_inference_steps=steps,
            guidance_scale=guidance,
            noise_level=noise_level,
            output_type="pt",
        ).images
        return (out.float() * 2 - 1).to(x.device)

    def upscaler(self) -> Any:
        """Stage III's pipeline, loaded on first use: beside the UNets when resident; after freeing them when
        sequential; with offload, the UNets go back to host RAM and the pipeline uses diffusers' own model CPU
        offload (each of its models on the device only while it runs)."""
        for hook in self._hooks.values():
            hook.offload()
        if self._upscaler is None:
            if self.mode == "sequential":
                self.free()
            self._upscaler = load_upscaler(self.spec, self.device, self.dtype, offload=self.mode == "offload")
        return self._upscaler


# ---------------------------------------------------------------------------------------------- loading


def _source(part: Part) -> tuple[str, dict[str, Any]]:
    """`from_pretrained`'s first argument and keywords for one part: the Hub in fp16, or a local copy."""
    if part.kind in ("tokenizer", *SCHEDULERS):
        return part.path or part.repo, {"subfolder": part.kind, **({} if part.path else {"revision": part.revision})}
    if part.path:
        return part.path, {"subfolder": part.kind, "variant": local_variant(part.path, part.kind)}
    return part.repo, {"subfolder": part.kind, "revision": part.revision, "variant": "fp16"}


def load_part(cls: Any, part: Part, dtype: torch.dtype | None = None) -> Any:
    """`cls.from_pretrained` for one part, in `dtype` (a model) or as it is (a tokenizer or scheduler)."""
    source, kwargs = _source(part)
    if dtype is not None:
        import transformers

        if issubclass(cls, transformers.PreTrainedModel) and int(transformers.__version__.split(".")[0]) >= 5:
            kwargs["dtype"] = dtype
        else:
            kwargs["torch_dtype"] = dtype
    return cls.from_pretrained(source, **kwargs)


def load_unet(part: Part, device: torch.device, dtype: torch.dtype) -> torch.nn.Module:
    from diffusers import UNet2DConditionModel

    return load_part(UNet2DConditionModel, part, dtype).to(device).eval()


def load_t5(spec: IFSpec, device: torch.device, dtype: torch.dtype) -> tuple[Any, torch.nn.Module]:
    """IF's tokenizer and T5 encoder on `device` in `dtype` (t5_placement's choice)."""
    from transformers import AutoTokenizer, T5EncoderModel

    tokenizer = load_part(AutoTokenizer, spec.part("tokenizer"))
    return tokenizer, load_part(T5EncoderModel, spec.part("text_encoder"), dtype).to(device).eval()


def load_upscaler(spec: IFSpec, device: torch.device, dtype: torch.dtype, offload: bool = False) -> Any:
    """StableDiffusionUpscalePipeline from its parts, each through `load_part` (Hub or local copy), with no
    safety checker or watermarker (we work in tensors) and its VAE decoding in tiles; on `device`, or with
    `offload` kept in host RAM and moved there model by model (diffusers' enable_model_cpu_offload)."""
    from diffusers import AutoencoderKL, StableDiffusionUpscalePipeline, UNet2DConditionModel
    from transformers import AutoTokenizer, CLIPTextModel

    def part(kind: str) -> Part:
        return spec.part(kind, stage=3)

    pipe: Any = StableDiffusionUpscalePipeline(
        vae=load_part(AutoencoderKL, part("vae"), dtype),
        text_encoder=load_part(CLIPTextModel, part("text_encoder"), dtype),
        tokenizer=load_part(AutoTokenizer, part("tokenizer")),
        unet=load_part(UNet2DConditionModel, part("unet"), dtype),
        low_res_scheduler=load_scheduler(part("low_res_scheduler")),
        scheduler=load_scheduler(part("scheduler")),
        safety_checker=None,
        feature_extractor=None,
        watermarker=None,
    )
    pipe.vae.enable_tiling()
    pipe.set_progress_bar_config(disable=True)
    if offload and device.type != "cpu":
        pipe.enable_model_cpu_offload(device=device)
        return pipe
    return pipe.to(device)


def load_scheduler(part: Part) -> Any:
    """A scheduler of the class its config names (`_class_name`), from the Hub or a local copy."""
    import diffusers

    source, kwargs = _source(part)
    config = diffusers.DDPMScheduler.load_config(source, **kwargs)  # any scheduler class reads the file
    return getattr(diffusers, config["_class_name"]).from_config(config)
