"""`gallery` — init | build | run | render | plan | gc | hugo | modes | import-embeddings | serve.

The project is the nearest folder from the current one upward that holds recipes/site.yaml (--root names
one); `gallery init DIR` starts one. `make gallery` calls `gallery build`."""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
from pathlib import Path

from generator.commands import COMMANDS
from generator.commands.build import MAX_EVALS
from generator.commands.common import closest_folder
from generator.commands.embeddings import import_embeddings
from generator.commands.init import cmd_init
from generator.commands.render import site_is_current
from generator.commands.serve import cmd_serve
from generator.distributed import Shard, ShardError
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
from generator.models.hardware import DTYPES, MEMORY_MODES, Hardware, parse_memory
from generator.project import Project, find_root, load_plan


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


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    return command_line().parse_args(argv)


def command_line() -> argparse.ArgumentParser:
    """`gallery`'s options and subcommands (docs/cli.md)."""
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
    return parser


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
        return cmd_serve(project, args, lambda: watched_build(args))
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


def watched_build(serve_args: argparse.Namespace) -> tuple[int, str]:
    """One `gallery build` with the global options of `serve_args`, as the command runs it (every failure one
    message, never a traceback); returns its exit code and what it wrote on stderr (shown in the browser)."""
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
        self.stream, self.text = stream, io.StringIO()

    def write(self, data: str) -> int:
        self.text.write(data)
        return self.stream.write(data)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()


if __name__ == "__main__":
    sys.exit(main())
