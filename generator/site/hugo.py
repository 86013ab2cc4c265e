"""A book as a Hugo page bundle: index.md (TOML front matter between +++ lines) with its pictures beside it.

Drop public/hugo/<book>/ into a Hugo site's content/ folder. The body is plain Markdown (grids become tables),
because Hugo's default renderer drops raw HTML. Small pictures are enlarged by an integer factor (nearest
neighbour when the panel is pixelated) since Markdown cannot set a display size.

Front matter read from BookView.extras when present: date ("YYYY-MM-DD"), tags, categories, authors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from pathlib import Path

from PIL import Image

from generator.site.prose import plain_text

MIN_SIDE = 192                          # enlarge pictures whose longer side is below this


def write_bundle(site, book, bundle: Path, site_root: Path) -> None:
    """Write `book` (a render.BookOut) as bundle/index.md plus its pictures, copied from the rendered site."""
    bundle.mkdir(parents=True)
    pictures = _Pictures(site_root, bundle)
    lines = _front_matter(site, book.view) + ["", book.view.summary.strip(), ""]
    for section in book.sections:
        lines += [f"## {md_escape(section.view.title)} {{#{section.view.slug}}}", "", section.view.intro.strip(), ""]
        for fig in section.figures:
            lines += _figure(fig, pictures)
    (bundle / "index.md").write_bytes(("\n".join(lines).rstrip() + "\n").encode("utf-8"))


def _front_matter(site, book) -> list[str]:
    extras = book.extras
    fields = {"title": book.title, "date": _date(extras.get("date"), book.slug),
              "description": plain_text(book.summary), "authors": extras.get("authors"),
              "tags": extras.get("tags", ["diffusion"]), "categories": extras.get("categories"),
              "series": [site.title]}
    body = [f"{k} = {v if k == 'date' else toml_value(v)}" for k, v in fields.items() if v]
    return ["+++", *body, "+++"]


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


def _figure(fig, pictures: "_Pictures") -> list[str]:
    lines = [f"### {md_escape(fig.view.title)}", ""] if fig.view.title else []
    for grid in fig.grids:
        if grid.title:
            lines += [f"**{md_escape(grid.title)}**", ""]
        lines += _table(grid, pictures) + [""]
    if fig.others:
        lines += ["Other samples: " + " ".join(_cell(c, pictures, True) for c in fig.others), ""]
    lines += [fig.view.caption.strip(), "", f"*{md_escape(_made(fig.view))}*", ""]
    if fig.view.info:
        lines += [" · ".join(f"{md_escape(k)}: {md_escape(v)}" for k, v in fig.view.info), ""]
    if fig.view.pending:
        lines += [f"> **Not generated yet.** {md_escape(fig.missing)}"]
        lines += [f"> - {md_escape(p)}" for p in fig.view.pending]
        if fig.view.command:
            fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", fig.view.command)), default=0))
            lines += [">", f"> {fence}sh", *(f"> {c}" for c in fig.view.command.splitlines()), f"> {fence}"]
        lines += [""]
    return lines


def _made(fig) -> str:
    return (f"Images made with {fig.model}" if fig.model else "Computed without a model") + f" · mode {fig.mode}"


def _table(grid, pictures: "_Pictures") -> list[str]:
    """A grid as a Markdown table: shared column labels in the header, row labels in the first column."""
    single = len(grid.rows) == 1 and not grid.colheads
    head = grid.colheads or ([c.label for c in grid.rows[0].cells] if single else [""] * grid.cols)
    head = head + [""] * (grid.cols - len(head))
    lead = [""] if grid.rowheads else []
    lines = [_row(lead + [md_escape(h) for h in head]), _row(["---"] * (len(lead) + grid.cols))]
    for row in grid.rows:
        cells = [_cell(c, pictures, not single) for c in row.cells]
        cells += [""] * (grid.cols - len(cells))
        lines.append(_row(([md_escape(row.label)] if grid.rowheads else []) + cells))
    return lines


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _cell(cell, pictures: "_Pictures", with_label: bool) -> str:
    label = f" {md_escape(cell.label)}" if with_label and cell.label else ""
    if cell.image is None:
        return f"*(pending)*{label}"
    alt = md_escape(cell.alt).replace("\\(", "(").replace("\\)", ")")
    return f"![{alt}]({pictures.add(cell.image.src, cell.pixelated)}){label}"


class _Pictures:
    """Copies site pictures into the bundle, enlarged when small; names come from the written bytes."""

    def __init__(self, site_root: Path, bundle: Path):
        self.site_root, self.bundle, self.done = site_root, bundle, {}

    def add(self, src: str, pixelated: bool) -> str:
        """The name comes from the source picture and the enlargement, so it is stable while they are."""
        key = (src, pixelated)
        if key not in self.done:
            data = (self.site_root / src).read_bytes()
            recipe = f"{Path(src).stem}-{'nearest' if pixelated else 'bicubic'}-{MIN_SIDE}".encode()
            suffix = Path(src).suffix
            name = f"{hashlib.sha256(recipe).hexdigest()[:16]}{suffix}"
            (self.bundle / name).write_bytes(data if suffix == ".svg" else _enlarge(data, pixelated))
            self.done[key] = name
        return self.done[key]


def _enlarge(data: bytes, pixelated: bool) -> bytes:
    """Scale up by the smallest integer factor that reaches MIN_SIDE (unchanged when already that big)."""
    with Image.open(io.BytesIO(data)) as im:
        k = -(-MIN_SIDE // max(im.size))
        if k <= 1:
            return data
        resample = Image.Resampling.NEAREST if pixelated else Image.Resampling.BICUBIC
        out = io.BytesIO()
        im.resize((im.width * k, im.height * k), resample).save(out, format="PNG")
        return out.getvalue()
