"""A book as a Hugo page bundle: index.md (TOML front matter between +++ lines) with its pictures beside it.

The Hugo writer: it reads the arranged site (arrange.py), as the HTML writer does, and its pictures from the
catalogue (pictures.py). render_site(hugo=True) calls it for each book; generator.site.hugo exports the bundles
(`gallery hugo`). Figures that are not fully generated are left out (no shell commands in a post), and a book with
any is marked `draft = true` until they are. The body is plain Markdown (grids become tables), because Hugo's
default renderer drops raw HTML. Markdown cannot set a display size, so small pictures are enlarged by an integer
factor (nearest neighbour when the panel is pixelated), animated ones frame by frame: a result to MAIN_SIDE, the
other seeds' pictures to OTHER_SIDE.

Front matter read from BookView.extras when present: date ("YYYY-MM-DD"), tags, categories, authors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from pathlib import Path

from PIL import Image, ImageSequence

from generator.site.arrange import BookOut, Cell, FigureOut, GridOut
from generator.site.page import BookView, SiteView
from generator.site.pictures import Pictures
from generator.site.prose import plain_text


MAIN_SIDE = 192  # a result's longer side, at least (a 32×32 digit ×6, a 64×64 stage I ×3)
OTHER_SIDE = 96  # an other seed's picture, at least: readable, a row of five in a post


def write_bundle(site: SiteView, book: BookOut, bundle: Path, catalogue: Pictures) -> None:
    """Write `book` as bundle/index.md plus its pictures, read from the site's picture catalogue."""
    bundle.mkdir(parents=True)
    pictures = _Pictures(catalogue, bundle)
    pending = any(fig.view.pending for section in book.sections for fig in section.figures)
    lines = _front_matter(site, book.view, draft=pending) + ["", md_prose(book.view.summary), ""]
    for section in book.sections:
        lines += [f"## {md_escape(section.view.title)} {{#{section.view.slug}}}", "", md_prose(section.view.intro), ""]
        for fig in section.figures:
            if not fig.view.pending:  # a post shows results, never a to-do list
                lines += _figure(fig, pictures)
    if book.view.extras.get("closing"):
        lines += ["## Closing notes {#closing}", "", md_prose(str(book.view.extras["closing"])), ""]
    (bundle / "index.md").write_bytes(("\n".join(lines).rstrip() + "\n").encode("utf-8"))


def _front_matter(site: SiteView, book: BookView, draft: bool) -> list[str]:
    extras = book.extras
    fields = {
        "title": book.title,
        "date": _date(extras.get("date"), book.slug),
        "summary": plain_text(book.summary),
        "description": plain_text(book.summary),
        "authors": extras.get("authors"),
        "tags": extras.get("tags", ["diffusion"]),
        "categories": extras.get("categories"),
        "series": [site.title],
    }
    body = [f"{k} = {v if k == 'date' else toml_value(v)}" for k, v in fields.items() if v]
    return ["+++", *body, *(["draft = true"] if draft else []), "+++"]


def _date(value, slug: str) -> str | None:
    if value is None or isinstance(value, dt.date):
        return value.isoformat() if value else None
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    raise ValueError(f"book {slug!r}: extras['date'] = {value!r} must be a date written YYYY-MM-DD")


