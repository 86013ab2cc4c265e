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
    "encoder_hid_dim": 4096,                 # T5-v1.1-XXL hidden size
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
    "out_channels": 6,                        # ε̂ (3) ⊕ learned-range variance (3)
    "layers_per_block": 3,
    "block_out_channels": (704, 1408, 2112, 2816),
    "down_block_types": ("ResnetDownsampleBlock2D",) + ("SimpleCrossAttnDownBlock2D",) * 3,
    "up_block_types": ("SimpleCrossAttnUpBlock2D",) * 3 + ("ResnetUpsampleBlock2D",),
    "cross_attention_dim": 2816,
}

IF_II_L_UNET: dict[str, Any] = {
    **_IF_COMMON,
    "sample_size": 256,
    "in_channels": 6,                         # noisy 256² image ⊕ noised, upsampled stage-I image
    "out_channels": 6,
    "layers_per_block": (2, 2, 3, 5, 5),
    "block_out_channels": (160, 320, 640, 960, 1280),
    "down_block_types": ("ResnetDownsampleBlock2D",) * 3 + ("SimpleCrossAttnDownBlock2D",) * 2,
    "up_block_types": ("SimpleCrossAttnUpBlock2D",) * 2 + ("ResnetUpsampleBlock2D",) * 3,
    "cross_attention_dim": 1280,
    "class_embed_type": "timestep",           # class label = the condition's noise level
    "time_embedding_dim": 1280,
    "resnet_skip_time_act": True,
    "resnet_out_scale_factor": 1 / 0.7071,
    "mid_block_scale_factor": 1 / 0.7071,
}

# FLOPs of one IF-I-XL forward at 64², per sample, counted with torch's FlopCounterMode.
IF_I_XL_TFLOP_PER_SAMPLE = 2.879

TINY_T5_DIM = 32          # stands in for T5-XXL's 4096 in the tiny configs

_TINY: dict[str, Any] = {"encoder_hid_dim": TINY_T5_DIM, "attention_head_dim": 8, "addition_embed_type_num_heads": 2,
                         "norm_num_groups": 8, "cross_attention_dim": 32}

TINY_STAGE1_UNET: dict[str, Any] = {
    **IF_I_XL_UNET, **_TINY,
    "sample_size": 16,
    "layers_per_block": 1,
    "block_out_channels": (16, 32),
    "down_block_types": ("ResnetDownsampleBlock2D", "SimpleCrossAttnDownBlock2D"),
    "up_block_types": ("SimpleCrossAttnUpBlock2D", "ResnetUpsampleBlock2D"),
}

TINY_STAGE2_UNET: dict[str, Any] = {
    **IF_II_L_UNET, **_TINY,
    "sample_size": 64,
    "layers_per_block": (1, 1, 1, 2),
    "block_out_channels": (8, 8, 16, 32),
    "down_block_types": ("ResnetDownsampleBlock2D",) * 3 + ("SimpleCrossAttnDownBlock2D",),
    "up_block_types": ("SimpleCrossAttnUpBlock2D",) + ("ResnetUpsampleBlock2D",) * 3,
    "time_embedding_dim": 32,
}
