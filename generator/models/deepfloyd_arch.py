"""DeepFloyd IF's UNet architectures as diffusers `UNet2DConditionModel` keyword arguments.

Building one of these with random weights (on `torch.device("meta")` or straight on a GPU) gives the
full-size network — 4.305 B parameters for IF-I-XL, 1.243 B for IF-II-L — so its speed can be measured
without downloading anything. The tiny configs keep every block type and embedding kind but shrink widths,
depths and resolutions (16² → 64² instead of 64² → 256²), for offline tests and `bench --tiny`.
"""

from __future__ import annotations

from typing import Any


_IF_COMMON: dict[str, Any] = {
    "mid_block_type": "UNetMidBlock2DSimpleCrossAttn",
    "encoder_hid_dim": 4096,  # T5-v1.1-XXL hidden size
    "encoder_hid_dim_type": "text_proj",
    "attention_head_dim": 64,
    "addition_embed_type": "text",
    "addition_embed_type_num_heads": 64,
    "resnet_time_scale_shift": "scale_shift",
    "act_fn": "gelu",
    "cross_attention_norm": "group_norm",
}

IF_I_XL_UNET: dict[str, Any] = {
    **_IF_COMMON,
    "sample_size": 64,
    "in_channels": 3,
    "out_channels": 6,  # ε̂ (3) ⊕ learned-range variance (3)
    "layers_per_block": 3,
    "block_out_channels": (704, 1408, 2112, 2816),
    "down_block_types": ("ResnetDownsampleBlock2D",) + ("SimpleCrossAttnDownBlock2D",) * 3,
    "up_block_types": ("SimpleCrossAttnUpBlock2D",) * 3 + ("ResnetUpsampleBlock2D",),
    "cross_attention_dim": 2816,
}

IF_II_L_UNET: dict[str, Any] = {
    **_IF_COMMON,
    "sample_size": 256,
    "in_channels": 6,  # noisy 256² image ⊕ noised, upsampled stage-I image
    "out_channels": 6,
    "layers_per_block": (2, 2, 3, 5, 5),
    "block_out_channels": (160, 320, 640, 960, 1280),
    "down_block_types": ("ResnetDownsampleBlock2D",) * 3 + ("SimpleCrossAttnDownBlock2D",) * 2,
    "up_block_types": ("SimpleCrossAttnUpBlock2D",) * 2 + ("ResnetUpsampleBlock2D",) * 3,
    "cross_attention_dim": 1280,
    "class_embed_type": "timestep",  # class label = the condition's noise level
    "time_embedding_dim": 1280,
    "resnet_skip_time_act": True,
    "resnet_out_scale_factor": 1 / 0.7071,
    "mid_block_scale_factor": 1 / 0.7071,
}

# FLOPs of one IF-I-XL forward at 64², per sample, counted with torch's FlopCounterMode.
IF_I_XL_TFLOP_PER_SAMPLE = 2.879

TINY_T5_DIM = 32  # stands in for T5-XXL's 4096 in the tiny configs

_TINY: dict[str, Any] = {
    "encoder_hid_dim": TINY_T5_DIM,
    "attention_head_dim": 8,
    "addition_embed_type_num_heads": 2,
    "norm_num_groups": 8,
    "cross_attention_dim": 32,
}

TINY_STAGE1_UNET: dict[str, Any] = {
    **IF_I_XL_UNET,
    **_TINY,
    "sample_size": 16,
    "layers_per_block": 1,
    "block_out_channels": (16, 32),
    "down_block_types": ("ResnetDownsampleBlock2D", "SimpleCrossAttnDownBlock2D"),
    "up_block_types": ("SimpleCrossAttnUpBlock2D", "ResnetUpsampleBlock2D"),
}

TINY_STAGE2_UNET: dict[str, Any] = {
    **IF_II_L_UNET,
    **_TINY,
    "sample_size": 64,
    "layers_per_block": (1, 1, 1, 2),
    "block_out_channels": (8, 8, 16, 32),
    "down_block_types": ("ResnetDownsampleBlock2D",) * 3 + ("SimpleCrossAttnDownBlock2D",),
    "up_block_types": ("SimpleCrossAttnUpBlock2D",) + ("ResnetUpsampleBlock2D",) * 3,
    "time_embedding_dim": 32,
}

