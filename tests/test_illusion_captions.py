"""Claims about illusions in the digits book are measured on seeds they were not chosen from: the illusion atlas
(models/digits/atlas.json, `make atlas`) picks its best cells on the selection seeds — the ones the figures show —
and re-draws them on fresh held-out seeds. Every figure that is an atlas cell quotes that cell's held-out rate
and its 95% Wilson interval, made with the atlas's steps, guidance and seeds; no other caption or intro of the
illusion sections states a percentage; and the judge reads each way of looking at a digit well enough (≥ 90% of
held-out digits seen that way) for its readings to mean something."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from generator.diffusion.filters import hybrid_kernel, hybrid_sigmas
from generator.digits.stats import wilson


ROOT = Path(__file__).resolve().parents[1]
ATLAS = json.loads((ROOT / "models" / "digits" / "atlas.json").read_text())
EVAL = json.loads((ROOT / "models" / "digits" / "eval.json").read_text())
BOOK = yaml.safe_load((ROOT / "recipes" / "digits" / "book.yaml").read_text())
SECTIONS = [ROOT / "recipes" / "digits" / name for name in ("50-anagrams.yaml", "60-hybrids.yaml")]
PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s?%")
WORDS = {
    "every seed": lambda r: r == 1.0,
    "all seeds": lambda r: r == 1.0,
    "no seed": lambda r: r == 0.0,
    "most seeds": lambda r: r > 0.5,
}
HELD_OUT = {(c["table"], tuple(c["pair"])): c for c in ATLAS["held_out"]}


def figures() -> list[tuple[str, dict, str]]:
    """(id, merged parameters, caption) of every figure of the illusion sections."""
    out = []
    for path in SECTIONS:
        section = yaml.safe_load(path.read_text())
        for figure in section["figures"]:
            merged = {**BOOK.get("defaults", {}), **section.get("defaults", {}), **figure}
            out.append((figure["id"], merged, figure.get("caption", "")))
    return out


def atlas_cell(p: dict) -> dict | None:
    """The held-out atlas cell this figure samples (its table, its digit pair in order), or None."""
    prompts = tuple(p.get("prompts", ()))
    if p["mode"] == "anagram" and len(p.get("views", [])) == 2 and p["views"][0] == "identity":
        table = f"anagram:{p['views'][1]}"
    elif p["mode"] == "hybrid":
        sigma = float(p.get("sigma") or hybrid_sigmas(2, 32)[0])
        table = f"hybrid:k{p.get('kernel_size') or hybrid_kernel(sigma, 32)}-s{sigma:g}"
    else:
        return None
    return HELD_OUT.get((table, prompts))


CELLS = [(fid, p, caption) for fid, p, caption in figures() if atlas_cell(p)]


def test_the_judge_reads_every_way_of_looking_on_held_out_digits():
    for record in (ATLAS["judge"], EVAL["judge"]):
        assert set(record) == {"near", "far"}
        for reading, judge in record.items():
            assert judge["accuracy"] >= 0.9 and judge["held_out_digits"] >= 1000, reading
    assert ATLAS["judge"] == EVAL["judge"]


def test_held_out_cells_are_fresh_seeds_and_their_intervals_are_wilsons():
    assert not set(ATLAS["seeds"]) & set(ATLAS["held_out_seeds"])
    for cell in ATLAS["held_out"]:
        assert cell["n"] == len(ATLAS["held_out_seeds"]) >= 30
        assert cell["both"] == round(cell["k"] / cell["n"], 4)
        assert cell["interval"] == [round(v, 4) for v in wilson(cell["k"], cell["n"])]


def test_the_book_shows_held_out_cells_beyond_six_nine():
    cells = {(c["table"], tuple(c["pair"])) for c in (atlas_cell(p) for _, p, _ in CELLS)}
    assert {pair for table, pair in cells if table.startswith("anagram:")} - {("6", "9"), ("9", "6")}, (
        "the digits book shows no measured anagram pair beyond 6/9"
    )
    assert any(table.startswith("hybrid:") for table, _ in cells), "no measured hybrid figure"


@pytest.mark.parametrize("fid, p, caption", CELLS, ids=[c[0] for c in CELLS])
def test_atlas_figures_are_made_as_measured_and_quote_the_held_out_rate(fid, p, caption):
    cell = atlas_cell(p)
    assert p.get("steps", "strided-30") == ATLAS["steps"], f"{fid}: steps differ from the atlas's"
    assert float(p.get("guidance", 7.0)) == ATLAS["guidance"], f"{fid}: guidance differs from the atlas's"
    assert p.get("seeds") == ATLAS["seeds"], f"{fid}: the figure must show the atlas's selection seeds"
    low, high = cell["interval"]
    rate, interval = f"{cell['both']:.0%} of {cell['n']} fresh seeds", f"95% interval {low:.0%}–{high:.0%}"
    assert rate in caption and interval in caption, f"{fid}: the caption must quote '{rate}' and '{interval}'"
    measured = {round(100 * v) for v in (cell["both"], cell["first"], cell["second"], low, high)}
    quoted = [float(q) for q in PERCENT.findall(caption.replace("95% interval", "interval"))]
    assert all(q in measured for q in quoted), f"{fid}: {quoted} are not all held-out rates {sorted(measured)}"
    for words, holds in WORDS.items():
        assert words not in caption.lower() or holds(cell["both"]), f"{fid}: '{words}' but held-out {cell['both']:.0%}"
    if high < 0.5:
        assert "does not work" in caption, f"{fid}: held-out at most {high:.0%}: the caption must say it does not work"


def test_nothing_else_in_the_illusion_sections_states_a_percentage():
    for path in SECTIONS:
        assert not PERCENT.search(yaml.safe_load(path.read_text()).get("intro", "")), f"{path.name}: intro"
    for fid, p, caption in figures():
        if not atlas_cell(p):
            assert not PERCENT.search(caption), f"{fid}: a percentage that no held-out atlas cell measured"
            assert not any(w in caption.lower() for w in WORDS), f"{fid}: a claim that no atlas cell measured"
