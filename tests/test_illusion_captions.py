"""Claims about illusions in the digits book are measured: every figure that is a cell of the illusion atlas
(models/digits/atlas.json, `make atlas`) quotes that cell's rate, made with the atlas's steps, guidance and seeds,
and no other caption or intro of the illusion sections states a percentage."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ATLAS = json.loads((ROOT / "models" / "digits" / "atlas.json").read_text())
BOOK = yaml.safe_load((ROOT / "recipes" / "digits" / "book.yaml").read_text())
SECTIONS = [ROOT / "recipes" / "digits" / name for name in ("50-anagrams.yaml", "60-hybrids.yaml")]
PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s?%")
WORDS = {"every seed": lambda r: r == 1.0, "all seeds": lambda r: r == 1.0, "no seed": lambda r: r == 0.0,
         "most seeds": lambda r: r > 0.5}


def figures() -> list[tuple[str, dict, str]]:
    """(id, merged parameters, caption) of every figure of the illusion sections."""
    out = []
    for path in SECTIONS:
        section = yaml.safe_load(path.read_text())
        for figure in section["figures"]:
            merged = {**BOOK.get("defaults", {}), **section.get("defaults", {}), **figure}
            out.append((figure["id"], merged, figure.get("caption", "")))
    return out


def atlas_cell(p: dict) -> tuple[str, tuple[str, str]] | None:
    """The atlas table and (first, second) digit pair this figure samples, or None."""
    prompts = tuple(p.get("prompts", ()))
    if p["mode"] == "anagram" and len(p.get("views", [])) == 2 and p["views"][0] == "identity":
        table = f"anagram:{p['views'][1]}"
    elif p["mode"] == "hybrid":
        table = f"hybrid:k{p['kernel_size']}-s{float(p['sigma']):g}"
    else:
        return None
    return (table, prompts) if table in ATLAS["tables"] else None


def rate(table: str, pair: tuple[str, str], which: str = "both") -> float | None:
    return ATLAS["tables"][table][which][int(pair[0])][int(pair[1])]


CELLS = [(fid, p, caption) for fid, p, caption in figures() if atlas_cell(p)]


def test_the_book_shows_atlas_cells_beyond_six_nine():
    pairs = {atlas_cell(p) for _, p, _ in CELLS}
    anagrams = {pair for table, pair in pairs if table.startswith("anagram:")}
    assert anagrams - {("6", "9"), ("9", "6")}, "the digits book shows no measured anagram pair beyond 6/9"
    assert any(table.startswith("hybrid:") for table, _ in pairs), "no measured hybrid figure"


@pytest.mark.parametrize("fid, p, caption", CELLS, ids=[c[0] for c in CELLS])
def test_atlas_figures_are_made_as_measured_and_quote_the_measured_rate(fid, p, caption):
    table, pair = atlas_cell(p)
    assert p.get("steps", "strided-30") == ATLAS["steps"], f"{fid}: steps differ from the atlas's"
    assert float(p.get("guidance", 7.0)) == ATLAS["guidance"], f"{fid}: guidance differs from the atlas's"
    assert p.get("seeds") == ATLAS["seeds"], f"{fid}: seeds differ from the atlas's"
    measured = {round(100 * r) for w in ("both", "first", "second") if (r := rate(table, pair, w)) is not None}
    both = rate(table, pair)
    quoted = [float(q) for q in PERCENT.findall(caption)]
    assert round(100 * both) in quoted, f"{fid}: the caption must quote the measured rate {both:.0%}"
    assert all(q in measured for q in quoted), f"{fid}: {quoted} are not all measured rates {sorted(measured)}"
    for words, holds in WORDS.items():
        assert words not in caption.lower() or holds(both), f"{fid}: '{words}' but the atlas says {both:.0%}"


def test_nothing_else_in_the_illusion_sections_states_a_percentage():
    for path in SECTIONS:
        assert not PERCENT.search(yaml.safe_load(path.read_text()).get("intro", "")), f"{path.name}: intro"
    for fid, p, caption in figures():
        if not atlas_cell(p):
            assert not PERCENT.search(caption), f"{fid}: a percentage that no atlas cell measured"
            assert not any(w in caption.lower() for w in WORDS), f"{fid}: a claim that no atlas cell measured"
