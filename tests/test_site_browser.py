"""The built site in a real headless Chromium: every page loads, every picture decodes, nothing fails, nothing
overflows on a phone. Screenshots go to tests/artifacts/ for a human look."""

from __future__ import annotations

import os
import re
import tempfile
import threading
from pathlib import Path

import pytest

from generator.site.render import render_site
from generator.site.serve import make_server
from tests.site_samples import sample_site


pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(__file__).parent / "artifacts"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


# Text set below 11 px; labels wider than their cell; another seed's picture as wide as a picked one.
SMALL_TEXT = """[...document.querySelectorAll('body *')].filter(e => e.getClientRects().length
  && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
  && parseFloat(getComputedStyle(e).fontSize) < 11).map(e => e.textContent.slice(0, 40))"""
WIDE_LABELS = """[...document.querySelectorAll('.plabel, .colhead')].filter(l => l.getClientRects().length
  && l.scrollWidth > l.parentElement.clientWidth + 1).map(l => l.textContent)"""
OTHERS_TOO_BIG = """[...document.querySelectorAll('figure.fig')].filter(f => {
  const main = [...f.querySelectorAll('.grid-block:not(.inputs) .cell:not(.afar) img')]
    .map(i => i.getBoundingClientRect().width);
  const other = [...f.querySelectorAll('.others img')].map(i => i.getBoundingClientRect().width);
  return main.length && other.length && Math.max(...other) >= Math.min(...main); }).map(f => f.id)"""


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    render_site(sample_site(root / "store"), root / "public")
    return root / "public"


