"""SiteView → a static site: Jinja pages, fingerprinted CSS, content-addressed images, swapped in atomically.

Layout of the output folder (every link in it is relative, so it works from file:// and any sub-path):

    index.html                 title, intro, every book with its sections
    <book>/index.html          one long blog-style page per book; sections (#<section>), figures (#fig-<id>)
    img/<sha256[:16]>.png      every picture, named from its bytes: an unchanged image keeps its URL
    style.<sha256[:12]>.css    the stylesheet, named from its bytes
    favicon.svg
    hugo/<book>/index.md       only with hugo=True: the book as a Hugo page bundle (`make hugo` exports
                               these to a folder of their own: generator.site.hugo.export)
    .gallery-site              marker: this folder was written by render_site

The output folder is wholly owned by the renderer: each render replaces all of it (files put there by hand are
lost). It is built in a sibling staging folder and renamed into place, as Lektor does, so a failed render
leaves the previous site as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from PIL import Image

from generator.fileops import is_stale, recover_swap, remove, swap_dir, temp_name
from generator.site.hugo_bundle import write_bundle
from generator.site.page import BookView, FigureView, Grid, Panel, SectionView, SiteView
from generator.site.prose import markdown, plain_text

TEMPLATES = Path(__file__).resolve().parents[2] / "site_templates"
MARKER = ".gallery-site"
WIDE = 256                              # pictures at least this wide get the full column width
RESERVED = {"img", "hugo"}              # top-level folders of ours that a book slug must not take
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class RenderStats:
    pages: int                          # HTML pages written
    images: int                         # distinct pictures copied into img/
    bundles: int = 0                    # Hugo page bundles written


@dataclass(frozen=True)
class SiteImage:
    src: str                            # path relative to the site root, "img/<hash>.png"
    width: int
    height: int


@dataclass
class Cell:
    image: SiteImage | None
    label: str
    alt: str
    pixelated: bool
    ratio: str                          # CSS aspect-ratio for a placeholder, "w / h"
    motion: str = ""                    # CSS transform to the other reading (anagrams)
    frames: SiteImage | None = None     # animated WebP from one reading to the other


@dataclass
class Row:
    label: str
    cells: list[Cell]


@dataclass
class GridOut:
    title: str
    cols: int
    rows: list[Row]
    colheads: list[str]                 # one label per column when every row shares it, else []
    rowheads: bool
    wide: bool = False                  # large pictures (plots, stage II): columns share the full width


@dataclass
class FigureOut:
    view: FigureView
    anchor: str
    grids: list[GridOut]
    others: list[Cell]
    missing: str                        # "3 images not generated yet"
    inputs: list[Cell] = field(default_factory=list)   # model-free inputs of a pending figure
    main_cols: int = 1                  # columns of the grid holding the picked result (sizes the others)
    other_model: str = ""               # the model that made it, when it is not the book's
    settings: list[tuple[str, str]] | None = None   # its own settings when some are said once for the section

    @property
    def main_pcols(self) -> int:
        """Columns of the main grid on a phone: a single labelled row wraps after 4 pictures."""
        main = next((g for g in reversed(self.grids) if g.rows), None)
        single = main is not None and len(main.rows) == 1 and not main.colheads
        return min(self.main_cols, 4) if single else self.main_cols

    @property
    def shown(self) -> bool:
        """Some result of this figure is stored (else only its inputs and settings are shown)."""
        return any(c.image for g in self.grids for r in g.rows for c in r.cells) or any(c.image for c in self.others)


@dataclass
class SectionOut:
    view: SectionView
    figures: list[FigureOut]
    counts: str
    shared_settings: list[tuple[str, str]] = field(default_factory=list)   # said once for the waiting figures

    @property
    def runs(self) -> list[tuple[bool, list[FigureOut]]]:
        """The figures in runs: (True, figures) for consecutive figures with nothing generated yet (inputs and
        text only), laid out two to a row on wide screens; (False, [figure]) for each figure with results."""
        out: list[tuple[bool, list[FigureOut]]] = []
        for f in self.figures:
            waiting = not f.shown
            if waiting and out and out[-1][0]:
                out[-1][1].append(f)
            else:
                out.append((waiting, [f]))
        return out


@dataclass
class BookOut:
    view: BookView
    slug: str
    sections: list[SectionOut]
    counts: str = ""
    cover: list[tuple[str, Cell]] = field(default_factory=list)   # (figure anchor, picture) for the index
    pending_model: int = 0              # figures that wait for a model run
    figure_count: int = 0


class ImageStore:
    """Copies store PNGs into <site>/img/, named by the sha256 of their bytes; each picture copied once."""

    def __init__(self, site_dir: Path):
        self.site_dir = site_dir
        self.by_source: dict[Path, SiteImage] = {}
        self.names: set[str] = set()

    def add(self, source: Path, where: str) -> SiteImage:
        if source in self.by_source:
            return self.by_source[source]
        try:
            data = source.read_bytes()
            with Image.open(source) as im:
                width, height = im.size
        except FileNotFoundError:
            raise FileNotFoundError(
                f"{where}: image {source} is not in the store; run the build again to regenerate it, "
                f"or mark the panel pending (image=None)") from None
        self.by_source[source] = image = self.add_bytes(data, source.suffix.lower() or ".png", (width, height))
        return image

    def add_bytes(self, data: bytes, suffix: str, size: tuple[int, int]) -> SiteImage:
        """A picture made at render time (an input preview, a chart, an animation), named by its bytes."""
        src = f"img/{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
        if src not in self.names:
            target = self.site_dir / src
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(data)
            self.names.add(src)
        return SiteImage(src, *size)


def render_site(site: SiteView, out_dir: Path, templates: Path | None = None,
                hugo: bool = False) -> RenderStats:
    """Render `site` into `out_dir` (replacing all of it) via a staging folder swapped in by rename."""
    out_dir = Path(out_dir).absolute()
    _check_owned(out_dir)
    _check_slugs(site)
    _remove_stale(out_dir)
    staging = _sibling(out_dir, "staging")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        stats = _render_into(site, staging, templates or TEMPLATES, hugo)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap(staging, out_dir)
    return stats


def _render_into(site: SiteView, root: Path, templates: Path, hugo: bool) -> RenderStats:
    """Write every page, the CSS and the pictures into `root`."""
    # 1. Assets: the stylesheet under its fingerprint, the icon, the pictures.
    css = fingerprint(templates / "style.css")
    (root / css).write_bytes((templates / "style.css").read_bytes())
    shutil.copyfile(templates / "favicon.svg", root / "favicon.svg")
    images = ImageStore(root)
    books = [_book(b, images) for b in site.books]

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
            write_bundle(site, book, root / "hugo" / book.slug, root)
    _write(root / MARKER, "Written by generator.site.render.render_site; replaced whole on every render.\n")
    return RenderStats(pages=1 + len(books), images=len(images.names), bundles=len(books) if hugo else 0)


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


# ---- page model → template data ----

def _book(book: BookView, images: ImageStore) -> BookOut:
    sections = [SectionOut(s, [_figure(f, f"{book.slug}/{s.slug}", images) for f in s.figures], "")
                for s in book.sections]
    for f in (f for s in sections for f in s.figures):       # the book's model is described once, in its header
        f.other_model = f.view.model if f.view.model and f.view.model != book.model else ""
    for s in sections:
        s.counts = _counts(s.figures)
        s.shared_settings = _hoist_settings(s.figures)
    figures = [f for s in sections for f in s.figures]
    waiting = sum(1 for f in figures if f.view.pending and f.view.model)
    cover = _cover(figures, images.site_dir, chosen=[str(c) for c in book.extras.get("cover") or []])
    return BookOut(book, book.slug, sections, _counts(figures), cover, waiting, len(figures))


def _hoist_settings(figures: list[FigureOut]) -> list[tuple[str, str]]:
    """Settings every waiting figure of a section shares, said once above them and no longer under each."""
    waiting = [f for f in figures if f.view.settings and not f.shown]
    if len(waiting) < 2:
        return []
    shared = [s for s in waiting[0].view.settings if all(s in f.view.settings for f in waiting[1:])]
    for f in waiting:
        f.settings = [s for s in f.view.settings if s not in shared]
    return shared


def _cover(figures: list[FigureOut], root: Path, n: int = 4, chosen: list[str] = ()) -> list[tuple[str, Cell]]:
    """Up to `n` pictures for the index: the figures `cover:` names in book.yaml (their last picked picture),
    then each figure's pictures in order; never two with the same pixels."""
    cells = {f.view.id: [(f.anchor, c) for g in f.grids for r in g.rows for c in r.cells if c.image]
             for f in figures}
    ordered = [cells[i][-1] for i in chosen if cells.get(i)]
    ordered += [cs[0] for cs in cells.values() if cs] + [x for cs in cells.values() for x in cs[1:]]
    cover: dict[str, tuple[str, Cell]] = {}
    for anchor, c in ordered:
        cover.setdefault(_pixels(root / c.image.src), (anchor, c))
    return list(cover.values())[:n]


