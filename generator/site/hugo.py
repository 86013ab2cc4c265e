"""`make hugo` (python -m generator.site.hugo --out hugo): every book as a Hugo page bundle in hugo/<book>/;
drop one into a Hugo site's content/ folder. The bundle itself is written by generator.site.hugo_bundle.
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
        raise FileExistsError(f"{out_dir} is not empty and was not written by the Hugo export; choose an empty "
                              f"or new folder (--out), or empty this one yourself")
    check_slugs(site)
    publish(out_dir, lambda staging: _write_bundles(site, staging))
    return len(site.books)


def _write_bundles(site: SiteView, root: Path) -> None:
    """Every book as root/<book>/, and the marker that says this folder is ours."""
    arranged = arrange(site)
    for book in arranged.books:
        write_bundle(site, book, root / book.slug, arranged.pictures)
    (root / MARKER).write_text("Written by `make hugo`; replaced whole on every export.\n")


def main(argv: list[str] | None = None) -> int:
    """`make hugo`: export the books as Hugo page bundles from stored results (no model work)."""
    import argparse

    from generator.project import Project, load_plan
    from generator.site.present import site_view

    parser = argparse.ArgumentParser(prog="python -m generator.site.hugo", description=main.__doc__)
    parser.add_argument("--out", type=Path, default=None, help="folder to write (default: hugo/ in the project)")
    args = parser.parse_args(argv)
    project = Project()
    out = args.out or project.root / "hugo"
    try:
        n = export(site_view(load_plan(project), project.store), out)
    except (FileExistsError, OSError, ValueError) as exc:
        print(f"error: {exc}")
        return 1
    print(f"hugo: {n} page bundles → {out}/  (copy them into your Hugo site's content/ folder)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
