"""`gallery plan`: every figure, stored or pending; the model work pending and about how long it takes here;
with --device/--dtype/--memory, how each model would run on that hardware."""

from __future__ import annotations

import argparse

from generator.commands.common import duration, selected
from generator.models.hardware import GiB, Hardware, device_kind, total_bytes
from generator.planner import estimate, pending_jobs, plan_work, stages_needed
from generator.project import Plan, Project


def cmd_plan(project: Project, plan: Plan, args: argparse.Namespace) -> int:
    from generator.modes import MODES

    store = project.store
    work = selected(plan, args)
    chosen = {id(f) for f in work}
    stored = store.key_set()
    for book in plan.books:
        figures = [f for f in plan.figures if f.figure.book == book.slug and id(f) in chosen]
        if not figures:
            continue
        print(f"{book.slug}: {book.title} (model {book.model})")
        for f in figures:
            missing = [j for j in f.jobs if j.key not in stored]
            calls = sum(MODES[j.mode].model_calls(j) for j in missing)
            state = "stored" if not missing else f"pending {len(missing)}/{len(f.jobs)} jobs"
            work_text = f", {calls} model evaluations ({f.model_spec.id})" if calls else ""
            print(f"  {f.figure.section + '/' + f.figure.id:44} {f.figure.mode:13} {state}{work_text}")
    todo = pending_jobs(work, store)
    print(f"pending: {len(todo)} jobs, {sum(MODES[j.mode].model_calls(j) for j, _ in todo):,} model evaluations")
    print_estimates(plan, store, work, args.hardware.device)
    if args.hardware.chosen:
        print_hardware_plan(work, args.hardware)
    return 0


def print_estimates(plan: Plan, store, work: list, device: str | None) -> None:
    """The time the pending model work would take, per model, and why a model cannot run here."""
    for model_id, model in plan_work(pending_jobs(work, store), store.root, device).models.items():
        seconds, how = estimate(plan.figures, store, model_id, model.calls, device)
        print(f"  {model_id}: {model.calls:,} model evaluations, about {duration(seconds)} at {how}")
        if model.why:
            print("    cannot run here: " + "\n    ".join(model.why.splitlines()))


def print_hardware_plan(work: list, hardware: Hardware) -> None:
    """Per model of the selected figures: dtype, memory mode, batches and estimated peak on the device."""
    device = hardware.device or "auto"
    memory = hardware.memory
    if memory is None and device_kind(device) in ("cpu", device_kind(None)):
        memory = total_bytes(device)  # the device is here: its own memory
    where = f"{device_kind(device)}" + (f", {memory / GiB:.1f} GiB" if memory else "")
    print(f"hardware ({where}):")
    for spec in {f.model_spec.id: f.model_spec for f in work}.values():
        jobs = [j for f in work if f.model_spec.id == spec.id for j in f.jobs]
        for line in spec.plan_lines(device, memory, **stages_needed(jobs)):
            print(f"  {spec.id}: {line}")
