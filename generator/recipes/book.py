"""Recipes on disk → validated books, sections and figures.

Layout: recipes/<book>/book.yaml (title, summary, model, defaults) and one YAML file per section beside it.
Defaults merge book < section < figure; a default that does not apply to a figure's mode is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.recipes.located_yaml import Located, RecipeError, load_located
from generator.recipes.figure import Origin, load_figure
from generator.recipes.schema import (BOOK_KEYS, HUGO_KEYS, SECTION_KEYS,
                                      check_keys, check_value, figure_keys, is_kind, type_name)


@dataclass
class FigureSpec:
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
    params: dict[str, Any]            # the mode's parameters, defaults applied (swept ones hold the first value)
    inputs: dict[str, Any]            # raw input specs by name
    resize: str
    file: str                         # recipe path, for messages
    line: int
    recipe_dir: Path                  # relative input paths resolve from here


@dataclass
class Section:
    book: str
    slug: str
    title: str
    order: int
    intro: str
    file: str
    figures: list[FigureSpec] = field(default_factory=list)


@dataclass
class Book:
    slug: str
    title: str
    summary: str
    model: str
    order: int
    sections: list[Section] = field(default_factory=list)
    front_matter: dict[str, Any] = field(default_factory=dict)   # date, authors, tags, categories

    def figures(self) -> list[FigureSpec]:
        return [f for s in self.sections for f in s.figures]


def display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def load_books(recipes_root: Path, model_ids: set[str]) -> tuple[list[Book], list[RecipeError]]:
    """Every book under `recipes_root`, validated; all errors from all files are returned together."""
    books, errors = [], []
    for book_file in sorted(recipes_root.glob("*/book.yaml")):
        book, book_errors = load_book(book_file.parent, recipes_root, model_ids)
        errors += book_errors
        if book is not None:
            books.append(book)
    books.sort(key=lambda b: (b.order, b.slug))
    return books, errors


def load_book(folder: Path, root: Path, model_ids: set[str]) -> tuple[Book | None, list[RecipeError]]:
    doc = load_located(folder / "book.yaml", display(folder / "book.yaml", root))
    data = doc.data if isinstance(doc.data, dict) else {}
    if doc.data is not None or not doc.errors:
        check_header(doc, data, BOOK_KEYS, "book.yaml", required=("title", "model"))
    if data.get("model") is not None and data.get("model") not in model_ids:
        doc.error(("model",), f"unknown model {data.get('model')!r}; known: {', '.join(sorted(model_ids))}")
    book = Book(folder.name, str(data.get("title", folder.name)), str(data.get("summary", "")),
                str(data.get("model", "")), int_or(data.get("order"), 0))
    book.front_matter = {k: data[k] for k in HUGO_KEYS if k in data}
    defaults = located_defaults(doc, data)
    errors: list[RecipeError] = []
    first_seen: dict[str, str] = {}
    for file in sorted(p for p in folder.glob("*.yaml") if p.name != "book.yaml"):
        section, section_errors = load_section(file, root, book, defaults, first_seen, model_ids)
        errors += section_errors
        if section is not None:
            book.sections.append(section)
    book.sections.sort(key=lambda s: (s.order, s.slug))
    return (book if not doc.errors else None), doc.errors + errors


def section_name(stem: str) -> tuple[int, str]:
    """`30-guidance` → (30, "guidance"): the number orders sections, the rest names the page."""
    match = re.fullmatch(r"(\d+)-(.+)", stem)
    return (int(match[1]), match[2]) if match else (0, stem)


def int_or(value: Any, fallback: int) -> int:
    return value if is_kind(value, int) and not isinstance(value, bool) else fallback


def check_header(doc: Located, data: Any, keys: dict[str, type], what: str, required: tuple[str, ...]) -> None:
    if not check_keys(doc, (), data, keys, what):
        return
    for key in required:
        if key not in data:
            doc.error((), f"missing required key {key!r} in {what}")
    for key, kind in keys.items():
        if key in data and not is_kind(data[key], kind):
            doc.error((key,), f"expected {type_name(kind)}, got {data[key]!r}")



def located_defaults(doc: Located, data: dict[str, Any]) -> dict[str, tuple[Any, Origin]]:
    """The `defaults:` mapping, each value with where it was written (for error positions)."""
    raw = data.get("defaults") or {}
    if not isinstance(raw, dict):
        return {}
    allowed = {k: v for k, v in figure_keys(None).items() if k not in ("id",)}
    check_keys(doc, ("defaults",), raw, allowed, "defaults")
    good = {}
    for key, value in raw.items():
        if key in allowed and check_value(doc, ("defaults", key), value, allowed[key]):
            good[key] = (value, (doc, ("defaults", key)))
    return good


def load_section(file: Path, root: Path, book: Book, book_defaults: dict[str, tuple[Any, Origin]],
                 first_seen: dict[str, str], model_ids: set[str]) -> tuple[Section | None, list[RecipeError]]:
    doc = load_located(file, display(file, root))
    data = doc.data if isinstance(doc.data, dict) else {}
    if doc.data is not None or not doc.errors:
        check_header(doc, data, SECTION_KEYS, "a section", required=("title", "figures"))
    number, slug = section_name(file.stem)
    section = Section(book.slug, slug, str(data.get("title", slug)), int_or(data.get("order"), number),
                      str(data.get("intro", "")), doc.file)
    defaults = {**book_defaults, **located_defaults(doc, data)}
    figures = data.get("figures") if isinstance(data.get("figures"), list) else []
    for index, raw in enumerate(figures):
        figure = load_figure(doc, ("figures", index), raw, book, section, defaults, model_ids, file.parent)
        if figure is None:
            continue
        where = f"{doc.file}:{doc.where(('figures', index, 'id'))[0]}"
        if figure.id in first_seen:
            doc.error(("figures", index, "id"), f"duplicate figure id {figure.id!r} (first used at "
                                                f"{first_seen[figure.id]}); ids must be unique within a book")
        else:
            first_seen[figure.id] = where
            section.figures.append(figure)
    return (section if not doc.errors else None), doc.errors
