"""`gallery` — init | build | run | render | plan | gc | hugo | modes | import-embeddings | serve.

The project is the nearest folder from the current one upward that holds recipes/site.yaml (--root names
one); `gallery init DIR` starts one. `make gallery` calls `gallery build`."""

from __future__ import annotations

import argparse
import errno
import os
import sys
import time
from collections import Counter
from pathlib import Path

from generator.distributed import LaunchProgress, Shard, ShardError, barrier, device_for, launch
from generator.errors import (
    EXIT_ENVIRONMENT,
    EXIT_FIGURES_FAILED,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_MODEL_UNAVAILABLE,
    EXIT_RECIPE_ERRORS,
    EXIT_STORE_BUSY,
    EXIT_USAGE,
    GalleryError,
    environment_error,
)
from generator.models.hardware import DTYPES, MEMORY_MODES, GiB, Hardware, device_kind, parse_memory, total_bytes
from generator.planner import estimate, pending_jobs, plan_work, stages_needed
from generator.project import Plan, Project, find_root, load_plan


__all__ = [
    "main",
    "EXIT_INTERNAL",
    "EXIT_USAGE",
    "EXIT_RECIPE_ERRORS",
    "EXIT_MODEL_UNAVAILABLE",  # the exit
    "EXIT_FIGURES_FAILED",
    "EXIT_STORE_BUSY",
    "EXIT_ENVIRONMENT",
    "EXIT_INTERRUPTED",
]  # codes: docs/cli.md
MAX_EVALS = 200_000  # a plan above this many model evaluations needs --yes (GALLERY_MAX_EVALS)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="gallery", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    parser.add_argument(
        "--root",
        type=Path,
        help="project folder (default: the nearest folder from here upward that holds recipes/site.yaml)",
    )
    parser.add_argument("--store", type=Path, help="store folder (default: ROOT/store)")
    parser.add_argument("--out", type=Path, help="site folder (default: ROOT/public)")
    parser.add_argument("--debug", action="store_true", help="show the traceback of a failure")
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser(
        "init", help="start a new gallery: recipes, one book on the digits model, .gitignore, Makefile"
    )
    init.add_argument("dir", type=Path, nargs="?", default=Path("."), help="folder to create or fill (default: .)")
    for name, text in [
        ("build", "generate what is pending, then render the whole site"),
        ("run", "generate what is pending; do not render"),
        ("plan", "list every figure: stored or pending, and the model work pending"),
    ]:
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument("--book", action="append", help="only this book's work (repeatable)")
        sub.add_argument("--figure", action="append", help="only this figure's work: ID or BOOK/ID (repeatable)")
        add_hardware_options(sub)
        if name in ("build", "run"):
            sub.add_argument("--batch-size", type=int, help="samples per model call (default: automatic)")
            sub.add_argument(
                "--max-evals",
                type=int,
                default=None,
                help=f"model evaluations allowed without --yes (default {MAX_EVALS:,}, or GALLERY_MAX_EVALS)",
            )
            sub.add_argument("--yes", action="store_true", help="run a plan above --max-evals without asking")
            sub.add_argument("--no-wait", action="store_true", help="fail at once if gc holds the store")
            sub.add_argument(
                "--shard",
                type=shard_arg,
                metavar="I/N",
                help="do share I of N (0-based) of the pending work, for job arrays; "
                "then `gallery render` (under torchrun/accelerate the launcher sets it)",
            )
    commands.add_parser("render", help="render the site from stored results only (no model work)")
    gc = commands.add_parser("gc", help="remove stored results that no recipe references")
    gc.add_argument("--dry-run", action="store_true", help="list what would be removed")
    gc.add_argument("--yes", action="store_true", help="remove without asking")
    gc.add_argument("--no-wait", action="store_true", help="fail at once if a build holds the store")
    hugo = commands.add_parser("hugo", help="export the books as Hugo page bundles (from stored results only)")
    hugo.add_argument(
        "dir",
        type=Path,
        nargs="?",
        help="folder to write (default: ROOT/hugo); copy its bundles into a Hugo site's content/, or name that folder",
    )
    commands.add_parser("modes", help="list every figure mode and its parameters (Markdown)")
    imp = commands.add_parser("import-embeddings", help="add a course-style prompt_embeds_dict.pth to the cache")
    imp.add_argument("file", type=Path, help="a torch file holding {prompt: [1, 77, 4096] tensor}")
    serve = commands.add_parser("serve", help="serve the built site on localhost")
    serve.add_argument("--port", type=port_number, default=8000, help="0–65535 (0: any free port)")
    serve.add_argument(
        "--watch",
        action="store_true",
        help="build first, then rebuild on every change to a recipe, input or template and reload "
        "the pages that changed",
    )
    serve.add_argument("--open", action="store_true", help="open the site in the web browser")
    return parser.parse_args(argv)


