"""What every figure mode provides: its parameter schema, its work, and how its results are shown.

A mode is one small module registered by name (the registry idea of the visual-anagrams code). Its work is
split so that the engine can pack the model calls of *all* pending jobs of a run together:

    tracks(job, ctx)            -> the denoising trajectories the job needs (empty for model-free modes)
    assemble(job, tracks, ctx)  -> the job's Result, once the engine has run every track

How the figure is shown is the site's business (generator/site/layout.py, from the stored results only:
rendering never loads a model); a mode only declares what its images are (`shared_images`, `full_size`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Mapping, Protocol, Sequence, TypeVar

if TYPE_CHECKING:
    import torch
    from generator.engine import Track
    from generator.jobs import InputImage, Job
    from generator.models.base import Backend, ModelSpec


@dataclass(frozen=True)
class Param:
    """One mode parameter: its type, default and allowed range, for validation and for the README."""

    kind: type | tuple[type, ...]          # int, float, str, bool, list, dict
    default: Any = None                    # None with required=True: the recipe must give it
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] | None = None
    items: type | tuple[type, ...] | None = None   # element type for list params
    sweepable: bool = False               # may be given as a list under `sweep:`
    help: str = ""


def field_order(cls: type) -> list[str]:
    """Field names with the class's new fields first, then its dataclass base's in that base's order."""
    base = next((b for b in cls.__mro__[1:] if "__dataclass_fields__" in vars(b)), None)
    inherited = field_order(base) if base is not None else []
    return [f.name for f in fields(cls) if f.name not in inherited] + inherited


def param(spec: Param) -> Any:
    """A field of a mode's parameter dataclass: its default is the Param's, the Param (validation, README) rides
    in the field's metadata, so each parameter's name, type and default are written once."""
    if isinstance(spec.default, (list, dict)):
        return field(default_factory=lambda: copy.deepcopy(spec.default), metadata={"param": spec})
    return field(default=spec.default, metadata={"param": spec})


P = TypeVar("P", bound="ModeParams")


@dataclass(frozen=True)
class ModeParams:
    """A mode's typed parameters, built from a job's resolved params (which stay the serialised form: the key).

    Fields made with `param(...)` are the recipe's parameters; plain fields are what the mode reads without a
    recipe saying it (a stated default). The schema lists the mode's own parameters first, then those it
    inherits in their order; a field that redeclares an inherited one keeps the inherited one's place."""

    @classmethod
    def schema(cls) -> dict[str, Param]:
        """The recipe schema: parameter name → Param, in the order the README's modes table shows them."""
        by_name = {f.name: f for f in fields(cls)}
        return {name: by_name[name].metadata["param"] for name in field_order(cls)
                if "param" in by_name[name].metadata}

    @classmethod
    def from_params(cls: type[P], params: Mapping[str, Any]) -> P:
        """These parameters from a job's resolved params (keys this class lacks are ignored; missing ones default)."""
        return cls(**{f.name: params[f.name] for f in fields(cls) if f.init and f.name in params})

    @classmethod
    def from_job(cls: type[P], job: Job) -> P:
        return cls.from_params(job.params)


class ParamError(ValueError):
    """A parameter value this mode cannot run with; `key` names it so the error points at its line."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


Problem = tuple[tuple[Any, ...], str]       # (key path from the parameter name, message)


@dataclass
class Result:
    """A job's output: named images in [-1, 1], shape (C, H, W), in display order, plus numbers."""

    images: dict[str, torch.Tensor]
    info: dict[str, Any] = field(default_factory=dict)


class ModeContext(Protocol):
    """What a mode sees while it builds tracks and assembles results (the runner's RunContext has it)."""

    spec: ModelSpec | None
    model: Backend | None
    device: Any
    store_root: Path | None
    embeddings: dict[str, Any]                 # prompt → embedding, encoded up front


class Mode:
    """Base class; subclasses set the class attributes and override what they need."""

    name: ClassVar[str]
    version: ClassVar[int] = 1                 # bump whenever the pixels this mode makes would change
    needs_model: ClassVar[bool] = True
    takes_seed: ClassVar[bool] = True          # False: its pictures depend on no seed (one job per sweep point)
    Params: ClassVar[type[ModeParams] | None] = None   # typed parameters; `params` (the schema) derives from it
    params: ClassVar[dict[str, Param]] = {}
    inputs: ClassVar[tuple[str, ...]] = ()     # names of input images, e.g. ("image",) or ("image", "mask")
    optional_inputs: ClassVar[tuple[str, ...]] = ()
    prompts: ClassVar[tuple[int, int]] = (0, 0)   # (min, max) number of prompts
    shared_images: ClassVar[tuple[str, ...]] = ()  # images equal across a figure's sweep (e.g. the original)
    full_size: ClassVar[bool] = False          # its images are drawn at their size (plots): never pixelated

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "Params" in vars(cls) and cls.Params is not None:
            cls.params = cls.Params.schema()

    def resolve(self, params: dict[str, Any], spec: ModelSpec) -> dict[str, Any]:
        """Add what the model decides for this mode's pixels (e.g. its noise schedule) to the job's params."""
        return params

    def check(self, job: Job) -> None:
        """Raise ValueError for a job this mode cannot run (checked at expansion, before any work)."""

    def check_params(self, params: Mapping[str, Any], inputs: Mapping[str, InputImage], image_size: int,
                     project_root: Path) -> list[Problem]:
        """Every problem with these resolved parameters that only the model's image size or the inputs reveal
        (a rect outside the image, a kernel wider than it, a malformed record), as (key path, message).
        Called at expansion for every sweep point, without torch, before any work or write."""
        return []

    def embedding_prompts(self, job: Job) -> list[str]:
        """Every prompt whose embedding this job's tracks read (encoded once, up front, for the whole run)."""
        return [*job.prompts, ""]

    def model_calls(self, job: Job) -> int:
        """How many single-sample model evaluations this job needs (for `gallery plan`)."""
        return 0

    def tracks(self, job: Job, ctx: ModeContext) -> list[Track]:
        """The denoising trajectories this job needs; the engine runs them, batched with all others."""
        return []

    def assemble(self, job: Job, tracks: Sequence[Track], ctx: ModeContext) -> Result:
        raise NotImplementedError(f"mode {self.name!r} must implement assemble()")


MODES: dict[str, Mode] = {}


def register(cls: type[Mode]) -> type[Mode]:
    """Class decorator: make a mode available to recipes under its `name`."""
    MODES[cls.name] = cls()
    return cls
