"""A build with nothing to do, and an edit of one figure, on synthetic projects of 125 / 500 / 2,000 / 8,000 figures.

Each project has books of 125 figures (5 section files of 25) on the digits model; every figure is a forward-process
figure of its own seed swept over two timesteps (2 jobs, 4 pictures). The results are made once, by `gallery run`
on the largest project; each smaller project is its first figures, with a store of hard links to just its results.
For each size, timed as a user runs them (`gallery …` in a fresh process, wall clock, median of 3):

- the first render (no site yet: every page and picture written);
- a no-op `gallery build` and `gallery render` (goals: ≤ 1 s at 2,000 figures, ≤ 0.3 s more at 8,000);
- a one-figure edit, its caption changed, then `gallery build` (goal: ≤ 2 s at 2,000): only its book's page is
  rendered again;
- a one-figure edit of a parameter (one timestep), then `gallery build`: two jobs generated, then that page.

    python bench/bench_noop.py [--sizes 125 500 2000 8000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from timed import timed  # noqa: E402


PER_BOOK, PER_SECTION = 125, 25
GOALS = {"noop": (2000, 1.0), "growth": 0.3, "edit": (2000, 2.0)}


def write_project(root: Path, figures: int) -> None:
    """recipes/ of `figures` forward-process figures, in books of PER_BOOK and sections of PER_SECTION."""
    recipes = root / "recipes"
    recipes.mkdir(parents=True)
    (recipes / "site.yaml").write_text("title: A synthetic gallery\nintro: Figures made by bench/bench_noop.py.\n")
    shutil.copytree(ROOT / "recipes" / "images" / "digits", recipes / "images")
    for n in range(0, figures, PER_SECTION):
        book = recipes / f"book-{n // PER_BOOK:03d}"
        if not book.is_dir():
            book.mkdir()
            (book / "book.yaml").write_text(
                f"title: Book {n // PER_BOOK}\nmodel: digits\norder: {n // PER_BOOK}\nsummary: Synthetic.\n"
                "defaults: {image: {path: ../images/test-7.png, alt: a handwritten 7}}\n"
            )
        lines = [f"title: Section {n // PER_SECTION}", "intro: Some prose about these figures.", "figures:"]
        for k in range(n, min(n + PER_SECTION, figures)):
            lines += [
                f"  - id: fig-{k}",
                "    mode: forward",
                "    sweep: {t: [250, 750]}",
                f"    seeds: [{k}]",
                f"    caption: Figure {k}, the forward process at two timesteps.",
            ]
        section_file(recipes, n).write_text("\n".join(lines) + "\n")


def section_file(recipes: Path, k: int) -> Path:
    """The section file holding figure number k."""
    section = k // PER_SECTION % (PER_BOOK // PER_SECTION)
    return recipes / f"book-{k // PER_BOOK:03d}" / f"{section:02d}-part-{section}.yaml"


def link_store(source: Path, target: Path, keys: set[str]) -> None:
    """A store holding hard links to `source`'s results of `keys` only."""
    for key in keys:
        folder = source / "results" / key[:2] / key
        dest = target / "results" / key[:2] / key
        dest.mkdir(parents=True)
        for f in folder.iterdir():
            os.link(f, dest / f.name)


def gallery(project: Path, *args: str, env: dict[str, str]) -> tuple[float, str]:
    return timed([sys.executable, "-m", "generator.cli", "--root", str(project), *args], env)


