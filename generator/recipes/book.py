"""Recipes on disk → validated books, sections and figures.

Layout: recipes/<book>/book.yaml (title, summary, model, defaults) and one YAML file per section beside it.
Defaults merge book < section < figure; a default that does not apply to a figure's mode is ignored.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from generator.modes.base import MODES
from generator.recipes.declared import Book, Origin, Section
from generator.recipes.figure import check_input, load_figure
from generator.recipes.located_yaml import Located, RecipeError, load_located
from generator.recipes.schema import (
    BOOK_KEYS,
    HUGO_KEYS,
    SECTION_KEYS,
    SITE_KEYS,
    check_keys,
    check_value,
    figure_keys,
    is_kind,
    slug_problem,
    type_name,
)


YAML_SUFFIXES = (".yaml", ".yml")


def display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def load_books(recipes_root: Path, model_ids: set[str]) -> tuple[list[Book], list[RecipeError]]:
    """Every book under `recipes_root`, validated; all errors from all files are returned together.

    Nothing is skipped silently: a folder of YAML files without book.yaml, a `.yml` file or a YAML file outside
    a book is an error that says what to rename."""
    folders, errors = book_folders(recipes_root)
    books = []
    for folder in folders:
        book, book_errors = load_book(folder, recipes_root, model_ids)
        errors += book_errors
        if book is not None:
            books.append(book)
    return sort_books(books), once(errors)


def book_folders(recipes_root: Path) -> tuple[list[Path], list[RecipeError]]:
    """The book folders (each holding a book.yaml) in name order, and the errors for YAML that is in no book."""
    if not recipes_root.is_dir():
        return [], [
            RecipeError(
                display(recipes_root, recipes_root),
                0,
                0,
                (),
                "missing: no recipes folder here; run from the project folder or pass --root",
            )
        ]
    folders, errors = [], stray_files(recipes_root)
    for folder in sorted(p for p in recipes_root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if (folder / "book.yaml").exists():
            folders.append(folder)
        else:
            errors += missing_book_yaml(folder, recipes_root)
    return folders, errors


def sort_books(books: list[Book]) -> list[Book]:
    return sorted(books, key=lambda b: (b.order, b.slug))


def once(errors: list[RecipeError]) -> list[RecipeError]:
    """Each problem once (a bad default is reported by every figure that inherits it)."""
    return list({str(e): e for e in errors}.values())


def is_yaml_name(path: Path) -> bool:
    """A YAML file by its name (any case of .yaml / .yml); hidden files (editor locks, swaps) are not."""
    return path.suffix.lower() in YAML_SUFFIXES and not path.name.startswith(".")


def stray_files(recipes_root: Path) -> list[RecipeError]:
    """YAML files directly under recipes/ other than site.yaml: they belong to no book."""
    errors = []
    for file in sorted(recipes_root.iterdir()):
        if is_yaml_name(file) and file.name != "site.yaml":
            hint = (
                "rename it to site.yaml"
                if file.stem.lower() == "site"
                else "move it into a book folder (recipes/<book>/, beside a book.yaml)"
            )
            errors.append(RecipeError(display(file, recipes_root), 1, 1, (), f"not read: {hint}"))
    return errors


def missing_book_yaml(folder: Path, root: Path) -> list[RecipeError]:
    """A folder holding YAML but no book.yaml would vanish from the site: say so (asset folders are fine)."""
    yaml_files = sorted(p.name for p in folder.iterdir() if is_yaml_name(p))
    if not yaml_files:
        return []
    near = [n for n in yaml_files if n.lower() in ("book.yml", "book.yaml", "books.yaml", "book.yaml.yaml")]
    hint = f"rename {near[0]} to book.yaml" if near else "add a book.yaml (title, model) to make it a book"
    return [
        RecipeError(
            display(folder / "book.yaml", root),
            0,
            0,
            (),
            f"missing: the folder holds {', '.join(yaml_files[:5])} but no book.yaml; {hint}",
        )
    ]


def load_site(recipes_root: Path) -> tuple[dict[str, Any], list[RecipeError]]:
    """recipes/site.yaml (title, intro): every key and type checked like a book's."""
    file = recipes_root / "site.yaml"
    doc = load_located(file, display(file, recipes_root), recipes_root.parent)
    if not doc.errors:
        check_header(doc, doc.data, SITE_KEYS, "site.yaml", required=())
        url = doc.data.get("url") if isinstance(doc.data, dict) else None
        if isinstance(url, str) and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
            doc.error(
                ("url",),
                f"expected the address the site is published at, e.g. https://me.github.io/gallery/, got {url!r}",
            )
    data = doc.data if isinstance(doc.data, dict) and not doc.errors else {}
    return data, doc.errors


