"""What the model-based modes share: parameter schemas, input loading, track building and stage II.

Nothing here imports torch at module level (recipes are validated without it); the engine and the maths are
imported where tracks are built.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Sequence

from generator.diffusion.filters import odd_kernel
from generator.modes.base import Mode, ModeContext, ModeParams, Param, ParamError, Problem, param

if TYPE_CHECKING:
    import torch

    from generator.diffusion.schedule import Schedule
    from generator.engine import Hook, Term, Track
    from generator.jobs import Job
    from generator.models.base import ModelSpec

STEPS_HELP = "'strided-S' (990, 960, …, 0 for S = 30), a DeepFloyd preset such as 'smart50', or a list"

STEPS = Param((str, list), default="strided-30", items=int, minimum=0, maximum=999, sweepable=True,
              help=STEPS_HELP)
THRESHOLDING = Param(str, default="auto", choices=("auto", "dynamic", "clip", "none"),
                     help="what each step does to x̂₀: the scheduler's own choice (auto), Imagen's dynamic "
                          "thresholding, clipping to [-1, 1], or nothing")
GUIDANCE = Param(float, default=7.0, minimum=0.0, maximum=50.0, help="CFG scale γ in ε_u + γ(ε_c − ε_u)")
UNCOND = Param(str, default="", help="the unconditional prompt ε_u is computed with")
I_START = Param(int, default=10, minimum=0, maximum=999, sweepable=True,
                help="index into the timesteps where denoising starts (not a timestep)")
Steps = str | list[int]
STAGE3 = 1024                   # `upsample: 1024`: stage II, then the ×4 upscaler


@dataclass(frozen=True)
class SamplingParams(ModeParams):
    """What every sampling mode reads: timesteps, thresholding and stage II. `guidance` None: no CFG."""

    steps: Steps = param(STEPS)
    thresholding: str = param(THRESHOLDING)
    upsample: bool | int = param(Param((bool, int), default=False, choices=(False, True, 256, 1024),
                                       help="also run stage II (true or 256: super-resolution), and with 1024 "
                                            "stage III too (Stable Diffusion's ×4 upscaler, to 1024×1024)"))
    upsample_steps: Steps = param(Param((str, list), default="strided-20", items=int, minimum=0, maximum=999,
                                        help=f"stage II timesteps: {STEPS_HELP}"))
    upsample_guidance: float = param(Param(float, default=4.0, minimum=0.0, maximum=50.0,
                                           help="stage II CFG scale"))
    noise_level: int = param(Param(int, default=250, minimum=0, maximum=999,
                                   help="noise added to the upsampled stage-I image that conditions stage II"))
    guidance: float | None = None          # a guided mode's parameter (GuidedParams); None: stage I without CFG
    uncond: str = ""


@dataclass(frozen=True)
class GuidedParams(SamplingParams):
    """Sampling with classifier-free guidance (Ho & Salimans 2022) at stage I."""

    guidance: float | None = param(GUIDANCE)
    uncond: str = param(UNCOND)


@dataclass(frozen=True)
class IllusionParams(GuidedParams):
    """Guided sampling whose stage II is conditioned as the reference illusion sampler's (Geng, Park & Owens,
    `sample_stage_2`): the stage-I image noised to level 50, guided with the stage-I guidance."""

    upsample_guidance: float | None = param(Param(float, default=None, minimum=0.0, maximum=50.0,
                                                  help="stage II CFG scale; default: the stage-I `guidance`, as "
                                                       "the reference's illusion sampler"))
    noise_level: int = param(Param(int, default=50, minimum=0, maximum=999,
                                   help="noise added to the upsampled stage-I image that conditions stage II (50 "
                                        "in the reference's illusion sampler; the course's 250 elsewhere)"))


SAMPLING = SamplingParams.schema()
GUIDED = GuidedParams.schema()
# What single-stage jobs record for the stage-II parameters they do not use: the course's defaults, so that a
# mode's own stage-II defaults change the keys of upsampled jobs only.
UNUSED_STAGE2 = {"upsample_steps": "strided-20", "upsample_guidance": 4.0, "noise_level": 250}


class ModelMode(Mode):
    """A mode whose jobs denoise through the engine; subclasses set `params` from the schemas above."""

    def resolve(self, params: dict[str, Any], spec: ModelSpec) -> dict[str, Any]:
        """Pin what the model decides: concrete thresholding, the stage II model when upsampling; check steps.
        Plain Python: expanding recipes into jobs never loads torch."""
        from generator.diffusion.timesteps import config_thresholding, parse_timesteps, resolve_thresholding

        params, config = dict(params), spec.scheduler_config
        total = config.get("num_train_timesteps", 1000)
        if "steps" in params:
            timesteps = checked_timesteps(params, "steps", total)
            if "i_start" in params and params["i_start"] > len(timesteps):
                raise ParamError("i_start", f"i_start {params['i_start']} is past the end of the "
                                            f"{len(timesteps)} timesteps of steps={params['steps']!r}; use at "
                                            f"most {len(timesteps)}")
        if "thresholding" in params:
            params["thresholding"] = resolve_thresholding(params["thresholding"], config_thresholding(config))
        if params.get("upsample"):
            if (upscaler := spec.stage2_key()) is None:
                raise ParamError("upsample", f"upsample is on, but model {spec.id!r} has no stage II; "
                                             f"remove `upsample: true`")
            checked_timesteps(params, "upsample_steps", total)
            params["upscaler"] = upscaler
            params.update(stage3_params(params["upsample"], spec))
            if params.get("upsample_guidance", 0.0) is None:          # IllusionParams: the stage-I guidance
                params["upsample_guidance"] = params["guidance"]
        else:
            params.update({k: v for k, v in UNUSED_STAGE2.items() if k in params})
        return params

    def embedding_prompts(self, job: Job) -> list[str]:
        """Every prompt whose embedding this job's tracks read."""
        return list(dict.fromkeys([*job.prompts, sampling(job).uncond, ""]))

    def model_calls(self, job: Job) -> int:
        """Single-sample model evaluations: distinct (view, prompt) requests per step × steps, plus stage II
        (timesteps counted for a 1000-step schedule)."""
        from generator.diffusion.timesteps import parse_timesteps

        p = sampling(job)
        start = job.params.get("i_start", 0)
        calls = requests_per_step(job, p.guidance is not None) * len(parse_timesteps(p.steps)[start:])
        if p.upsample:
            calls += requests_per_step(job, p.upsample_guidance > 1) * len(parse_timesteps(p.upsample_steps))
        if p.upsample == STAGE3:
            stage3 = job.params["upscaler3"]
            calls += (2 if stage3["guidance"] > 1 else 1) * stage3["steps"]
        return calls


