"""Words a reader needs: recipe keys, view names and stored numbers turned into short labels.

A label says what varies ("t = 250", "20 steps", "γ = 4", "upright: 6"); a fact that a label already shows is
not repeated under the figure. Nothing here shows a key name (`psnr_denoised`, `rotate_180`, `True`).
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from generator.diffusion.timesteps import parse_timesteps
from generator.diffusion.views import VIEWS, view_words
from generator.jobs import InputImage
from generator.params import ModeParams


# How to look at each anagram view (Geng, Park & Owens, Visual Anagrams, CVPR 2024), as the views say it.
VIEW_WORDS = {name: view_words(name) for name in VIEWS}

IMAGE_WORDS = {
    "original": "original",
    "noisy": "noisy",
    "blurred": "blurred",
    "estimate": "one-step estimate",
    "one-step": "one step",
    "iterative": "iterative",
    "sample": "sample",
    "edit": "edit",
    "image": "original",
    "mask": "mask",
    "hole": "hole",
    "result": "result",
    "far": "blurred (far)",
    "small": "from across the room",
    "hybrid": "up close",
    "loss": "loss",
    "evaluation": "evaluation",
    "hybrid-sweep": "hybrid settings swept",
}

# Stored numbers: the reader's name and unit. `None`: shown in a label instead, never as a fact.
FACT_WORDS: dict[str, tuple[str, str] | None] = {
    "psnr_denoised": None,
    "psnr_noisy": None,
    "sigma": None,
    "t": None,
    "t_start": None,
    "i_start": None,
    "prompts": None,
    "guidance": ("guidance", "γ = {}"),
    "steps": ("training steps", "{}"),
}

# A stored number that belongs on one image's label: image name → (info key, format).
ON_IMAGE = {
    "noisy": [("psnr_noisy", "PSNR {:.1f}\u00a0dB")],
    "blurred": [("sigma", "σ\u00a0=\u00a0{:g}"), ("psnr_denoised", "PSNR {:.1f}\u00a0dB")],
}


def input_words(image: InputImage) -> str:
    """What an input picture shows, for alt text: the recipe's `alt`, else 'the astronaut photo' for a built-in,
    else 'the input image' (never its file name, which says nothing to a reader)."""
    if image.alt:
        return image.alt
    if image.source.startswith("builtin:"):
        return f"the {image.source.removeprefix('builtin:')} photo"
    return "the input image"


def steps_label(steps: Any) -> str:
    """'strided-50' → '20 steps' (range(950, -1, -50) has 20 entries); lists and presets counted the same way."""
    try:
        return f"{len(parse_timesteps(steps))} steps"
    except (ValueError, ImportError, TypeError):
        return str(steps)


def t_from_i_start(i_start: int, steps: Any) -> int | None:
    """The timestep where SDEdit starts: timesteps[i_start] of the job's step list."""
    try:
        timesteps = parse_timesteps(steps)
    except (ValueError, ImportError, TypeError):
        return None
    return timesteps[i_start] if 0 <= i_start < len(timesteps) else None


def param_label(key: str, value: Any, p: ModeParams | None = None) -> str:
    """One parameter's value as a reader would write it (`p`: the job's parameters, for what the value means)."""
    if key == "prompts":
        return " / ".join(f"“{prompt}”" for prompt in value)
    if key == "steps":
        return steps_label(value)
    if key == "guidance":
        return f"γ = {value:g}" if isinstance(value, (int, float)) else f"γ = {value}"
    if key == "sigma":
        return f"σ = {value:g}"
    if key == "i_start":
        t = t_from_i_start(int(value), p.steps if p is not None else "strided-30")  # i_start indexes p.steps
        return "pure noise" if value == 0 else (f"from t = {t}" if t is not None else f"start {value}")
    if key == "upsample":
        return "stage II to 256×256" + (", stage III to 1024×1024" if value == 1024 else "")
    return f"{key} = {value}"


def sweep_label(sweep: Mapping[str, Any], p: ModeParams | None = None) -> str:
    return ", ".join(param_label(k, v, p) for k, v in sweep.items())


def image_label(name: str, prompts: Mapping[str, str] | None = None) -> str:
    """A stored image's name in words: 'rotate_180' → 'turned 180°: 9', 'sample-256' → 'sample, 256×256'."""
    base, _, size = name.partition("-") if re.fullmatch(r".+-\d+", name) else (name, "", "")
    if re.fullmatch(r"t=\d+", base):
        words = f"t = {base[2:]}"
    elif re.fullmatch(r"[a-z_]+:[a-z_0-9]+", base):  # 'anagram:rotate_180' → 'anagram, turned 180°'
        kind, view = base.split(":")
        words = f"{kind.replace('_', ' ')}, {view_words(view)}"
    elif base in VIEW_WORDS or (prompts and base in prompts):
        words = view_words(base) + (f": {prompts[base]}" if prompts and base in prompts else "")
    else:
        words = IMAGE_WORDS.get(base, base.replace("_", " "))
    return f"{words}, {size}×{size}" if size else words


def with_numbers(label: str, name: str, info: Mapping[str, Any]) -> str:
    """'blurred' + {sigma: 1.5, psnr_denoised: 23.7} → 'blurred, σ 1.5, PSNR 23.7 dB'."""
    extra = [fmt.format(info[key]) for key, fmt in ON_IMAGE.get(name, []) if isinstance(info.get(key), (int, float))]
    return ", ".join([label, *extra])


def fact(key: str, value: Any) -> tuple[str, str] | None:
    """A stored number as (label, value) for the list under a figure; None when a label already shows it."""
    if key == "steps" and not isinstance(value, int):  # a step list, not a count of training steps
        return ("sampling", steps_label(value))
    if key in FACT_WORDS:
        words = FACT_WORDS[key]
        return None if words is None else (words[0], words[1].format(show(value)))
    return (humanise(key), show(value))


def humanise(text: str) -> str:
    """Key names inside free text: 'rotate_180' → 'turned 180°', 'psnr_noisy' → 'psnr noisy'."""
    for name, words in VIEW_WORDS.items():
        text = re.sub(rf"\b{name}\b", words, text)
    text = re.sub(r"\b([a-z]+):(?=[a-z])", r"\1, ", text)  # 'anagram:flip' → 'anagram, upside down'
    return text.replace("_", " ")


def show(value: Any) -> str:
    """A result's value as a reader would write it: booleans as yes/no, floats to 4 significant digits."""
    if isinstance(value, bool) or value in ("True", "False"):
        return "yes" if value in (True, "True") else "no"
    if isinstance(value, dict):
        return ", ".join(f"{humanise(str(k))}: {show(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(show(v) for v in value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return humanise(str(value))
