"""What a pending figure can show without a model: its input image as the model will see it, the inpainting
mask and hole, its prompts and settings in words. Pure PIL (no torch), so rendering stays fast."""

from __future__ import annotations

import io
from typing import Sequence

from PIL import Image, ImageDraw

from generator.images import fit_image
from generator.jobs import Job
from generator.models.base import ModelSpec
from generator.modes.base import Mode
from generator.site import labels
from generator.site.page import Panel


# The parameters a pending figure lists when its mode declares them shown (Param.shown), with their labels, in
# the order they are listed: these before the mode's own settings (Mode.settings), those after.
SHOWN_FIRST = {"steps": "", "guidance": "", "i_start": "start"}
SHOWN_LAST = {"upsample": ""}


def png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def rect_mask(size: int, rect: Sequence[int]) -> Image.Image:
    """The inpainting hole [top, left, bottom, right] as a white rectangle on black (white: to be filled)."""
    mask = Image.new("L", (size, size), 0)
    top, left, bottom, right = rect
    ImageDraw.Draw(mask).rectangle([left, top, right - 1, bottom - 1], fill=255)
    return mask


def with_hole(img: Image.Image, mask: Image.Image) -> Image.Image:
    """The input with the masked pixels greyed out: what the model is asked to fill."""
    grey = Image.new(img.mode, img.size, 128 if img.mode == "L" else (128, 128, 128))
    return Image.composite(grey, img, mask.convert("L"))


def previews(job: Job, mode: Mode, model_spec: ModelSpec) -> list[Panel]:
    """The job's input image(s) at the model's size; with a hole to fill, also the mask and the hole."""
    if not any(i.name == "image" for i in job.inputs):
        return []
    size, channels, resize = model_spec.image_size, job.params.channels, job.params.resize
    image = fit_image(job.input("image").path, size, channels, resize)
    px = size < 128
    panels = [
        Panel(
            None, "input", px, alt=f"input: {labels.input_words(job.input('image'))}, {size}×{size}", data=png(image)
        )
    ]
    mask = _mask(job, mode, size, resize)
    if mask is not None:
        panels += [
            Panel(None, "mask", px, alt="inpainting mask: white is refilled", data=png(mask)),
            Panel(None, "hole", px, alt="input with the hole to fill in grey", data=png(with_hole(image, mask))),
        ]
    return panels


def _mask(job: Job, mode: Mode, size: int, resize: str) -> Image.Image | None:
    if any(i.name == "mask" for i in job.inputs):
        return fit_image(job.input("mask").path, size, 1, resize).point(lambda v: 255 if v > 127 else 0)
    rect = mode.hole(job.params)
    return rect_mask(size, rect) if rect else None


def settings(jobs: Sequence[Job], mode: Mode) -> list[tuple[str, str]]:
    """Prompts and settings shared by a figure's jobs, in words (swept values are listed together)."""
    job = jobs[0]
    out: list[tuple[str, str]] = []
    if job.prompts and "prompts" not in job.sweep:
        out += _prompts(job, mode)
    for key in job.sweep:
        values = list(dict.fromkeys(labels.param_label(key, j.sweep[key], j.params) for j in jobs))
        out.append(("varies", shared_prefix(values)))
    out += _fixed(job, mode)
    seeds = list(dict.fromkeys(j.seed for j in jobs))
    out.append(("", f"seed {seeds[0]}" if len(seeds) == 1 else f"{len(seeds)} seeds ({_span(seeds)})"))
    return out


def _prompts(job: Job, mode: Mode) -> list[tuple[str, str]]:
    """Each prompt with the role it plays: the view it is read in (anagrams), far or near (hybrids)."""
    roles = mode.prompt_roles(job.params)
    if len(roles) == len(job.prompts) > 1:
        return [(role, f"“{p}”") for role, p in zip(roles, job.prompts)]
    return [("prompt" if len(job.prompts) == 1 else "prompts", " / ".join(f"“{p}”" for p in job.prompts))]


def _span(seeds: list[int]) -> str:
    """'180–183' for consecutive seeds, else the list."""
    if seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}–{seeds[-1]}"
    return ", ".join(map(str, seeds))


def _fixed(job: Job, mode: Mode) -> list[tuple[str, str]]:
    """The unswept parameters the mode shows, in words, and the mode's own settings."""

    def shown(labelled: dict[str, str]) -> list[tuple[str, str]]:
        names = [n for n in labelled if n in mode.params and mode.params[n].shown and n not in job.sweep]
        values = {n: getattr(job.params, n) for n in names}
        return [
            (labelled[n], labels.param_label(n, v, job.params))
            for n, v in values.items()
            if v is not False and v is not None
        ]

    return shown(SHOWN_FIRST) + mode.settings(job.params) + shown(SHOWN_LAST)


def shared_prefix(values: list[str]) -> str:
    """'from t = 960', 'from t = 900' → 'from t = 960, 900': the words every value starts with, said once."""
    heads = {v.rpartition(" ")[0] for v in values}
    if len(values) > 1 and len(heads) == 1 and next(iter(heads)):
        head = next(iter(heads)).replace(" =", "\u00a0=")  # "t =" never split from its number
        return f"{head}\u00a0" + ", ".join(v.rpartition(" ")[2] for v in values)
    return ", ".join(values)
