"""`make hugo`: the books as Hugo page bundles, built by Debian's real `hugo` into a minimal site."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from generator.project import Project, load_plan
from generator.site.hugo import export
from generator.site.page import BookView, SectionView, SiteView
from generator.site.present import site_view


ROOT = Path(__file__).resolve().parents[1]
LAYOUT = (
    "<!doctype html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>"
    "{{ .Content }}</body></html>\n"
)


def _hugo() -> str:
    found = shutil.which("hugo")
    if found is None:
        why = "hugo is missing; install it with `apt-get install -y hugo` (make test does)"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    return found


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.headings, self._in = [], [], None

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))
        if tag in ("h2", "h3"):
            self._in = tag
            self.headings.append("")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in:
            self.headings[-1] += data


def build(site: SiteView, root: Path, drafts: bool = True) -> Path:
    """Export `site` into a minimal Hugo site under `root`, build it with hugo (drafts too, unless told not to),
    return the public folder."""
    export(site, root / "src" / "content" / "posts")
    (root / "src" / "hugo.toml").write_text('baseURL = "http://example.org/"\ntitle = "test"\n')
    layouts = root / "src" / "layouts" / "_default"
    layouts.mkdir(parents=True)
    for name in ("single.html", "list.html"):
        (layouts / name).write_text(LAYOUT)
    done = subprocess.run(
        [
            _hugo(),
            "--source",
            str(root / "src"),
            "--destination",
            str(root / "public"),
            "--quiet",
            *(["--buildDrafts"] if drafts else []),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return root / "public"


def test_every_stored_figure_of_every_book_builds_in_hugo(tmp_path):
    project = Project(ROOT)
    site = site_view(load_plan(project), project.store)
    public = build(site, tmp_path)
    for book in site.books:
        page_file = public / "posts" / book.slug / "index.html"
        html = page_file.read_text("utf-8")
        page = _Page()
        page.feed(html)
        assert page.images, book.slug
        for img in page.images:  # every picture is there and described
            assert (page_file.parent / img["src"]).is_file(), img["src"]
            assert img.get("alt"), img["src"]
        titles = {s.title for s in book.sections} | ({"Closing notes"} if book.extras.get("closing") else set())
        assert titles <= set(page.headings)
        shown = [f for s in book.sections for f in s.figures if not f.pending]
        for figure in shown:  # every generated figure, by its caption
            word = max(re.findall(r"[A-Za-z]{4,}", figure.caption), key=len)
            assert word in html, figure.id
        assert len(page.images) >= len(shown)
        assert "gallery build" not in html  # pending figures are left out
        assert "<table>" in html


def test_hostile_prose_stays_text_in_hugo(tmp_path):
    from tests.site_samples import sample_site

    site = sample_site(tmp_path / "store")
    evil = "<script>alert(1)</script> {{< youtube abc >}} {{% notice %}} `{{< x >}}`"
    site.books[0].summary = evil
    site.books[0].sections[0].intro = evil
    site.books[0].sections[0].figures[0].caption = evil
    site.books[0].sections[0].figures[0].pending = []
    public = build(site, tmp_path)  # an unknown shortcode would fail the build
    html = (public / "posts" / site.books[0].slug / "index.html").read_text("utf-8")
    assert "<script>" not in html and "alert(1)" in html


def test_export_refuses_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.md").write_text("keep me")
    site = SiteView("T", "", [BookView("b", "B", "", "", [SectionView("s", "S", "", [])])])
    with pytest.raises(FileExistsError):
        export(site, tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.md").read_text() == "keep me"


def test_a_failed_export_leaves_the_previous_one(tmp_path):
    def site(date: str) -> SiteView:
        book = BookView("b", "B", "", "", [SectionView("s", "S", "", [])], extras={"date": date})
        return SiteView("T", "", [book])

    export(site("2024-10-05"), tmp_path / "hugo")
    before = (tmp_path / "hugo" / "b" / "index.md").read_text()
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        export(site("5 October"), tmp_path / "hugo")
    assert (tmp_path / "hugo" / "b" / "index.md").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hugo"]
    export(site("2024-10-06"), tmp_path / "hugo")
    assert "2024-10-06" in (tmp_path / "hugo" / "b" / "index.md").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hugo"]


def test_a_book_with_pending_figures_is_a_draft_that_hugo_leaves_out(tmp_path):
    from tests.site_samples import sample_site

    site = sample_site(tmp_path / "store")  # deepfloyd: two figures pending; digits: none
    public = build(site, tmp_path, drafts=False)
    assert not (public / "posts" / "deepfloyd").exists()
    assert (public / "posts" / "digits" / "index.html").is_file()
    assert "draft = true" in (tmp_path / "src/content/posts/deepfloyd/index.md").read_text()
    assert "draft" not in (tmp_path / "src/content/posts/digits/index.md").read_text()


def test_exported_pictures_are_enlarged_to_a_readable_size(tmp_path):
    """32×32 results to 192 px, the other seeds' to 96 px, animated anagrams frame by frame (a hybrid's view from
    across the room stays small on purpose: tests/test_site_reader.py)."""
    from PIL import Image

    from generator.site.hugo_bundle import MAIN_SIDE, OTHER_SIDE

    project = Project(ROOT)
    export(site_view(load_plan(project), project.store), tmp_path / "hugo")
    text = (tmp_path / "hugo" / "digits" / "index.md").read_text()
    main, _, others = text.partition("*Other seeds*")
    sides = {}
    for part, name in ((main, "main"), (others, "others")):
        for alt, src in re.findall(r"!\[([^\]]*)\]\(([^)]+\.(?:png|webp))\)", part):
            if "from across the room" in alt:
                continue
            with Image.open(tmp_path / "hugo" / "digits" / src) as im:
                sides.setdefault(name, set()).add(min(im.size))
                if src.endswith(".webp"):
                    assert im.n_frames > 1 and max(im.size) >= MAIN_SIDE
    assert min(sides["main"]) >= MAIN_SIDE and min(sides["others"]) >= OTHER_SIDE
