"""What the model-based modes share: the sampling parameters, input loading, track building and stages II–III."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Sequence, TypeVar

from generator.diffusion.filters import odd_kernel
from generator.diffusion.timesteps import config_thresholding, parse_timesteps, resolve_thresholding
from generator.images import load_image
from generator.jobs import Job
from generator.models.base import ModelSpec
from generator.modes.base import ModelContext, ModelMode, ParamError, Problem
from generator.modes.runtime import engine, schedule
from generator.params import ModeParams, Param, param, pinned


if TYPE_CHECKING:
    import torch

STEPS_HELP = "'strided-S' (990, 960, …, 0 for S = 30), a DeepFloyd preset such as 'smart50', or a list"

STEPS = Param(
    (str, list), default="strided-30", items=int, minimum=0, maximum=999, sweepable=True, help=STEPS_HELP, shown=True
)
THRESHOLDING = Param(
    str,
    default="auto",
    choices=("auto", "dynamic", "clip", "none"),
    help="what each step does to x̂₀: the scheduler's own choice (auto), Imagen's dynamic "
    "thresholding, clipping to [-1, 1], or nothing",
)
GUIDANCE = Param(float, default=7.0, minimum=0.0, maximum=50.0, help="CFG scale γ in ε_u + γ(ε_c − ε_u)", shown=True)
UNCOND = Param(str, default="", help="the unconditional prompt ε_u is computed with")
I_START = Param(
    int,
    default=10,
    minimum=0,
    maximum=999,
    sweepable=True,
    help="index into the timesteps where denoising starts (not a timestep)",
    shown=True,
)
Steps = str | list[int]
STAGE3 = 1024  # `upsample: 1024`: stage II, then the ×4 upscaler


@dataclass(frozen=True)
class SamplingParams(ModeParams):
    """What every sampling mode reads: timesteps, thresholding and stage II. `guidance` None: no CFG."""

    steps: Steps = param(STEPS)
    thresholding: str = param(THRESHOLDING)
    upsample: bool | int = param(
        Param(
            (bool, int),
            default=False,
            choices=(False, True, 256, 1024),
            shown=True,
            help="also run stage II (true or 256: super-resolution), and with 1024 "
            "stage III too (Stable Diffusion's ×4 upscaler, to 1024×1024)",
        )
    )
    upsample_steps: Steps = param(
        Param(
            (str, list),
            default="strided-20",
            items=int,
            minimum=0,
            maximum=999,
            help=f"stage II timesteps: {STEPS_HELP}",
        )
    )
    upsample_guidance: float | None = param(
        Param(float, default=4.0, minimum=0.0, maximum=50.0, help="stage II CFG scale")
    )
    noise_level: int = param(
        Param(
            int,
            default=250,
            minimum=0,
            maximum=999,
            help="noise added to the upsampled stage-I image that conditions stage II",
        )
    )
    guidance: float | None = None  # a guided mode's parameter (GuidedParams); None: stage I without CFG
    uncond: str = ""
    upscaler: dict[str, str] | None = pinned()  # stage II's identity, when upsampling
    upscaler3: dict[str, Any] | None = pinned()  # stage III's identity and settings, for `upsample: 1024`

    @property
    def stage2_guidance(self) -> float:
        """Stage II's CFG scale: `upsample_guidance`, where None means the stage-I guidance (IllusionParams)."""
        return self.upsample_guidance if self.upsample_guidance is not None else self.guidance or 0.0


@dataclass(frozen=True)
class GuidedParams(SamplingParams):
    """Sampling with classifier-free guidance (Ho & Salimans 2022) at stage I."""

    guidance: float | None = param(GUIDANCE)
    uncond: str = param(UNCOND)


@dataclass(frozen=True)
class IllusionParams(GuidedParams):
    """Guided sampling whose stage II is conditioned as the reference illusion sampler's (Geng, Park & Owens,
    `sample_stage_2`): the stage-I image noised to level 50, guided with the stage-I guidance."""

    upsample_guidance: float | None = param(
        Param(
            float,
            default=None,
            minimum=0.0,
            maximum=50.0,
            help="stage II CFG scale; default: the stage-I `guidance`, as the reference's illusion sampler",
        )
    )
    noise_level: int = param(
        Param(
            int,
            default=50,
            minimum=0,
            maximum=999,
            help="noise added to the upsampled stage-I image that conditions stage II (50 "
            "in the reference's illusion sampler; the course's 250 elsewhere)",
        )
    )


