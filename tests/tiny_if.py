"""Tiny random-weight DeepFloyd IF models, built offline and saved in the Hub's folder layout.

Same diffusers/transformers classes as the real models (UNet2DConditionModel with IF's block types,
T5EncoderModel, a T5-style Unigram tokenizer, DDPMScheduler), scaled right down (16² → 64² instead of
64² → 256²), so the real loading path (`model_spec(..., path=…)`) and the diffusers pipelines can both run
them on a CPU in seconds.

    root = tiny_if_dir()       # built once per test process, reused by every test module
    root / "stage1"            # unet/, scheduler/, text_encoder/, tokenizer/  (like IF-I-*-v1.0)
    root / "stage2"            # unet/, scheduler/, image_noising_scheduler/   (like IF-II-L-v1.0)
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import torch

from generator.models.deepfloyd import NOISING_SCHEDULER, STAGE_I_SCHEDULER, STAGE_II_SCHEDULER
from generator.models.deepfloyd_arch import TINY_STAGE1_UNET, TINY_STAGE2_UNET
from generator.models.deepfloyd_arch import TINY_T5_DIM as T5_DIM

__all__ = ["T5_DIM", "TINY_STAGE1_UNET", "TINY_STAGE2_UNET", "build_tiny_if", "tiny_if_dir", "tiny_text_encoder",
           "tiny_tokenizer"]

_WORDS = ("a an of the photo oil painting snowy mountain village amalfi cost man hipster barista dog people "
          "around campfire old lithograph waterfalls skull wearing hat high quality rocket ship pencil").split()


def tiny_tokenizer():
    """A T5 Unigram tokenizer over the course prompts' words and single characters, built without files."""
    from tokenizers import Tokenizer, decoders, pre_tokenizers
    from tokenizers.models import Unigram
    from tokenizers.processors import TemplateProcessing
    from transformers import PreTrainedTokenizerFast

    chars = "abcdefghijklmnopqrstuvwxyz0123456789'.,!?-"
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    vocab += [(f"▁{w}", -5.0) for w in _WORDS] + [(c, -10.0) for c in chars] + [(f"▁{c}", -10.0) for c in chars]
    backend = Tokenizer(Unigram(vocab, unk_id=2, byte_fallback=False))
    backend.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")])
    backend.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    backend.post_processor = TemplateProcessing(single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", 1)])
    return PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
                                   model_max_length=512)


def tiny_text_encoder():
    from transformers import T5Config, T5EncoderModel

    config = T5Config(vocab_size=128, d_model=T5_DIM, d_kv=8, d_ff=64, num_layers=2, num_heads=4,
                      relative_attention_num_buckets=8, feed_forward_proj="gated-gelu", dropout_rate=0.0,
                      pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    return T5EncoderModel(config).eval()


def build_tiny_if(root: Path, seed: int = 0) -> Path:
    """Save tiny stage I and stage II models under root/stage1 and root/stage2; return root."""
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
    return root


@functools.cache
def tiny_if_dir() -> Path:
    """The tiny models, built once per process into a temporary directory removed at exit."""
    root = Path(tempfile.mkdtemp(prefix="tiny-if-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return build_tiny_if(root)
