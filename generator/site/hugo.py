"""`gallery hugo [DIR]` (`make hugo`): every book as a Hugo page bundle in DIR/<book>/ (default: the project's
hugo/); drop one into a Hugo site's content/ folder. The bundle itself is written by generator.site.hugo_bundle.
"""

from __future__ import annotations

from pathlib import Path

from generator.site.arrange import arrange
from generator.site.hugo_bundle import write_bundle
from generator.site.page import SiteView
from generator.site.publish import publish
from generator.site.slugs import check_slugs


MARKER = ".gallery-hugo"


def export(site: SiteView, out_dir: Path) -> int:
    """Write every book of `site` as out_dir/<book>/ (a page bundle); the folder is replaced whole.

    The bundles are written into a staging folder beside out_dir and swapped in (site/publish.py), so a failed
    export leaves the previous one as it was.
    """
    out_dir = Path(out_dir).absolute()
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        raise FileExistsError(
            f"{out_dir} is not empty and was not written by the Hugo export; choose an empty "
            f"or new folder, or empty this one yourself"
        )
    check_slugs(site)
    publish(out_dir, lambda staging: _write_bundles(site, staging))
    return len(site.books)


def _write_bundles(site: SiteView, root: Path) -> None:
    """Every book as root/<book>/, and the marker that says this folder is ours."""
    arranged = arrange(site)
    for book in arranged.books:
        write_bundle(site, book, root / book.slug, arranged.pictures)
    (root / MARKER).write_text("Written by `gallery hugo`; replaced whole on every export.\n")
