"""`gallery serve`: pages as they are; with live reload, a script in each page and an event stream that says which
pages a rebuild changed (the browser side is tests/test_site_browser.py's watch test)."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from generator.site.serve import EVENTS, LiveReload, make_server
from generator.watch import page_prints


@pytest.fixture
def site(tmp_path) -> Path:
    out = tmp_path / "public"
    (out / "book").mkdir(parents=True)
    (out / "index.html").write_text("<html><body><p>index</p></body></html>")
    (out / "book" / "index.html").write_text("<html><body><p>book</p></body></html>")
    (out / "pic.png").write_bytes(b"\x89PNG not really")
    return out


def serving(site: Path, live: LiveReload | None):
    server = make_server(site, port=0, quiet=True, live=live)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def test_without_live_reload_pages_are_served_as_they_are(site):
    server, url = serving(site, None)
    try:
        assert get(url + "/book/") == (site / "book" / "index.html").read_bytes()
        with pytest.raises(urllib.error.HTTPError):
            get(url + EVENTS)
    finally:
        server.shutdown()
        server.server_close()


def test_live_pages_carry_the_script_and_the_stream_names_changed_pages(site):
    live = LiveReload()
    server, url = serving(site, live)
    try:
        page = get(url + "/book/index.html")
        assert page.startswith(b"<html><body><p>book</p><script>") and page.endswith(b"</script>\n</body></html>")
        assert (site / "book" / "index.html").read_text() == "<html><body><p>book</p></body></html>"  # untouched
        assert get(url + "/pic.png") == (site / "pic.png").read_bytes()
        stream = urllib.request.urlopen(url + EVENTS, timeout=10)
        assert stream.headers["Content-Type"] == "text/event-stream"
        live.report(["book/index.html", "index.html"])
        assert stream.readline() == b"event: changed\n"
        assert stream.readline() == b'data: ["book/index.html", "index.html"]\n'
        live.report([], "recipes/b/10-a.yaml:3:5: figures[0].t: expected an integer")
        assert stream.readline() == b"\n" and stream.readline() == b"event: problem\n"
        assert b"expected an integer" in stream.readline()
        late = urllib.request.urlopen(url + EVENTS, timeout=10)  # a page opened now sees the problem at once
        assert late.readline() == b"event: problem\n"
        live.close()
    finally:
        server.shutdown()
        server.server_close()


def test_page_prints_say_which_pages_a_render_changed(tmp_path):
    from generator.site.render import render_site
    from tests.site_samples import sample_site

    site = sample_site(tmp_path / "store")
    for book in site.books:
        book.print = f"v1-{book.slug}"
    render_site(site, tmp_path / "public")
    before = page_prints(tmp_path / "public")
    site.books[1].print = "v2"
    render_site(site, tmp_path / "public")
    after = page_prints(tmp_path / "public")
    assert sorted(p for p in after if after[p] != before.get(p)) == ["digits/index.html", "index.html"]
