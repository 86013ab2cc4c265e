"""The static site renderer: escaping, relative links, fingerprints, atomic swap, determinism, Hugo bundles."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import threading
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import tomllib
from PIL import Image

from generator.site import render
from generator.site.page import BookView, FigureView, Grid, Panel, SectionView, SiteView
from generator.site.render import MARKER, render_site
from generator.site.serve import make_server


EVIL = '<script>alert("x")</script>'


def _png(path: Path, value: int, size: int = 8) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = (np.arange(size * size).reshape(size, size) * 3 + value) % 256
    Image.fromarray(pixels.astype(np.uint8)).save(path)
    return path


def tiny_site(store: Path, text: str = "plain") -> SiteView:
    """One book of two sections: a labelled 2×2 grid with a seed strip, and a pending figure."""
    a, b, c = (_png(store / f"{n}.png", v) for n, v in (("a", 0), ("b", 90), ("c", 180)))
    done = FigureView(
        id="grid",
        caption=f"Caption {text}",
        mode="forward",
        model=f"model {text}",
        grids=[
            Grid(
                [[Panel(a, f"t = 1 {text}"), Panel(b, "t = 2")], [Panel(c, f"t = 1 {text}"), Panel(a, "t = 2")]],
                row_labels=[f"prompt {text}", "seed 2"],
                title=f"Grid {text}",
            )
        ],
        others=[Panel(b, f"seed 3 {text}", pixelated=True, alt=f"alt {text}")],
        info=[(f"guidance {text}", f"7 {text}")],
        title=f"Figure {text}",
    )
    pending = FigureView(
        id="later",
        caption="Not yet.",
        mode="anagram",
        model="tiny model",
        grids=[Grid([[Panel(None, "seed 1"), Panel(None, "seed 2")]])],
        pending=[f"anagram seed 1 {text}", "anagram seed 2"],
        command=f"gallery build --figure later {text}",
    )
    book = BookView(
        slug="book",
        title=f"Book {text}",
        summary=f"Summary {text}",
        model=f"model {text}",
        sections=[
            SectionView("first", f"First {text}", f"Intro {text} [paper](https://arxiv.org/abs/2404.11615)", [done]),
            SectionView("second", "Second", "More prose.", [pending]),
        ],
        extras={"date": "2024-10-05"},
    )
    return SiteView(title=f"Gallery {text}", intro=f"Intro {text}", books=[book])


@pytest.fixture
def site(tmp_path) -> tuple[SiteView, Path]:
    return tiny_site(tmp_path / "store"), tmp_path / "public"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


class _Links(HTMLParser):
    """Every href/src and every id of a page."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src"):
                self.links.append((tag, value))
            if name == "id":
                self.ids.add(value)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text("utf-8"))
    return parser


# ---- escaping ----


def test_recipe_text_with_markup_is_shown_as_text(tmp_path):
    out = tmp_path / "public"
    render_site(tiny_site(tmp_path / "store", EVIL), out, hugo=True)
    for page in ("index.html", "book/index.html"):
        html = (out / page).read_text("utf-8")
        assert "<script" not in html.lower(), page
        assert "&lt;script&gt;" in html, page
    book = (out / "book/index.html").read_text("utf-8")
    assert book.count("&lt;script&gt;") >= 10  # captions, labels, alt, info, pending, command, titles
    bundle = (out / "hugo/book/index.md").read_text("utf-8")
    assert "t = 1 \\<script\\>" in bundle  # Markdown-escaped in the Hugo table
    assert 'title = "Book <script>alert(\\"x\\")</script>"' in bundle  # a TOML string, quotes escaped


def test_markdown_prose_keeps_formatting_but_not_raw_html(tmp_path):
    site = tiny_site(tmp_path / "store")
    site.intro = "Some *emphasis* and <b>bold?</b> and ![pic](http://example.com/x.png)"
    render_site(site, tmp_path / "public")
    html = (tmp_path / "public/index.html").read_text("utf-8")
    assert "<em>emphasis</em>" in html
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html
    assert "example.com" not in html  # Markdown images show their alt text, load nothing


# ---- links ----


def test_every_link_is_relative_and_resolves(site):
    view, out = site
    render_site(view, out)
    pages = sorted(out.rglob("*.html"))
    assert [p.relative_to(out).as_posix() for p in pages] == ["book/index.html", "index.html"]
    external = []
    for page in pages:
        for tag, link in _parse(page).links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https"):
                assert tag == "a", f"{page}: {tag} loads {link} from the network"
                external.append(link)
                continue
            assert not parts.scheme and not parts.netloc and not link.startswith("/"), f"{page}: {link}"
            target = (page.parent / parts.path).resolve() if parts.path else page
            assert target.is_file(), f"{page}: {link} points at nothing"
            if parts.fragment:
                assert parts.fragment in _parse(target).ids, f"{page}: no #{parts.fragment} in {target}"
    assert external == ["https://arxiv.org/abs/2404.11615"]


