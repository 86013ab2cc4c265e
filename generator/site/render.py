"""The HTML writer: an arranged site (arrange.py) → Jinja pages, fingerprinted CSS, its pictures, swapped in atomically.

Layout of the output folder (every link in it is relative, so it works from file:// and any sub-path):

    index.html                 title, intro, every book with its sections
    <book>/index.html          one long blog-style page per book; sections (#<section>), figures (#fig-<id>)
    img/<sha256[:16]>.png      every picture, named from its bytes: an unchanged image keeps its URL
    style.<sha256[:12]>.css    the stylesheet, named from its bytes
    favicon.svg
    hugo/<book>/index.md       only with hugo=True: the book as a Hugo page bundle (`gallery hugo` exports
                               these to a folder of their own: generator.site.hugo.export)
    .gallery-site              marker: this folder was written by render_site, and what each page was made
                               from (the manifest: JSON)

The output folder is wholly owned by the renderer: each render replaces all of it (files put there by hand are
lost). It is built in a sibling staging folder and renamed into place, as Lektor does, so a failed render
leaves the previous site as it was.

Incremental: each book page has a fingerprint (`print`) of everything it shows — its BookView's (or BookSource's)
print, the site's title and address, its neighbours in the pager, the templates and this code. A page whose
print is the one in the manifest is not rendered again: its files (page, pictures, Hugo bundle) are hard-linked
from the current site into the staging folder, and a BookSource is never even presented. The index is always
written, from each book's card (kept in the manifest for the pages not rendered).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from generator import shipped
from generator.fingerprints import code_print, digest, tree_print
from generator.site.arrange import arrange_book
from generator.site.hugo_bundle import write_bundle
from generator.site.page import BookView, SiteView, presented
from generator.site.prose import markdown, plain_text
from generator.site.publish import publish
from generator.site.slugs import check_sections, check_slugs


TEMPLATES = shipped("site_templates")
MARKER = ".gallery-site"
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class RenderStats:
    pages: int  # HTML pages in the site
    images: int  # distinct pictures in img/
    bundles: int = 0  # Hugo page bundles written
    rendered: int = 0  # book pages rendered this time (the others were kept)


@dataclass
class Manifest:
    """What the site in a folder was made from: per book page its print, files and index card; and the caller's
    record of the sources (`sources`, e.g. the CLI's fingerprint of recipes, inputs and store)."""

    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: dict[str, Any] = field(default_factory=dict)


def read_manifest(out_dir: Path) -> Manifest:
    """The manifest of the site in `out_dir`; an empty one when there is none (or it cannot be read)."""
    try:
        data = json.loads((Path(out_dir) / MARKER).read_text("utf-8"))
        if data.get("format") == MANIFEST_FORMAT:
            return Manifest(dict(data["pages"]), dict(data.get("sources") or {}))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return Manifest()


def render_site(
    site: SiteView,
    out_dir: Path,
    templates: Path | None = None,
    hugo: bool = False,
    sources: dict[str, Any] | None = None,
) -> RenderStats:
    """Render `site` into `out_dir` (replacing all of it) via a staging folder swapped in by rename; book pages
    unchanged since the last render are kept (see the module's docstring). `sources` is stored in the manifest."""
    out_dir = Path(out_dir).absolute()
    check_owned(out_dir)
    check_slugs(site)
    templates = templates or TEMPLATES
    previous = read_manifest(out_dir)
    prints = page_prints(site, templates, hugo)
    kept = {
        slug
        for slug, p in prints.items()
        if p
        and previous.pages.get(slug, {}).get("print") == p
        and all(os.path.isfile(os.path.join(out_dir, f)) for f in previous.pages[slug]["files"])
    }
    keep = sorted({f for slug in kept for f in previous.pages[slug]["files"]})
    kept_pages = {s: previous.pages[s] for s in kept}
    return publish(
        out_dir,
        lambda staging: _render_into(site, staging, out_dir, templates, hugo, prints, kept_pages, sources or {}),
        keep=keep,
    )


def page_prints(site: SiteView, templates: Path, hugo: bool) -> dict[str, str]:
    """Each book page's fingerprint: its book's print, its neighbours in the pager, what every page shares."""
    shared = [
        MANIFEST_FORMAT,
        code_print(),
        tree_print(templates),
        site.title,
        site.url,
        hugo,
        version("jinja2"),
        version("markdown-it-py"),
    ]
    return {
        book.slug: digest([shared, book.print, [b and (b.slug, b.title) for b in neighbours(site, i)]])
        if book.print
        else ""
        for i, book in enumerate(site.books)
    }


def neighbours(site: SiteView, i: int) -> tuple:
    """The books before and after book `i` (None at either end), for the pager."""
    books = site.books
    return (books[i - 1] if i else None), (books[i + 1] if i + 1 < len(books) else None)


def _render_into(
    site: SiteView,
    root: Path,
    published: Path,
    templates: Path,
    hugo: bool,
    prints: dict[str, str],
    kept: dict[str, dict[str, Any]],
    sources: dict[str, Any],
) -> RenderStats:
    """Write every changed book page with its pictures, the index, the CSS and the manifest into `root` (the
    pictures that the `published` site has already are linked from it)."""
    # 1. Assets: the stylesheet under its fingerprint, the icon.
    css = fingerprint(templates / "style.css")
    (root / css).write_bytes((templates / "style.css").read_bytes())
    shutil.copyfile(templates / "favicon.svg", root / "favicon.svg")
    env = environment(templates)

    # 2. Book pages: kept ones are in place already; the others are presented, arranged and written.
    pages, cards = dict(kept), {}
    for i, book in enumerate(site.books):
        if book.slug in kept:
            cards[book.slug] = Markup(kept[book.slug]["card"])
            continue
        pages[book.slug] = _book_page(site, presented(book), neighbours(site, i), root, published, env, css, hugo)
        pages[book.slug]["print"] = prints[book.slug]
        cards[book.slug] = Markup(pages[book.slug]["card"])

    # 3. The index, from every book's card; the manifest, which also says this folder is ours.
    _write(
        root / "index.html",
        env.get_template("index.html").render(
            site=site,
            cards=[cards[b.slug] for b in site.books],
            root="",
            css=css,
            og=social(site, site.title, plain_text(site.intro) or site.title, "", _first_cover(pages, site)),
        ),
    )
    manifest = {
        "format": MANIFEST_FORMAT,
        "written_by": "generator.site.render.render_site; the folder is replaced whole on every render",
        "sources": sources,
        "pages": pages,
    }
    _write(root / MARKER, json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    images = len({f for p in pages.values() for f in p["files"] if f.startswith("img/")})
    return RenderStats(
        pages=1 + len(site.books),
        images=images,
        bundles=len(site.books) if hugo else 0,
        rendered=len(site.books) - len(kept),
    )


def _book_page(
    site: SiteView, view: BookView, near: tuple, root: Path, published: Path, env: Environment, css: str, hugo: bool
) -> dict[str, Any]:
    """Write one book's page, pictures and (with `hugo`) bundle; returns its manifest entry (files, card)."""
    check_sections(view)
    book = arrange_book(view)
    book.pictures.write_into(root, reuse=published)
    prev, next_ = near
    cover = book.cover[0] if book.cover else None
    (root / book.slug).mkdir()
    _write(
        root / book.slug / "index.html",
        env.get_template("book.html").render(
            site=site,
            book=book,
            root="../",
            css=css,
            prev=prev,
            next=next_,
            og=social(
                site,
                f"{view.title} · {site.title}",
                plain_text(view.summary) or view.title,
                f"{book.slug}/index.html",
                cover and (cover[1].image.src, cover[1].alt),
                "article",
            ),
        ),
    )
    files = [f"{book.slug}/index.html", *book.pictures.sources]
    if hugo:
        write_bundle(site, book, root / "hugo" / book.slug, book.pictures)
        files += [
            p.relative_to(root).as_posix() for p in sorted((root / "hugo" / book.slug).rglob("*")) if p.is_file()
        ]
    card = env.get_template("card.html").render(book=book).strip()
    cover_entry = [cover[1].image.src, cover[1].alt] if cover else None
    return {"files": files, "card": card, "cover": cover_entry}


def _first_cover(pages: dict[str, dict[str, Any]], site: SiteView) -> tuple[str, str] | None:
    """The index's picture for link previews: the first book's first cover picture."""
    for book in site.books:
        cover = pages.get(book.slug, {}).get("cover")
        if cover:
            return cover[0], cover[1]
    return None


def social(
    site: SiteView, title: str, description: str, path: str, image: tuple[str, str] | None, kind: str = "website"
) -> dict[str, str]:
    """Open Graph facts of a page (ogp.me); its own and its picture's address only when the site's is known."""
    base = site.url.rstrip("/") + "/" if site.url else ""
    return {
        "type": kind,
        "title": title,
        "description": description,
        "url": base and base + path,
        "image": base and image and base + image[0] or "",
        "image_alt": image[1] if image else "",
    }


def environment(templates: Path = TEMPLATES) -> Environment:
    """The Jinja environment: autoescape on for everything, unknown names are errors."""
    env = Environment(
        loader=FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
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
    who = (
        "By " + (", ".join(authors[:-1]) + " and " + authors[-1] if len(authors) > 1 else authors[0])
        if authors
        else ""
    )
    return " · ".join(filter(None, [who, when]))


# ---- the output folder is ours ----


def check_owned(out_dir: Path) -> None:
    """Refuse to replace a folder we did not write (a typo must not wipe someone's project)."""
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        raise FileExistsError(
            f"{out_dir} is not empty and has no {MARKER} marker, so it was not written by "
            f"render_site; it would be replaced whole. Choose an empty or new folder, or "
            f"empty this one yourself."
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"{out_dir} is a file; the site needs a folder there")


def _write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def serve(out_dir: Path, port: int = 8000) -> None:
    """Serve the rendered site on 127.0.0.1 (the `gallery serve` / `make serve` entry point)."""
    from generator.site.serve import serve as run

    run(out_dir, port)
