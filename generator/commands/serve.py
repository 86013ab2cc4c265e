"""`gallery serve [--watch] [--open]`: the built site on localhost; with --watch, build first and rebuild (and
reload the browser) on every change. `build` is the CLI's own build, so a failure shows as its message."""

from __future__ import annotations

import argparse
import errno
from typing import Callable

from generator.errors import EXIT_ENVIRONMENT, GalleryError
from generator.project import Project


def cmd_serve(project: Project, args: argparse.Namespace, build: Callable[[], tuple[int, str]]) -> int:
    from generator.site.serve import serve

    try:
        if args.watch:
            from generator.watch import serve_and_watch

            return serve_and_watch(project, args.port, build, args.open)
        if not (project.public / "index.html").is_file():
            raise GalleryError(
                f"{project.public}/index.html does not exist; render the site first (gallery build), "
                f"or run `gallery serve --watch`, which builds it",
                EXIT_ENVIRONMENT,
            )
        serve(project.public, args.port, args.open)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise GalleryError(
                f"port {args.port} is already in use; stop what uses it or pick another with --port", EXIT_ENVIRONMENT
            ) from None
        raise
    return 0
