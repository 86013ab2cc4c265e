"""The illusion atlas of the digits model: for every ordered pair of digits, how often an illusion holds —
selected on some seeds, reported on others.

    python -m generator.digits.atlas [--seeds 10] [--held-out 30] [--steps strided-80] [--out models/digits]

- anagrams (Geng, Park & Owens, CVPR 2024), per view: the share of seeds where x reads digit a and v(x) reads b;
- hybrids (factorized diffusion, Geng et al. 2024), per σ: the share where x seen from afar reads the far digit a
  and x up close the near digit b.

Readings are made by the judge (generator/digits/judge.py): the near reading by the classifier of digits as
they are, the far reading by a classifier of digits area-averaged to 8×8, each validated on held-out digits seen
its way. Selection: every cell on the selection seeds (the ones the book's figures show); the best cells of each
table are then re-drawn on fresh held-out seeds, and only those rates, with a 95% Wilson interval, are quoted —
the best of 90 cells on 10 seeds is the luckiest, not the likeliest. Every sample is one track; each phase's
tracks run as one batch through the engine (`run_tracks`), packed as the gallery packs figures. Writes
atlas.json and one heatmap PNG per view and per hybrid setting (atlas/*.png).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import torch

from generator.diffusion.factorizations import hybrid
from generator.diffusion.filters import hybrid_kernel
from generator.diffusion.schedule import Schedule
from generator.diffusion.views import get_view
from generator.digits.evaluate import GUIDANCE, Sampling
from generator.digits.judge import Judge
from generator.digits.stats import wilson
from generator.engine import Term, Track
from generator.fileops import replace_file
from generator.models.digits import DEFAULT_PATH, digits_spec


if TYPE_CHECKING:
    from PIL import Image

VIEWS = ("rotate_180", "flip", "negate", "inner_circle")
HYBRID_SIGMAS = (1.0, 1.25, 1.5, 2.0)  # σ at 32² (the paper's 2 at 64² is 1 here); kernel: filters.hybrid_kernel
STEPS = "strided-80"  # 13 steps: what a 2-core CPU affords for the whole atlas; the book's illusions use it too
DIGITS = tuple(str(d) for d in range(10))
SEED_BASE = 0  # selection seeds: the ones the book's figures use, so a figure shows samples that were counted
HELD_OUT_BASE = 1000  # held-out seeds: never looked at when cells were picked
QUOTED = 2  # per table, the best cells re-measured on held-out seeds
ALWAYS_QUOTED = (("anagram:rotate_180", "6", "9"),)  # the book's lead figure, whatever its rank


@dataclass(frozen=True)
class Cell:
    """One entry of the atlas: an illusion kind and setting, an ordered digit pair."""

    table: str  # "anagram:rotate_180" or "hybrid:k17-s1"
    first: str  # upright (anagram) / far (hybrid)
    second: str  # under the view / near


def pairs(selection: str = "all", unordered: bool = False) -> list[tuple[str, str]]:
    """Ordered pairs of distinct digits ("all": 90; unordered: the 45 with a < b), or a list like "6-9,1-7"."""
    if selection == "all":
        return [(a, b) for a, b in product(DIGITS, DIGITS) if a < b or (a != b and not unordered)]
    chosen = [tuple(p.split("-")) for p in selection.split(",")]
    return [(a, b) for a, b in chosen if not unordered or (b, a) not in chosen or a < b]  # type: ignore[misc]


def hybrid_table(sigma: float, size: int = 32) -> str:
    """The table of the hybrids at σ, named with the kernel they use: 'hybrid:k17-s1'."""
    return f"hybrid:k{hybrid_kernel(sigma, size)}-s{sigma:g}"


def build_tracks(sampling: Sampling, cells: Sequence[Cell], seeds: Sequence[int], guidance: float) -> list[Track]:
    """One track per (cell, seed): anagram terms mean over views, hybrid terms sum over factors."""
    tracks = []
    for cell in cells:
        kind, setting = cell.table.split(":")
        for seed in seeds:
            if kind == "anagram":
                view = get_view(setting, 32)
                terms = [Term(cell.first, "", guidance), Term(cell.second, "", guidance, view=view)]
                track = sampling.track(seed, terms)
            else:
                low, high = hybrid_factors(setting)
                terms = [
                    Term(cell.first, "", guidance, component=low),
                    Term(cell.second, "", guidance, component=high),
                ]
                track = sampling.track(seed, terms, reduce="sum")
            track.extras["cell"] = cell
            tracks.append(track)
    return tracks


def hybrid_factors(setting: str) -> Any:
    """'k17-s1' → the (low, high) factorization at 32×32."""
    kernel, sigma = setting.split("-")
    return hybrid(int(kernel[1:]), float(sigma[1:]), 32)


def readings(judge: Judge, tracks: Sequence[Track], x: torch.Tensor) -> torch.Tensor:
    """(N, 2) bool: does each reading of each track's final image hold? Anagrams: x and v(x) read up close;
    hybrids: x read from afar (the far digit), then up close (the near digit)."""
    firsts, seconds, first_reading, wanted_first, wanted_second = [], [], [], [], []
    for track, image in zip(tracks, x):
        cell: Cell = track.extras["cell"]
        kind, setting = cell.table.split(":")
        image = image[None]
        firsts.append(image)
        seconds.append(get_view(setting, 32).view(image) if kind == "anagram" else image)
        first_reading.append("near" if kind == "anagram" else "far")
        wanted_first.append(int(cell.first))
        wanted_second.append(int(cell.second))
    firsts_t, far = torch.cat(firsts), torch.tensor([r == "far" for r in first_reading])
    read_first = torch.where(far, judge.read("far", firsts_t), judge.read("near", firsts_t))
    ok_first = read_first == torch.tensor(wanted_first)
    ok_second = judge.read("near", torch.cat(seconds)) == torch.tensor(wanted_second)
    return torch.stack([ok_first, ok_second], 1)


def add(counts: dict[tuple[str, str], list[int]], pair: tuple[str, str], first_ok: bool, second_ok: bool) -> None:
    """Count one sample of `pair`: [both, first, second, samples]."""
    c = counts.setdefault(pair, [0, 0, 0, 0])
    c[0] += first_ok and second_ok
    c[1] += first_ok
    c[2] += second_ok
    c[3] += 1


def count(tracks: Sequence[Track], ok: torch.Tensor) -> dict[str, dict[tuple[str, str], list[int]]]:
    """Per table and ordered pair: [both, first, second, samples]. An anagram sample x of (a, b) is also the
    (b, a) sample v(x), read the other way round."""
    counts: dict[str, dict[tuple[str, str], list[int]]] = {}
    for track, (first_ok, second_ok) in zip(tracks, ok.tolist()):
        cell: Cell = track.extras["cell"]
        add(counts.setdefault(cell.table, {}), (cell.first, cell.second), first_ok, second_ok)
        if cell.table.startswith("anagram:"):
            add(counts[cell.table], (cell.second, cell.first), second_ok, first_ok)
    return counts


def tables(tracks: Sequence[Track], ok: torch.Tensor) -> dict[str, dict[str, Any]]:
    """Per table: 10×10 matrices (row: first digit, column: second; null on the diagonal) of the rates."""
    out = {}
    for table, cells in count(tracks, ok).items():

        def matrix(i: int) -> list[list[float | None]]:
            return [
                [round(cells[(a, b)][i] / cells[(a, b)][3], 4) if (a, b) in cells else None for b in DIGITS]
                for a in DIGITS
            ]

        ranked = sorted(cells.items(), key=lambda kv: (-kv[1][0], kv[0]))
        out[table] = {
            "both": matrix(0),
            "first": matrix(1),
            "second": matrix(2),
            "seeds": max(c[3] for c in cells.values()),
            "best": [{"pair": list(p), "both": round(c[0] / c[3], 4)} for p, c in ranked[:5]],
        }
        if table.startswith("hybrid:"):
            kernel, sigma = table.split(":")[1].split("-")
            out[table].update(kernel=int(kernel[1:]), sigma=float(sigma[1:]))
    return out


def quoted_cells(
    report_tables: dict[str, dict[str, Any]],
    per_table: int = QUOTED,
    always: Sequence[tuple[str, str, str]] = ALWAYS_QUOTED,
) -> list[Cell]:
    """The cells to re-measure: each table's `per_table` best on the selection seeds (ties: the lower digits
    first; an anagram pair and its reverse are one cell, the same samples), and `always`."""
    chosen: list[Cell] = []
    for table, entry in report_tables.items():
        taken: set[frozenset[str]] = set()
        for best in entry["best"]:
            key = frozenset(best["pair"]) if table.startswith("anagram:") else frozenset([tuple(best["pair"])])
            if len(taken) < per_table and key not in taken:
                taken.add(key)
                chosen.append(Cell(table, *best["pair"]))
    for table, a, b in always:
        if table in report_tables and not any(c.table == table and {c.first, c.second} == {a, b} for c in chosen):
            chosen.append(Cell(table, a, b))
    return chosen


def held_out(
    cells: Sequence[Cell], tracks: Sequence[Track], ok: torch.Tensor, selection: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each quoted cell's rates on the held-out seeds, with the 95% Wilson interval of both readings."""
    counts = count(tracks, ok)
    out = []
    for cell in cells:
        both, first, second, n = counts[cell.table][(cell.first, cell.second)]
        a, b = int(cell.first), int(cell.second)
        low, high = wilson(both, n)
        out.append(
            {
                "table": cell.table,
                "pair": [cell.first, cell.second],
                "both": round(both / n, 4),
                "k": both,
                "n": n,
                "interval": [round(low, 4), round(high, 4)],
                "first": round(first / n, 4),
                "second": round(second / n, 4),
                "selection": {"both": selection[cell.table]["both"][a][b], "n": selection[cell.table]["seeds"]},
            }
        )
    return out