@pytest.fixture(scope="module")
def base_url(site_dir):
    server = make_server(site_dir, port=0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        why = f"{CHROMIUM} is missing; install it with `apt-get install -y chromium` (make test does)"
        if os.environ.get("CI"):  # CI installs it: a missing browser there is a failure
            pytest.fail(why)
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        yield context
        context.close()


def _pages(site_dir: Path) -> list[str]:
    return sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html"))


def _visit(context, url: str, viewport: dict, allowed: str, shot: Path) -> dict:
    """Open `url`, load every lazy picture, and report what went wrong."""
    problems: dict[str, list[str]] = {"console": [], "failed": [], "external": []}
    page = context.new_page()
    page.set_viewport_size(viewport)
    page.on("console", lambda m: m.type == "error" and problems["console"].append(m.text))
    page.on("pageerror", lambda e: problems["console"].append(str(e)))
    page.on("requestfailed", lambda r: problems["failed"].append(f"{r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and problems["failed"].append(f"{r.url} {r.status}"))
    page.on("request", lambda r: r.url.startswith(allowed) or problems["external"].append(r.url))
    page.goto(url, wait_until="load")
    page.evaluate("document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; })")
    page.wait_for_function("[...document.images].every(i => i.complete)", timeout=10_000)
    problems["broken"] = page.evaluate("[...document.images].filter(i => !(i.naturalWidth > 0)).map(i => i.src)")
    problems["images"] = page.evaluate("document.images.length")
    problems["overflow"] = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    problems["styled"] = page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth")
    problems["small_text"] = page.evaluate(SMALL_TEXT)
    problems["wide_labels"] = page.evaluate(WIDE_LABELS)
    problems["others_too_big"] = page.evaluate(OTHERS_TOO_BIG)
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    return problems


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_every_page_loads_cleanly_over_http(browser, site_dir, base_url, viewport):
    pages = _pages(site_dir)
    assert pages == ["deepfloyd/index.html", "digits/index.html", "index.html"]
    for rel in pages:
        shot = ARTIFACTS / f"{viewport}-{rel.replace('/', '_').removesuffix('.html')}.png"
        got = _visit(browser, base_url + rel, VIEWPORTS[viewport], base_url, shot)
        assert got["console"] == [], rel
        assert got["failed"] == [], rel
        assert got["external"] == [], rel
        assert got["broken"] == [], rel
        assert got["overflow"] <= 0, f"{rel} is {got['overflow']}px wider than a {viewport} screen"
        assert got["styled"] == "736px", f"{rel}: the stylesheet did not apply"
        assert got["small_text"] == [], f"{rel}: text below 11 px on a {viewport} screen"
        assert got["wide_labels"] == [], f"{rel}: labels wider than their cell on a {viewport} screen"
        assert got["others_too_big"] == [], f"{rel}: other seeds as large as the picked result"
        assert shot.stat().st_size > 0
        if rel != "index.html":
            assert got["images"] > 0


def test_site_works_from_file_urls(browser, site_dir):
    for rel in _pages(site_dir):
        url = (site_dir / rel).as_uri()
        shot = ARTIFACTS / f"file-{rel.replace('/', '_').removesuffix('.html')}.png"
        got = _visit(browser, url, VIEWPORTS["desktop"], site_dir.as_uri(), shot)
        assert (got["console"], got["failed"], got["external"], got["broken"]) == ([], [], [], []), rel
        assert got["styled"] == "736px", rel


def test_dark_mode_uses_the_dark_palette(browser, site_dir, base_url):
    page = browser.new_page()
    page.set_viewport_size(VIEWPORTS["desktop"])
    page.emulate_media(color_scheme="dark")
    page.goto(base_url + "deepfloyd/index.html", wait_until="load")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(21, 24, 28)"
    page.screenshot(path=str(ARTIFACTS / "dark-deepfloyd_index.png"))
    page.close()


# ---- the project's own books, as a reader gets them ----

PAGE_FACTS = """() => ({
  height: document.documentElement.scrollHeight,
  text: document.body.innerText,
  uncaptioned: [...document.querySelectorAll('figure.fig')].filter(f => {
    const c = f.querySelector('figcaption > p:not(.made):not(.settings)');
    return !c || c.textContent.trim().length < 8; }).map(f => f.id),
  alts: [...document.images].map(i => i.alt),
  inputs: document.querySelectorAll('figure .inputs img').length,
  waiting: [...document.querySelectorAll('figure.is-pending')].filter(f => !f.querySelector('.command'))
    .map(f => f.id),
})"""
# Alt text that says nothing about the picture: a bare role or a bare seed.
UNDESCRIPTIVE = re.compile(r"^(original|sample|input|mask|hole|seed \d+|row \d+, column \d+|)$")


@pytest.fixture(scope="module")
def project_site(tmp_path_factory) -> tuple[Path, dict[str, str], dict[str, int]]:
    """The real recipes and committed store, plus the DeepFloyd book rendered with an empty store."""
    from generator.project import Project, load_plan
    from generator.site.present import site_view
    from generator.store import Store

    project = Project(ROOT)
    root = tmp_path_factory.mktemp("project")
    site = site_view(load_plan(project), project.store)
    bare = site_view(load_plan(project), Store(root / "empty-store"))
    site.books += [b for b in bare.books if b.slug == "deepfloyd"]
    site.books[-1].slug = "deepfloyd-bare"
    render_site(site, root / "public")
    models = {b.slug: b.model for b in site.books}
    inputs = {b.slug: sum(1 for s in b.sections for f in s.figures if f.inputs) for b in site.books}
    return root / "public", models, inputs


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_project_books_read_well_in_chromium(browser, project_site, viewport):
    site_dir, models, inputs = project_site
    for rel in _pages(site_dir):
        shot = ARTIFACTS / f"project-{viewport}-{rel.replace('/', '_').removesuffix('.html')}.png"
        url = (site_dir / rel).as_uri()
        got = _visit(browser, url, VIEWPORTS[viewport], site_dir.as_uri(), shot)
        for key in ("console", "failed", "external", "broken", "small_text", "wide_labels", "others_too_big"):
            assert got[key] == [], f"{rel} at {viewport}: {key}: {got[key][:5]}"
        assert got["overflow"] <= 0, f"{rel} is {got['overflow']}px wider than a {viewport} screen"
        if rel == "index.html":
            continue
        slug = rel.split("/")[0]
        page = browser.new_page()
        page.set_viewport_size(VIEWPORTS[viewport])
        page.goto(url, wait_until="load")
        facts = page.evaluate(PAGE_FACTS)
        page.close()
        assert facts["text"].count(models[slug]) == 1, f"{rel}: the model is described once, in the header"
        assert facts["uncaptioned"] == [], f"{rel}: figures without a caption"
        vague = [a for a in facts["alts"] if UNDESCRIPTIVE.match(a)]
        assert vague == [], f"{rel}: alt text that does not describe the picture: {vague[:5]}"
        assert facts["waiting"] == [], f"{rel}: pending figures without their command"
        assert facts["inputs"] >= inputs[slug]
        if slug == "deepfloyd-bare" and viewport == "desktop":
            assert facts["height"] < 8000, f"the DeepFloyd page without results is {facts['height']} px tall"


def test_illusions_move_and_keep_still_for_reduced_motion(browser, project_site):
    site_dir, _, _ = project_site
    url = (site_dir / "digits/index.html").as_uri()
    for motion, running in (("no-preference", True), ("reduce", False)):
        page = browser.new_page()
        page.set_viewport_size(VIEWPORTS["phone"])
        page.emulate_media(reduced_motion=motion)
        page.goto(url, wait_until="load")
        turning = page.evaluate("[...document.querySelectorAll('.turning img')].map(i => i.getAnimations().length)")
        assert turning and all((n > 0) == running for n in turning), (motion, turning)
        page.close()
    page = browser.new_page()
    page.set_viewport_size(VIEWPORTS["phone"])
    page.emulate_media(reduced_motion="reduce")
    page.goto(url, wait_until="load")
    near = page.evaluate("document.querySelector('.distance img').getBoundingClientRect().width")
    page.click(".distance input[type=checkbox]")
    far = page.evaluate("document.querySelector('.distance img').getBoundingClientRect().width")
    page.close()
    assert far < near / 3, (near, far)  # seen from far: a fifth of its size


# ---- live authoring: `gallery serve --watch` ----

WATCHED_BOOK = "title: Watched\nmodel: digits\nsummary: A book being written.\n"
WATCHED_SECTION = """\
title: Forward
intro: Noise.
figures:
  - id: fwd
    mode: forward
    image: {{path: ../images/dot.png, alt: a grey square}}
    t: {t}
    caption: {caption}
"""


def test_serve_watch_rebuilds_and_reloads_the_page_an_edit_changed(browser, tmp_path):
    import signal
    import subprocess
    import sys

    from PIL import Image

    (tmp_path / "recipes" / "images").mkdir(parents=True)
    Image.new("L", (32, 32), 90).save(tmp_path / "recipes" / "images" / "dot.png")
    (tmp_path / "recipes" / "site.yaml").write_text("title: Live\n")
    (tmp_path / "recipes" / "book").mkdir()
    (tmp_path / "recipes" / "book" / "book.yaml").write_text(WATCHED_BOOK)
    section = tmp_path / "recipes" / "book" / "10-forward.yaml"
    section.write_text(WATCHED_SECTION.format(t=300, caption="The first caption."))
    root = Path(__file__).resolve().parents[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "generator.cli", "--root", str(tmp_path), "serve", "--watch", "--port", "0"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(server.stdout), daemon=True).start()
    page = None
    try:
        for _ in range(1200):  # the first build generates the figure: torch loads
            url = next((m[1] for line in lines if (m := re.search(r"at (http://127\.0\.0\.1:\d+/)", line))), None)
            if url or server.poll() is not None:
                break
            threading.Event().wait(0.1)
        assert url, "".join(lines)
        page = browser.new_page()
        page.goto(url + "book/index.html", wait_until="load")
        assert "The first caption." in page.inner_text("body")
        page.evaluate("window.notReloaded = true")
        section.write_text(WATCHED_SECTION.format(t=300, caption="The second caption."))
        page.wait_for_function("document.body.innerText.includes('The second caption.')", timeout=90_000)
        assert page.evaluate("window.notReloaded") is None  # the page reloaded itself
        section.write_text(WATCHED_SECTION.format(t=3000, caption="The second caption."))
        problem = page.wait_for_selector("#gallery-problem", timeout=90_000)
        assert "figures[0].t: expected a value between 0 and 999, got 3000" in problem.inner_text()
        assert "The second caption." in page.inner_text("body")  # the last good build is still shown
        section.write_text(WATCHED_SECTION.format(t=400, caption="The third caption."))
        page.wait_for_function("document.body.innerText.includes('The third caption.')", timeout=90_000)
        assert page.query_selector("#gallery-problem") is None
        page.screenshot(path=str(ARTIFACTS / "watch-after-edits.png"))
    finally:
        if page is not None:
            page.close()
        server.send_signal(signal.SIGINT)  # Ctrl-C
        code = server.wait(timeout=30)
    assert code == 0 and "stopped" in "".join(lines), "".join(lines)