# IF's text encoder: the encoder half of T5-v1.1-XXL (transformers `T5Config` keyword arguments), 4.762 B
# parameters, of which the 24 feed-forward output layers (`wo`) transformers keeps in fp32 when loading in fp16.
T5_XXL_ENCODER: dict[str, Any] = {
    "vocab_size": 32128,
    "d_model": 4096,
    "d_kv": 64,
    "d_ff": 10240,
    "num_layers": 24,
    "num_heads": 64,
    "relative_attention_num_buckets": 32,
    "relative_attention_max_distance": 128,
    "feed_forward_proj": "gated-gelu",
    "layer_norm_epsilon": 1e-6,
    "dropout_rate": 0.1,
    "tie_word_embeddings": False,
    "pad_token_id": 0,
    "eos_token_id": 1,
    "decoder_start_token_id": 0,
}
T5_XXL_PARAMS = 4.762e9
T5_XXL_WO_PARAMS = T5_XXL_ENCODER["num_layers"] * T5_XXL_ENCODER["d_ff"] * T5_XXL_ENCODER["d_model"]

# Stage III: Stable Diffusion's ×4 upscaler (stabilityai/stable-diffusion-x4-upscaler), a latent diffusion model
# whose UNet denoises 4-channel latents at the low-resolution image's size, concatenated with that image (noised
# to a noise level, its class label); its VAE decodes ×4. 0.473 B + 0.055 B + text encoder (OpenCLIP ViT-H's text
# tower, 0.340 B) parameters.
SD_X4_UNET: dict[str, Any] = {
    "sample_size": 128,
    "in_channels": 7,  # latents (4) ⊕ the noised low-resolution image (3)
    "out_channels": 4,
    "layers_per_block": 2,
    "block_out_channels": (256, 512, 512, 1024),
    "down_block_types": ("DownBlock2D",) + ("CrossAttnDownBlock2D",) * 3,
    "up_block_types": ("CrossAttnUpBlock2D",) * 3 + ("UpBlock2D",),
    "cross_attention_dim": 1024,
    "attention_head_dim": 8,
    "use_linear_projection": True,
    "only_cross_attention": (True, True, True, False),
    "num_class_embeds": 1000,  # the noise level
}
SD_X4_VAE: dict[str, Any] = {
    "block_out_channels": (128, 256, 512),  # two downsamplings: ×4
    "down_block_types": ("DownEncoderBlock2D",) * 3,
    "up_block_types": ("UpDecoderBlock2D",) * 3,
    "latent_channels": 4,
    "layers_per_block": 2,
    "scaling_factor": 0.08333,
}
SD_X4_TEXT_ENCODER: dict[str, Any] = {  # transformers `CLIPTextConfig` keyword arguments
    "hidden_size": 1024,
    "intermediate_size": 4096,
    "num_hidden_layers": 23,
    "num_attention_heads": 16,
    "vocab_size": 49408,
    "hidden_act": "gelu",
    "projection_dim": 512,
}

TINY_UPSCALER_UNET: dict[str, Any] = {
    **SD_X4_UNET,
    "sample_size": 32,
    "block_out_channels": (32, 32, 64),
    "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
    "up_block_types": ("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
    "cross_attention_dim": 32,
    "only_cross_attention": (True, True, False),
}
TINY_UPSCALER_VAE: dict[str, Any] = {**SD_X4_VAE, "block_out_channels": (32, 32, 64), "layers_per_block": 1}
TINY_UPSCALER_TEXT_ENCODER: dict[str, Any] = {
    **SD_X4_TEXT_ENCODER,
    "hidden_size": 32,
    "intermediate_size": 37,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "vocab_size": 100,
    "projection_dim": 32,
    "bos_token_id": 84,
    "eos_token_id": 85,
    "pad_token_id": 85,
}