def heatmap(table: str, entry: dict[str, Any]) -> Image.Image:
    """A 10×10 heatmap of the both-readings rate on the selection seeds, each measured cell labelled in percent."""
    rates = [[float("nan") if v is None else 100 * v for v in row] for row in entry["both"]]
    kind, setting = table.split(":")
    labels = ("upright", "under the view") if kind == "anagram" else ("far (seen at 8×8)", "near (the image)")
    return plot_grid(
        rates,
        [str(d) for d in range(10)],
        [str(d) for d in range(10)],
        *labels,
        f"{kind} {setting}: both readings, % of {entry['seeds']} selection seeds",
    )


def sweep_heatmap(report: dict[str, Any]) -> Image.Image:
    """The hybrid sweep: for each σ, its best (far/near) pair's both-readings rate on the selection seeds and,
    beside it, on the held-out seeds."""
    settings = sorted(((e["sigma"], t) for t, e in report["tables"].items() if t.startswith("hybrid:")))
    rates, notes = [], []
    for sigma, table in settings:
        best = report["tables"][table]["best"][0]
        again = next((c for c in report["held_out"] if c["table"] == table and c["pair"] == best["pair"]), None)
        rates.append([100 * best["both"], float("nan") if again is None else 100 * again["both"]])
        notes.append([f"{best['pair'][0]}/{best['pair'][1]}"] * 2)
    seeds = (len(report["seeds"]), len(report.get("held_out_seeds", [])))
    return plot_grid(
        rates,
        [f"{s:g} (k{report['tables'][t]['kernel']})" for s, t in settings],
        [f"selection\n{seeds[0]} seeds", f"held-out\n{seeds[1]} seeds"],
        "σ (kernel)",
        "",
        "hybrids: best (far/near) pair, both readings %",
        notes,
    )


