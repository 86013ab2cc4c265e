"""Tiny random-weight DeepFloyd IF models, built offline and saved in the Hub's folder layout.

Same diffusers/transformers classes as the real models (UNet2DConditionModel with IF's block types,
T5EncoderModel, a T5-style Unigram tokenizer, DDPMScheduler), scaled right down (16² → 64² instead of
64² → 256²), so the real loading path (`model_spec(..., path=…)`) and the diffusers pipelines can both run
them on a CPU in seconds.

    root = tiny_if_dir()       # built once per test process, reused by every test module
    root / "stage1"            # unet/, scheduler/, text_encoder/, tokenizer/  (like IF-I-*-v1.0)
    root / "stage2"            # unet/, scheduler/, image_noising_scheduler/   (like IF-II-L-v1.0)
    root / "stage3"            # unet/, vae/, text_encoder/, tokenizer/, scheduler/, low_res_scheduler/
                               #   (like stabilityai/stable-diffusion-x4-upscaler: 64² → 256² here)
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path
from typing import Sequence

import torch

from generator.models.deepfloyd import NOISING_SCHEDULER, STAGE_I_SCHEDULER, STAGE_II_SCHEDULER
from generator.models.deepfloyd_arch import (
    TINY_STAGE1_UNET,
    TINY_STAGE2_UNET,
    TINY_UPSCALER_TEXT_ENCODER,
    TINY_UPSCALER_UNET,
    TINY_UPSCALER_VAE,
)
from generator.models.deepfloyd_arch import TINY_T5_DIM as T5_DIM


__all__ = [
    "T5_DIM",
    "TINY_STAGE1_UNET",
    "TINY_STAGE2_UNET",
    "build_tiny_if",
    "build_tiny_upscaler",
    "tiny_if_dir",
    "tiny_text_encoder",
    "tiny_tokenizer",
    "tiny_clip_tokenizer",
]

_WORDS = (
    "a an of the photo oil painting snowy mountain village amalfi cost man hipster barista dog people "
    "around campfire old lithograph waterfalls skull wearing hat high quality rocket ship pencil"
).split()


def tiny_tokenizer(words: Sequence[str] = _WORDS):
    """A T5 Unigram tokenizer over `words` (default: the course prompts') and single characters, built without
    files; its few hundred ids fit any T5 vocabulary (the tiny one's 128 with the default words, T5-XXL's 32128)."""
    from tokenizers import Tokenizer, decoders, pre_tokenizers
    from tokenizers.models import Unigram
    from tokenizers.processors import TemplateProcessing
    from transformers import PreTrainedTokenizerFast

    chars = "abcdefghijklmnopqrstuvwxyz0123456789'.,!?-"
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    vocab += (
        [(f"▁{w}", -5.0) for w in dict.fromkeys(words)]
        + [(c, -10.0) for c in chars]
        + [(f"▁{c}", -10.0) for c in chars]
    )
    backend = Tokenizer(Unigram(vocab, unk_id=2, byte_fallback=False))
    backend.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")]
    )
    backend.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    backend.post_processor = TemplateProcessing(single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", 1)])
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token="<pad>", eos_token="</s>", unk_token="<unk>", model_max_length=512
    )


def tiny_text_encoder():
    from transformers import T5Config, T5EncoderModel

    config = T5Config(
        vocab_size=128,
        d_model=T5_DIM,
        d_kv=8,
        d_ff=64,
        num_layers=2,
        num_heads=4,
        relative_attention_num_buckets=8,
        feed_forward_proj="gated-gelu",
        dropout_rate=0.0,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
    )
    return T5EncoderModel(config).eval()


def tiny_clip_tokenizer():
    """A CLIP BPE tokenizer whose vocabulary is single characters (no merges), written and read from files:
    ids 0–83 the characters (and with '</w>' at a word's end), 84 start, 85 end (also the padding)."""
    import json

    from transformers import CLIPTokenizer

    chars = list("abcdefghijklmnopqrstuvwxyz0123456789'.,!?-")
    tokens = chars + [f"{c}</w>" for c in chars] + ["<|startoftext|>", "<|endoftext|>"]
    folder = Path(tempfile.mkdtemp(prefix="tiny-clip-"))
    try:
        (folder / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(tokens)}))
        (folder / "merges.txt").write_text("#version: 0.2\n")
        return CLIPTokenizer(
            str(folder / "vocab.json"), str(folder / "merges.txt"), model_max_length=77, pad_token="<|endoftext|>"
        )
    finally:
        shutil.rmtree(folder)


def build_tiny_upscaler(folder: Path, seed: int = 0) -> Path:
    """A tiny ×4 upscaler in stabilityai/stable-diffusion-x4-upscaler's layout (same classes, random weights)."""
    from diffusers import AutoencoderKL, DDIMScheduler, DDPMScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(seed)
    UNet2DConditionModel(**TINY_UPSCALER_UNET).save_pretrained(folder / "unet")
    AutoencoderKL(**TINY_UPSCALER_VAE).save_pretrained(folder / "vae")
    CLIPTextModel(CLIPTextConfig(**TINY_UPSCALER_TEXT_ENCODER)).save_pretrained(folder / "text_encoder")
    tiny_clip_tokenizer().save_pretrained(folder / "tokenizer")
    DDIMScheduler(prediction_type="v_prediction", beta_schedule="scaled_linear").save_pretrained(folder / "scheduler")
    DDPMScheduler(beta_schedule="scaled_linear").save_pretrained(folder / "low_res_scheduler")
    return folder


def build_tiny_if(root: Path, seed: int = 0) -> Path:
    """Save tiny stage I, II and III models under root/stage1, root/stage2 and root/stage3; return root."""
    from diffusers import DDPMScheduler, UNet2DConditionModel

    torch.manual_seed(seed)
    stage1, stage2 = root / "stage1", root / "stage2"
    UNet2DConditionModel(**TINY_STAGE1_UNET).save_pretrained(stage1 / "unet")
    DDPMScheduler(**STAGE_I_SCHEDULER).save_pretrained(stage1 / "scheduler")
    tiny_text_encoder().save_pretrained(stage1 / "text_encoder")
    tiny_tokenizer().save_pretrained(stage1 / "tokenizer")
    UNet2DConditionModel(**TINY_STAGE2_UNET).save_pretrained(stage2 / "unet")
    DDPMScheduler(**STAGE_II_SCHEDULER).save_pretrained(stage2 / "scheduler")
    DDPMScheduler(**NOISING_SCHEDULER).save_pretrained(stage2 / "image_noising_scheduler")
    build_tiny_upscaler(root / "stage3", seed)
    return root


@functools.cache
def tiny_if_dir() -> Path:
    """The tiny models, built once per process into a temporary directory removed at exit."""
    root = Path(tempfile.mkdtemp(prefix="tiny-if-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return build_tiny_if(root)