@dataclass(frozen=True)
class StartParams(GuidedParams):
    """Guided sampling that starts at timesteps[i_start] from the input image noised to that timestep."""

    i_start: int = param(I_START)


S = TypeVar("S", bound=SamplingParams)
T = TypeVar("T", bound=StartParams)


class SamplingMode(ModelMode[S]):
    """A mode that samples with SamplingParams (and its guided kinds): stage I, then optionally II and III."""

    def resolve(self, p: S, spec: ModelSpec) -> S:
        """Pin what the model decides: concrete thresholding, the stage II (and III) model when upsampling; check
        the timesteps."""
        p = replace(p, thresholding=pinned_thresholding(p.thresholding, spec))
        checked_timesteps(p.steps, "steps", spec)
        if not p.upsample:  # the course's stage-II defaults, unused: a mode's own change upsampled keys only
            return replace(p, upsample_steps="strided-20", upsample_guidance=4.0, noise_level=250)
        if (upscaler := spec.stage2_key()) is None:
            raise ParamError(
                "upsample", f"upsample is on, but model {spec.id!r} has no stage II; remove `upsample: true`"
            )
        checked_timesteps(p.upsample_steps, "upsample_steps", spec)
        return replace(p, upscaler=upscaler, upsample_guidance=p.stage2_guidance, **stage3_params(p.upsample, spec))

    def embedding_prompts(self, job: Job[S]) -> list[str]:
        return list(dict.fromkeys([*job.prompts, job.params.uncond, ""]))

    def stages(self, p: S) -> int:
        return 3 if p.upscaler3 is not None else 2 if p.upsample else 1

    def first_step(self, p: S) -> int:
        """The index into the timesteps where stage I starts (0: from pure noise)."""
        return 0

    def model_calls(self, job: Job[S]) -> int:
        """Single-sample model evaluations: distinct (view, prompt) requests per step × steps, plus stages II
        and III (timesteps counted for a 1000-step schedule)."""
        p = job.params
        views = self.readings(p) or ["identity"] * len(job.prompts)
        steps = len(parse_timesteps(p.steps)[self.first_step(p) :])
        calls = requests_per_step(job, views, p.guidance is not None) * steps
        if p.upsample:
            calls += requests_per_step(job, views, p.stage2_guidance > 1) * len(parse_timesteps(p.upsample_steps))
            if p.upscaler3 is not None:
                calls += (2 if p.upscaler3["guidance"] > 1 else 1) * p.upscaler3["steps"]
        return calls


class StartMode(SamplingMode[T]):
    """A sampling mode that denoises an input image from timesteps[i_start] (SDEdit and its kind)."""

    def resolve(self, p: T, spec: ModelSpec) -> T:
        p = super().resolve(p, spec)
        checked_start(p.steps, p.i_start, spec)
        return p

    def first_step(self, p: T) -> int:
        return p.i_start


def pinned_thresholding(choice: str, spec: ModelSpec) -> str:
    """'auto' becomes the scheduler config's own thresholding; a concrete choice stays."""
    return resolve_thresholding(choice, config_thresholding(spec.scheduler_config))


def checked_start(steps: Steps, i_start: int, spec: ModelSpec) -> None:
    """i_start indexes the timesteps of `steps` (up to their count: then nothing is denoised)."""
    timesteps = checked_timesteps(steps, "steps", spec)
    if i_start > len(timesteps):
        raise ParamError(
            "i_start",
            f"i_start {i_start} is past the end of the {len(timesteps)} timesteps of "
            f"steps={steps!r}; use at most {len(timesteps)}",
        )


def stage3_params(upsample: bool | int, spec: ModelSpec) -> dict[str, Any]:
    """`upsample: 1024` pins stage III (identity and settings, in the key); 256 is `true` (the same job)."""
    if upsample != STAGE3:
        return {"upsample": True}
    if (stage3 := spec.stage3_key()) is None:
        raise ParamError(
            "upsample", f"upsample {STAGE3} needs a stage III, and model {spec.id!r} has none; use `upsample: true`"
        )
    return {"upscaler3": stage3}


