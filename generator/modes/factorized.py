"""`factorized`: factorized diffusion (Geng, Park & Owens 2024) with any factorization of the family —
ε = Σ_i f_i(CFG(x_t, p_i)), f_i the components of a hybrid (2 or 3 bands), color, motion or scale
factorization (generator/diffusion/factorizations.py); prompt i drives component i."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence, TypeVar

from generator.diffusion.filters import hybrid_kernel, hybrid_kernel_problem, hybrid_sigmas, odd_kernel
from generator.jobs import InputImage, Job
from generator.models.base import ModelSpec
from generator.modes.base import ModelContext, Problem, Result, register
from generator.modes.common import (
    IllusionParams,
    SamplingMode,
    as_image,
    guided_terms,
    image_shape,
    kernel_problems,
    make_track,
    with_upsampled,
)
from generator.modes.runtime import engine, factorizations
from generator.params import Param, param, pinned


if TYPE_CHECKING:
    import torch

FACTORIZATIONS = ("hybrid", "color", "motion", "scale")  # as generator.diffusion.factorizations, without torch
KERNEL = Param(
    int,
    default=0,
    minimum=0,
    maximum=65,
    help="hybrid: odd Gaussian kernel width at stage I, at least 5σ + 1; 0: 2·⌈8σ⌉ + 1 (33 at σ 2, as the reference)",
)


@dataclass(frozen=True)
class FactorParams(IllusionParams):
    """Which factorization (Geng, Park & Owens 2024) and its settings at stage I, then the guided sampling ones."""

    factorization: str = param(
        Param(
            str,
            default="hybrid",
            choices=FACTORIZATIONS,
            help="hybrid (far, [middle,] near bands), color (grey, chroma), motion (blurred, sharp) or scale (w_i·x)",
        )
    )
    sigmas: list[float] = param(
        Param(
            list,
            default=[],
            items=(int, float),
            minimum=0.1,
            maximum=20.0,
            help="hybrid: σ of the low-pass (2 bands) or σ1 < σ2 (3 bands) at stage I; "
            "[] is the paper's 2 (or 1, 2) at 64², scaled to the model",
        )
    )
    kernel_size: int = param(KERNEL)
    motion_length: int = param(
        Param(
            int,
            default=7,
            minimum=1,
            maximum=33,
            help="motion: length of the diagonal streak at stage I (7 at 64² in the paper)",
        )
    )
    weights: list[float] = param(
        Param(
            list,
            default=[],
            items=(int, float),
            minimum=-20.0,
            maximum=20.0,
            help="scale: one weight per prompt, summing to 1 ([γ, 1 − γ] with prompts [p, ''] is CFG)",
        )
    )
    operator_versions: dict[str, int] | None = pinned()  # the revised operators it uses (REVISED), by version

    def parts(self, bands: int) -> factorizations.Factorization:
        """The factorization these parameters name, with `bands` components, for the model's images."""
        return factorizations.factorization(
            self.factorization,
            bands,
            self.size,
            sigmas=self.sigmas,
            kernel_size=self.kernel_size,
            motion_length=self.motion_length,
            weights=self.weights,
        )


def hybrid_problems(kernel_size: int, sigmas: list[float], image_size: int) -> list[Problem]:
    """The low-pass kernel (0: filters.hybrid_kernel) must fit the image with reflect padding and be at least
    5σ + 1 wide for the widest σ (no σ: the paper's, whose widest is 2 at 64² for 2 and 3 bands alike)."""
    sigmas = sigmas or hybrid_sigmas(2, image_size)
    kernel = odd_kernel(kernel_size) if kernel_size else hybrid_kernel(max(sigmas), image_size)
    problems = kernel_problems("kernel_size", kernel_size, image_size) if kernel_size else []
    if (problem := hybrid_kernel_problem(kernel, sigmas)) is not None:
        problems.append((("kernel_size",), problem))
    return problems


# Operators whose pixels changed after results were stored; a job that uses one records its version in its
# params (`operator_versions`), so it gets a new key and every other job keeps its own.
REVISED = {
    "motion": 2,  # factorizations.MotionBlur: the reference's diagonal, zero padding
    "hybrid_kernel": 2,
}  # kernel_size 0: filters.hybrid_kernel, 2·⌈8σ⌉ + 1 (was 8σ + 1)
F = TypeVar("F", bound=FactorParams)


def with_versions(p: F) -> F:
    """`p` with the versions of the revised operators the factorization uses, if any."""
    used = {"motion"} if p.factorization == "motion" else set()
    if p.factorization == "hybrid" and not p.kernel_size:
        used.add("hybrid_kernel")
    return replace(p, operator_versions={name: REVISED[name] for name in sorted(used)}) if used else p


