"""A small fixed site rendered and compared with the committed output under tests/golden/site/.

After an intended change to the templates, regenerate the golden files and review the diff:
    GOLDEN_UPDATE=1 .venv/bin/pytest tests/test_site_golden.py
The stylesheet's fingerprint is written as style.HASH.css, so CSS-only edits need no regeneration.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from generator.site.page import BookView, FigureView, Grid, Panel, SectionView, SiteView
from generator.site.render import render_site


GOLDEN = Path(__file__).parent / "golden"
TEXT = (".html", ".md")


def golden_site() -> SiteView:
    pic = {n: GOLDEN / "input" / f"{n}.png" for n in ("gradient", "checker", "dot")}
    sweep = FigureView(
        id="sweep",
        caption="Three strengths, two seeds. Prompt: `a <b>bold</b> fox`.",
        mode="sdedit",
        model="tiny random UNet",
        info=[("guidance", "7.0"), ("steps", "strided-30")],
        grids=[
            Grid(
                [
                    [
                        Panel(pic["gradient"], "i_start = 1"),
                        Panel(pic["checker"], "i_start = 3"),
                        Panel(pic["dot"], "i_start = 5"),
                    ],
                    [
                        Panel(pic["dot"], "i_start = 1"),
                        Panel(pic["gradient"], "i_start = 3"),
                        Panel(None, "i_start = 5"),
                    ],
                ],
                row_labels=["seed 180", "seed 181"],
                title="SDEdit strength",
            )
        ],
        others=[Panel(pic["checker"], "seed 182"), Panel(pic["dot"], "seed 183")],
        pending=["sdedit seed 181 i_start 5"],
        command="gallery build --figure sweep",
        title="An SDEdit sweep",
    )
    digits = FigureView(
        id="digits",
        caption="Pixelated, as drawn.",
        mode="sample",
        model="",
        grids=[
            Grid(
                [
                    [
                        Panel(pic["checker"], "class 0", pixelated=True, alt="a checkerboard"),
                        Panel(pic["dot"], "class 1", pixelated=True),
                    ]
                ]
            )
        ],
    )
    waiting = FigureView(
        id="hybrid",
        caption="Skull far away, waterfall up close.",
        mode="hybrid",
        model="tiny random UNet",
        grids=[Grid([[Panel(None, "seed 1")]])],
        pending=["hybrid seed 1"],
        command="gallery build --recipe recipes/hybrid.yaml --figure hybrid",
    )
    book = BookView(
        slug="tiny",
        title="A tiny book",
        model="tiny random UNet",
        summary="Small *and* fixed.",
        sections=[
            SectionView("editing", "Editing", "Noise a picture, then denoise it.", [sweep, digits]),
            SectionView("hybrids", "Hybrid images", "Low and high frequencies from two prompts.", [waiting]),
        ],
        extras={"date": "2024-10-05", "tags": ["diffusion", "test"]},
    )
    other = BookView(slug="empty", title="An empty book", model="", summary="Nothing here yet.", sections=[])
    return SiteView(title="Golden Gallery", intro="A fixed site for **golden** tests.", books=[book, other])


def _snapshot(root: Path) -> dict[str, str]:
    """Pages and Markdown as text (fingerprint normalised); every other file by name only (files.txt)."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            rel = re.sub(r"style\.[0-9a-f]{12}\.css", "style.HASH.css", path.relative_to(root).as_posix())
            text = path.read_text("utf-8") if path.suffix in TEXT else ""
            out[rel] = re.sub(r"style\.[0-9a-f]{12}\.css", "style.HASH.css", text)
    return out


def _write_golden(snapshot: dict[str, str]) -> None:
    target = GOLDEN / "site"
    shutil.rmtree(target, ignore_errors=True)
    for rel, text in snapshot.items():
        if rel.endswith(TEXT):
            path = target / (rel + ".golden")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
    (GOLDEN / "files.txt").write_text("".join(f"{rel}\n" for rel in snapshot), "utf-8")


def test_render_matches_the_committed_golden_site(tmp_path):
    render_site(golden_site(), tmp_path / "public", hugo=True)
    got = _snapshot(tmp_path / "public")
    if os.environ.get("GOLDEN_UPDATE"):
        _write_golden(got)
    assert list(got) == (GOLDEN / "files.txt").read_text("utf-8").splitlines()
    for rel, text in got.items():
        if rel.endswith(TEXT):
            want = (GOLDEN / "site" / (rel + ".golden")).read_text("utf-8")
            assert text == want, f"{rel} differs from tests/golden/site/{rel}.golden (GOLDEN_UPDATE=1 to accept)"
