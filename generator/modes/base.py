"""What every figure mode provides: its typed parameters, its work, and what the site needs to show it.

A mode is one small module registered by name (the registry idea of the visual-anagrams code), declaring its
parameters as one dataclass (generator/params.py) that every layer reads. A model-free mode makes its result
directly (`make`); a model mode splits its work so that the engine can pack the model calls of *all* pending
jobs of a run together:

    tracks(job, ctx)            -> the denoising trajectories the job needs
    assemble(job, tracks, ctx)  -> the job's Result, once the engine has run every track

How a figure is laid out is the site's business (generator/site/, from the stored results only: rendering never
loads a model); a mode declares what the site cannot know without it — what its pictures are called (`noun`),
which of them stands for a result, how they move, which chart draws its record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Mapping, Protocol, Sequence, TypeVar

from generator.jobs import InputImage, Job
from generator.models.base import Backend, ModelSpec
from generator.params import ModeParams, Param


if TYPE_CHECKING:
    import torch

    from generator.engine import Track

P = TypeVar("P", bound=ModeParams)
M = TypeVar("M", bound="type[Mode[Any]]")
Problem = tuple[tuple[Any, ...], str]  # (key path from the parameter name, message)


class ParamError(ValueError):
    """A parameter value this mode cannot run with; `key` names it so the error points at its line."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


@dataclass
class Result:
    """A job's output: named images in [-1, 1], shape (C, H, W), in display order, plus numbers."""

    images: dict[str, torch.Tensor]
    info: dict[str, Any] = field(default_factory=dict)


class ModelContext(Protocol):
    """What a model mode sees while it builds tracks and assembles results (the runner's RunContext)."""

    spec: ModelSpec
    model: Backend
    device: Any
    store_root: Path | None
    embeddings: dict[str, Any]  # prompt → embedding, encoded up front


class Mode(Generic[P]):
    """A figure kind; subclasses set the class attributes, `Params`, and override what they need."""

    name: ClassVar[str]
    version: ClassVar[int] = 1  # bump whenever the pixels this mode makes would change
    needs_model: ClassVar[bool] = True
    takes_seed: ClassVar[bool] = True  # False: its pictures depend on no seed (one job per sweep point)
    Params: ClassVar[type[ModeParams]] = ModeParams  # the typed parameters; `params` (the schema) derives from it
    params: ClassVar[dict[str, Param]] = {}
    inputs: ClassVar[tuple[str, ...]] = ()  # names of input images, e.g. ("image",) or ("image", "mask")
    optional_inputs: ClassVar[tuple[str, ...]] = ()
    prompts: ClassVar[tuple[int, int]] = (0, 0)  # (min, max) number of prompts
    shared_images: ClassVar[tuple[str, ...]] = ()  # images equal across a figure's sweep (e.g. the original)
    full_size: ClassVar[bool] = False  # its images are drawn at their size (plots): never pixelated
    # How the site shows it (generator/site/ reads these and knows no mode by name)
    noun: ClassVar[str] = ""  # what its pictures are, in alt text: "visual anagram"
    motions: ClassVar[tuple[str, ...]] = ()  # site/motion.py's movements: "turn", "distance", "small"
    chart: ClassVar[str] = ""  # site/charts.py's chart of the job's record, drawn as SVG
    edits_toward_prompt: ClassVar[bool] = False  # alt text names the prompt an input was edited toward

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.params = cls.Params.schema()
        if not cls.noun and "name" in vars(cls):
            cls.noun = cls.name.replace("_", " ")

    def resolve(self, p: P, spec: ModelSpec) -> P:
        """Pin what the model decides for this mode's pixels (e.g. its noise schedule); ParamError for a value
        it cannot run with. Plain Python: expanding recipes into jobs never loads torch."""
        return p

    def check_params(self, p: P, inputs: Mapping[str, InputImage], project_root: Path) -> list[Problem]:
        """Every problem with these resolved parameters that only the model's image size (`p.size`) or the
        inputs reveal (a rect outside the image, a kernel wider than it, a malformed record), as (key path,
        message). Called at expansion for every sweep point, without torch, before any work or write."""
        return []

    def check(self, job: Job[P]) -> None:
        """Raise ValueError for a job this mode cannot run (its prompts; checked at expansion)."""

    def embedding_prompts(self, job: Job[P]) -> list[str]:
        """Every prompt whose embedding this job's tracks read (encoded once, up front, for the whole run)."""
        return []

    def model_calls(self, job: Job[P]) -> int:
        """How many single-sample model evaluations this job needs (for `gallery plan`)."""
        return 0

    def stages(self, p: P) -> int:
        """How many stages of the model's cascade its job runs (1; 2 with super-resolution; 3 with the ×4
        upscaler after it)."""
        return 1

    # ---- for the site: what only the mode knows about its pictures

    def readings(self, p: P) -> list[str]:
        """The views its images are read in, one per prompt (an anagram's); [] when they are not readings."""
        return []

    def prompt_roles(self, p: P) -> list[str]:
        """What each prompt is for, in words ('upright', 'far'); [] when the prompts need no role."""
        return []

    def settings(self, p: P) -> list[tuple[str, str]]:
        """The mode's own settings a pending figure lists, as (label, words), beyond its shown parameters."""
        return []

    def hole(self, p: P) -> list[int] | None:
        """The region [top, left, bottom, right] its parameters mark to be filled in, if any (a preview draws it)."""
        return None


class ModelFreeMode(Mode[P]):
    """A mode whose result needs no model: a picture computed from the inputs or a record."""

    needs_model = False

    def make(self, job: Job[P]) -> Result:
        raise NotImplementedError(f"mode {self.name!r} must implement make()")


class ModelMode(Mode[P]):
    """A mode whose jobs denoise through the engine."""

    def embedding_prompts(self, job: Job[P]) -> list[str]:
        return list(dict.fromkeys([*job.prompts, ""]))

    def tracks(self, job: Job[P], ctx: ModelContext) -> list[Track]:
        """The denoising trajectories this job needs; the engine runs them, batched with all others."""
        return []

    def assemble(self, job: Job[P], tracks: Sequence[Track], ctx: ModelContext) -> Result:
        raise NotImplementedError(f"mode {self.name!r} must implement assemble()")


MODES: dict[str, Mode[Any]] = {}


def register(cls: M) -> M:
    """Class decorator: make a mode available to recipes under its `name`."""
    MODES[cls.name] = cls()
    return cls