def _pixels(path: Path) -> str:
    """A hash of a picture's decoded pixels: two files with the same pixels make one cover picture."""
    if path.suffix == ".svg":
        return hashlib.sha256(path.read_bytes()).hexdigest()
    with Image.open(path) as im:
        return hashlib.sha256(im.convert("RGBA").tobytes() + repr(im.size).encode()).hexdigest()


def _figure(fig: FigureView, where: str, images: ImageStore) -> FigureOut:
    where = f"{where}, figure {fig.id!r}"
    ratio = _ratio([p for g in fig.grids for row in g.rows for p in row] + fig.others)
    grids = [_grid(g, where, images, ratio) for g in fig.grids]
    others = [_cell(p, images, where, ratio, p.label or f"other sample {k + 1}") for k, p in enumerate(fig.others)]
    inputs = [_cell(p, images, where, ratio, p.label) for p in fig.inputs]
    n = len(fig.pending)
    missing = f"{n} image{'s' if n != 1 else ''}"
    main = next((g for g in reversed(grids) if g.rows), None)
    return FigureOut(fig, f"fig-{fig.id}", grids, others, missing, inputs, main.cols if main else 1)


def _grid(grid: Grid, where: str, images: ImageStore, ratio: str) -> GridOut:
    """Labels shared by a whole column become one column heading, so each label says only what varies."""
    cols = max((len(r) for r in grid.rows), default=0)
    shared = len(grid.rows) > 1 and all(len(r) == cols for r in grid.rows) and all(
        len({r[j].label for r in grid.rows}) == 1 for j in range(cols))
    colheads = [p.label for p in grid.rows[0]] if shared and any(p.label for p in grid.rows[0]) else []
    rows = []
    for i, panels in enumerate(grid.rows):
        label = grid.row_labels[i] if i < len(grid.row_labels) else ""
        cells = [_cell(p, images, where, ratio, _alt(p, label, i, j), keep_label=not colheads)
                 for j, p in enumerate(panels)]
        rows.append(Row(label, cells))
    wide = all(c.image is not None and c.image.width >= WIDE for r in rows for c in r.cells)
    return GridOut(grid.title, cols, rows, colheads, rowheads=any(grid.row_labels), wide=wide)


