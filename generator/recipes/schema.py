"""What a recipe may say, checked against each mode's parameter schema.

Every problem in every file is collected (never stop at the first), each with file:line:column, the key path
and what was expected.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from generator.modes.base import MODES, Mode, Param
from generator.recipes.located_yaml import KeyPath, Located

BOOK_KEYS = {"title": str, "summary": str, "model": str, "order": int, "defaults": dict,
             # front matter for the Hugo page bundle of the book
             "date": (str, datetime.date), "authors": list, "tags": list, "categories": list}
HUGO_KEYS = ("date", "authors", "tags", "categories")
SECTION_KEYS = {"title": str, "order": int, "intro": str, "defaults": dict, "figures": list}
FIGURE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")

# Keys every figure may have, whatever its mode.
COMMON = {
    "id": Param(str, required=True, help="unique within the book: lowercase letters, digits, '-'"),
    "mode": Param(str, required=True, help="one of the registered modes"),
    "title": Param(str, default="", help="heading over the figure"),
    "caption": Param(str, default="", help="Markdown under the figure"),
    "model": Param(str, help="model preset; defaults to the book's"),
    "prompts": Param(list, default=[], items=str, help="prompts, in the order the mode expects"),
    "seeds": Param(list, default=[0], items=int, minimum=0, help="one image (set) per seed"),
    "pick": Param(int, minimum=0, help="the seed shown large; defaults to the first"),
    "sweep": Param(dict, default={}, help="parameter → list of values; one job per combination"),
    "resize": Param(str, default="squash", choices=("squash", "crop"), help="how input images fit the model"),
}


def type_name(kind: type | tuple[type, ...]) -> str:
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false",
             list: "a list", dict: "a mapping"}
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
                check_value(doc, path + (i,), item, Param(param.items, minimum=param.minimum,
                                                          maximum=param.maximum))
    elif is_kind(value, (int, float)) and not isinstance(value, bool):
        check_range(doc, path, value, param)
    return len(doc.errors) == ok_before


def check_range(doc: Located, path: KeyPath, value: float, param: Param) -> None:
    low, high = param.minimum, param.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"between {low} and {high}" if low is not None and high is not None else (
            f"at least {low}" if low is not None else f"at most {high}")
        doc.error(path, f"expected a value {span}, got {value!r}")


def check_keys(doc: Located, path: KeyPath, mapping: Any, allowed: dict[str, Any], what: str) -> bool:
    if not isinstance(mapping, dict):
        doc.error(path, f"expected a mapping for {what}, got {type(mapping).__name__}")
        return False
    for key in mapping:
        if key not in allowed:
            doc.error(path + (key,), f"unknown key {key!r} in {what}; expected one of: "
                                     f"{', '.join(sorted(map(str, allowed)))}")
    return True


def figure_keys(mode: Mode | None) -> dict[str, Param]:
    """The keys a figure of this mode accepts (all modes' keys when the mode is unknown)."""
    keys: dict[str, Param] = dict(COMMON)
    for m in ([mode] if mode else MODES.values()):
        keys.update(m.params)
        keys.update({name: Param((str, dict)) for name in (*m.inputs, *m.optional_inputs)})
    return keys
