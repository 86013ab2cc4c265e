"""`gallery gc`: remove stored results no recipe references; shows what first, keeps every result of a book the
recipes do not load, and asks (or needs --yes)."""

from __future__ import annotations

import argparse
from collections import Counter

from generator.commands.common import confirm, tell_waiting
from generator.errors import GalleryError
from generator.project import Plan, Project


def cmd_gc(project: Project, plan: Plan, args: argparse.Namespace) -> int:
    store = project.store
    keep = {j.key for f in plan.figures for j in f.jobs}
    books = {b.slug for b in plan.books}
    doomed = store.gc(keep, dry_run=True, keep_books=books)
    orphans = Counter(store.figure_of(k).partition("/")[0] or "(unknown)" for k in store.keys() if k not in keep)
    unloaded = {book: n for book, n in sorted(orphans.items()) if book not in books}
    if unloaded:
        print(
            f"keeping all {sum(unloaded.values())} result(s) of book(s) not in the recipes: "
            f"{', '.join(unloaded)} (a missing or misnamed book.yaml?)"
        )
    if not doomed:
        print("nothing to remove")
        return 0
    by_figure = Counter(store.figure_of(key) or "(unknown)" for key in doomed)
    print(
        f"{'would remove' if args.dry_run else 'to remove'}: {len(doomed)} unreferenced result(s) of "
        f"{len(by_figure)} figure(s)"
    )
    for figure, n in sorted(by_figure.items()):
        print(f"  {figure}: {n}")
    if args.dry_run:
        return 0
    if not args.yes and not confirm(f"Remove these {len(doomed)} result(s)?"):
        raise GalleryError(f"gc would remove {len(doomed)} result(s) (listed above); rerun with --yes to remove them")
    with store.lock(shared=False, wait=not args.no_wait, on_wait=tell_waiting):
        removed = store.gc(keep, keep_books=books, only=set(doomed))
    print(f"removed {len(removed)} unreferenced result(s)")
    return 0
