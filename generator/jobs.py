"""A job: one fully resolved unit of work whose pixels depend on nothing outside it.

The key is sha256 over canonical JSON (sorted dict keys, list order kept), salted with a key-format
version — the scheme Snakemake uses for its cache (`caching/hash.py`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, Mapping, TypeVar


if TYPE_CHECKING:
    from generator.params import ModeParams

KEY_FORMAT = 1
P = TypeVar("P", bound="ModeParams", covariant=True)


def canonical_json(value: Any) -> str:
    """JSON with sorted dict keys, no whitespace, lists in their given order."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


@dataclass(frozen=True)
class InputImage:
    """A resolved input image: where it came from (for messages) and the sha256 of its bytes."""

    name: str  # the recipe's name for it, e.g. "image" or "mask"
    source: str  # "builtin:astronaut", "recipes/sketches/house.png", "https://…"
    sha256: str  # of the source file's bytes; part of the job key
    path: str  # local file holding those bytes
    alt: str = ""  # what the picture shows, in words, as the recipe says (alt text; not part of the key)


@dataclass(frozen=True)
class Job(Generic[P]):
    """One image-producing unit: a figure with every sweep value and one seed fixed. `params` is its mode's
    typed parameters (generator/params.py), fully resolved; the key hashes their serialised form."""

    book: str  # e.g. "deepfloyd" or "digits"
    section: str  # section slug (the recipe file's stem)
    figure: str  # figure id, unique within the book
    mode: str
    algorithm: int  # the mode's algorithm version
    params: P  # fully resolved: defaults merged, sweep values filled in, pinned
    prompts: tuple[str, ...]
    seed: int
    model: Mapping[str, str] | None  # {"id": …, "revision": …}; None for model-free modes
    inputs: tuple[InputImage, ...] = ()
    sweep: Mapping[str, Any] = field(default_factory=dict)  # the swept values, for labels

    def key_payload(self) -> dict[str, Any]:
        """Everything that determines the pixels — and nothing else (not ids, captions or prose)."""
        return {
            "key_format": KEY_FORMAT,
            "mode": self.mode,
            "algorithm": self.algorithm,
            "params": self.params.key(),
            "prompts": list(self.prompts),
            "seed": self.seed,
            "model": dict(self.model) if self.model else None,
            "inputs": {i.name: i.sha256 for i in self.inputs},
        }

    @cached_property
    def key(self) -> str:
        return sha256_hex(canonical_json(self.key_payload()))

    def input(self, name: str) -> InputImage:
        return next(i for i in self.inputs if i.name == name)