def add_hardware_options(sub: argparse.ArgumentParser) -> None:
    """--device, --dtype, --memory, --memory-mode (models/hardware.py; each also read from its GALLERY_ variable)."""
    sub.add_argument("--device", type=device_arg, help="auto (cuda > mps > cpu, the default), cuda, cuda:N, mps, cpu")
    sub.add_argument(
        "--dtype",
        choices=DTYPES,
        help="the UNets' precision; auto: fp16 on a GPU, bf16 on the CPU "
        "(DeepFloyd), fp32 (digits). Not fp16: a new job key",
    )
    sub.add_argument(
        "--memory",
        type=memory_arg,
        metavar="SIZE",
        help="device memory to plan for, e.g. 16GB (default: the device's own)",
    )
    sub.add_argument(
        "--memory-mode",
        choices=MEMORY_MODES,
        help="resident, sequential (one stage's weights at a time) or offload (accelerate's model CPU "
        "offload); auto: from the memory",
    )


def hardware_of(args: argparse.Namespace) -> Hardware:
    """The command's --device, --dtype, --memory and --memory-mode, each else its GALLERY_ variable."""
    return Hardware.from_env(
        **{name: getattr(args, name, None) for name in ("device", "dtype", "memory", "memory_mode")}
    )


def device_arg(text: str) -> str:
    import re

    if not re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a device: use auto, cuda, cuda:N, mps or cpu")
    return text


def memory_arg(text: str) -> str:
    try:
        parse_memory(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def shard_arg(text: str) -> Shard:
    try:
        return Shard.parse(text)
    except ShardError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0–65535)")
    return port


def main(argv: list[str] | None = None) -> int:
    """Run one command; every failure becomes one line on stderr and a documented exit code (see README)."""
    args = parse_args(argv)
    try:
        return dispatch(args)
    except BaseException as exc:  # noqa: BLE001 — the one top-level handler
        if args.debug or isinstance(exc, SystemExit):
            raise
        code, message = explain(exc)
        print(message, file=sys.stderr)
        return code


def explain(exc: BaseException) -> tuple[int, str]:
    """(exit code, what to write on stderr: what happened and what to do) for a failure."""
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED, "error: interrupted; every finished result is stored, rerun the command to resume"
    if isinstance(exc, OSError):
        exc = environment_error(exc)
    if isinstance(exc, GalleryError):
        return exc.exit_code, exc.report()
    text = str(exc).strip().splitlines()
    return EXIT_INTERNAL, (
        f"error: internal error ({type(exc).__name__}: {text[0][:300] if text else ''}); "
        f"rerun with --debug for the traceback and report it"
    )


def dispatch(args: argparse.Namespace) -> int:
    """Run the command `args` names; a failure the user can act on raises GalleryError."""
    if args.command == "init":
        return cmd_init(args.dir)
    if args.command == "modes":
        from generator.manual import modes_page

        print(modes_page())
        return 0
    args.hardware = hardware_of(args)
    project = Project(
        project_root(args.root),
        **{k: v for k, v in (("store_root", args.store), ("public", args.out)) if v is not None},
    )
    if args.command == "serve":
        return cmd_serve(project, args)
    if args.command == "import-embeddings":
        return import_embeddings(project, args.file)
    if args.command in ("build", "render") and site_is_current(project, args):
        return 0
    return COMMANDS[args.command](project, load_plan(project, args.hardware), args)


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("diffusion-gallery")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def project_root(root: Path | None) -> Path:
    """--root when given (a folder that holds recipes/), else the nearest project from the current folder up."""
    if root is None:
        return find_root(Path.cwd())
    if not root.is_dir():
        raise GalleryError(
            f"--root {root}: {'not a folder' if root.exists() else 'no such folder'}"
            f"{closest_folder(root)}; name the folder that holds recipes/"
        )
    if not (root / "recipes").is_dir():
        raise GalleryError(
            f"--root {root} holds no recipes/ folder, so it is no gallery; start one there with `gallery init {root}`"
        )
    return root


def closest_folder(path: Path) -> str:
    """' (did you mean X?)' for a mistyped folder whose parent exists; '' otherwise."""
    import difflib

    parent = path.absolute().parent
    names = [p.name for p in parent.iterdir() if p.is_dir()] if parent.is_dir() else []
    close = difflib.get_close_matches(path.name, names, n=1, cutoff=0.6)
    return f" (did you mean {path.parent / close[0]}?)" if close else ""


def selected(plan: Plan, args: argparse.Namespace) -> list:
    """The figures whose work the command does (--book / --figure); every figure without a filter."""
    return plan.select(getattr(args, "book", None), getattr(args, "figure", None))


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
        elif render and not shard.launched:
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


def launch_progress(shard: Shard | None, store, pending: list):
    """The launch's one progress line, shown by its leader; nothing otherwise."""
    from contextlib import nullcontext

    if shard is None or not (shard.launched and shard.leader):
        return nullcontext()
    return LaunchProgress(store, sorted({j.key for f in pending for j in f.jobs if not store.has(j.key)}))


def tell_waiting(holders: list) -> None:
    names = "; ".join(h.describe() for h in holders) or "another process"
    print(f"waiting for the store lock held by {names} (Ctrl-C to stop)", file=sys.stderr, flush=True)


