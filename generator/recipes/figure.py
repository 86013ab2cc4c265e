"""One figure of a recipe: merge defaults, check every key against its mode's schema."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from generator.images import input_spec_problems
from generator.modes.base import MODES, Mode
from generator.params import Param
from generator.recipes.declared import Book, Figure, Origin, Section
from generator.recipes.located_yaml import KeyPath, Located
from generator.recipes.schema import (
    FIGURE_ID,
    MAX_JOBS,
    MAX_SEEDS,
    SEED_KEYS,
    SLUG_RULE,
    check_keys,
    check_value,
    figure_keys,
)


def load_figure(
    doc: Located,
    path: KeyPath,
    raw: Any,
    book: Book,
    section: Section,
    defaults: dict[str, tuple[Any, Origin]],
    model_ids: set[str],
    recipe_dir: Path,
) -> Figure | None:
    """Validate one figure; errors go to `doc` (or to the file a default came from)."""
    before = len(doc.errors)
    if not isinstance(raw, dict):
        doc.error(path, f"expected a figure mapping (id, mode, …), got {raw!r}")
        return None
    mode = check_mode(doc, path, raw)
    raw = without_seeds(doc, path, raw, mode)
    check_keys(doc, path, raw, figure_keys(mode), f"a {mode.name!r} figure" if mode else "a figure")
    if mode is None:
        return None
    values = merged_values(doc, path, raw, mode, defaults)
    check_identity(doc, path, raw)
    check_prompts(doc, path, raw, mode, values)
    seeds, pick = check_seeds(doc, path, values)
    sweep = check_sweep(doc, path, mode, values)
    model = values.get("model", (book.model, (doc, path)))[0]
    if model not in model_ids and (model or "model" in values):  # an invalid book model is reported there
        report(
            values.get("model", (None, (doc, path)))[1],
            f"unknown model {model!r}; known: {', '.join(sorted(model_ids))}",
        )
    inputs = {name: values[name][0] for name in (*mode.inputs, *mode.optional_inputs) if name in values}
    for name in inputs:
        if name in raw:  # defaults were checked where they were written
            check_input(values[name][1], inputs[name])
    check_job_count(origin_of(values, "sweep", (doc, path)), len(seeds), sweep)
    for name in mode.inputs:
        if name not in values and name not in raw:  # a bad value there was reported already
            doc.error(
                path,
                f"mode {mode.name!r} needs an input image {name!r} (a path relative to the "
                f"recipe, {{builtin: astronaut}} or {{url: …, sha256: …}})",
            )
    if len(doc.errors) != before:
        return None
    given = {k: values[k][0] for k in mode.params if k in values}
    params = mode.Params(**{**given, **{k: v[0] for k, v in sweep.items() if k != "prompts"}})
    return Figure(
        book.slug,
        section.slug,
        raw["id"],
        mode.name,
        model,
        values.get("title", ("",))[0],
        values.get("caption", ("",))[0],
        list(values.get("prompts", ([],))[0]),
        seeds,
        pick,
        sweep,
        params,
        inputs,
        values.get("resize", ("squash",))[0],
        doc.file,
        doc.where(path)[0],
        recipe_dir,
        origins={"": (doc, path), **{k: v[1] for k, v in values.items()}},
    )


def without_seeds(doc: Located, path: KeyPath, raw: dict[str, Any], mode: Mode | None) -> dict[str, Any]:
    """A figure of a mode that takes no seed may not name one (a section's default seeds simply do not apply)."""
    if mode is None or mode.takes_seed:
        return raw
    for key in (k for k in SEED_KEYS if k in raw):
        doc.error(
            path + (key,), f"mode {mode.name!r} takes no seed (its picture is the same for every seed); remove {key!r}"
        )
    return {k: v for k, v in raw.items() if k not in SEED_KEYS}


def origin_of(values: dict[str, tuple[Any, Origin]], key: str, fallback: Origin) -> Origin:
    return values[key][1] if key in values else fallback


def check_input(origin: Origin, source: Any) -> None:
    """An input's form (path, builtin, or https URL with a 64-hex sha256), checked where it was written."""
    doc, path = origin
    for subpath, message in input_spec_problems(source):
        doc.error(path + subpath, message)


def check_job_count(origin: Origin, seeds: int, sweep: dict[str, list[Any]]) -> None:
    """seeds × every sweep combination, counted before anything is expanded."""
    count = seeds
    for values in sweep.values():
        count *= len(values)
    if count > MAX_JOBS:
        sizes = " × ".join([f"{seeds} seeds", *(f"{len(v)} {k}" for k, v in sweep.items())])
        report(
            origin,
            f"this figure expands to {count:,} jobs ({sizes}), more than {MAX_JOBS:,}; split it into several figures",
        )


def report(origin: Origin, message: str) -> None:
    doc, path = origin
    doc.error(path, message)


def check_mode(doc: Located, path: KeyPath, raw: dict[str, Any]) -> Mode | None:
    name = raw.get("mode")
    if name is None:
        doc.error(path, "missing required key 'mode'")
    elif not isinstance(name, str):
        doc.error(path + ("mode",), f"expected a mode name (a string), got {name!r}")
        return None
    elif name not in MODES:
        doc.error(path + ("mode",), f"unknown mode {name!r}; expected one of: {', '.join(sorted(MODES))}")
    return MODES.get(name) if isinstance(name, str) else None


def check_identity(doc: Located, path: KeyPath, raw: dict[str, Any]) -> None:
    fid = raw.get("id")
    if fid is None:
        doc.error(path, "missing required key 'id'")
    elif not isinstance(fid, str) or not FIGURE_ID.match(fid):
        doc.error(path + ("id",), f"expected an id of lowercase letters, digits and '-' ({SLUG_RULE}), got {fid!r}")


def merged_values(
    doc: Located, path: KeyPath, raw: dict[str, Any], mode: Mode, defaults: dict[str, tuple[Any, Origin]]
) -> dict[str, tuple[Any, Origin]]:
    """Defaults that apply to this mode, overridden by the figure; each checked where it was written."""
    keys = figure_keys(mode)
    values = {k: v for k, v in defaults.items() if k in keys}  # defaults were checked where written
    for key, value in raw.items():
        if key in keys and (key in ("id", "mode") or check_value(doc, path + (key,), value, keys[key])):
            values[key] = (value, (doc, path + (key,)))
    for key, param in mode.params.items():
        swept = raw.get("sweep") if isinstance(raw.get("sweep"), dict) else {}
        given = (
            key in raw or key in defaults or key in swept or "sweep" in defaults or ("sweep" in raw and not swept)
        )  # an unusable sweep was reported already
        if param.required and not given:
            doc.error(
                path,
                f"missing required parameter {key!r} for mode {mode.name!r}"
                f"{' (' + param.help + ')' if param.help else ''}",
            )
    return values


def check_prompts(
    doc: Located, path: KeyPath, raw: dict[str, Any], mode: Mode, values: dict[str, tuple[Any, Origin]]
) -> None:
    if "prompts" in (values.get("sweep", ({},))[0] or {}) and "prompts" not in values:
        return  # each swept prompt list is checked in check_sweep
    if "prompts" in raw and "prompts" not in values:
        return  # already reported as the wrong type
    prompts, origin = values.get("prompts", ([], (doc, path)))
    check_count(mode, len(prompts), origin)


def check_count(mode: Mode, count: int, origin: Origin) -> None:
    low, high = mode.prompts
    if not low <= count <= high:
        want = f"exactly {low}" if low == high else f"between {low} and {high}"
        report(origin, f"mode {mode.name!r} takes {want} prompt(s), got {count}")


def check_seeds(doc: Located, path: KeyPath, values: dict[str, tuple[Any, Origin]]) -> tuple[list[int], int]:
    seeds, origin = values.get("seeds", ([0], (doc, path)))
    if not seeds:
        report(origin, "expected at least one seed")
        return [0], 0
    if len(seeds) > MAX_SEEDS:
        report(
            origin,
            f"{len(seeds):,} seeds, more than {MAX_SEEDS:,} for one figure; use fewer seeds "
            f"(each seed is a full run of the figure)",
        )
        return [0], 0
    if len(set(seeds)) != len(seeds):
        repeated = sorted(s for s, n in Counter(seeds).items() if n > 1)
        report(origin, f"seeds repeat: {repeated[:10]}")
    pick, pick_origin = values.get("pick", (seeds[0], (doc, path)))
    if pick not in seeds:
        report(pick_origin, f"pick {pick} is not one of the seeds {seeds}")
    return list(seeds), pick


def check_sweep(
    doc: Located, path: KeyPath, mode: Mode, values: dict[str, tuple[Any, Origin]]
) -> dict[str, list[Any]]:
    sweep, origin = values.get("sweep", ({}, (doc, path)))
    sweepable = {k: p for k, p in mode.params.items() if p.sweepable}
    if mode.prompts[1] > 0:
        sweepable["prompts"] = Param(list, items=str)  # a list of prompt lists: one job per entry
    good: dict[str, list[Any]] = {}
    for key, items in sweep.items():
        where = (origin[0], origin[1] + (key,))
        if key not in sweepable:
            report(
                where,
                f"cannot sweep {key!r} in mode {mode.name!r}; sweepable: {', '.join(sorted(sweepable)) or 'none'}",
            )
        elif not isinstance(items, list) or not items:
            report(where, f"expected a non-empty list of values to sweep, got {items!r}")
        elif all(check_value(where[0], where[1] + (i,), v, sweepable[key]) for i, v in enumerate(items)):
            if key == "prompts":
                for i, prompts in enumerate(items):
                    check_count(mode, len(prompts), (where[0], where[1] + (i,)))
            good[key] = items
    return good