def _cell(p: Panel, images: ImageStore, where: str, ratio: str, alt: str, keep_label: bool = True) -> Cell:
    if p.data is not None:
        image = images.add_bytes(p.data, p.suffix, _size(p.data, p.suffix))
    else:
        image = images.add(Path(p.image), where) if p.image is not None else None
    frames = images.add_bytes(p.frames, ".webp", (image.width, image.height)) if p.frames and image else None
    return Cell(image, p.label if keep_label else "", p.alt or alt, p.pixelated, ratio, p.motion, frames)


def _size(data: bytes, suffix: str) -> tuple[int, int]:
    """A picture's intrinsic size: an SVG's viewBox, else what PIL reads."""
    if suffix == ".svg":
        box = re.search(rb'viewBox="0 0 ([0-9.]+) ([0-9.]+)"', data)
        return (round(float(box[1])), round(float(box[2]))) if box else (720, 360)
    with Image.open(io.BytesIO(data)) as im:
        return im.size


def _alt(p: Panel, row_label: str, i: int, j: int) -> str:
    parts = [s for s in (row_label, p.label) if s]
    return ", ".join(parts) if parts else f"row {i + 1}, column {j + 1}"


def _ratio(panels: list[Panel]) -> str:
    """Placeholders take the shape of the figure's first real picture (square when there is none)."""
    for p in panels:
        if p.image is not None and Path(p.image).exists():
            with Image.open(p.image) as im:
                return f"{im.width} / {im.height}"
    return "1 / 1"


