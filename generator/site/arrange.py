"""SiteView → what readers see, arranged once and shared by the writers (HTML in render.py, Hugo in hugo_bundle.py).

Column headings from labels a whole column shares, settings said once for a section's waiting figures, the
index's cover pictures, placeholder shapes, and every picture catalogued under its content name (pictures.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from generator.site.page import BookView, FigureView, Grid, Panel, SectionView, SiteView, presented
from generator.site.pictures import Pictures, SiteImage, pixels_hash, size_of


WIDE = 256  # pictures at least this wide get the full column width
THUMB = 512  # the side of the thumbnail a large result is shown by, linked to it
LARGE = 1024  # square results this large (stage III's) get one; plots never do


@dataclass
class Cell:
    image: SiteImage | None
    label: str
    alt: str
    pixelated: bool
    ratio: str  # CSS aspect-ratio for a placeholder, "w / h"
    motion: str = ""  # CSS transform to the other reading (anagrams)
    frames: SiteImage | None = None  # animated WebP from one reading to the other
    scale: float = 1.0  # drawn at this share of the cell's width (a hybrid seen from afar)
    full: SiteImage | None = None  # the full-size picture behind a thumbnail (`image`)


@dataclass
class Row:
    label: str
    cells: list[Cell]


@dataclass
class GridOut:
    title: str
    cols: int
    rows: list[Row]
    colheads: list[str]  # one label per column when every row shares it, else []
    rowheads: bool
    wide: bool = False  # large pictures (plots, stage II): columns share the full width


@dataclass
class FigureOut:
    view: FigureView
    anchor: str
    grids: list[GridOut]
    others: list[Cell]
    missing: str  # "3 images not generated yet"
    inputs: list[Cell] = field(default_factory=list)  # model-free inputs of a pending figure
    main_cols: int = 1  # columns of the grid holding the picked result (sizes the others)
    other_model: str = ""  # the model that made it, when it is not the book's
    settings: list[tuple[str, str]] | None = None  # its own settings when some are said once for the section

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
    shared_settings: list[tuple[str, str]] = field(default_factory=list)  # said once for the waiting figures

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
    cover: list[tuple[str, Cell]] = field(default_factory=list)  # (figure anchor, picture) for the index
    pending_model: int = 0  # figures that wait for a model run
    figure_count: int = 0
    pictures: Pictures = field(default_factory=Pictures)  # the pictures its page shows


@dataclass
class SiteOut:
    view: SiteView
    books: list[BookOut]
    pictures: Pictures  # every picture the books show, for the writers to copy


def arrange(site: SiteView) -> SiteOut:
    """The whole site arranged for readers; reads stored pictures, writes nothing."""
    books, pictures = [arrange_book(presented(b)) for b in site.books], Pictures()
    for book in books:
        pictures.update(book.pictures)
    return SiteOut(site, books, pictures)


def arrange_book(book: BookView) -> BookOut:
    """One book arranged for readers, with the catalogue of the pictures its page shows."""
    pictures = Pictures()
    out = _book(book, pictures)
    out.pictures = pictures
    return out


def _book(book: BookView, pictures: Pictures) -> BookOut:
    sections = [
        SectionOut(s, [_figure(f, f"{book.slug}/{s.slug}", pictures) for f in s.figures], "") for s in book.sections
    ]
    for f in (f for s in sections for f in s.figures):  # the book's model is described once, in its header
        f.other_model = f.view.model if f.view.model and f.view.model != book.model else ""
    for s in sections:
        s.counts = _counts(s.figures)
        s.shared_settings = _hoist_settings(s.figures)
    figures = [f for s in sections for f in s.figures]
    waiting = sum(1 for f in figures if f.view.pending and f.view.model)
    cover = _cover(figures, pictures, chosen=[str(c) for c in book.extras.get("cover") or []])
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


def _cover(figures: list[FigureOut], pictures: Pictures, n: int = 4, chosen: list[str] = ()) -> list[tuple[str, Cell]]:
    """Up to `n` pictures for the index: the figures `cover:` names in book.yaml (their last picked picture),
    then each figure's pictures in order; never two with the same pixels."""
    cells = {f.view.id: [(f.anchor, c) for g in f.grids for r in g.rows for c in r.cells if c.image] for f in figures}
    ordered = [cells[i][-1] for i in chosen if cells.get(i)]
    ordered += [cs[0] for cs in cells.values() if cs] + [x for cs in cells.values() for x in cs[1:]]
    cover: dict[str, tuple[str, Cell]] = {}
    for anchor, c in ordered:
        cover.setdefault(pixels_hash(pictures.read(c.image.src), Path(c.image.src).suffix), (anchor, c))
    return list(cover.values())[:n]


def _figure(fig: FigureView, where: str, pictures: Pictures) -> FigureOut:
    where = f"{where}, figure {fig.id!r}"
    ratio = _ratio([p for g in fig.grids for row in g.rows for p in row] + fig.others)
    grids = [_grid(g, where, pictures, ratio) for g in fig.grids]
    others = [_cell(p, pictures, where, ratio, p.label or f"other sample {k + 1}") for k, p in enumerate(fig.others)]
    inputs = [_cell(p, pictures, where, ratio, p.label) for p in fig.inputs]
    n = len(fig.pending)
    missing = f"{n} image{'s' if n != 1 else ''}"
    main = next((g for g in reversed(grids) if g.rows), None)
    return FigureOut(fig, f"fig-{fig.id}", grids, others, missing, inputs, main.cols if main else 1)


def _grid(grid: Grid, where: str, pictures: Pictures, ratio: str) -> GridOut:
    """Labels shared by a whole column become one column heading, so each label says only what varies."""
    cols = max((len(r) for r in grid.rows), default=0)
    shared = (
        len(grid.rows) > 1
        and all(len(r) == cols for r in grid.rows)
        and all(len({r[j].label for r in grid.rows}) == 1 for j in range(cols))
    )
    colheads = [p.label for p in grid.rows[0]] if shared and any(p.label for p in grid.rows[0]) else []
    rows = []
    for i, panels in enumerate(grid.rows):
        label = grid.row_labels[i] if i < len(grid.row_labels) else ""
        cells = [
            _cell(p, pictures, where, ratio, _alt(p, label, i, j), keep_label=not colheads)
            for j, p in enumerate(panels)
        ]
        rows.append(Row(label, cells))
    wide = all(c.image is not None and c.image.width >= WIDE for r in rows for c in r.cells)
    return GridOut(grid.title, cols, rows, colheads, rowheads=any(grid.row_labels), wide=wide)


def _cell(p: Panel, pictures: Pictures, where: str, ratio: str, alt: str, keep_label: bool = True) -> Cell:
    if p.data is not None:
        image = pictures.add_bytes(p.data, p.suffix, size_of(p.data, p.suffix))
    else:
        image = pictures.add(Path(p.image), where) if p.image is not None else None
    frames = pictures.add_bytes(p.frames, ".webp", (image.width, image.height)) if p.frames and image else None
    full = image if image is not None and image.width == image.height >= LARGE and not p.frames else None
    shown = pictures.thumbnail(image, THUMB) if full else image
    return Cell(
        shown, p.label if keep_label else "", p.alt or alt, p.pixelated, ratio, p.motion, frames, p.scale, full
    )


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
