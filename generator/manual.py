"""The manual's modes page (docs/modes.md), generated from the registered modes: `gallery modes` prints it.

Parameters that many modes share (the sampling, guidance and stage-II groups) are described once, in a table of
their own; a mode's row names its groups and lists only its own parameters. Declarations are read through the
public `Mode.params` (name → Param), so the page follows however a mode declares them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Group:
    """Parameters shared by many modes, described once: a mode has the group when it has all of `names`."""

    title: str
    names: tuple[str, ...]
    about: str

    @property
    def anchor(self) -> str:
        return slug(self.title)


GROUPS = (
    Group(
        "sampling",
        ("steps", "thresholding"),
        "How stage I walks from noise to an image: the timesteps it visits and what each step does to its "
        "estimate of x₀.",
    ),
    Group(
        "guidance",
        ("guidance", "uncond"),
        "Classifier-free guidance at stage I (Ho & Salimans 2022): ε = ε_u + γ (ε_c − ε_u).",
    ),
    Group(
        "stage II",
        ("upsample", "upsample_steps", "upsample_guidance", "noise_level"),
        "Super-resolution after stage I, where the model has a stage II (DeepFloyd IF: 64² → 256², and with "
        "`upsample: 1024` Stable Diffusion's ×4 upscaler to 1024²). The digits model has none: a recipe that "
        "asks it for one is refused.",
    ),
)

# What each mode makes, in a line (a new mode adds its line here; tests/test_readme.py checks every mode has one).
WHAT = {
    "anagram": "a visual anagram: one image that reads as prompt *i* under view *i* (Geng, Park & Owens 2024)",
    "blur_denoise": "the classical baseline: the noisy input blurred with a Gaussian, optionally the best σ by PSNR",
    "cfg": "samples with classifier-free guidance",
    "epoch_samples": "a training record's sample sheets, one per epoch",
    "evaluation": "a model's evaluation numbers (`eval.json`) as a table",
    "factorized": "factorized diffusion: prompt *i* drives component *i* of a hybrid, color, motion or scale "
    "factorization (Geng, Park & Owens 2024)",
    "forward": "the input noised to timestep t: x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε",
    "hybrid": "a hybrid image: one prompt seen from afar (its low frequencies), the other up close",
    "illusion_atlas": "the digits model's illusion atlas (`make atlas`) as heatmaps",
    "inpaint": "a masked region filled in, the known pixels kept (RePaint, Lugmayr et al. 2022)",
    "iterative": "the input noised, then denoised step by step, beside the one-step estimate and a blur",
    "loss_curve": "a training record's loss curve (SVG)",
    "one_step": "the noisy input denoised in one model call: x̂₀ = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t",
    "reference": "factorized diffusion with one component from a reference image: colourise, sharpen, or a "
    "hybrid whose far view is a given picture",
    "sample": "samples from pure noise, without guidance",
    "sdedit": "the input noised part of the way and denoised again with guidance (SDEdit, Meng et al. 2022)",
    "text_img2img": "SDEdit toward another prompt: the input's layout, the prompt's content",
}


def slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def describe(p: Any) -> str:
    """A parameter's type, range, default and whether it sweeps, e.g. "an integer; 0–999; default `50`"."""
    from generator.recipes.schema import type_name

    bits = [type_name(p.kind)]
    if p.choices:
        bits.append("one of " + ", ".join(map(str, p.choices)))
    if p.minimum is not None or p.maximum is not None:
        bits.append(f"{p.minimum if p.minimum is not None else ''}–{p.maximum if p.maximum is not None else ''}")
    bits.append("required" if p.required else f"default `{p.default!r}`")
    if p.sweepable:
        bits.append("sweepable")
    return "; ".join(bits)


def declaration(name: str, p: Any) -> str:
    """One parameter as a mode's row lists it: "`name` (type; range; default): help"."""
    return f"`{name}` ({describe(p)}){': ' + p.help if p.help else ''}"


def groups_of(mode: Any) -> list[Group]:
    return [g for g in GROUPS if all(n in mode.params for n in g.names)]


def mode_row(name: str, mode: Any) -> str:
    inputs = ", ".join([*mode.inputs, *(f"{i} (optional)" for i in mode.optional_inputs)]) or "—"
    low, high = mode.prompts
    prompts = "—" if high == 0 else (str(low) if low == high else f"{low}–{high}")
    groups = groups_of(mode)
    shared = {n for g in groups for n in g.names}
    links = ", ".join(f"[{g.title}](#{g.anchor})" for g in groups) or "—"
    own = "<br>".join(declaration(k, p) for k, p in mode.params.items() if k not in shared) or "—"
    return f"| `{name}` | {WHAT.get(name, '—')} | {inputs} | {prompts} | {links} | {own} |"


def group_table(group: Group, modes: dict[str, Any]) -> list[str]:
    """The group's parameters, once; a parameter some modes declare differently gets a row per variant."""
    users = sorted(n for n, m in modes.items() if group in groups_of(m))
    out = [
        f"### {group.title}",
        "",
        group.about,
        "",
        f"Modes: {', '.join(f'`{n}`' for n in users)}.",
        "",
        "| parameter | type, range, default | meaning | modes |",
        "|---|---|---|---|",
    ]
    for name in group.names:
        variants: dict[tuple[str, str], list[str]] = {}
        for user in users:
            p = modes[user].params[name]
            variants.setdefault((describe(p), p.help), []).append(user)
        for (kind, help_text), who in variants.items():
            which = "all" if len(variants) == 1 else ", ".join(f"`{n}`" for n in who)
            out.append(f"| `{name}` | {kind} | {help_text or '—'} | {which} |")
    return out + [""]


def modes_page() -> str:
    """docs/modes.md: every registered mode with its inputs, prompts and parameters, shared groups said once."""
    from generator.modes import MODES

    modes = dict(sorted(MODES.items()))
    lines = [
        "# Modes",
        "",
        "<!-- generated by `gallery modes` (generator/manual.py); tests/test_readme.py checks it is current -->",
        "",
        "A figure's `mode` says what it makes; its other keys are the mode's parameters (the keys every figure "
        "takes are in [recipes.md](recipes.md)). Parameters that many modes share are described once, in the "
        "[shared groups](#shared-parameters) below the table; a row lists the mode's own. A parameter marked "
        "*sweepable* may also be given as a list under `sweep:` (one job per value). A recipe that breaks a "
        "type or range is refused with its file:line and what the mode accepts.",
        "",
        "| mode | what it makes | inputs | prompts | shared parameters | its own parameters |",
        "|---|---|---|---|---|---|",
        *(mode_row(name, mode) for name, mode in modes.items()),
        "",
        "## Shared parameters",
        "",
    ]
    for group in GROUPS:
        lines += group_table(group, modes)
    return "\n".join(lines).rstrip("\n")
