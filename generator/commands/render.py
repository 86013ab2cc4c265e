"""`gallery render`: the site from stored results only; a build or render with nothing changed since the site
was rendered stops before reading any recipe (freshness.py)."""

from __future__ import annotations

import argparse
import time

from generator.commands.common import check_out, tell_waiting
from generator.distributed import Shard
from generator.project import Plan, Project


def cmd_render(project: Project, plan: Plan, args: argparse.Namespace) -> int:
    with project.store.lock(shared=True, on_wait=tell_waiting):
        render_site(project, plan)
    return 0


def render_site(project: Project, plan: Plan) -> None:
    """Render the pages that changed (the others are kept) and record what the site was made from."""
    from generator.freshness import sources
    from generator.site.present import site_sources
    from generator.site.render import render_site as write_site

    check_out(project.public)
    stats = write_site(site_sources(plan, project.store), project.public, sources=sources(project, plan))
    kept = stats.pages - 1 - stats.rendered
    print(
        f"site: {stats.pages} pages ({stats.rendered} rendered{f', {kept} unchanged' if kept else ''}), "
        f"{stats.images} images → {project.public}/index.html"
    )


def site_is_current(project: Project, args: argparse.Namespace) -> bool:
    """A build or render with nothing changed since the site was rendered (freshness.py) stops here, having read
    no recipe and no result: a build only when nothing was pending, never a share of a launch."""
    from generator.freshness import up_to_date
    from generator.site.render import read_manifest

    if args.command == "build" and (args.shard or Shard.from_env() or args.figure or args.book):
        return False
    began = time.perf_counter()
    recorded = read_manifest(project.public.absolute()).sources
    if not up_to_date(project, recorded, args.command == "render", args.hardware):
        return False
    print(f"site: up to date, nothing changed since it was rendered → {project.public}/index.html")
    if args.command == "build":
        print(
            f"figures: {recorded.get('figures', 0)} stored, 0 generated, 0 pending · 0 jobs run · "
            f"{time.perf_counter() - began:.1f} s"
        )
    return True