# ---- assets ----


def test_css_name_follows_its_content(site, tmp_path):
    view, out = site
    templates = tmp_path / "templates"
    shutil.copytree(render.TEMPLATES, templates)
    render_site(view, out, templates=templates)
    (first,) = [p.name for p in out.glob("style.*.css")]
    with (templates / "style.css").open("a") as f:
        f.write("\nbody { letter-spacing: .01em; }\n")
    render_site(view, out, templates=templates)
    (second,) = [p.name for p in out.glob("style.*.css")]
    assert first != second
    assert second == f"style.{hashlib.sha256((templates / 'style.css').read_bytes()).hexdigest()[:12]}.css"
    html = (out / "book/index.html").read_text("utf-8")
    assert f'href="../{second}"' in html and first not in html


def test_images_are_named_by_their_bytes_and_copied_once(site):
    view, out = site
    stats = render_site(view, out, hugo=True)
    store = view.books[0].sections[0].figures[0].grids[0].rows[0][0].image.parent
    names = {f"{hashlib.sha256((store / f'{n}.png').read_bytes()).hexdigest()[:16]}.png" for n in "abc"}
    assert {p.name for p in (out / "img").iterdir()} == names
    assert stats.images == 3 and stats.pages == 2 and stats.bundles == 1


def test_unchanged_images_keep_their_urls(site):
    view, out = site
    render_site(view, out)
    before = {p.name for p in (out / "img").iterdir()}
    _png(view.books[0].sections[0].figures[0].grids[0].rows[1][0].image, 77)  # c.png changes
    render_site(view, out)
    after = {p.name for p in (out / "img").iterdir()}
    assert len(before & after) == 2 and len(after - before) == 1


def test_images_carry_size_alt_lazy_loading_and_pixelation(site):
    view, out = site
    render_site(view, out)
    html = (out / "book/index.html").read_text("utf-8")
    imgs = re.findall(r"<img [^>]*>", html)
    assert len(imgs) == 5
    for tag in imgs:
        assert 'width="8" height="8"' in tag and 'loading="lazy"' in tag and re.search(r'alt="[^"]+"', tag)
    assert [t for t in imgs if 'class="px"' in t] == [t for t in imgs if 'alt="alt plain"' in t]
    assert re.search(r"img\.px\s*\{\s*image-rendering:\s*pixelated", next(out.glob("style.*.css")).read_text())


def test_shared_column_labels_become_headings(site):
    view, out = site
    render_site(view, out)
    html = (out / "book/index.html").read_text("utf-8")
    assert html.count('<div class="colhead">') == 2  # t = 1, t = 2 once each
    assert '<div class="rowhead">prompt plain</div>' in html
    assert html.count("t = 1 plain") == 1 + 2  # heading + two alt texts


def test_pending_figure_shows_a_notice_the_command_and_folded_detail(site):
    view, out = site
    render_site(view, out)
    html = (out / "book/index.html").read_text("utf-8")
    assert 'class="ph"' not in html  # nothing stored: no empty placeholders
    figure = html[html.index('id="fig-later"') :]
    command = re.search(r'<pre class="command"><code>(.*?)</code>', figure)[1]
    assert re.sub(r"</?span>", "", command) == "gallery build --figure later plain"
    assert "Not generated yet</strong>" in html and "2 images not generated yet" in html
    details = html[html.index("<details>") : html.index("</details>")]
    assert "<li>anagram seed 1 plain</li>" in details and "<span>--figure</span>" in details


def test_model_is_described_once_in_the_book_header(site):
    view, out = site
    render_site(view, out)
    html = (out / "book/index.html").read_text("utf-8")
    assert html.count("model plain") == 1 and '<p class="model">' in html
    assert "Images made with tiny model" in html  # a figure made by another model says so


def test_partly_pending_figure_keeps_placeholders(site):
    view, out = site
    figure = view.books[0].sections[0].figures[0]
    figure.others.append(Panel(None, "seed 4"))
    figure.pending = ["seed 4"]
    render_site(view, out)
    html = (out / "book/index.html").read_text("utf-8")
    assert html.count('class="ph"') == 1


def test_index_lists_every_book_section_and_model(site):
    view, out = site
    render_site(view, out)
    html = (out / "index.html").read_text("utf-8")
    assert 'href="book/index.html#first"' in html and 'href="book/index.html#second"' in html
    assert "5 October 2024 · 2 figures, 1 pending" in html