def plot_grid(
    rates: list[list[float]],
    rows: list[str],
    cols: list[str],
    ylabel: str,
    xlabel: str,
    title: str,
    notes: list[list[str]] | None = None,
) -> Image.Image:
    """A labelled viridis grid of percentages (NaN cells blank) as a PIL image."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    width = max(0.38, 0.085 * max(len(line) for label in cols for line in label.split("\n")))  # fits its labels
    fig, ax = plt.subplots(figsize=(1.2 + width * len(cols) + 1.4, 1.0 + 0.34 * len(rows) + 0.6), dpi=110)
    image = ax.imshow(rates, cmap="viridis", vmin=0, vmax=100, aspect="equal" if width == 0.38 else "auto")
    for a, row in enumerate(rates):
        for b, v in enumerate(row):
            if v == v:
                text = f"{v:.0f}" + (f"\n{notes[a][b]}" if notes else "")
                ax.text(b, a, text, ha="center", va="center", fontsize=6.5, color="white" if v < 60 else "black")
    ax.set_xticks(range(len(cols)), cols)
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=8)
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def check_involution(name: str) -> None:
    """The atlas reads an anagram of (a, b) backwards as one of (b, a): v(x) is the (b, a) anagram drawn from
    the noise v(x_T) — exact when v∘v is the identity (and v keeps noise Gaussian)."""
    view = get_view(name, 32)
    x = torch.randn(1, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    if not torch.equal(view.view(view.view(x)), x):
        raise ValueError(f"atlas view {name!r} is not an involution (v∘v ≠ identity); choose one that is")


def measure(
    sampling: Sampling, judge: Judge, cells: Sequence[Cell], seeds: Sequence[int], guidance: float, desc: str
) -> tuple[list[Track], torch.Tensor, int, float]:
    """Sample every cell on every seed in one engine run and judge it: (tracks, readings, model calls, wall s)."""
    tracks = build_tracks(sampling, cells, seeds, guidance)
    calls = sum(t.model_calls() for t in tracks)
    start = time.time()
    x = sampling.run(tracks, f"{desc} ({len(tracks)} tracks)")
    return tracks, readings(judge, tracks, x), calls, time.time() - start


def atlas(
    model: Path,
    seeds: int,
    steps: str,
    selection: str,
    views: Sequence[str],
    sigmas: Sequence[float],
    hybrid_pairs: str = "all",
    guidance: float = GUIDANCE,
    held_out_seeds: int = 30,
    quoted: int = QUOTED,
    batch_size: int = 64,
) -> dict:
    """Every cell on the selection seeds, then the best cells on the held-out seeds; the atlas as a dict."""
    spec = digits_spec(model)
    backend, judge = spec.load("cpu"), Judge(model)
    sampling = Sampling(backend, Schedule.from_config(spec.scheduler_config), steps=steps, batch_size=batch_size)
    for name in views:
        check_involution(name)
    cells = [Cell(f"anagram:{v}", a, b) for v in views for a, b in pairs(selection, unordered=True)]
    cells += [Cell(hybrid_table(s), a, b) for s in sigmas for a, b in pairs(hybrid_pairs)]
    selection_seeds = list(range(SEED_BASE, SEED_BASE + seeds))
    tracks, ok, calls, wall = measure(sampling, judge, cells, selection_seeds, guidance, "atlas selection")
    chosen = tables(tracks, ok)
    again = quoted_cells(chosen, quoted)
    fresh = list(range(HELD_OUT_BASE, HELD_OUT_BASE + held_out_seeds))
    h_tracks, h_ok, h_calls, h_wall = measure(sampling, judge, again, fresh, guidance, "atlas held-out")
    return {
        "model": spec.key(),
        "steps": steps,
        "guidance": guidance,
        "seeds": selection_seeds,
        "held_out_seeds": fresh,
        "thresholding": sampling.schedule.resolve_thresholding("auto"),
        "judge": judge.held_out_accuracy(),
        "tracks": len(tracks) + len(h_tracks),
        "model_calls": calls + h_calls,
        "tables": chosen,
        "held_out": held_out(again, h_tracks, h_ok, chosen),
        "method": "selection: every cell on the selection seeds (anagram views are involutions: each (a, b) sample "
        "x is also a (b, a) sample v(x), so the 45 unordered pairs fill all 90 ordered ones; hybrids: "
        "every ordered (far, near) pair per σ); held-out: each table's best cells re-drawn on fresh "
        "seeds, rates with 95% Wilson intervals",
        "wall_time_s": round(wall + h_wall, 1),
        "selection_wall_s": round(wall, 1),
        "held_out_wall_s": round(h_wall, 1),
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "note": "the CPU was shared with other jobs during the run",
        },
    }


def write(report: dict, out: Path) -> None:
    """atlas.json and its heatmaps, atlas/<table>.png (and atlas/hybrid-sweep.png), beside the model."""
    replace_file(out / "atlas.json", (json.dumps(report, indent=1) + "\n").encode())
    plot(report, out / "atlas")


def plot(report: dict, folder: Path) -> None:
    """Every heatmap of the report as PNG files in `folder` (the previous ones removed)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    for table, entry in report["tables"].items():
        heatmap(table, entry).save(folder / f"{table.replace(':', '-')}.png")
    if any(t.startswith("hybrid:") for t in report["tables"]):
        sweep_heatmap(report).save(folder / "hybrid-sweep.png")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--out", type=Path, default=None, help="default: MODEL")
    parser.add_argument("--seeds", type=int, default=10, help="selection seeds per cell")
    parser.add_argument("--held-out", type=int, default=30, help="fresh seeds per quoted cell")
    parser.add_argument("--quoted", type=int, default=QUOTED, help="cells per table re-measured on held-out seeds")
    parser.add_argument("--steps", default=STEPS)
    parser.add_argument("--pairs", default="all", help='anagram pairs: "all" or e.g. "6-9,1-7"')
    parser.add_argument("--views", default=",".join(VIEWS))
    parser.add_argument(
        "--sigmas",
        default=",".join(f"{s:g}" for s in HYBRID_SIGMAS),
        help="hybrid σ at 32×32, e.g. 1,1.5 (kernel: 2·⌈8σ⌉ + 1)",
    )
    parser.add_argument("--hybrid-pairs", default="all", help='(far-near) pairs of the hybrid sweep: "all" or "0-8,…"')
    parser.add_argument("--replot", action="store_true", help="only redraw the heatmaps from OUT/atlas.json")
    args = parser.parse_args(argv)
    if args.replot:
        out = args.out or args.model
        plot(json.loads((out / "atlas.json").read_text()), out / "atlas")
        return
    sigmas = [float(s) for s in args.sigmas.split(",") if s]
    views = [v for v in args.views.split(",") if v]
    report = atlas(
        args.model,
        args.seeds,
        args.steps,
        args.pairs,
        views,
        sigmas,
        args.hybrid_pairs,
        held_out_seeds=args.held_out,
        quoted=args.quoted,
    )
    write(report, args.out or args.model)
    print(f"{report['tracks']} tracks, {report['model_calls']} model calls, {report['wall_time_s']} s")
    for cell in report["held_out"]:
        lo, hi = cell["interval"]
        print(
            f"{cell['table']} {'/'.join(cell['pair'])}: selection {cell['selection']['both']:.0%} of "
            f"{cell['selection']['n']}, held-out {cell['both']:.0%} of {cell['n']} (95% {lo:.0%}–{hi:.0%})"
        )


if __name__ == "__main__":
    main()
