"""Every picture a site shows, named by its bytes (`img/<sha256[:16]><suffix>`): an unchanged picture keeps its URL.

The catalogue is filled while the site is arranged and read by each writer: the HTML writer copies the pictures
into img/, the Hugo writer enlarges them into its bundles. Nothing is written until a writer asks.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from generator.fileops import link_files


@dataclass(frozen=True)
class SiteImage:
    src: str  # path relative to the site root, "img/<hash>.png"
    width: int
    height: int


class Pictures:
    """Store PNGs and pictures made at render time, each named once by the sha256 of its bytes."""

    def __init__(self) -> None:
        self.by_source: dict[Path, SiteImage] = {}
        self.sources: dict[str, Path | bytes] = {}  # src → the file or the bytes it is read from

    def __len__(self) -> int:
        return len(self.sources)

    def add(self, source: Path, where: str) -> SiteImage:
        """A stored picture; `where` names the figure in the message when the store has lost it."""
        if source in self.by_source:
            return self.by_source[source]
        try:
            data = source.read_bytes()
            with Image.open(source) as im:
                width, height = im.size
        except FileNotFoundError:
            raise FileNotFoundError(
                f"{where}: image {source} is not in the store; run the build again to regenerate it, "
                f"or mark the panel pending (image=None)"
            ) from None
        image = self._name(data, source.suffix.lower() or ".png", (width, height), source)
        self.by_source[source] = image
        return image

    def add_bytes(self, data: bytes, suffix: str, size: tuple[int, int]) -> SiteImage:
        """A picture made at render time (an input preview, a chart, an animation), named by its bytes."""
        return self._name(data, suffix, size, data)

    def _name(self, data: bytes, suffix: str, size: tuple[int, int], source: Path | bytes) -> SiteImage:
        src = f"img/{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
        self.sources.setdefault(src, source)
        return SiteImage(src, *size)

    def thumbnail(self, image: SiteImage, side: int) -> SiteImage:
        """A lighter copy of a large picture for the page (WebP, at most side × side); the original is linked."""
        with Image.open(io.BytesIO(self.read(image.src))) as im:
            small = im.convert("RGB")
            small.thumbnail((side, side), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            small.save(out, "WEBP", quality=85, method=4)
        return self.add_bytes(out.getvalue(), ".webp", small.size)

    def update(self, other: Pictures) -> None:
        """Add every picture of `other` (a book's catalogue into the site's)."""
        self.by_source.update(other.by_source)
        for src, source in other.sources.items():
            self.sources.setdefault(src, source)

    def read(self, src: str) -> bytes:
        """The bytes of a catalogued picture."""
        source = self.sources[src]
        return source if isinstance(source, bytes) else source.read_bytes()

    def write_into(self, root: Path, reuse: Path | None = None) -> None:
        """Copy every picture to root/<src>. A picture there already has these very bytes (its name is their
        hash) and may be a link into the published site, so it is never written again; one the site in `reuse`
        has is hard-linked from there (link_files), so an unchanged picture costs no write."""
        for src in self.sources:
            target = root / src
            if target.exists():
                continue
            if reuse is not None and (reuse / src).is_file():
                link_files(reuse, root, [src])
                continue
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(self.read(src))


def size_of(data: bytes, suffix: str) -> tuple[int, int]:
    """A picture's intrinsic size: an SVG's viewBox, else what PIL reads."""
    if suffix == ".svg":
        box = re.search(rb'viewBox="0 0 ([0-9.]+) ([0-9.]+)"', data)
        return (round(float(box[1])), round(float(box[2]))) if box else (720, 360)
    with Image.open(io.BytesIO(data)) as im:
        return im.size


def pixels_hash(data: bytes, suffix: str) -> str:
    """A hash of a picture's decoded pixels: two files with the same pixels hash alike (an SVG: its bytes)."""
    if suffix == ".svg":
        return hashlib.sha256(data).hexdigest()
    with Image.open(io.BytesIO(data)) as im:
        return hashlib.sha256(im.convert("RGBA").tobytes() + repr(im.size).encode()).hexdigest()