def stage3_params(upsample: bool | int, spec: ModelSpec) -> dict[str, Any]:
    """`upsample: 1024` pins stage III (identity and settings, in the key); 256 is `true` (the same job)."""
    if upsample != STAGE3:
        return {"upsample": True}
    if (stage3 := spec.stage3_key()) is None:
        raise ParamError("upsample", f"upsample {STAGE3} needs a stage III, and model {spec.id!r} has none; use "
                                     f"`upsample: true`")
    return {"upscaler3": stage3}


def sampling(job: Job) -> SamplingParams:
    """The job's shared sampling parameters, typed (guidance is None for a mode without CFG)."""
    return SamplingParams.from_job(job)


def checked_timesteps(params: dict[str, Any], key: str, total: int) -> list[int]:
    """The timesteps of `params[key]`; a ParamError naming the key when they cannot be parsed."""
    from generator.diffusion.timesteps import parse_timesteps

    try:
        return parse_timesteps(params[key], total)
    except ValueError as exc:
        steps = params[key]
        message = str(exc).replace(str(steps), f"[{steps[0]}, {steps[1]}, … {len(steps)} values]") if (
            isinstance(steps, list) and len(steps) > 8) else str(exc)
        raise ParamError(key, message) from None


def kernel_problems(key: str, width: int, size: int) -> list[Problem]:
    """The Gaussian kernel of `width` (made odd) with reflect padding needs kernel_size // 2 < the image side
    (filters.gaussian_blur)."""
    kernel_size = odd_kernel(width)
    if kernel_size // 2 < size:
        return []
    return [((key,), f"kernel_size {kernel_size} is too wide for the model's {size}×{size} images "
                     f"(reflect padding); use at most {2 * size - 1}")]


