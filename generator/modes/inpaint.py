"""`inpaint`: fill a masked region (RePaint, Lugmayr et al. 2022): after every step the known pixels are
replaced by the original noised to the new timestep, x ← m·x + (1 − m)·forward(x_orig, t′)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

from generator.jobs import InputImage, Job
from generator.modes.base import ModelContext, Problem, Result, register
from generator.modes.common import (
    StartMode,
    StartParams,
    as_image,
    check_prompts,
    guided_terms,
    load_input,
    make_track,
    noised_input,
    with_upsampled,
)
from generator.modes.runtime import engine, schedule
from generator.params import Param, param


if TYPE_CHECKING:
    import torch


@dataclass(eq=False)
class KeepKnown:
    """The RePaint hook: outside the mask (m = 0), x_t′ is the original noised to t′ with fresh noise."""

    original: torch.Tensor  # (1, C, H, W)
    mask: torch.Tensor  # (1, 1, H, W): 1 where new content goes, 0 where the original stays

    def __call__(self, track: engine.Track, t_prev: int) -> None:
        known = self.original
        if t_prev >= 0:
            known = schedule.add_noise(self.original, track.noise(), track.schedule.alpha_bar(t_prev))
        track.x = self.mask * track.x + (1 - self.mask) * known


@dataclass(frozen=True)
class InpaintParams(StartParams):
    rect: list[int] = param(
        Param(
            list,
            default=[],
            items=int,
            minimum=0,
            help="the hole as [top, left, bottom, right] in stage-I pixels (or give a mask image)",
        )
    )
    i_start: int = param(
        Param(
            int,
            default=0,
            minimum=0,
            maximum=999,
            help="0: start from pure noise; else from the image noised to timesteps[i_start]",
        )
    )


@register
class Inpaint(StartMode[InpaintParams]):
    name = "inpaint"
    inputs = ("image",)
    optional_inputs = ("mask",)
    prompts = (1, 1)
    Params = InpaintParams
    shared_images = ("image", "mask", "hole")
    noun = "inpainting"

    def hole(self, p: InpaintParams) -> list[int] | None:
        return p.rect or None

    def check_params(self, p: InpaintParams, inputs: Mapping[str, InputImage], project_root: Path) -> list[Problem]:
        """Exactly one of `mask` and `rect`; a rect is [top, left, bottom, right] inside the stage-I image."""
        rect, has_mask, size = p.rect, "mask" in inputs, p.size
        if has_mask == bool(rect):
            return [
                (
                    ("rect",) if rect else (),
                    "give the hole either as a `mask` image or as `rect: [top, left, "
                    f"bottom, right]`, {'not both' if rect else 'one is needed'}",
                )
            ]
        if rect and (len(rect) != 4 or not (rect[0] < rect[2] <= size and rect[1] < rect[3] <= size)):
            return [
                (
                    ("rect",),
                    f"rect {rect} must be [top, left, bottom, right] with top < bottom ≤ {size} "
                    f"and left < right ≤ {size} (the model's {size}×{size} pixels)",
                )
            ]
        return []

    def tracks(self, job: Job[InpaintParams], ctx: ModelContext) -> list[engine.Track]:
        check_prompts(job, 1, "the prompt for the new content")
        p, rng = job.params, engine.make_rng(job.seed)
        if p.i_start == 0:
            original = load_input(job, "image", ctx)
            x = engine.draw_noise(rng, original.shape, ctx.device)
        else:
            original, x = noised_input(job, ctx, rng, p.steps, p.i_start)
        mask = self.mask(job, ctx, original.shape[-1])

        def stage2_hooks(size: int) -> list[engine.Hook]:
            import torch.nn.functional as F

            return [KeepKnown(load_input(job, "image", ctx, size=size), F.interpolate(mask, (size, size)))]

        return [
            make_track(
                job,
                ctx,
                x,
                guided_terms(job, job.prompts),
                i_start=p.i_start,
                rng=rng,
                hooks=[KeepKnown(original, mask)],
                stage2_hooks=stage2_hooks,
                extras={"original": original, "mask": mask},
            )
        ]

    def mask(self, job: Job[InpaintParams], ctx: ModelContext, size: int) -> torch.Tensor:
        """m (1, 1, size, size) in {0, 1} from the mask image (white = new content) or the `rect` parameter."""
        import torch

        rect, has_image = job.params.rect, any(i.name == "mask" for i in job.inputs)
        if has_image == bool(rect):
            raise ValueError(
                f"figure {job.figure!r} (inpaint): give the hole either as a `mask` image or as "
                f"`rect: [top, left, bottom, right]`, {'not both' if rect else 'one is needed'}"
            )
        if has_image:
            return (load_input(job, "mask", ctx, channels=1) > 0).float()
        if len(rect) != 4 or not (rect[0] < rect[2] <= size and rect[1] < rect[3] <= size):
            raise ValueError(
                f"figure {job.figure!r} (inpaint): rect {rect} must be [top, left, bottom, right] "
                f"with top < bottom ≤ {size} and left < right ≤ {size}"
            )
        mask = torch.zeros(1, 1, size, size, device=ctx.device)
        mask[..., rect[0] : rect[2], rect[1] : rect[3]] = 1
        return mask

    def assemble(self, job: Job[InpaintParams], tracks: Sequence[engine.Track], ctx: ModelContext) -> Result:
        (track,) = tracks
        original, mask = track.extras["original"], track.extras["mask"]
        images = {
            "image": as_image(original),
            "mask": as_image(mask * 2 - 1),
            "hole": as_image(original * (1 - mask) - mask),
            "result": as_image(track.x),
        }
        return Result(with_upsampled(images, track, "result"))
