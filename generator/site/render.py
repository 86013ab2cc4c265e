"""The HTML writer: an arranged site (arrange.py) → Jinja pages, fingerprinted CSS, its pictures, swapped in atomically.

Layout of the output folder (every link in it is relative, so it works from file:// and any sub-path):

    index.html                 title, intro, every book with its sections
    <book>/index.html          one long blog-style page per book; sections (#<section>), figures (#fig-<id>)
    img/<sha256[:16]>.png      every picture, named from its bytes: an unchanged image keeps its URL
    style.<sha256[:12]>.css    the stylesheet, named from its bytes
    favicon.svg
    hugo/<book>/index.md       only with hugo=True: the book as a Hugo page bundle (`gallery hugo` exports
                               these to a folder of their own: generator.site.hugo.export)
    .gallery-site              marker: this folder was written by render_site

The output folder is wholly owned by the renderer: each render replaces all of it (files put there by hand are
lost). It is built in a sibling staging folder and renamed into place, as Lektor does, so a failed render
leaves the previous site as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from generator import shipped
from generator.site.arrange import SiteOut, arrange
from generator.site.hugo_bundle import write_bundle
from generator.site.page import BookView, SiteView
from generator.site.prose import markdown, plain_text
from generator.site.publish import publish
from generator.site.slugs import check_slugs

TEMPLATES = shipped("site_templates")
MARKER = ".gallery-site"


@dataclass(frozen=True)
class RenderStats:
    pages: int                          # HTML pages written
    images: int                         # distinct pictures copied into img/
    bundles: int = 0                    # Hugo page bundles written


def render_site(site: SiteView, out_dir: Path, templates: Path | None = None,
                hugo: bool = False) -> RenderStats:
    """Render `site` into `out_dir` (replacing all of it) via a staging folder swapped in by rename."""
    out_dir = Path(out_dir).absolute()
    check_owned(out_dir)
    check_slugs(site)
    return publish(out_dir, lambda staging: _render_into(arrange(site), staging, templates or TEMPLATES, hugo))


def _render_into(arranged: SiteOut, root: Path, templates: Path, hugo: bool) -> RenderStats:
    """Write every page, the CSS and the pictures into `root`."""
    # 1. Assets: the stylesheet under its fingerprint, the icon, the pictures.
    css = fingerprint(templates / "style.css")
    (root / css).write_bytes((templates / "style.css").read_bytes())
    shutil.copyfile(templates / "favicon.svg", root / "favicon.svg")
    arranged.pictures.write_into(root)
    site, books = arranged.view, arranged.books

    # 2. Pages: the index, then one page per book.
    env = environment(templates)
    _write(root / "index.html", env.get_template("index.html").render(
        site=site, books=books, root="", css=css, description=plain_text(site.intro)))
    for i, book in enumerate(books):
        (root / book.slug).mkdir()
        _write(root / book.slug / "index.html", env.get_template("book.html").render(
            site=site, book=book, root="../", css=css, description=plain_text(book.view.summary),
            prev=books[i - 1] if i > 0 else None, next=books[i + 1] if i + 1 < len(books) else None))

    # 3. Hugo page bundles, and the marker that says this folder is ours.
    if hugo:
        for book in books:
            write_bundle(site, book, root / "hugo" / book.slug, arranged.pictures)
    _write(root / MARKER, "Written by generator.site.render.render_site; replaced whole on every render.\n")
    return RenderStats(pages=1 + len(books), images=len(arranged.pictures), bundles=len(books) if hugo else 0)


def environment(templates: Path = TEMPLATES) -> Environment:
    """The Jinja environment: autoescape on for everything, unknown names are errors."""
    env = Environment(loader=FileSystemLoader(str(templates)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["markdown"] = markdown
    env.globals["made_with"] = made_with
    env.globals["byline"] = byline
    return env


def fingerprint(css: Path) -> str:
    """The stylesheet's file name carries its content hash, so browsers never keep a stale copy."""
    return f"{css.stem}.{hashlib.sha256(css.read_bytes()).hexdigest()[:12]}{css.suffix}"


def made_with(model: str) -> str:
    return f"Images made with {model}" if model else "Computed without a model"


def byline(book: BookView) -> str:
    """'By Ada Lovelace · 26 November 2026' from the book's authors and date (either may be missing)."""
    authors = [str(a) for a in book.extras.get("authors") or []]
    date = book.extras.get("date")
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            pass
    when = f"{date.day} {date:%B %Y}" if isinstance(date, dt.date) else str(date or "")
    who = "By " + (", ".join(authors[:-1]) + " and " + authors[-1] if len(authors) > 1 else authors[0]) \
        if authors else ""
    return " · ".join(filter(None, [who, when]))


# ---- the output folder is ours ----

def check_owned(out_dir: Path) -> None:
    """Refuse to replace a folder we did not write (a typo must not wipe someone's project)."""
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        raise FileExistsError(f"{out_dir} is not empty and has no {MARKER} marker, so it was not written by "
                              f"render_site; it would be replaced whole. Choose an empty or new folder, or "
                              f"empty this one yourself.")
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"{out_dir} is a file; the site needs a folder there")


def _write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def serve(out_dir: Path, port: int = 8000) -> None:
    """Serve the rendered site on 127.0.0.1 (the `gallery serve` / `make serve` entry point)."""
    from generator.site.serve import serve as run

    run(out_dir, port)