def requests_per_step(job: Job, guided: bool) -> int:
    """What the engine asks the model per step: each (view, prompt) once, plus (view, uncond) with CFG."""
    views = job.params.get("views") or ["identity"] * len(job.prompts)
    pairs = set(zip(views, job.prompts))
    if guided:
        pairs |= {(view, sampling(job).uncond) for view in views}
    return len(pairs)


def check_prompts(job: Job, count: int, what: str) -> None:
    if len(job.prompts) != count:
        raise ValueError(f"figure {job.figure!r} ({job.mode}): expected {count} prompt(s), {what}; "
                         f"got {len(job.prompts)}: {list(job.prompts)}")


def load_input(job: Job, name: str, ctx: ModeContext, channels: int | None = None, size: int | None = None
               ) -> torch.Tensor:
    """The job's input image `name` at the model's size, (1, C, H, W) in [-1, 1] on the context's device."""
    from generator.images import load_image

    p = job.params
    size = size or p.get("size", ctx.spec.image_size)
    channels = channels or p.get("channels", ctx.spec.channels)
    image = load_image(job.input(name).path, size, channels, p.get("resize", "squash"))
    return image[None].to(ctx.device)


def noised_input(job: Job, ctx: ModeContext, rng: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """(x₀, x_t): the job's image and x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε at t = timesteps[i_start], where ε is the
    RNG's first draw — the same ε the `forward` mode uses for this seed. Past the end, t′ = −1: x_t = x₀."""
    from generator.diffusion.schedule import add_noise
    from generator.engine import draw_noise

    schedule = stage1_schedule(ctx)
    timesteps = schedule.timesteps(sampling(job).steps)
    i_start = job.params["i_start"]
    t = timesteps[i_start] if i_start < len(timesteps) else -1
    x0 = load_input(job, "image", ctx)
    return x0, add_noise(x0, draw_noise(rng, x0.shape, ctx.device), schedule.alpha_bar(t))


def stage1_schedule(ctx: ModeContext) -> Schedule:
    from generator.diffusion.schedule import Schedule

    return Schedule.from_config(ctx.spec.scheduler_config)


def image_shape(job: Job, ctx: ModeContext, size: int | None = None) -> tuple[int, int, int, int]:
    side = size or job.params.get("size", ctx.spec.image_size)
    return (1, job.params.get("channels", ctx.spec.channels), side, side)


def guided_terms(job: Job, prompts: Sequence[str], **term_args: Any) -> list[Term]:
    """One term per prompt, with the job's CFG (when it has a guidance parameter)."""
    from generator.engine import Term

    p = sampling(job)
    guidance = {"uncond": p.uncond, "guidance": p.guidance} if p.guidance is not None else {}
    return [Term(prompt, **guidance, **term_args) for prompt in prompts]


def noise_track(job: Job, ctx: ModeContext) -> Track:
    """x_T is the seed's first draw; the prompt guides with the job's CFG if it has any."""
    from generator.engine import draw_noise, make_rng

    check_prompts(job, 1, "the prompt to sample")
    rng = make_rng(job.seed)
    x_T = draw_noise(rng, image_shape(job, ctx), ctx.device)
    return make_track(job, ctx, x_T, guided_terms(job, job.prompts), rng=rng)


def make_track(job: Job, ctx: ModeContext, x: torch.Tensor, terms: list[Term], *, i_start: int = 0,
               rng: torch.Generator, reduce: str = "mean", hooks: Sequence[Hook] = (),
               stage2_hooks: Callable[[int], list[Hook]] | None = None, **extra: Any) -> Track:
    """A stage-I track from x at timesteps[i_start:], with a stage II follow-up when the job upsamples."""
    from generator.engine import Track

    p = sampling(job)
    schedule = stage1_schedule(ctx)
    track = Track(x=x, timesteps=schedule.timesteps(p.steps)[i_start:], terms=terms, embeddings=ctx.embeddings,
                  schedule=schedule, rng=rng, thresholding=p.thresholding, reduce=reduce,
                  hooks=list(hooks), **extra)
    if p.upsample:
        track.then = stage2_follow_up(job, ctx, stage2_hooks)
    return track


def stage2_follow_up(job: Job, ctx: ModeContext, hooks: Callable[[int], list[Hook]] | None
                     ) -> Callable[[Track], Track]:
    """Stage II of a finished stage-I track, as IFSuperResolutionPipeline: x_T first, then the condition's
    noise, both from the track's RNG; the same prompts and views, with the stage II guidance."""
    from generator.diffusion.schedule import Schedule
    from generator.engine import Track, draw_noise, to_device

    p = sampling(job)

    def follow_up(track: Track) -> Track:
        schedule = Schedule.from_config(ctx.spec.upscale_scheduler_config)
        size = ctx.spec.upscale_size
        device = track.x.device
        shape = (1, track.x.shape[1], size, size)
        x_T = draw_noise(track.rng, shape, device)
        noise_level = to_device([p.noise_level], device)
        image = ctx.model.upscale_condition(track.x, noise_level, draw_noise(track.rng, shape, device))
        guided = p.upsample_guidance > 1.0
        terms = [replace(term, uncond=p.uncond if guided else None, guidance=p.upsample_guidance)
                 for term in track.terms]
        return Track(x=x_T, timesteps=schedule.timesteps(p.upsample_steps), terms=terms,
                     embeddings=ctx.embeddings, schedule=schedule, rng=track.rng,
                     thresholding=p.thresholding, reduce=track.reduce,
                     cond={"image": image, "noise_level": noise_level},
                     hooks=hooks(size) if hooks else [],
                     then=stage3_follow_up(job, ctx) if p.upsample == STAGE3 else None)

    return follow_up


def stage3_follow_up(job: Job, ctx: ModeContext) -> Callable[[Track], None]:
    """Stage III of a finished stage-II track, kept in its extras["stage3"]: the ×4 upscaler (a diffusers
    pipeline, not a track), its noise from the track's RNG, conditioned on the figure's prompt when it has one
    prompt and on "" when it has several (an illusion's readings must not be favoured)."""
    prompt = job.prompts[0] if len(set(job.prompts)) == 1 else ""

    def follow_up(track: Track) -> None:
        track.extras["stage3"] = ctx.model.upscale_x4(track.x, prompt, track.rng, **job.params["upscaler3"])

    return follow_up


def as_image(x: torch.Tensor) -> torch.Tensor:
    """(1, C, H, W) → (C, H, W) in [-1, 1] on the CPU, as a Result wants it."""
    return x[0].detach().float().clamp(-1, 1).cpu()


def with_upsampled(images: dict[str, torch.Tensor], track: Track, name: str,
                   shown: Callable[[torch.Tensor], dict[str, torch.Tensor]] | None = None) -> dict[str, Any]:
    """Add the stage II (and stage III) result(s) of `track`, if it had them, named '<name>-<size>'."""
    if track.next is None:
        return images
    for x in (track.next.x, track.next.extras.get("stage3")):
        if x is not None:
            extra = shown(x) if shown else {name: x}
            images = {**images, **{f"{n}-{x.shape[-1]}": as_image(v) for n, v in extra.items()}}
    return images