def figure_file(project: Path, figures: int) -> tuple[Path, int]:
    """The section file of the figure in the middle of the project, and its number."""
    return section_file(project / "recipes", figures // 2), figures // 2


def timed_edits(project: Path, figures: int, env: dict[str, str], edits: list[tuple[str, str]], expect: str) -> float:
    """Median seconds of `gallery build` after each edit (old → new in the figure's recipe, from the original)."""
    path, _ = figure_file(project, figures)
    original, times = path.read_text(), []
    for old, new in edits:
        assert original.count(old) == 1, old
        path.write_text(original.replace(old, new))
        seconds, out = gallery(project, "build", env=env)
        assert re.search(r"\(1 rendered[,)]", out) and expect in out, out
        times.append(seconds)
    path.write_text(original)
    gallery(project, "build", env=env)
    return statistics.median(times)


def measure(project: Path, figures: int, env: dict[str, str]) -> dict[str, float]:
    first, out = gallery(project, "render", env=env)
    assert f"({-(-figures // PER_BOOK)} rendered)" in out, out
    noop = [gallery(project, "build", env=env)[0] for _ in range(3)]
    assert "up to date" in gallery(project, "render", env=env)[1]
    noop_render = [gallery(project, "render", env=env)[0] for _ in range(3)]
    _, k = figure_file(project, figures)
    caption = timed_edits(
        project, figures, env, [(f"Figure {k}, ", f"Figure {k} (edit {i}), ") for i in range(3)], "0 jobs run"
    )
    sweep = f"sweep: {{t: [250, 750]}}\n    seeds: [{k}]"
    param = timed_edits(
        project, figures, env, [(sweep, sweep.replace("250", str(t))) for t in (260, 270, 280)], "1 jobs run"
    )
    return {
        "first": first,
        "noop": statistics.median(noop),
        "noop_render": statistics.median(noop_render),
        "caption": caption,
        "param": param,
    }


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        cpu = f"{model}, {platform.machine()}"
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[125, 500, 2000, 8000])
    parser.add_argument("--keep", type=Path, help="keep the projects in this folder (default: a temporary one)")
    args = parser.parse_args()
    sizes = sorted(args.sizes)
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-noop-"))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), "GALLERY_CACHE": str(work / "cache")}
    try:
        # 1. The results of the largest project, generated once.
        largest = work / f"p{sizes[-1]}"
        write_project(largest, sizes[-1])
        seconds, _ = gallery(largest, "run", env=env)
        print(f"made the results of {sizes[-1]:,} figures ({2 * sizes[-1]:,} jobs) in {seconds:.0f} s", flush=True)
        rows = {}
        for n in sizes:
            project = work / f"p{n}"
            if n != sizes[-1]:
                write_project(project, n)
                link_store(largest / "store", project / "store", keys_of(project, env))
            rows[n] = measure(project, n, env)
            r = rows[n]
            print(
                f"{n:>6,} figures: first render {r['first']:6.1f} s · no-op build {r['noop']:.2f} s, render "
                f"{r['noop_render']:.2f} s · caption edit {r['caption']:.2f} s · parameter edit {r['param']:.2f} s",
                flush=True,
            )
        report(rows)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def keys_of(project: Path, env: dict[str, str]) -> set[str]:
    """The job keys of a project's plan (computed in a child process, like the runs)."""
    code = (
        "import sys; from pathlib import Path; from generator.project import Project, load_plan; "
        "print('\\n'.join(j.key for f in load_plan(Project(root=Path(sys.argv[1])), cache=False).figures "
        "for j in f.jobs))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(project)], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def report(rows: dict[int, dict[str, float]]) -> None:
    print(f"\nmachine: {machine()}")
    print(
        f"{'figures':>8} {'first render':>13} {'no-op build':>12} {'no-op render':>13} {'caption edit':>13} "
        f"{'param edit':>11} {'no-op / figure':>15}"
    )
    for n, r in rows.items():
        print(
            f"{n:>8,} {r['first']:>12.1f}s {r['noop']:>11.2f}s {r['noop_render']:>12.2f}s {r['caption']:>12.2f}s "
            f"{r['param']:>10.2f}s {1000 * r['noop'] / n:>12.3f} ms"
        )
    n, limit = GOALS["noop"]
    if n in rows:
        print(
            f"no-op build at {n:,}: {rows[n]['noop']:.2f} s (goal ≤ {limit} s: {rows[n]['noop'] / limit:.2f}× the "
            f"goal)"
        )
        edit_n, edit_limit = GOALS["edit"]
        print(
            f"caption edit at {edit_n:,}: {rows[edit_n]['caption']:.2f} s (goal ≤ {edit_limit} s: "
            f"{rows[edit_n]['caption'] / edit_limit:.2f}× the goal)"
        )
    if 2000 in rows and 8000 in rows:
        growth = rows[8000]["noop"] - rows[2000]["noop"]
        print(
            f"no-op growth 2,000 → 8,000 figures: {growth:+.2f} s (goal ≤ {GOALS['growth']} s), ratio "
            f"{rows[8000]['noop'] / rows[2000]['noop']:.2f}× for 4× the figures"
        )


if __name__ == "__main__":
    sys.exit(main())