# ---- atomic, deterministic, safe ----


def test_failed_render_leaves_the_previous_site(site, monkeypatch):
    view, out = site
    render_site(view, out)
    before = _tree(out)
    real, calls = render._write, []

    def failing_write(path, text):  # the index is written, then the book page fails
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full (simulated)")
        real(path, text)

    monkeypatch.setattr(render, "_write", failing_write)
    view.books[0].title = "Changed"
    with pytest.raises(OSError, match="simulated"):
        render_site(view, out)
    assert _tree(out) == before
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".public")] == []


def test_same_input_gives_identical_bytes(site, tmp_path):
    view, out = site
    render_site(view, out)
    render_site(view, tmp_path / "again")
    assert _tree(out) == _tree(tmp_path / "again")
    assert not re.search(r"20\d\d-\d\d-\d\dT|\d\d:\d\d:\d\d", (out / "book/index.html").read_text("utf-8"))


def test_refuses_to_replace_a_folder_it_did_not_write(site):
    view, out = site
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="marker"):
        render_site(view, out)
    assert (out / "notes.txt").read_text() == "mine"


def test_rerender_replaces_the_whole_folder(site):
    view, out = site
    render_site(view, out)
    (out / "stray.txt").write_text("x")
    render_site(view, out)
    assert not (out / "stray.txt").exists() and (out / MARKER).exists()


def test_leftovers_of_a_killed_render_are_removed(site):
    view, out = site
    stale = out.parent / ".public.staging-999999999"
    stale.mkdir(parents=True)
    render_site(view, out)
    assert not stale.exists()


def test_missing_store_picture_names_the_figure(site):
    view, out = site
    view.books[0].sections[0].figures[0].grids[0].rows[0][1].image.unlink()
    with pytest.raises(FileNotFoundError, match=r"book/first, figure 'grid': image .*b\.png is not in the store"):
        render_site(view, out)
    assert not out.exists()


@pytest.mark.parametrize("slug", ["img", "../up", "a b", ""])
def test_bad_book_slugs_are_refused(site, slug):
    view, out = site
    view.books[0].slug = slug
    with pytest.raises(ValueError, match="book slug"):
        render_site(view, out)


def test_duplicate_figure_ids_are_refused(site):
    view, out = site
    view.books[0].sections[1].figures[0].id = "grid"
    with pytest.raises(ValueError, match="figure id 'grid' appears in sections 'first' and 'second'"):
        render_site(view, out)


# ---- Hugo bundle, serve ----


def test_hugo_bundle_has_front_matter_and_its_pictures(site):
    view, out = site
    render_site(view, out, hugo=True)
    text = (out / "hugo/book/index.md").read_text("utf-8")
    head, body = re.fullmatch(r"\+\+\+\n(.*?)\n\+\+\+\n(.*)", text, re.S).groups()
    meta = tomllib.loads(head)
    assert meta["title"] == "Book plain" and str(meta["date"]) == "2024-10-05"
    assert meta["series"] == ["Gallery plain"] and meta["summary"] == "Summary plain"
    main, others = body.split("*Other seeds*")
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", main)
    assert len(pictures) == 4
    for name in pictures:
        with Image.open(out / "hugo/book" / name) as im:
            assert im.size == (192, 192)  # 8×8 enlarged to at least 192 px
    small = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", others)
    assert len(small) == 1 and Image.open(out / "hugo/book" / small[0]).size == (96, 96)  # smaller, still readable
    assert "| --- |" in others  # in a table, not a paragraph
    assert "### Figure plain" in body and "## Second {#second}" in body
    assert "gallery build" not in body and "Not yet." not in body  # the pending figure is left out


