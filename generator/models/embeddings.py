"""Prompt embeddings: an on-disk cache keyed by sha256(prompt), T5 encoding done the way diffusers'
`IFPipeline.encode_prompt` does it, and import of the course's `prompt_embeds_dict.pth`.

Layout: <store_root>/embeddings/<family>/<sha256(prompt)>.safetensors, one tensor "prompt_embeds" of shape
(77, D) and the prompt in the file's metadata. Files are written to a temporary name and `os.replace`d into
place, so readers never see half a file and several processes may fill the cache at once.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from generator.errors import EXIT_ENVIRONMENT, GalleryError
from generator.fileops import replace_file
from generator.jobs import sha256_hex


if TYPE_CHECKING:  # torch is imported where tensors are touched: a spec's cache look-ups stay light
    import torch

MAX_TOKENS = 77  # IF's T5 was trained on 77-token captions (IFPipeline.encode_prompt pads to this)
TENSOR_NAME = "prompt_embeds"


class CorruptCache(GalleryError, ValueError):
    """A cache file that cannot be read (truncated, not safetensors, another prompt's)."""

    exit_code = EXIT_ENVIRONMENT

    def __init__(self, path: Path, why: str):
        super().__init__(
            f"corrupt embedding cache file {path} ({why}); delete it and rerun: the prompt is encoded again"
        )


@dataclass(frozen=True)
class EmbeddingCache:
    """One model family's prompt embeddings under `root` (= <store_root>/embeddings/<family>)."""

    root: Path

    def path(self, prompt: str) -> Path:
        return self.root / f"{sha256_hex(prompt)}.safetensors"

    def get(self, prompt: str) -> torch.Tensor | None:
        """The stored (77, D) embedding, or None when this prompt was never encoded."""
        from safetensors import safe_open

        path = self.path(prompt)
        if not path.exists():
            return None
        try:
            with safe_open(str(path), framework="pt") as f:
                stored = (f.metadata() or {}).get("prompt")
                tensor = f.get_tensor(TENSOR_NAME) if stored == prompt else None
        except Exception as exc:  # noqa: BLE001 — safetensors raises its own error types
            raise CorruptCache(path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
        if tensor is None:
            raise CorruptCache(path, f"it holds the embedding of {stored!r}, not {prompt!r}")
        return tensor

    def put(self, prompt: str, emb: torch.Tensor) -> Path:
        """Store one (77, D) embedding atomically (fileops.replace_file)."""
        from safetensors.torch import save

        if emb.dim() == 3 and emb.shape[0] == 1:
            emb = emb[0]
        if emb.dim() != 2:
            raise ValueError(f"embedding of {prompt!r} has shape {tuple(emb.shape)}; expected (tokens, dim)")
        path = self.path(prompt)
        replace_file(path, save({TENSOR_NAME: emb.detach().cpu().contiguous()}, metadata={"prompt": prompt}))
        return path

    def missing(self, prompts: Iterable[str]) -> list[str]:
        """Prompts with no stored embedding, first occurrence order, without duplicates."""
        return [p for p in dict.fromkeys(prompts) if not self.path(p).exists()]


class NonFiniteEmbeddings(ValueError):
    """The encoder gave inf or NaN (T5 in fp16 can overflow): nothing of that batch was cached."""


def embedding_cache(store_root: str | Path, family: str) -> EmbeddingCache:
    return EmbeddingCache(Path(store_root) / "embeddings" / family)


def preprocess(prompt: str) -> str:
    """IFPipeline's caption preprocessing without `clean_caption`: lower case, outer whitespace stripped."""
    return prompt.lower().strip()


def encode_t5(prompts: Sequence[str], tokenizer: Any, text_encoder: torch.nn.Module) -> torch.Tensor:
    """(B, 77, D) T5 hidden states: padded to 77 tokens, truncated, EOS added, padding masked out."""
    import torch

    tokens = tokenizer(
        [preprocess(p) for p in prompts],
        padding="max_length",
        max_length=MAX_TOKENS,
        truncation=True,
        add_special_tokens=True,
        return_attention_mask=True,
        return_tensors="pt",
    )
    device = next(text_encoder.parameters()).device
    with torch.no_grad():
        out = text_encoder(tokens.input_ids.to(device), attention_mask=tokens.attention_mask.to(device))
    return out[0]


def free_memory() -> None:
    """Return freed tensors' memory: Python garbage first, then the CUDA (or MPS) caching allocator's blocks."""
    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    elif torch.backends.mps.is_available():
        torch.mps.empty_cache()


def ensure_embeddings(
    prompts: Iterable[str],
    cache: EmbeddingCache,
    load_encoder: Callable[[], tuple[Any, torch.nn.Module]],
    batch_size: int = 32,
) -> dict[str, torch.Tensor]:
    """Every prompt's (77, D) embedding; the encoder is loaded only if one is missing, then freed. A batch with
    a non-finite embedding raises NonFiniteEmbeddings before any of it is cached."""
    import torch

    prompts = list(dict.fromkeys(prompts))
    missing = cache.missing(prompts)
    if missing:
        tokenizer, text_encoder = load_encoder()
        try:
            for i in range(0, len(missing), batch_size):
                chunk = missing[i : i + batch_size]
                embs = encode_t5(chunk, tokenizer, text_encoder)
                if not torch.isfinite(embs).all():
                    dtype = next(text_encoder.parameters()).dtype
                    raise NonFiniteEmbeddings(
                        f"the text encoder ({dtype}) gave non-finite embeddings for {len(chunk)} prompt(s)"
                    )
                for prompt, emb in zip(chunk, embs):
                    cache.put(prompt, emb)
        finally:
            del tokenizer, text_encoder
            free_memory()
    return {p: _require(cache, p) for p in prompts}


def _require(cache: EmbeddingCache, prompt: str) -> torch.Tensor:
    emb = cache.get(prompt)
    if emb is None:
        raise FileNotFoundError(f"embedding of {prompt!r} vanished from {cache.root} while in use")
    return emb


def import_prompt_embeds(source: str | Path, cache: EmbeddingCache) -> list[str]:
    """Copy a course-style `prompt_embeds_dict.pth` (dict prompt → [1, 77, D]) into the cache."""
    import torch

    table = torch.load(source, map_location="cpu", weights_only=True)
    if not isinstance(table, dict) or not all(isinstance(k, str) for k in table):
        raise ValueError(f"{source}: expected a dict mapping prompt strings to [1, 77, D] tensors")
    for prompt, emb in table.items():
        if not isinstance(emb, torch.Tensor) or emb.dim() < 2 or emb.shape[-2] != MAX_TOKENS:
            shape = tuple(emb.shape) if isinstance(emb, torch.Tensor) else type(emb).__name__
            raise ValueError(f"{source}: entry {prompt!r} is {shape}; expected a [1, {MAX_TOKENS}, D] tensor")
        cache.put(prompt, emb)
    return list(table)
