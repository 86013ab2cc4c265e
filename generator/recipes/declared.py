"""What recipes declare, once validated: books, their sections and figures (plain data, below every loader)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.params import ModeParams
from generator.recipes.located_yaml import KeyPath, Located, RecipeError


Origin = tuple[Located, KeyPath]  # where a value was written: its document and key path


@dataclass
class Figure:
    book: str
    section: str
    id: str
    mode: str
    model: str
    title: str
    caption: str
    prompts: list[str]
    seeds: list[int]
    pick: int
    sweep: dict[str, list[Any]]
    params: ModeParams  # the mode's parameters, defaults applied (swept ones hold the first value)
    inputs: dict[str, Any]  # raw input sources by name
    resize: str
    file: str  # recipe path, for messages
    line: int
    recipe_dir: Path  # relative input paths resolve from here
    origins: dict[str, Origin] = field(default_factory=dict)  # key → where it was written ("" = the figure)

    def error(self, key_path: KeyPath, message: str, sweep_point: dict[str, Any] | None = None) -> RecipeError:
        """A problem with one key of this figure, at the line where that key (or its swept value) was written."""
        key = key_path[0] if key_path else ""
        if not self.origins:  # built by hand, not loaded from a file
            return RecipeError(self.file, self.line, 1, key_path, message)
        if sweep_point and key in sweep_point and "sweep" in self.origins:
            doc, path = self.origins["sweep"]
            path = path + (key, index_of(self.sweep[key], sweep_point[key])) + key_path[1:]
        else:
            doc, path = self.origins.get(key) or self.origins[""]
            path = path + key_path[1:] if key in self.origins else path
        line, column = doc.where(path)
        return RecipeError(doc.file, line, column, path, message)


def index_of(values: list[Any], value: Any) -> int:
    return next((i for i, v in enumerate(values) if v == value), 0)


@dataclass
class Section:
    book: str
    slug: str
    title: str
    order: int
    intro: str
    file: str
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Book:
    slug: str
    title: str
    summary: str
    model: str
    order: int
    sections: list[Section] = field(default_factory=list)
    front_matter: dict[str, Any] = field(default_factory=dict)  # date, authors, tags, categories

    def figures(self) -> list[Figure]:
        return [f for s in self.sections for f in s.figures]
