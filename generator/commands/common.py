"""What several commands share: the figures a command selects, the lock-waiting line, asking on a terminal, a
readable duration, and the check that --out is the renderer's own folder."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from generator.errors import EXIT_ENVIRONMENT, GalleryError
from generator.project import Plan


def selected(plan: Plan, args: argparse.Namespace) -> list:
    """The figures whose work the command does (--book / --figure); every figure without a filter."""
    return plan.select(getattr(args, "book", None), getattr(args, "figure", None))


def tell_waiting(holders: list) -> None:
    names = "; ".join(h.describe() for h in holders) or "another process"
    print(f"waiting for the store lock held by {names} (Ctrl-C to stop)", file=sys.stderr, flush=True)


def confirm(question: str) -> bool:
    """Ask on a terminal; never in a pipe or a script (there the caller needs --yes)."""
    if not sys.stdin.isatty():
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 3600:.1f} h" if seconds >= 5400 else f"{seconds / 60:.0f} min"


def closest_folder(path: Path) -> str:
    """' (did you mean X?)' for a mistyped folder whose parent exists; '' otherwise."""
    parent = path.absolute().parent
    names = [p.name for p in parent.iterdir() if p.is_dir()] if parent.is_dir() else []
    close = difflib.get_close_matches(path.name, names, n=1, cutoff=0.6)
    return f" (did you mean {path.parent / close[0]}?)" if close else ""


def check_out(out: Path) -> None:
    """Refuse, before any work, an --out that is a file or a non-empty folder the renderer did not write."""
    from generator.site.render import check_owned

    try:
        check_owned(Path(out).absolute())
    except (FileExistsError, NotADirectoryError) as exc:
        raise GalleryError(f"--out {out}: {exc}", EXIT_ENVIRONMENT) from None