def load_book(folder: Path, root: Path, model_ids: set[str]) -> tuple[Book | None, list[RecipeError]]:
    doc = load_located(folder / "book.yaml", display(folder / "book.yaml", root), root.parent)
    data = doc.data if isinstance(doc.data, dict) else {}
    if doc.data is not None or not doc.errors:
        check_header(doc, doc.data, BOOK_KEYS, "book.yaml", required=("title", "model"))
    if isinstance(data.get("model"), str) and data["model"] not in model_ids:
        doc.error(("model",), f"unknown model {data.get('model')!r}; known: {', '.join(sorted(model_ids))}")
    problem = slug_problem(folder.name, "book folder")
    if problem:
        doc.errors.append(RecipeError(doc.file, 1, 1, (), f"{problem} (rename the folder)"))
    check_front_matter(doc, data)
    model = data.get("model") if isinstance(data.get("model"), str) else ""
    book = Book(
        folder.name,
        str(data.get("title", folder.name)),
        str(data.get("summary", "")),
        model,
        int_or(data.get("order"), 0),
    )
    book.front_matter = {k: data[k] for k in HUGO_KEYS if k in data}
    defaults = located_defaults(doc, data)
    errors: list[RecipeError] = []
    first_seen: dict[str, str] = {}
    slugs: dict[str, str] = {}
    for file in sorted(p for p in folder.iterdir() if is_yaml_name(p) and p.name != "book.yaml"):
        if file.suffix != ".yaml":
            errors.append(
                RecipeError(display(file, root), 1, 1, (), f"not read: rename {file.name} to {file.stem}.yaml")
            )
            continue
        section, section_errors = load_section(file, root, book, defaults, first_seen, model_ids)
        errors += section_errors + section_slug_errors(file, root, slugs)
        if section is not None:
            book.sections.append(section)
    book.sections.sort(key=lambda s: (s.order, s.slug))
    return (book if not doc.errors else None), doc.errors + errors


def section_slug_errors(file: Path, root: Path, slugs: dict[str, str]) -> list[RecipeError]:
    """A section's name (its file name without the number) must be a valid, unreserved, unique slug."""
    slug = section_name(file.stem)[1]
    problem = slug_problem(slug, "section name")
    if not problem and slug in slugs:
        problem = f"section name {slug!r} is already taken by {slugs[slug]}; rename one of the files"
    slugs.setdefault(slug, file.name)
    return [RecipeError(display(file, root), 1, 1, (), f"{problem} (rename the file)")] if problem else []


def check_front_matter(doc: Located, data: dict[str, Any]) -> None:
    """Hugo front matter: a real YYYY-MM-DD date and lists of strings."""
    import datetime

    date = data.get("date")
    if isinstance(date, str):
        try:
            datetime.date.fromisoformat(date)
        except ValueError:
            doc.error(("date",), f"expected a date written YYYY-MM-DD, got {date!r}")
    for key in ("authors", "tags", "categories"):
        for i, item in enumerate(data.get(key) if isinstance(data.get(key), list) else []):
            if not isinstance(item, str):
                doc.error((key, i), f"expected a string, got {item!r}")


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
    inputs = {name for mode in MODES.values() for name in (*mode.inputs, *mode.optional_inputs)}
    for key, value in raw.items():
        if key in allowed and check_value(doc, ("defaults", key), value, allowed[key]):
            good[key] = (value, (doc, ("defaults", key)))
            if key in inputs:
                check_input(good[key][1], value)
    return good


def load_section(
    file: Path,
    root: Path,
    book: Book,
    book_defaults: dict[str, tuple[Any, Origin]],
    first_seen: dict[str, str],
    model_ids: set[str],
) -> tuple[Section | None, list[RecipeError]]:
    doc = load_located(file, display(file, root), root.parent)
    data = doc.data if isinstance(doc.data, dict) else {}
    if doc.data is not None or not doc.errors:
        check_header(doc, doc.data, SECTION_KEYS, "a section", required=("title", "figures"))
    number, slug = section_name(file.stem)
    section = Section(
        book.slug,
        slug,
        str(data.get("title", slug)),
        int_or(data.get("order"), number),
        str(data.get("intro", "")),
        doc.file,
    )
    defaults = {**book_defaults, **located_defaults(doc, data)}
    figures = data.get("figures") if isinstance(data.get("figures"), list) else []
    for index, raw in enumerate(figures):
        figure = load_figure(doc, ("figures", index), raw, book, section, defaults, model_ids, file.parent)
        if figure is None:
            continue
        where = f"{doc.file}:{doc.where(('figures', index, 'id'))[0]}"
        if figure.id in first_seen:
            doc.error(
                ("figures", index, "id"),
                f"duplicate figure id {figure.id!r} (first used at "
                f"{first_seen[figure.id]}); ids must be unique within a book",
            )
        else:
            first_seen[figure.id] = where
            section.figures.append(figure)
    return (section if not doc.errors else None), doc.errors