def toml_value(value) -> str:
    """A TOML string or array of strings; a JSON string literal is a valid TOML basic string."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007F")


def md_escape(text: str) -> str:
    """Recipe text as literal Markdown: punctuation that could start markup is backslash-escaped."""
    return re.sub(r"([\\`*_{}\[\]()<>#+!|~])", r"\\\1", " ".join(str(text).split()))


def md_prose(text: str) -> str:
    """Recipe Markdown made inert for Hugo: no raw HTML (`<` becomes an entity) and no shortcodes (`{{<`, `{{%`
    are broken up, inside code spans too), so a post shows the text that the HTML site shows."""
    parts = re.split(r"(`+[^`]*?`+)", str(text or "").strip())
    return "".join(
        p.replace("{{", "{ {") if i % 2 else p.replace("<", "&lt;").replace("{{", "{&#123;")
        for i, p in enumerate(parts)
    )


def _figure(fig: FigureOut, pictures: "_Pictures") -> list[str]:
    lines = [f"### {md_escape(fig.view.title)}", ""] if fig.view.title else []
    for grid in fig.grids:
        if grid.title:
            lines += [f"**{md_escape(grid.title)}**", ""]
        lines += _table(grid, pictures) + [""]
    if fig.others:
        lines += ["*Other seeds*", ""] + _others_table(fig.others, pictures) + [""]
    lines += [md_prose(fig.view.caption), ""]
    if fig.view.info:
        lines += [" · ".join(f"{md_escape(k)}: {md_escape(v)}" for k, v in fig.view.info), ""]
    return lines


def _others_table(cells: list[Cell], pictures: "_Pictures", per_row: int = 5) -> list[str]:
    """The other seeds as a table of small pictures, `per_row` to a row (Markdown cannot size an image)."""
    rows = [cells[k : k + per_row] for k in range(0, len(cells), per_row)]
    lines = [_row([""] * per_row), _row(["---"] * per_row)]
    for row in rows:
        lines.append(_row([_cell(c, pictures, True, small=True) for c in row] + [""] * (per_row - len(row))))
    return lines


def _table(grid: GridOut, pictures: "_Pictures") -> list[str]:
    """A grid as a Markdown table: shared column labels in the header, row labels in the first column."""
    rows = [[c for c in row.cells if not c.motion or c.motion == "distance"] for row in grid.rows]
    cols = max((len(r) for r in rows), default=0)  # a CSS-turning copy cannot move in Markdown: left out
    single = len(rows) == 1 and not grid.colheads
    head = grid.colheads or ([c.label for c in rows[0]] if single else [""] * cols)
    head = head + [""] * (cols - len(head))
    lead = [""] if grid.rowheads else []
    lines = [_row(lead + [md_escape(h) for h in head]), _row(["---"] * (len(lead) + cols))]
    for row, kept in zip(grid.rows, rows):
        cells = [_cell(c, pictures, not single) for c in kept]
        cells += [""] * (cols - len(cells))
        lines.append(_row(([md_escape(row.label)] if grid.rowheads else []) + cells))
    return lines


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _cell(cell: Cell, pictures: "_Pictures", with_label: bool, small: bool = False) -> str:
    label = f" {md_escape(cell.label)}" if with_label and cell.label else ""
    if cell.image is None:
        return f"*(pending)*{label}"
    alt = md_escape(cell.alt).replace("\\(", "(").replace("\\)", ")")
    src = cell.frames.src if cell.frames is not None else cell.image.src  # generated frames animate anywhere
    side = round((OTHER_SIDE if small else MAIN_SIDE) * cell.scale)  # a hybrid seen from afar: small
    return f"![{alt}]({pictures.add(src, cell.pixelated, side)}){label}"


class _Pictures:
    """Copies site pictures into the bundle, enlarged when small; names come from the written bytes."""

    def __init__(self, catalogue: Pictures, bundle: Path):
        self.catalogue, self.bundle, self.done = catalogue, bundle, {}

    def add(self, src: str, pixelated: bool, side: int) -> str:
        """The name comes from the source picture and the enlargement, so it is stable while they are."""
        key = (src, pixelated, side)
        if key not in self.done:
            data = self.catalogue.read(src)
            recipe = f"{Path(src).stem}-{'nearest' if pixelated else 'bicubic'}-{side}".encode()
            suffix = Path(src).suffix
            name = f"{hashlib.sha256(recipe).hexdigest()[:16]}{suffix}"
            (self.bundle / name).write_bytes(data if suffix == ".svg" else enlarge(data, pixelated, side))
            self.done[key] = name
        return self.done[key]


def enlarge(data: bytes, pixelated: bool, side: int) -> bytes:
    """Scale up by the smallest integer factor that reaches `side` (unchanged when already that big), in the
    picture's own format; every frame of an animation, with its timing."""
    with Image.open(io.BytesIO(data)) as im:
        k = -(-side // max(im.size))
        if k <= 1:
            return data
        resample = Image.Resampling.NEAREST if pixelated else Image.Resampling.BICUBIC
        frames = [f.resize((im.width * k, im.height * k), resample) for f in ImageSequence.Iterator(im)]
        out = io.BytesIO()
        if len(frames) == 1:
            frames[0].save(out, format=im.format or "PNG")
        else:
            frames[0].save(
                out,
                format=im.format,
                save_all=True,
                append_images=frames[1:],
                lossless=True,
                duration=im.info.get("duration", 80),
                loop=im.info.get("loop", 0),
            )
        return out.getvalue()
