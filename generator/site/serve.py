"""Serve the rendered site on 127.0.0.1 for a local look (`gallery serve`), and reload it live (`--watch`).

Live reload without a library: with a `LiveReload`, every HTML page is served with a small script added before
`</body>` (the files on disk are untouched) that listens to `/__gallery/events`, a stream of Server-Sent Events
(the browser's EventSource, which reconnects by itself). After a rebuild the watcher calls `report(pages, problem)`: a
page among those rendered reloads itself, and a problem is shown over every page (which keeps showing the last
good build) until a rebuild succeeds.
"""

from __future__ import annotations

import functools
import io
import json
import threading
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


EVENTS = "/__gallery/events"
KEEPALIVE = 15.0  # seconds between comments that keep an idle event stream open

# The page's side: reload when told its page changed; show a problem in a box over the page.
SCRIPT = b"""<script>
(() => {
  const here = location.pathname.replace(/^\\//, "").replace(/(^|\\/)$/, "$1index.html");
  const events = new EventSource("/__gallery/events");
  events.addEventListener("changed", e => {
    const pages = JSON.parse(e.data);
    if (pages.includes(here)) location.reload();
  });
  events.addEventListener("problem", e => {
    const text = JSON.parse(e.data);
    let box = document.getElementById("gallery-problem");
    if (!text) return box && box.remove();
    if (!box) {
      box = document.createElement("pre");
      box.id = "gallery-problem";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0;right:0;top:0;z-index:9;margin:0;padding:1rem;max-height:60vh;" +
        "overflow:auto;white-space:pre-wrap;background:#fff0f0;color:#5a0000;border-bottom:3px solid #c00;font-size:14px";
      document.body.append(box);
    }
    box.textContent = "The last rebuild failed; this page shows the build before it.\\n\\n" + text;
  });
})();
</script>
"""


class LiveReload:
    """What the watcher tells the open pages: the pages each rebuild rendered, and the problem of the last one
    (a page that opens while there is one is shown it at once)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []  # (kind, JSON data), numbered by their place
        self.problem = ""
        self.cond = threading.Condition()
        self.closed = False

    def report(self, pages: list[str], problem: str = "") -> None:
        """A rebuild rendered `pages` (paths in the site, e.g. "digits/index.html") and ended with `problem`
        ("" when it succeeded: a problem shown before goes away)."""
        with self.cond:
            if pages:
                self.events.append(("changed", json.dumps(sorted(pages))))
            if problem or self.problem:
                self.events.append(("problem", json.dumps(problem)))
            self.problem = problem
            self.cond.notify_all()

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def after(self, seen: int, timeout: float) -> list[tuple[str, str]]:
        """The events after the first `seen`, waiting up to `timeout` seconds for one."""
        with self.cond:
            self.cond.wait_for(lambda: len(self.events) > seen or self.closed, timeout)
            return self.events[seen:]


class _Handler(SimpleHTTPRequestHandler):
    quiet = False
    live: LiveReload | None = None

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        if self.live is not None and self.path.split("?")[0] == EVENTS:
            self.stream_events()
        else:
            super().do_GET()

    def send_head(self):
        """HTML pages with the live-reload script added (when live); everything else as it is."""
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        if self.live is None or path.suffix != ".html" or not path.is_file():
            return super().send_head()
        body = path.read_bytes()
        end = body.rfind(b"</body>")
        body = body[:end] + SCRIPT + body[end:] if end >= 0 else body + SCRIPT
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        return io.BytesIO(body)

    def stream_events(self) -> None:
        """Server-Sent Events: only the events after this page was opened, then each as it comes."""
        with self.live.cond:  # before the headers: the page counts as open from here
            seen, problem = len(self.live.events), self.live.problem
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            if problem:
                self.wfile.write(f"event: problem\ndata: {json.dumps(problem)}\n\n".encode())
                self.wfile.flush()
            while not self.live.closed:
                events = self.live.after(seen, KEEPALIVE)
                seen += len(events)
                self.wfile.write(b"".join(f"event: {k}\ndata: {d}\n\n".encode() for k, d in events) or b": idle\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page was closed or reloaded


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # open event streams must not hold up a shutdown


def make_server(
    out_dir: Path, port: int = 8000, quiet: bool = False, live: LiveReload | None = None
) -> ThreadingHTTPServer:
    """An HTTP server for `out_dir` on 127.0.0.1:`port` (0 picks a free port); call serve_forever() on it. With
    `live`, pages reload themselves when it says they changed."""
    out_dir = Path(out_dir)
    if not (out_dir / "index.html").is_file():
        raise FileNotFoundError(f"{out_dir}/index.html does not exist; render the site first (make gallery)")
    handler = type("Handler", (_Handler,), {"quiet": quiet, "live": live})
    return _Server(("127.0.0.1", port), functools.partial(handler, directory=str(out_dir)))


def serve(out_dir: Path, port: int = 8000, open_browser: bool = False) -> None:
    """Serve `out_dir` until Ctrl-C; a re-render swaps the folder in place, so a reload shows it."""
    with make_server(out_dir, port) as server:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        print(f"Serving {out_dir} at {url}  (Ctrl-C stops)", flush=True)
        if open_browser:
            import webbrowser

            webbrowser.open(url)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("stopped")
