"""What a reader (and a link preview) gets: Open Graph and description meta, figure permalinks and a contents link,
the picked seed named, seedless figures shown once, a hybrid's far view small, alt text that never names a file
— on the project's own books, in the HTML site and in the Hugo export."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from generator.site.render import render_site
from tests.site_samples import sample_site


FILE_NAME = re.compile(r"[\w.-]+\.(png|jpe?g|json|webp|svg)\b", re.IGNORECASE)


class _Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.alts: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta":
            self.meta[a.get("property") or a.get("name") or ""] = a.get("content") or ""
        if tag == "img":
            self.alts.append(a.get("alt") or "")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if a.get("id"):
            self.ids.add(a["id"])


def parsed(path: Path) -> _Meta:
    page = _Meta()
    page.feed(path.read_text("utf-8"))
    return page


def test_open_graph_and_description_on_every_page(tmp_path):
    site = sample_site(tmp_path / "store")
    site.url = "https://me.example.org/gallery"
    render_site(site, tmp_path / "public")
    book = parsed(tmp_path / "public" / "deepfloyd" / "index.html")
    assert (
        book.meta["og:type"] == "article" and book.meta["og:title"] == "Messing with DeepFloyd IF · Diffusion Gallery"
    )
    assert book.meta["description"] == book.meta["og:description"]
    assert book.meta["og:description"] == "Noise, denoise, and hallucinate: a tour of a pixel-space diffusion model."
    assert book.meta["og:url"] == "https://me.example.org/gallery/deepfloyd/index.html"
    assert re.fullmatch(r"https://me\.example\.org/gallery/img/[0-9a-f]{16}\.png", book.meta["og:image"])
    assert (tmp_path / "public" / book.meta["og:image"].removeprefix("https://me.example.org/gallery/")).is_file()
    assert book.meta["og:image:alt"] and book.meta["twitter:card"] == "summary_large_image"
    index = parsed(tmp_path / "public" / "index.html")
    assert index.meta["og:type"] == "website" and index.meta["og:url"] == "https://me.example.org/gallery/"
    assert index.meta["description"] == "Figures made from recipes, not by hand. <em>no html</em>"


def test_without_the_site_address_no_link_claims_one(tmp_path):
    site = sample_site(tmp_path / "store")
    site.books[1].summary = ""
    render_site(site, tmp_path / "public")
    page = parsed(tmp_path / "public" / "digits" / "index.html")
    assert "og:url" not in page.meta and "og:image" not in page.meta
    assert page.meta["description"] == page.meta["og:description"] == "Digits from scratch"  # its title


def test_every_figure_has_a_permalink_and_the_top_bar_links_the_contents(tmp_path):
    site = sample_site(tmp_path / "store")
    render_site(site, tmp_path / "public")
    page = parsed(tmp_path / "public" / "deepfloyd" / "index.html")
    figures = [f"fig-{f.id}" for s in site.books[0].sections for f in s.figures]
    assert set(figures) <= page.ids and "contents" in page.ids
    assert all(f"#{f}" in page.links for f in figures)
    assert page.links.count("#contents") == 1  # in the top bar, which stays


# ---- the project's own books ----


@pytest.fixture(scope="module")
def project_site(tmp_path_factory):
    from generator.project import Project, load_plan
    from generator.site.hugo import export
    from generator.site.present import site_view

    project = Project(Path(__file__).resolve().parents[1])
    site = site_view(load_plan(project, cache=False), project.store)
    root = tmp_path_factory.mktemp("reader")
    render_site(site, root / "public")
    export(site, root / "hugo")
    return site, root


def test_alt_text_never_names_a_file(project_site):
    site, root = project_site
    alts = [a for page in (root / "public").rglob("*.html") for a in parsed(page).alts]
    markdown = [m for md in (root / "hugo").rglob("*.md") for m in re.findall(r"!\[([^\]]*)\]", md.read_text())]
    assert len(alts) > 300 and len(markdown) > 100
    assert [a for a in alts + markdown if FILE_NAME.search(a)] == []
    assert any(a.startswith("SDEdit of a drawn 3") for a in alts)


def test_seedless_figures_show_once_and_picks_name_their_seed(project_site):
    site, _ = project_site
    figures = {f.id: f for b in site.books for s in b.sections for f in s.figures}
    for fid in ("anagram-atlas", "hybrid-atlas", "training-loss", "training-evaluation"):
        assert figures[fid].others == [] and figures[fid].seed_label == "", fid
    assert figures["anagram-six-nine"].seed_label == "seed 0, picked from 10"
    assert figures["forward-seven"].seed_label == "seed 0"


def test_a_hybrid_seen_from_afar_is_drawn_small(project_site):
    site, root = project_site
    hybrid = next(f for b in site.books for s in b.sections for f in s.figures if f.id == "hybrid-best")
    small = [p for g in hybrid.grids for r in g.rows for p in r if p.scale < 1]
    assert [(p.label, p.scale, p.pixelated) for p in small] == [("from across the room", 0.25, False)]
    html = (root / "public" / "digits" / "index.html").read_text()
    assert html.count('class="cell afar" style="--scale: 0.25"') >= 2
    from PIL import Image

    from generator.site.hugo_bundle import MAIN_SIDE

    post = (root / "hugo" / "digits" / "index.md").read_text()
    name = re.search(r"!\[hybrid image of “\d” / “\d”, from across the room, seed \d+\]\(([0-9a-f]+\.png)\)", post)[1]
    with Image.open(root / "hugo" / "digits" / name) as small:
        assert small.width < MAIN_SIDE / 2  # not enlarged to a mosaic in the post either
