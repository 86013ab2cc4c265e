"""What a recipe may say, checked against each mode's parameter schema.

Every problem in every file is collected (never stop at the first), each with file:line:column, the key path
and what was expected.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import Any

from generator.modes.base import MODES, Mode
from generator.params import Param
from generator.recipes.located_yaml import KeyPath, Located


BOOK_KEYS = {
    "title": str,
    "summary": str,
    "model": str,
    "order": int,
    "defaults": dict,
    # front matter for the Hugo page bundle of the book
    "date": (str, datetime.date),
    "authors": list,
    "tags": list,
    "categories": list,
    # the site: the index's cover pictures ("figure-id" or "figure-id/image"), the closing words
    "cover": list,
    "closing": str,
}
HUGO_KEYS = ("date", "authors", "tags", "categories", "cover", "closing")  # kept in Book.front_matter
SECTION_KEYS = {"title": str, "order": int, "intro": str, "defaults": dict, "figures": list}
SITE_KEYS = {"title": str, "intro": str, "url": str}  # url: where the site is published (Open Graph)
# Book folders, section names and figure ids become folder names, file names and anchors.
FIGURE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
SLUG = FIGURE_ID
RESERVED_SLUGS = ("img", "hugo")  # top-level folders of the site (site/slugs.py's RESERVED)
SLUG_RULE = "1–64 characters from a–z, 0–9 and '-', starting with a letter or digit"

SEED_MAX = 2**32 - 1  # seeds: 0 ≤ seed < 2³², portable to every RNG (numpy, torch)
MAX_SEEDS = 1000  # seeds of one figure
MAX_JOBS = 10_000  # jobs of one figure: seeds × every sweep combination

# Keys every figure may have, whatever its mode.
COMMON = {
    "id": Param(str, required=True, help="unique within the book: lowercase letters, digits, '-'"),
    "mode": Param(str, required=True, help="one of the registered modes"),
    "title": Param(str, default="", help="heading over the figure"),
    "caption": Param(str, default="", help="Markdown under the figure"),
    "model": Param(str, help="model preset; defaults to the book's"),
    "prompts": Param(list, default=[], items=str, help="prompts, in the order the mode expects"),
    "seeds": Param(list, default=[0], items=int, minimum=0, maximum=SEED_MAX, help="one image (set) per seed"),
    "pick": Param(int, minimum=0, maximum=SEED_MAX, help="the seed shown large; defaults to the first"),
    "sweep": Param(dict, default={}, help="parameter → list of values; one job per combination"),
    "resize": Param(str, default="squash", choices=("squash", "crop"), help="how input images fit the model"),
}


def type_name(kind: type | tuple[type, ...]) -> str:
    names = {
        int: "an integer",
        float: "a number",
        str: "a string",
        bool: "true or false",
        list: "a list",
        dict: "a mapping",
        type(None): "nothing (null)",
        datetime.date: "a date",
    }
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def is_kind(value: Any, kind: type | tuple[type, ...]) -> bool:
    """isinstance, except that a bool is not a number and an int is a fine float."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool):
        return bool in kinds
    return isinstance(value, kinds) or (float in kinds and isinstance(value, int))


def check_value(doc: Located, path: KeyPath, value: Any, param: Param) -> bool:
    """Report every way `value` breaks `param`; True when it is fine."""
    ok_before = len(doc.errors)
    if not is_kind(value, param.kind):
        doc.error(path, f"expected {type_name(param.kind)}, got {value!r}")
        return False
    if param.choices is not None and value not in param.choices:
        doc.error(path, f"expected one of {', '.join(map(str, param.choices))}; got {value!r}")
    if isinstance(value, list):
        for i, item in enumerate(value):
            if param.items is not None:
                check_value(doc, path + (i,), item, Param(param.items, minimum=param.minimum, maximum=param.maximum))
    elif isinstance(value, float) and not math.isfinite(value):
        doc.error(path, f"expected a finite number, got {value!r}")
    elif is_kind(value, (int, float)) and not isinstance(value, bool):
        check_range(doc, path, value, param)
    return len(doc.errors) == ok_before


def check_range(doc: Located, path: KeyPath, value: float, param: Param) -> None:
    low, high = param.minimum, param.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        span = (
            f"between {low} and {high}"
            if low is not None and high is not None
            else (f"at least {low}" if low is not None else f"at most {high}")
        )
        doc.error(path, f"expected a value {span}, got {value!r}")


def check_keys(doc: Located, path: KeyPath, mapping: Any, allowed: dict[str, Any], what: str) -> bool:
    if not isinstance(mapping, dict):
        doc.error(path, f"expected a mapping for {what}, got {type_name(type(mapping))}")
        return False
    for key in mapping:
        if key not in allowed:
            doc.error(
                path + (key,),
                f"unknown key {key!r} in {what}; expected one of: "
                f"{', '.join(sorted(map(str, allowed)))}{closest(key, allowed)}",
            )
    return True


def closest(key: Any, allowed: Any) -> str:
    """' (did you mean 'x'?)' for a near miss, else ''."""
    import difflib

    match = difflib.get_close_matches(str(key), list(map(str, allowed)), n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def slug_problem(slug: str, what: str) -> str | None:
    """Why `slug` cannot name a book or section (it becomes a folder and an anchor), or None."""
    if not SLUG.match(slug):
        return f"{what} {slug!r} is not a valid name: use {SLUG_RULE}"
    if slug in RESERVED_SLUGS:
        return f"{what} {slug!r} is reserved (the site uses {', '.join(RESERVED_SLUGS)}); choose another name"
    return None


SEED_KEYS = ("seeds", "pick")


def figure_keys(mode: Mode | None) -> dict[str, Param]:
    """The keys a figure of this mode accepts (all modes' keys when the mode is unknown); a mode that takes no
    seed has no `seeds` or `pick` (so a section's default seeds do not apply to it)."""
    keys: dict[str, Param] = dict(COMMON)
    if mode is not None and not mode.takes_seed:
        for key in SEED_KEYS:
            del keys[key]
    for m in [mode] if mode else MODES.values():
        keys.update(m.params)
        keys.update({name: Param((str, dict)) for name in (*m.inputs, *m.optional_inputs)})
    return keys
