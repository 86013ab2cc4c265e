"""Retake the README's and docs' screenshots from the built site, in Debian's chromium (as tests/test_site_browser.py).

    .venv/bin/gallery build && .venv/bin/python docs/screenshots.py

Each picture is one viewport of a page scrolled to a figure, at 1280 px (a laptop) or 390 px (a phone), saved as
a palette PNG so that it stays a few hundred KB at most.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.site.serve import make_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
# file name → (page, element scrolled to the top, viewport width, viewport height)
SHOTS = {
    "screenshot-digits-anagrams.png": ("digits/index.html", "#anagrams", 1280, 900),
    "screenshot-digits-hybrid-phone.png": ("digits/index.html", "#fig-hybrid-best", 390, 844),
    "screenshot-deepfloyd-phone.png": ("deepfloyd/index.html", "#fig-inpaint-rocket", 390, 844),
}


def take(site: Path, out: Path) -> list[Path]:
    """Serve `site`, shoot every entry of SHOTS into `out`; the paths written."""
    from playwright.sync_api import sync_playwright

    server = make_server(site, port=0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    written = []
    try:
        with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
            browser = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True,
                                                            args=ARGS, reduced_motion="reduce")
            for name, (page_path, selector, width, height) in SHOTS.items():
                page = browser.new_page()
                page.set_viewport_size({"width": width, "height": height})
                page.goto(base + page_path, wait_until="load")
                page.evaluate("document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; })")
                page.wait_for_function("[...document.images].every(i => i.complete)", timeout=20_000)
                page.evaluate(f"window.scrollTo(0, document.querySelector({selector!r}).getBoundingClientRect().top"
                              f" + window.scrollY - document.querySelector('.topbar').offsetHeight - 8)")
                page.wait_for_timeout(300)
                page.screenshot(path=str(out / name))
                page.close()
                written.append(out / name)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    for path in written:
        Image.open(path).convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(
            path, optimize=True)
    return written


if __name__ == "__main__":
    site = ROOT / "public"
    if not (site / "index.html").exists():
        sys.exit("no site in public/: run `.venv/bin/gallery build` first")
    for path in take(site, Path(__file__).parent):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1024:.0f} KB")
