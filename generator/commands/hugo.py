"""`gallery hugo`: the books as Hugo page bundles, from stored results only (no model work); a book with
figures pending is exported as a draft."""

from __future__ import annotations

import argparse

from generator.commands.common import closest_folder, tell_waiting
from generator.errors import EXIT_ENVIRONMENT, GalleryError
from generator.project import Plan, Project


def cmd_hugo(project: Project, plan: Plan, args: argparse.Namespace) -> int:
    from generator.site.hugo import export
    from generator.site.page import BookView
    from generator.site.present import site_view

    out = args.dir or project.root / "hugo"
    if not out.absolute().parent.is_dir():
        raise GalleryError(
            f"{out.absolute().parent} does not exist{closest_folder(out.absolute().parent)}; create it "
            f"first, or name another folder",
            EXIT_ENVIRONMENT,
        )
    with project.store.lock(shared=True, on_wait=tell_waiting):
        site = site_view(plan, project.store)
        try:
            n = export(site, out)
        except FileExistsError as exc:
            raise GalleryError(str(exc), EXIT_ENVIRONMENT) from None
    books = [b for b in site.books if isinstance(b, BookView)]  # site_view presents every book
    drafts = [b.slug for b in books if any(f.pending for s in b.sections for f in s.figures)]
    print(f"hugo: {n} page bundle(s) → {out}/  (copy them into your Hugo site's content/ folder)")
    if drafts:
        print(f"draft: {', '.join(drafts)} (figures pending; `gallery build` makes them, then export again)")
    return 0