def checked_timesteps(steps: Steps, key: str, spec: ModelSpec) -> list[int]:
    """The timesteps of `steps` for the model's schedule; a ParamError naming `key` when they cannot be parsed."""
    try:
        return parse_timesteps(steps, spec.scheduler_config.get("num_train_timesteps", 1000))
    except ValueError as exc:
        message = (
            str(exc).replace(str(steps), f"[{steps[0]}, {steps[1]}, … {len(steps)} values]")
            if (isinstance(steps, list) and len(steps) > 8)
            else str(exc)
        )
        raise ParamError(key, message) from None


def kernel_problems(key: str, width: int, size: int) -> list[Problem]:
    """The Gaussian kernel of `width` (made odd) with reflect padding needs kernel_size // 2 < the image side
    (filters.gaussian_blur)."""
    kernel_size = odd_kernel(width)
    if kernel_size // 2 < size:
        return []
    return [
        (
            (key,),
            f"kernel_size {kernel_size} is too wide for the model's {size}×{size} images "
            f"(reflect padding); use at most {2 * size - 1}",
        )
    ]


def requests_per_step(job: Job[SamplingParams], views: Sequence[str], guided: bool) -> int:
    """What the engine asks the model per step: each (view, prompt) once, plus (view, uncond) with CFG."""
    pairs = set(zip(views, job.prompts))
    if guided:
        pairs |= {(view, job.params.uncond) for view in views}
    return len(pairs)


def check_prompts(job: Job[ModeParams], count: int, what: str) -> None:
    if len(job.prompts) != count:
        raise ValueError(
            f"figure {job.figure!r} ({job.mode}): expected {count} prompt(s), {what}; "
            f"got {len(job.prompts)}: {list(job.prompts)}"
        )


def load_input(
    job: Job[ModeParams], name: str, ctx: ModelContext, channels: int | None = None, size: int | None = None
) -> torch.Tensor:
    """The job's input image `name` at the model's size, (1, C, H, W) in [-1, 1] on the context's device."""
    p = job.params
    image = load_image(job.input(name).path, size or p.size, channels or p.channels, p.resize)
    return image[None].to(ctx.device)


