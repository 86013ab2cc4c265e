"""A figure's typed parameters: one dataclass per mode, read by every layer — recipes validate against it, jobs
carry it, modes compute from it, the site describes it.

The dataclass is the declaration, the way diffusers' `@register_to_config` makes a scheduler's `__init__`
arguments its config: each recipe parameter is a field made with `param(Param(...))` (its name, type, default
and range written once); what expansion decides for the pixels (the model's image size, its noise schedule, the
stage II model) is a field made with `pinned()`. `key()` is the one serialised form, and only the job key reads
it; everything else reads the fields.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Param:
    """One recipe parameter: its type, default and allowed range, for validation, the README and the site."""

    kind: type | tuple[type, ...]  # int, float, str, bool, list, dict
    default: Any = None  # None with required=True: the recipe must give it
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] | None = None
    items: type | tuple[type, ...] | None = None  # element type for list params
    sweepable: bool = False  # may be given as a list under `sweep:`
    help: str = ""
    shown: bool = False  # a pending figure lists it among its settings (site/inputs.py)


def param(spec: Param) -> Any:
    """A recipe parameter of a mode's dataclass: its default is the Param's, the Param rides in the field's
    metadata, so each parameter's name, type and default are written once. In the key."""
    if isinstance(spec.default, (list, dict)):
        return field(default_factory=lambda: copy.deepcopy(spec.default), metadata={"param": spec})
    return field(default=spec.default, metadata={"param": spec})


def pinned(default: Any = None) -> Any:
    """A value expansion decides (from the model's spec or the figure), not the recipe's parameters: in the key
    once set (not None)."""
    return field(default=default, metadata={"pinned": True})


def field_order(cls: type) -> list[str]:
    """Field names with the class's new fields first, then its dataclass base's in that base's order."""
    base = next((b for b in cls.__mro__[1:] if "__dataclass_fields__" in vars(b)), None)
    inherited = field_order(base) if base is not None else []
    return [f.name for f in fields(cls) if f.name not in inherited] + inherited


@dataclass(frozen=True)
class ModeParams:
    """A mode's typed parameters. Fields made with `param(...)` are the recipe's parameters, `pinned()` ones what
    expansion fixes; plain fields are what the mode reads without a recipe saying it (a stated default, out of
    the key). The schema lists the mode's own parameters first, then those it inherits in their order; a field
    that redeclares an inherited one keeps the inherited one's place.

    Every mode's images are made at the model's size and channels, from inputs fitted as the figure says: expansion
    sets all three for every job."""

    size: int = pinned()  # the model's stage-I image side
    channels: int = pinned()  # its image channels (1: grey, 3: RGB)
    resize: str = pinned()  # how input images fit: squash or crop (the figure's `resize`)

    @classmethod
    def schema(cls) -> dict[str, Param]:
        """The recipe schema: parameter name → Param, in the order the README's modes table shows them."""
        by_name = {f.name: f for f in fields(cls)}
        return {
            name: by_name[name].metadata["param"] for name in field_order(cls) if "param" in by_name[name].metadata
        }

    def key(self) -> dict[str, Any]:
        """The serialised parameters, as the job key hashes them: every recipe parameter, and each pinned value
        that is set. Nothing but the key reads this form."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if "param" in f.metadata or ("pinned" in f.metadata and value is not None):
                out[f.name] = value
        return out