def cmd_run(project: Project, plan: Plan, args: argparse.Namespace) -> int:
    return cmd_build(project, plan, args, render=False)


def check_out(out: Path) -> None:
    """Refuse, before any work, an --out that is a file or a non-empty folder the renderer did not write."""
    from generator.site.render import check_owned

    try:
        check_owned(Path(out).absolute())
    except (FileExistsError, NotADirectoryError) as exc:
        raise GalleryError(f"--out {out}: {exc}", EXIT_ENVIRONMENT) from None


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


def cmd_render(project: Project, plan: Plan, args: argparse.Namespace) -> int:
    with project.store.lock(shared=True, on_wait=tell_waiting):
        render_site(project, plan)
    return 0


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


# ---- the plan-size guard


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


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 3600:.1f} h" if seconds >= 5400 else f"{seconds / 60:.0f} min"


def confirm(question: str) -> bool:
    """Ask on a terminal; never in a pipe or a script (there the caller needs --yes)."""
    if not sys.stdin.isatty():
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


# ---- gc ----


def cmd_gc(project: Project, plan: Plan, args: argparse.Namespace) -> int:
    """Show what would be removed; keep every result of a book the plan does not load; ask or need --yes."""
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


# ---- init, hugo ----


def cmd_init(folder: Path) -> int:
    from generator.scaffold import init_project

    files = init_project(folder)
    books = sorted(f"{f.parent}/" for f in files if f.name == "book.yaml")
    print(
        f"a new gallery in {folder}/ ({len(files)} files): recipes/site.yaml, the book {', '.join(books)} on the "
        f"embedded digits model, .gitignore, Makefile, README.md"
    )
    go = "" if folder.absolute() == Path.cwd() else f"cd {folder} && "
    print(f"next: {go}gallery build   (about a minute on a CPU), then `gallery serve` to browse it")
    return 0


def cmd_hugo(project: Project, plan: Plan, args: argparse.Namespace) -> int:
    """The books as Hugo page bundles, from stored results (no model work); pending figures are left out."""
    from generator.site.hugo import export
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
    drafts = [b.slug for b in site.books if any(f.pending for s in b.sections for f in s.figures)]
    print(f"hugo: {n} page bundle(s) → {out}/  (copy them into your Hugo site's content/ folder)")
    if drafts:
        print(f"draft: {', '.join(drafts)} (figures pending; `gallery build` makes them, then export again)")
    return 0


# ---- serve, embeddings, modes ----


def cmd_serve(project: Project, args: argparse.Namespace) -> int:
    from generator.site.serve import serve

    try:
        if args.watch:
            from generator.watch import serve_and_watch

            return serve_and_watch(project, args.port, lambda: watched_build(args), args.open)
        if not (project.public / "index.html").is_file():
            raise GalleryError(
                f"{project.public}/index.html does not exist; render the site first (gallery build), "
                f"or run `gallery serve --watch`, which builds it",
                EXIT_ENVIRONMENT,
            )
        serve(project.public, args.port, args.open)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise GalleryError(
                f"port {args.port} is already in use; stop what uses it or pick another with --port", EXIT_ENVIRONMENT
            ) from None
        raise
    return 0


def watched_build(serve_args: argparse.Namespace) -> tuple[int, str]:
    """One `gallery build` with the global options of `serve_args`, as the command runs it (every failure one
    message, never a traceback); returns its exit code and what it wrote on stderr (shown in the browser)."""
    import contextlib

    args = parse_args(["build"])
    for option in ("root", "store", "out", "debug"):
        setattr(args, option, getattr(serve_args, option))
    err = _Tee(sys.stderr)
    with contextlib.redirect_stderr(err):
        try:
            code = dispatch(args)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001 — the watcher goes on; the message says what happened
            code, message = explain(exc)
            print(message, file=sys.stderr)
    return code, err.text.getvalue()


class _Tee:
    """stderr that also keeps a copy of what was written."""

    def __init__(self, stream):
        import io

        self.stream, self.text = stream, io.StringIO()

    def write(self, data: str) -> int:
        self.text.write(data)
        return self.stream.write(data)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()


def import_embeddings(project: Project, file: Path) -> int:
    """Prompt embeddings from the course's file go into the DeepFloyd IF cache: those prompts skip T5."""
    from generator.models.deepfloyd import EMBEDDING_FAMILY
    from generator.models.embeddings import embedding_cache, import_prompt_embeds

    try:
        prompts = import_prompt_embeds(file, embedding_cache(project.store_root, EMBEDDING_FAMILY))
    except (OSError, ValueError, RuntimeError) as exc:
        raise GalleryError(f"cannot import {file}: {exc}") from None
    print(f"imported {len(prompts)} prompt embedding(s) into {project.store_root / 'embeddings'}")
    return 0


COMMANDS = {"build": cmd_build, "run": cmd_run, "render": cmd_render, "plan": cmd_plan, "gc": cmd_gc, "hugo": cmd_hugo}

if __name__ == "__main__":
    sys.exit(main())
