"""Serve the rendered site on 127.0.0.1 for a local look (`make serve`)."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Handler(SimpleHTTPRequestHandler):
    quiet = False

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            super().log_message(format, *args)


def make_server(out_dir: Path, port: int = 8000, quiet: bool = False) -> ThreadingHTTPServer:
    """An HTTP server for `out_dir` on 127.0.0.1:`port` (0 picks a free port); call serve_forever() on it."""
    out_dir = Path(out_dir)
    if not (out_dir / "index.html").is_file():
        raise FileNotFoundError(f"{out_dir}/index.html does not exist; render the site first (make gallery)")
    handler = type("Handler", (_Handler,), {"quiet": quiet})
    return ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(out_dir)))


def serve(out_dir: Path, port: int = 8000) -> None:
    """Serve `out_dir` until Ctrl-C; a re-render swaps the folder in place, so a reload shows it."""
    with make_server(out_dir, port) as server:
        print(f"Serving {out_dir} at http://127.0.0.1:{server.server_address[1]}/  (Ctrl-C stops)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("stopped")