def _counts(figures: list[FigureOut]) -> str:
    n, pending = len(figures), sum(1 for f in figures if f.view.pending)
    text = f"{n} figure{'s' if n != 1 else ''}"
    return text + (f", {pending} pending" if pending else "")


# ---- checks and the atomic swap ----

def _check_slugs(site: SiteView) -> None:
    """Book and section slugs become folder names and anchors; figure ids become anchors."""
    books: set[str] = set()
    for book in site.books:
        if not _SLUG.match(book.slug) or book.slug in RESERVED or book.slug in books:
            raise ValueError(f"book slug {book.slug!r} must be unique, made of letters, digits, - and _, "
                             f"and not one of {sorted(RESERVED)}; rename the book")
        books.add(book.slug)
        sections: set[str] = set()
        figures: dict[str, str] = {}
        for s in book.sections:
            if not _SLUG.match(s.slug) or s.slug in sections:
                raise ValueError(f"book {book.slug!r}: section slug {s.slug!r} must be unique within the book "
                                 f"and made of letters, digits, - and _")
            sections.add(s.slug)
            for f in s.figures:
                if f.id in figures:
                    raise ValueError(f"book {book.slug!r}: figure id {f.id!r} appears in sections "
                                     f"{figures[f.id]!r} and {s.slug!r}; figure ids must be unique in a book")
                figures[f.id] = s.slug


def _check_owned(out_dir: Path) -> None:
    """Refuse to replace a folder we did not write (a typo must not wipe someone's project)."""
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        raise FileExistsError(f"{out_dir} is not empty and has no {MARKER} marker, so it was not written by "
                              f"render_site; it would be replaced whole. Choose an empty or new folder, or "
                              f"empty this one yourself.")
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"{out_dir} is a file; the site needs a folder there")


def _sibling(out_dir: Path, kind: str) -> Path:
    """This process's temporary beside `out_dir` (fileops' naming: `.public.staging-<pid>@<host>`)."""
    return out_dir.parent / temp_name(out_dir.name, kind)


def _remove_stale(out_dir: Path) -> None:
    """Put back a site a killed two-rename swap left aside; remove staging/old folders of dead renders."""
    if out_dir.parent.is_dir():
        recover_swap(out_dir)
        for path in out_dir.parent.glob(f".{out_dir.name}.*-*"):
            if is_stale(path.name, {"staging", "old"}):
                remove(path)


def _swap(staging: Path, out_dir: Path) -> None:
    """New site in, old site out, in one atomic exchange: there is never a moment without a site."""
    swap_dir(staging, out_dir)
    remove(staging)                     # now the previous site (or nothing, on a first render)


def _write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def serve(out_dir: Path, port: int = 8000) -> None:
    """Serve the rendered site on 127.0.0.1 (the `gallery serve` / `make serve` entry point)."""
    from generator.site.serve import serve as run

    run(out_dir, port)
