"""Book and section slugs become folder names and anchors, figure ids anchors: checked before any writer runs."""

from __future__ import annotations

import re

from generator.site.page import BookView, SiteView


RESERVED = {"img", "hugo"}  # top-level folders of ours that a book slug must not take
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def check_slugs(site: SiteView) -> None:
    """Raise ValueError naming the first slug that is malformed, reserved or taken twice."""
    books: set[str] = set()
    for book in site.books:
        if not _SLUG.match(book.slug) or book.slug in RESERVED or book.slug in books:
            raise ValueError(
                f"book slug {book.slug!r} must be unique, made of letters, digits, - and _, "
                f"and not one of {sorted(RESERVED)}; rename the book"
            )
        books.add(book.slug)
        if isinstance(book, BookView):
            check_sections(book)


def check_sections(book: BookView) -> None:
    """Raise ValueError naming the first section slug or figure id of `book` that is malformed or repeated."""
    sections: set[str] = set()
    figures: dict[str, str] = {}
    for s in book.sections:
        if not _SLUG.match(s.slug) or s.slug in sections:
            raise ValueError(
                f"book {book.slug!r}: section slug {s.slug!r} must be unique within the book "
                f"and made of letters, digits, - and _"
            )
        sections.add(s.slug)
        for f in s.figures:
            if f.id in figures:
                raise ValueError(
                    f"book {book.slug!r}: figure id {f.id!r} appears in sections "
                    f"{figures[f.id]!r} and {s.slug!r}; figure ids must be unique in a book"
                )
            figures[f.id] = s.slug
