"""`gallery` — build | run | render | plan | gc | modes | import-embeddings | serve. `make gallery` calls `gallery build`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from generator.project import ModelMissing, Plan, Project, RecipeErrors, load_plan

EXIT_RECIPE_ERRORS = 2
EXIT_MODEL_UNAVAILABLE = 3


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="gallery", description=__doc__)
    parser.add_argument("--root", type=Path, help="project folder (default: this checkout)")
    parser.add_argument("--store", type=Path, help="store folder (default: ROOT/store)")
    parser.add_argument("--out", type=Path, help="site folder (default: ROOT/public)")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in [("build", "generate what is pending, then render the site"),
                       ("run", "generate what is pending; do not render"),
                       ("render", "render the site from stored results only (no model work)"),
                       ("plan", "list every figure: stored or pending, and the model work pending")]:
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument("--book", action="append", help="only this book (repeatable)")
        sub.add_argument("--figure", action="append", help="only this figure id (repeatable)")
        if name in ("build", "run"):
            sub.add_argument("--device", help="torch device (default: cuda if available, else cpu)")
            sub.add_argument("--batch-size", type=int, help="samples per model call (default: automatic)")
    gc = commands.add_parser("gc", help="remove stored results that no recipe references")
    gc.add_argument("--dry-run", action="store_true", help="list what would be removed")
    commands.add_parser("modes", help="list every figure mode and its parameters (Markdown)")
    imp = commands.add_parser("import-embeddings", help="add a course-style prompt_embeds_dict.pth to the cache")
    imp.add_argument("file", type=Path, help="a torch file holding {prompt: [1, 77, 4096] tensor}")
    serve = commands.add_parser("serve", help="serve the built site on localhost")
    serve.add_argument("--port", type=int, default=8000)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    project = Project(**{k: v for k, v in (("root", args.root), ("store_root", args.store),
                                           ("public", args.out)) if v is not None})
    if args.command == "serve":
        from generator.site.render import serve

        serve(project.public, args.port)
        return 0
    if args.command == "modes":
        print(modes_table())
        return 0
    if args.command == "import-embeddings":
        return import_embeddings(project, args.file)
    try:
        plan = load_plan(project, getattr(args, "book", None), getattr(args, "figure", None))
    except RecipeErrors as exc:
        print(f"{exc}\n\n{len(exc.errors)} problem(s) in the recipes; nothing was generated or written.",
              file=sys.stderr)
        return EXIT_RECIPE_ERRORS
    except ModelMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_MODEL_UNAVAILABLE
    return COMMANDS[args.command](project, plan, args)


def cmd_build(project: Project, plan: Plan, args: argparse.Namespace, render: bool = True) -> int:
    from generator.runner import ModelUnavailable, generate

    began = time.perf_counter()
    store = project.store
    stored_before = len(plan.figures) - len(plan.pending(store))
    required = {f.spec.id for f in plan.figures} if (args.book or args.figure) else set()
    try:
        stats = generate(plan.figures, store, device=args.device, batch_size=args.batch_size,
                         required=required)
    except ModelUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_MODEL_UNAVAILABLE
    if render:
        render_site(project, plan)
    pending = plan.pending(store)
    made = len(plan.figures) - len(pending) - stored_before
    for model_id, why in stats.skipped.items():
        print(f"skipped {model_id}: {why}")
    print(f"figures: {stored_before} stored, {made} generated, {len(pending)} pending · "
          f"{stats.generated} jobs run · {time.perf_counter() - began:.1f} s")
    return 0


def cmd_run(project: Project, plan: Plan, args: argparse.Namespace) -> int:
    return cmd_build(project, plan, args, render=False)


def render_site(project: Project, plan: Plan) -> None:
    from generator.site.build import site_view
    from generator.site.render import render_site as write_site

    stats = write_site(site_view(plan, project.store), project.public)
    print(f"site: {stats.pages} pages, {stats.images} images → {project.public}/index.html")


def cmd_render(project: Project, plan: Plan, args: argparse.Namespace) -> int:
    render_site(project, plan)
    return 0


def cmd_plan(project: Project, plan: Plan, args: argparse.Namespace) -> int:
    from generator.modes import MODES

    store = project.store
    total_jobs = total_calls = 0
    for book in plan.books:
        print(f"{book.slug}: {book.title} (model {book.model})")
        for f in (f for f in plan.figures if f.figure.book == book.slug):
            missing = [j for j in f.jobs if not store.has(j.key)]
            calls = sum(MODES[j.mode].model_calls(j) for j in missing)
            total_jobs, total_calls = total_jobs + len(missing), total_calls + calls
            state = "stored" if not missing else f"pending {len(missing)}/{len(f.jobs)} jobs"
            work = f", {calls} model evaluations ({f.spec.id})" if calls else ""
            print(f"  {f.figure.section + '/' + f.figure.id:44} {f.figure.mode:13} {state}{work}")
    print(f"pending: {total_jobs} jobs, {total_calls} model evaluations")
    return 0


def cmd_gc(project: Project, plan: Plan, args: argparse.Namespace) -> int:
    if len(plan.books) == 0:
        print("no books found; refusing to collect everything", file=sys.stderr)
        return 1
    keep = {j.key for f in plan.figures for j in f.jobs}
    removed = project.store.gc(keep, dry_run=args.dry_run)
    print(f"{'would remove' if args.dry_run else 'removed'} {len(removed)} unreferenced result(s)")
    return 0


def import_embeddings(project: Project, file: Path) -> int:
    """Prompt embeddings from the course's file go into the DeepFloyd IF cache: those prompts skip T5."""
    from generator.models.deepfloyd import EMBEDDING_FAMILY
    from generator.models.embeddings import embedding_cache, import_prompt_embeds

    try:
        prompts = import_prompt_embeds(file, embedding_cache(project.store_root, EMBEDDING_FAMILY))
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"error: cannot import {file}: {exc}", file=sys.stderr)
        return 1
    print(f"imported {len(prompts)} prompt embedding(s) into {project.store_root / 'embeddings'}")
    return 0


def modes_table() -> str:
    """Every registered mode with its inputs, prompts and parameters, as a Markdown table (for the README)."""
    from generator.modes import MODES
    from generator.recipes.schema import type_name

    def describe(name: str, p) -> str:
        bits = [type_name(p.kind)]
        if p.choices:
            bits.append("one of " + ", ".join(map(str, p.choices)))
        if p.minimum is not None or p.maximum is not None:
            bits.append(f"{p.minimum if p.minimum is not None else ''}–{p.maximum if p.maximum is not None else ''}")
        bits.append("required" if p.required else f"default `{p.default!r}`")
        if p.sweepable:
            bits.append("sweepable")
        return f"`{name}` ({'; '.join(bits)}){': ' + p.help if p.help else ''}"

    rows = ["| mode | inputs | prompts | parameters |", "|---|---|---|---|"]
    for name, mode in sorted(MODES.items()):
        inputs = ", ".join([*mode.inputs, *(f"{i} (optional)" for i in mode.optional_inputs)]) or "—"
        low, high = mode.prompts
        prompts = "—" if high == 0 else (str(low) if low == high else f"{low}–{high}")
        params = "<br>".join(describe(k, p) for k, p in mode.params.items()) or "—"
        rows.append(f"| `{name}` | {inputs} | {prompts} | {params} |")
    return "\n".join(rows)


COMMANDS = {"build": cmd_build, "run": cmd_run, "render": cmd_render, "plan": cmd_plan, "gc": cmd_gc}

if __name__ == "__main__":
    sys.exit(main())
