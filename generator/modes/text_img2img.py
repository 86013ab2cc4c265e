"""`text_img2img`: SDEdit toward another prompt — the input image's layout, the prompt's content."""

from __future__ import annotations

from generator.modes.base import register
from generator.modes.sdedit import SDEdit


@register
class TextImg2Img(SDEdit):
    name = "text_img2img"
    noun = "image-to-image"
    edits_toward_prompt = True
