"""The page model: what the templates render. Built from recipes and the store alone — no model work."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable


@dataclass
class Panel:
    """One picture in a figure, or the placeholder for one not generated yet."""

    image: Path | None  # a PNG in the store; None while pending
    label: str = ""  # what this panel is: "t = 250", "seed 181", "estimate"
    pixelated: bool = False  # upscale with nearest-neighbour (tiny images such as 32×32 digits)
    alt: str = ""  # what the picture shows, for readers who cannot see it
    data: bytes | None = None  # a picture made at render time (an input preview, a chart) instead of a file
    suffix: str = ".png"  # the file type of `data`
    motion: str = ""  # a CSS transform that turns this picture into its other reading
    frames: bytes | None = None  # an animated WebP from one reading to the other (permutation views)
    scale: float = 1.0  # drawn at this share of its cell's width (a hybrid seen from across the room)


@dataclass
class Grid:
    """Panels in rows; labels say what varies along each axis."""

    rows: list[list[Panel]]
    row_labels: list[str] = field(default_factory=list)
    title: str = ""  # optional heading over this grid


@dataclass
class FigureView:
    id: str
    caption: str  # Markdown from the recipe
    mode: str
    model: str  # which model made these images, in words ("" for model-free figures)
    grids: list[Grid]
    others: list[Panel] = field(default_factory=list)  # the seeds not picked, shown smaller
    pending: list[str] = field(default_factory=list)  # one line per missing job
    command: str = ""  # the exact command that generates what is pending
    info: list[tuple[str, str]] = field(default_factory=list)  # (label, value) facts shown under it
    title: str = ""  # optional heading over the figure
    others_title: str = ""  # what the other seeds' pictures show ("Other seeds, upright")
    others_cols: int = 0  # the other seeds' pictures per row (one per sweep point); 0: one wrapping row
    inputs: list[Panel] = field(default_factory=list)  # model-free inputs shown while results are pending
    settings: list[tuple[str, str]] = field(default_factory=list)  # prompts and settings, in words
    needs: str = ""  # what generating the pending images needs, in words ("a CUDA GPU")
    seed_label: str = ""  # which seed the large pictures are: "seed 3, picked from 10" ("" when seedless)


@dataclass
class SectionView:
    slug: str
    title: str
    intro: str  # Markdown prose from the recipe
    figures: list[FigureView]


@dataclass
class BookView:
    slug: str  # sub-folder of public/ (e.g. "deepfloyd", "digits")
    title: str
    summary: str  # Markdown shown on the index
    model: str  # the model, in words
    sections: list[SectionView]
    extras: dict[str, Any] = field(default_factory=dict)  # e.g. evaluation numbers, loss-curve data
    print: str = ""  # a fingerprint of everything its page shows; "" for a page always rendered


@dataclass
class BookSource:
    """A book not presented yet: `view()` builds its BookView, which a writer asks for only when the page
    changed since the last render (`print` differs); the other pages see its slug and title."""

    slug: str
    title: str
    print: str
    view: Callable[[], BookView]


def presented(book: BookView | BookSource) -> BookView:
    return book.view() if isinstance(book, BookSource) else book


@dataclass
class SiteView:
    title: str
    intro: str  # Markdown
    books: list[BookView | BookSource]
    url: str = ""  # where the site is published (site.yaml `url`), for Open Graph links
