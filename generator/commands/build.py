"""`gallery build` and `gallery run`: generate what is pending (this share of it, under a launcher or --shard),
then render the site (build only). A plan above --max-evals model evaluations needs --yes."""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import nullcontext

from generator.commands.common import check_out, confirm, duration, selected, tell_waiting
from generator.commands.render import render_site
from generator.distributed import LaunchProgress, Shard, barrier, device_for, launch
from generator.errors import EXIT_FIGURES_FAILED, GalleryError
from generator.planner import estimate, pending_jobs, plan_work
from generator.project import Plan, Project


MAX_EVALS = 200_000  # a plan above this many model evaluations needs --yes (GALLERY_MAX_EVALS)


def cmd_build(project: Project, plan: Plan, args: argparse.Namespace, render: bool = True) -> int:
    from generator.runner import generate

    began = time.perf_counter()
    store = project.store
    work = selected(plan, args)
    if render:
        check_out(project.public)
    guard_plan_size(plan, work, store, args)
    stored_before = len(work) - len(plan.pending(store, work))
    required = {f.model_spec.id for f in work} if (args.book or args.figure) else set()
    shard = args.shard or Shard.from_env()
    with launch(shard), store.lock(shared=True, wait=not args.no_wait, on_wait=tell_waiting):
        with launch_progress(shard, store, plan.pending(store, work)):
            stats = generate(
                work,
                store,
                device=device_for(shard, args.hardware.device),
                batch_size=args.batch_size,
                required=required,
                shard=shard,
                progress=not (shard and shard.launched),
                on_wait=lambda line: print(line, file=sys.stderr, flush=True),
            )
        barrier(shard)
        if render and (shard is None or shard.launched and shard.leader):
            render_site(project, plan)
        elif render and shard is not None and not shard.launched:
            print(f"shard {shard.index}/{shard.count} done; run `gallery render` once every shard has finished")
    pending = plan.pending(store, work)
    made = len(work) - len(pending) - stored_before
    for model_id, why in stats.skipped.items():
        print(f"skipped {model_id}: {why}")
    for failure in stats.failures:
        print(f"error: {failure}", file=sys.stderr)
    who = f"[shard {shard.index}/{shard.count}] " if shard else ""
    print(
        f"{who}figures: {stored_before} stored, {made} generated, {len(pending)} pending · "
        f"{stats.generated} jobs run · {time.perf_counter() - began:.1f} s"
        + (f" (this share's work: {stats.seconds:.1f} s)" if shard else "")
    )
    if stats.failures:
        print(
            f"{len(stats.failures)} figure(s) failed (listed above); the others were made. Fix them, or run "
            f"with --debug to see where.",
            file=sys.stderr,
        )
        return EXIT_FIGURES_FAILED
    return 0


def cmd_run(project: Project, plan: Plan, args: argparse.Namespace) -> int:
    return cmd_build(project, plan, args, render=False)


def launch_progress(shard: Shard | None, store, pending: list):
    """The launch's one progress line, shown by its leader; nothing otherwise."""
    if shard is None or not (shard.launched and shard.leader):
        return nullcontext()
    return LaunchProgress(store, sorted({j.key for f in pending for j in f.jobs if not store.has(j.key)}))


def guard_plan_size(plan: Plan, work: list, store, args: argparse.Namespace) -> None:
    """A plan above --max-evals model evaluations runs only with --yes (or a yes on a terminal)."""
    limit = args.max_evals if args.max_evals is not None else int(os.environ.get("GALLERY_MAX_EVALS", MAX_EVALS))
    required = {f.model_spec.id for f in work} if (args.book or args.figure) else set()
    device = args.hardware.device
    running = plan_work(pending_jobs(work, store), store.root, device).running(required)
    total = sum(model.calls for model in running.values())
    if total <= limit or args.yes:
        return
    parts, seconds = [], 0.0
    for model_id, model in running.items():
        took, how = estimate(plan.figures, store, model_id, model.calls, device)
        seconds += took
        parts.append(f"{model_id}: {model.calls:,} at {how}")
    message = (
        f"this plan runs {total:,} model evaluations (limit {limit:,}), about {duration(seconds)} — {'; '.join(parts)}"
    )
    if not confirm(f"{message}. Run it?"):
        raise GalleryError(f"{message}; rerun with --yes to run it, or raise --max-evals / GALLERY_MAX_EVALS")