def factor_problems(p: FactorParams) -> list[Problem]:
    """What is wrong with a factorization's own parameters on the model's images (prompt counts: `count_problem`)."""
    name, sigmas, problems = p.factorization, p.sigmas, []
    if name == "hybrid" and len(sigmas) > 2:
        problems.append((("sigmas",), f"a hybrid has 2 or 3 bands: give 1 or 2 σ values, got {sigmas}"))
    if name == "hybrid" and len(sigmas) == 2 and not sigmas[0] < sigmas[1]:
        problems.append((("sigmas",), f"three bands need σ1 < σ2, got {sigmas}"))
    if name == "hybrid" and len(sigmas) <= 2:
        problems += hybrid_problems(p.kernel_size, sigmas, p.size)
    if name == "color" and p.channels != 3:
        problems.append(
            (("factorization",), f"color needs an RGB model (grey + chroma); this model has {p.channels} channel")
        )
    if name == "motion" and p.motion_length // 2 >= p.size:
        problems.append((("motion_length",), f"motion_length must be below {2 * p.size}"))
    if name == "scale" and abs(sum(p.weights) - 1) > 1e-6:
        problems.append(
            (("weights",), f"scale weights must sum to 1 (the components sum to the image), got {p.weights}")
        )
    return problems


def count_problem(p: FactorParams, prompts: int) -> str | None:
    """The number of prompts the factorization needs, if `prompts` is not it."""
    name = p.factorization
    if name == "hybrid":
        wanted = [len(p.sigmas) + 1] if p.sigmas else [2, 3]
    elif name == "scale":
        wanted = [len(p.weights)]
    else:
        wanted = [2]
    if prompts in wanted:
        return None
    return (
        f"{name} needs {' or '.join(map(str, wanted))} prompts, one per component "
        f"({', '.join(COMPONENTS[name])}), got {prompts}"
    )


COMPONENTS = {
    "hybrid": ("far", "[middle]", "near"),
    "color": ("grey", "colour"),
    "motion": ("moving", "still"),
    "scale": ("w_1·x", "w_2·x", "…"),
}


@register
class Factorized(SamplingMode[FactorParams]):
    name = "factorized"
    prompts = (2, 4)
    Params = FactorParams
    noun = "factorized"
    motions = ("small",)

    def resolve(self, p: FactorParams, spec: ModelSpec) -> FactorParams:
        return with_versions(super().resolve(p, spec))

    def check_params(self, p: FactorParams, inputs: Mapping[str, InputImage], project_root: Path) -> list[Problem]:
        """The factorization's parameters fit the prompts and the model's images."""
        return factor_problems(p)

    def check(self, job: Job[FactorParams]) -> None:
        if (problem := count_problem(job.params, len(job.prompts))) is not None:
            raise ValueError(f"figure {job.figure!r} (factorized): {problem}")

    def tracks(self, job: Job[FactorParams], ctx: ModelContext) -> list[engine.Track]:
        """One term per prompt, restricted to its component; the estimates add up."""
        parts = job.params.parts(len(job.prompts))
        rng = engine.make_rng(job.seed)
        x_T = engine.draw_noise(rng, image_shape(job), ctx.device)
        terms = [
            term
            for prompt, f in zip(job.prompts, parts.components)
            for term in guided_terms(job, [prompt], component=f)
        ]
        return [make_track(job, ctx, x_T, terms, rng=rng, reduce="sum", extras={"parts": parts})]

    def assemble(self, job: Job[FactorParams], tracks: Sequence[engine.Track], ctx: ModelContext) -> Result:
        (track,) = tracks
        parts: factorizations.Factorization = track.extras["parts"]

        def shown(x: torch.Tensor) -> dict[str, torch.Tensor]:
            return factor_readings(parts, x)

        images = {name: as_image(x) for name, x in shown(track.x).items()}
        return Result(with_upsampled(images, track, "image", shown), {"components": list(parts.labels)})


def factor_readings(parts: factorizations.Factorization, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """The picture as each reading sees it: far (and middle) bands, grey, motion-blurred; then the image."""
    import torch.nn.functional as F

    c = parts.components
    if parts.name == "hybrid":
        readings = {
            "far": c[0](x),
            **({"middle": c[0](x) + c[1](x)} if len(c) == 3 else {}),
            "small": F.interpolate(x, scale_factor=0.25, mode="area"),
        }
    elif parts.name in ("color", "motion"):
        readings = {parts.labels[0]: c[0](x)}
    else:
        readings = {}
    return {**readings, "image": x}