def test_serve_answers_on_localhost(site):
    view, out = site
    render_site(view, out)
    server = make_server(out, port=0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/book/index.html") as reply:
            assert reply.status == 200 and b"Book plain" in reply.read()
    finally:
        server.shutdown()
        server.server_close()


def test_cover_takes_the_figures_book_yaml_names_then_distinct_pixels(site, tmp_path):
    view, out = site
    figure = view.books[0].sections[0].figures[0]
    twin = tmp_path / "twin.png"  # same pixels as a.png, different file bytes
    Image.open(figure.grids[0].rows[0][0].image).save(twin, optimize=True, pnginfo=_text_chunk())
    figure.grids[0].rows[1][1] = Panel(twin, "t = 2")
    view.books[0].extras["cover"] = ["grid"]
    render_site(view, out)
    html = (out / "index.html").read_text("utf-8")
    cover = html[html.index('class="cover"') : html.index("</div>", html.index('class="cover"'))]
    srcs = re.findall(r'src="(img/[^"]+)"', cover)
    assert len(srcs) == 3  # a, b, c: the twin of a is left out
    pixels = {Image.open(out / s).convert("L").tobytes() for s in srcs}
    assert len(pixels) == len(srcs)
    assert srcs[0] != srcs[1] and "fig-grid" in cover[: cover.index(srcs[0])]


def _text_chunk():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("note", "same pixels, other bytes")
    return info


def test_charts_are_svg_with_real_text_legible_on_a_phone():
    from generator.site import charts

    record = {"step_loss": [1.0 / (1 + i / 50) for i in range(400)]}
    evaluation = {
        "cfg": {"per_digit": {str(d): 0.9 + d / 100 for d in range(10)}, "guidance": 4.0},
        "unconditional": {"shares": {str(d): 0.1 for d in range(10)}},
    }
    for svg in (charts.loss_chart(record), charts.evaluation_chart(evaluation)):
        text = svg.decode("utf-8")
        width = float(re.search(r'viewBox="0 0 ([0-9.]+)', text)[1])
        sizes = [float(s) for s in re.findall(r'font-size="([0-9.]+)"', text)]
        assert min(sizes) * 358 / width >= 11  # a 390 px phone shows it 358 px wide
        assert "<text" in text and "<image" not in text
    assert "ε" in charts.loss_chart(record).decode() and "γ = 4" in charts.evaluation_chart(evaluation).decode()
    assert "\u0302" not in charts.loss_chart(record).decode()  # no combining marks: they drift off their letter


def test_anagram_turns_and_hybrid_has_a_far_control(tmp_path):
    from generator.site import motion

    still = _png(tmp_path / "a.png", 5)
    anagram = FigureView(
        id="ana",
        caption="6 and 9.",
        mode="anagram",
        model="m",
        grids=[Grid([[Panel(still, "upright: 6"), Panel(still, "turned 180°: 9")]])],
    )
    motion.animate_anagram(anagram, ["identity", "rotate_180"])
    moving = anagram.grids[0].rows[0][-1]
    assert len(anagram.grids[0].rows[0]) == 3 and moving.motion == motion.css_for("rotate_180") != ""
    hybrid = FigureView(
        id="hyb",
        caption="0 far, 8 near.",
        mode="hybrid",
        model="m",
        grids=[Grid([[Panel(still, "blurred (far)"), Panel(still, "up close")]])],
    )
    motion.hybrid_distance(hybrid)
    book = BookView("b", "B", "", "m", [SectionView("s", "S", "", [anagram, hybrid])])
    render_site(SiteView("T", "", [book]), tmp_path / "out")
    html = (tmp_path / "out/b/index.html").read_text("utf-8")
    assert f'class="cell turning" style="--turn: {motion.css_for("rotate_180")}"' in html
    assert 'class="cell distance"' in html and 'type="checkbox"' in html
    css = next((tmp_path / "out").glob("style.*.css")).read_text("utf-8")
    assert "prefers-reduced-motion: reduce" in css


def test_settings_shared_by_waiting_figures_are_said_once(tmp_path):
    common = [("", "34 steps"), ("", "γ = 7")]
    figures = [
        FigureView(
            id=f"w{k}",
            caption=f"Waiting {k}.",
            mode="cfg",
            model="m",
            grids=[Grid([[Panel(None, "seed 1")]])],
            pending=["seed 1"],
            command="make gallery",
            settings=[("prompt", f"“prompt {k}”"), *common],
        )
        for k in range(3)
    ]
    book = BookView("b", "B", "", "m", [SectionView("s", "S", "", figures)])
    render_site(SiteView("T", "", [book]), tmp_path / "out")
    html = (tmp_path / "out/b/index.html").read_text("utf-8")
    assert html.count("34 steps") == 1 and html.count("γ = 7") == 1
    assert all(f"“prompt {k}”" in html for k in range(3))
    assert 'class="waiting-figures"' in html  # side by side on wide screens


def test_permutation_frames_are_made_once_and_cached(tmp_path, monkeypatch):
    from generator.site import motion

    calls = []

    def frames(view, image, n=24):
        calls.append(view)
        return [image, image.transpose(Image.Transpose.FLIP_TOP_BOTTOM)]

    monkeypatch.setattr(motion, "animation_frames", frames)
    still = _png(tmp_path / "a.png", 5)
    first = motion.webp_frames("pixel_permute", still, cache=tmp_path / "cache")
    again = motion.webp_frames("pixel_permute", still, cache=tmp_path / "cache")
    assert first == again and calls == ["pixel_permute"]
    with Image.open(io.BytesIO(first)) as im:
        assert im.format == "WEBP" and im.n_frames == 2