def noised_input(
    job: Job[ModeParams], ctx: ModelContext, rng: torch.Generator, steps: Steps, i_start: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(x₀, x_t): the job's image and x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε at t = timesteps[i_start], where ε is the
    RNG's first draw — the same ε the `forward` mode uses for this seed. Past the end, t′ = −1: x_t = x₀."""
    stage1 = stage1_schedule(ctx)
    timesteps = stage1.timesteps(steps)
    t = timesteps[i_start] if i_start < len(timesteps) else -1
    x0 = load_input(job, "image", ctx)
    return x0, schedule.add_noise(x0, engine.draw_noise(rng, x0.shape, ctx.device), stage1.alpha_bar(t))


def stage1_schedule(ctx: ModelContext) -> schedule.Schedule:
    return schedule.Schedule.from_config(ctx.spec.scheduler_config)


def image_shape(job: Job[ModeParams], size: int | None = None) -> tuple[int, int, int, int]:
    side = size or job.params.size
    return (1, job.params.channels, side, side)


def guided_terms(job: Job[SamplingParams], prompts: Sequence[str], **term_args: Any) -> list[engine.Term]:
    """One term per prompt, with the job's CFG (when it has a guidance parameter)."""
    p = job.params
    if p.guidance is None:
        return [engine.Term(prompt, **term_args) for prompt in prompts]
    return [engine.Term(prompt, uncond=p.uncond, guidance=p.guidance, **term_args) for prompt in prompts]


def noise_track(job: Job[SamplingParams], ctx: ModelContext) -> engine.Track:
    """x_T is the seed's first draw; the prompt guides with the job's CFG if it has any."""
    check_prompts(job, 1, "the prompt to sample")
    rng = engine.make_rng(job.seed)
    x_T = engine.draw_noise(rng, image_shape(job), ctx.device)
    return make_track(job, ctx, x_T, guided_terms(job, job.prompts), rng=rng)


def denoising_track(
    ctx: ModelContext,
    x: torch.Tensor,
    terms: list[engine.Term],
    steps: Steps,
    thresholding: str,
    *,
    i_start: int = 0,
    rng: torch.Generator,
    reduce: str = "mean",
    hooks: Sequence[engine.Hook] = (),
    **extra: Any,
) -> engine.Track:
    """A stage-I track from x over timesteps[i_start:] of `steps`."""
    stage1 = stage1_schedule(ctx)
    return engine.Track(
        x=x,
        timesteps=stage1.timesteps(steps)[i_start:],
        terms=terms,
        embeddings=ctx.embeddings,
        schedule=stage1,
        rng=rng,
        thresholding=thresholding,
        reduce=reduce,
        hooks=list(hooks),
        **extra,
    )


def make_track(
    job: Job[SamplingParams],
    ctx: ModelContext,
    x: torch.Tensor,
    terms: list[engine.Term],
    *,
    stage2_hooks: Callable[[int], list[engine.Hook]] | None = None,
    **track_args: Any,
) -> engine.Track:
    """A stage-I track of the job's sampling, with a stage II follow-up when the job upsamples."""
    p = job.params
    track = denoising_track(ctx, x, terms, p.steps, p.thresholding, **track_args)
    if p.upsample:
        track.then = stage2_follow_up(job, ctx, stage2_hooks)
    return track


def stage2_follow_up(
    job: Job[SamplingParams], ctx: ModelContext, hooks: Callable[[int], list[engine.Hook]] | None
) -> Callable[[engine.Track], engine.Track]:
    """Stage II of a finished stage-I track, as IFSuperResolutionPipeline: x_T first, then the condition's
    noise, both from the track's RNG; the same prompts and views, with the stage II guidance."""
    p = job.params

    def follow_up(track: engine.Track) -> engine.Track:
        stage2 = schedule.Schedule.from_config(ctx.spec.upscale_scheduler_config)
        size = ctx.spec.upscale_size or 0
        device = track.x.device
        shape = (1, track.x.shape[1], size, size)
        x_T = engine.draw_noise(track.rng, shape, device)
        noise_level = engine.to_device([p.noise_level], device)
        image = ctx.model.upscale_condition(track.x, noise_level, engine.draw_noise(track.rng, shape, device))
        guided = p.stage2_guidance > 1.0
        terms = [
            replace(term, uncond=p.uncond if guided else None, guidance=p.stage2_guidance) for term in track.terms
        ]
        return engine.Track(
            x=x_T,
            timesteps=stage2.timesteps(p.upsample_steps),
            terms=terms,
            embeddings=ctx.embeddings,
            schedule=stage2,
            rng=track.rng,
            thresholding=p.thresholding,
            reduce=track.reduce,
            cond={"image": image, "noise_level": noise_level},
            hooks=hooks(size) if hooks else [],
            then=stage3_follow_up(job, ctx) if p.upscaler3 is not None else None,
        )

    return follow_up


def stage3_follow_up(job: Job[SamplingParams], ctx: ModelContext) -> Callable[[engine.Track], None]:
    """Stage III of a finished stage-II track, kept in its extras["stage3"]: the ×4 upscaler (a diffusers
    pipeline, not a track), its noise from the track's RNG, conditioned on the figure's prompt when it has one
    prompt and on "" when it has several (an illusion's readings must not be favoured)."""
    prompt = job.prompts[0] if len(set(job.prompts)) == 1 else ""
    settings = job.params.upscaler3 or {}

    def follow_up(track: engine.Track) -> None:
        track.extras["stage3"] = ctx.model.upscale_x4(track.x, prompt, track.rng, **settings)

    return follow_up


def as_image(x: torch.Tensor) -> torch.Tensor:
    """(1, C, H, W) → (C, H, W) in [-1, 1] on the CPU, as a Result wants it."""
    return x[0].detach().float().clamp(-1, 1).cpu()


def with_upsampled(
    images: dict[str, torch.Tensor],
    track: engine.Track,
    name: str,
    shown: Callable[[torch.Tensor], dict[str, torch.Tensor]] | None = None,
) -> dict[str, Any]:
    """Add the stage II (and stage III) result(s) of `track`, if it had them, named '<name>-<size>'."""
    if track.next is None:
        return images
    for x in (track.next.x, track.next.extras.get("stage3")):
        if x is not None:
            extra = shown(x) if shown else {name: x}
            images = {**images, **{f"{n}-{x.shape[-1]}": as_image(v) for n, v in extra.items()}}
    return images
