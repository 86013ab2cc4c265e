"""The illusion atlas of the digits model: for every ordered pair of digits, how often an illusion holds.

    python -m generator.digits.atlas [--seeds 10] [--steps strided-30] [--pairs all] [--out models/digits]

- anagrams (Geng, Park & Owens, CVPR 2024), per view: the share of seeds where x reads digit a and v(x) reads b;
- hybrids (factorized diffusion, Geng et al. 2024), per (kernel, σ): the share where G(x) reads the far digit a
  and x itself the near digit b.

Readings are judged by the project's classifier (generator/digits/classifier.py). Every sample of the atlas
is one track, and all tracks run as one batch through the engine (`run_tracks`), packed as the gallery packs
figures. Writes atlas.json and one heatmap PNG per view and per hybrid setting (atlas/*.png).
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
from generator.diffusion.schedule import Schedule
from generator.diffusion.views import get_view
from generator.digits.classifier import classify, load_classifier
from generator.digits.evaluate import GUIDANCE, Sampling
from generator.engine import Term, Track
from generator.fileops import replace_file
from generator.models.digits import DEFAULT_PATH, digits_spec

if TYPE_CHECKING:
    from PIL import Image

VIEWS = ("rotate_180", "flip", "negate", "inner_circle")
HYBRID_SETTINGS = ((9, 1.0), (9, 1.5), (9, 2.0), (9, 3.0), (17, 2.0), (17, 3.0))   # (kernel, σ) at 32×32
HYBRID_PAIRS = "1-7,7-1,0-8,8-0,1-4,6-5,0-6,9-4"        # (far, near): shapes that might nest
STEPS = "strided-80"   # 13 steps: what a 2-core CPU affords for the whole atlas; the book's illusions use it too
DIGITS = tuple(str(d) for d in range(10))
SEED_BASE = 0          # the seeds the book's figures use, so a figure shows the very samples measured


@dataclass(frozen=True)
class Cell:
    """One entry of the atlas: an illusion kind and setting, an ordered digit pair."""

    table: str                 # "anagram:rotate_180" or "hybrid:k9-s1.5"
    first: str                 # upright (anagram) / far (hybrid)
    second: str                # under the view / near


def pairs(selection: str = "all", unordered: bool = False) -> list[tuple[str, str]]:
    """Ordered pairs of distinct digits ("all": 90; unordered: the 45 with a < b), or a list like "6-9,1-7"."""
    if selection == "all":
        return [(a, b) for a, b in product(DIGITS, DIGITS) if a < b or (a != b and not unordered)]
    chosen = [tuple(p.split("-")) for p in selection.split(",")]
    return [(a, b) for a, b in chosen if not unordered or (b, a) not in chosen or a < b]  # type: ignore[misc]


def hybrid_table(kernel: int, sigma: float) -> str:
    return f"hybrid:k{kernel}-s{sigma:g}"


def build_tracks(sampling: Sampling, cells: Sequence[Cell], seeds: int, guidance: float) -> list[Track]:
    """One track per (cell, seed): anagram terms mean over views, hybrid terms sum over factors."""
    tracks = []
    for cell in cells:
        kind, setting = cell.table.split(":")
        for seed in range(seeds):
            if kind == "anagram":
                view = get_view(setting, 32)
                terms = [Term(cell.first, "", guidance), Term(cell.second, "", guidance, view=view)]
                track = sampling.track(seed, terms)
            else:
                low, high = hybrid_factors(setting)
                terms = [Term(cell.first, "", guidance, component=low), Term(cell.second, "", guidance, component=high)]
                track = sampling.track(seed, terms, reduce="sum")
            track.extras["cell"] = cell
            tracks.append(track)
    return tracks


def hybrid_factors(setting: str) -> Any:
    """'k9-s1.5' → the (low, high) factorization at 32×32."""
    kernel, sigma = setting.split("-")
    return hybrid(int(kernel[1:]), float(sigma[1:]), 32)


def readings(clf: torch.nn.Module, tracks: Sequence[Track], x: torch.Tensor) -> torch.Tensor:
    """(N,) bool: does every reading of each track's final image hold?"""
    firsts, seconds, wanted_first, wanted_second = [], [], [], []
    for track, image in zip(tracks, x):
        cell: Cell = track.extras["cell"]
        kind, setting = cell.table.split(":")
        image = image[None]
        if kind == "anagram":
            firsts.append(image)
            seconds.append(get_view(setting, 32).view(image))
        else:
            firsts.append(hybrid_factors(setting)[0](image))
            seconds.append(image)
        wanted_first.append(int(cell.first))
        wanted_second.append(int(cell.second))
    ok_first = classify(clf, torch.cat(firsts)) == torch.tensor(wanted_first)
    ok_second = classify(clf, torch.cat(seconds)) == torch.tensor(wanted_second)
    return torch.stack([ok_first, ok_second], 1)


def add(counts: dict[tuple[str, str], list[int]], pair: tuple[str, str], first_ok: bool, second_ok: bool) -> None:
    """Count one sample of `pair`: [both, first, second, samples]."""
    c = counts.setdefault(pair, [0, 0, 0, 0])
    c[0] += first_ok and second_ok
    c[1] += first_ok
    c[2] += second_ok
    c[3] += 1


def tables(tracks: Sequence[Track], ok: torch.Tensor) -> dict[str, dict[str, Any]]:
    """Per table: 10×10 matrices (row: first digit, column: second; null on the diagonal) of the rates."""
    counts: dict[str, dict[tuple[str, str], list[int]]] = {}
    for track, (first_ok, second_ok) in zip(tracks, ok.tolist()):
        cell: Cell = track.extras["cell"]
        add(counts.setdefault(cell.table, {}), (cell.first, cell.second), first_ok, second_ok)
        if cell.table.startswith("anagram:"):          # v(x) is the (second, first) anagram, read upright
            add(counts[cell.table], (cell.second, cell.first), second_ok, first_ok)
    out = {}
    for table, cells in counts.items():
        def matrix(i: int) -> list[list[float | None]]:
            return [[round(cells[(a, b)][i] / cells[(a, b)][3], 4) if (a, b) in cells else None for b in DIGITS]
                    for a in DIGITS]
        ranked = sorted(cells.items(), key=lambda kv: (-kv[1][0], kv[0]))
        out[table] = {"both": matrix(0), "first": matrix(1), "second": matrix(2),
                      "seeds": max(c[3] for c in cells.values()),
                      "best": [{"pair": list(p), "both": round(c[0] / c[3], 4)} for p, c in ranked[:5]]}
    return out


def heatmap(table: str, entry: dict[str, Any]) -> Image.Image:
    """A 10×10 heatmap of the both-readings rate, each measured cell labelled in percent."""
    rates = [[float("nan") if v is None else 100 * v for v in row] for row in entry["both"]]
    kind, setting = table.split(":")
    labels = (("upright", "under the view") if kind == "anagram" else ("far (low frequencies)", "near (high)"))
    return plot_grid(rates, [str(d) for d in range(10)], [str(d) for d in range(10)], *labels,
                     f"{kind} {setting}: both readings, % of {entry['seeds']} seeds")


def sweep_heatmap(report: dict[str, Any]) -> Image.Image:
    """The hybrid sweep: for each (σ, kernel), the best pair's both-readings rate (and which pair)."""
    settings = [(t, e) for t, e in report["tables"].items() if t.startswith("hybrid:")]
    sigmas = sorted({float(t.split("-s")[1]) for t, _ in settings})
    kernels = sorted({int(t.split(":k")[1].split("-")[0]) for t, _ in settings})
    rates = [[float("nan")] * len(kernels) for _ in sigmas]
    notes = [[""] * len(kernels) for _ in sigmas]
    for table, entry in settings:
        k, sigma = int(table.split(":k")[1].split("-")[0]), float(table.split("-s")[1])
        best = entry["best"][0]
        rates[sigmas.index(sigma)][kernels.index(k)] = 100 * best["both"]
        notes[sigmas.index(sigma)][kernels.index(k)] = f"{best['pair'][0]}/{best['pair'][1]}"
    return plot_grid(rates, [f"{s:g}" for s in sigmas], [str(k) for k in kernels], "σ", "kernel",
                     "hybrids: best (far/near) pair, both readings %", notes)


def plot_grid(rates: list[list[float]], rows: list[str], cols: list[str], ylabel: str, xlabel: str, title: str,
              notes: list[list[str]] | None = None) -> Image.Image:
    """A labelled viridis grid of percentages (NaN cells blank) as a PIL image."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    fig, ax = plt.subplots(figsize=(1.2 + 0.38 * len(cols) + 1.4, 1.0 + 0.34 * len(rows) + 0.6), dpi=110)
    image = ax.imshow(rates, cmap="viridis", vmin=0, vmax=100)
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


def atlas(model: Path, seeds: int, steps: str, selection: str, views: Sequence[str],
          settings: Sequence[tuple[int, float]], hybrid_pairs: str = HYBRID_PAIRS, guidance: float = GUIDANCE,
          batch_size: int = 64) -> dict:
    """Every cell's samples in one engine run, classified; the atlas as a dict."""
    spec = digits_spec(model)
    backend, clf = spec.load("cpu"), load_classifier(model)
    sampling = Sampling(backend, Schedule.from_config(spec.scheduler_config), steps=steps,
                        batch_size=batch_size, seed_base=SEED_BASE)
    for name in views:
        check_involution(name)
    cells = [Cell(f"anagram:{v}", a, b) for v in views for a, b in pairs(selection, unordered=True)]
    cells += [Cell(hybrid_table(k, s), a, b) for k, s in settings for a, b in pairs(hybrid_pairs)]
    tracks = build_tracks(sampling, cells, seeds, guidance)
    calls = sum(t.model_calls() for t in tracks)
    start = time.time()
    x = sampling.run(tracks, f"atlas ({len(tracks)} tracks)")
    wall = time.time() - start
    return {
        "model": spec.key(), "steps": steps, "guidance": guidance, "seeds": list(range(SEED_BASE, SEED_BASE + seeds)),
        "thresholding": sampling.schedule.resolve_thresholding("auto"),
        "judge": "generator/digits/classifier.py", "tracks": len(tracks), "model_calls": calls,
        "tables": tables(tracks, readings(clf, tracks, x)),
        "method": "anagram views are involutions: each (a, b) sample x is also a (b, a) sample v(x), so the 45 "
                  "unordered pairs fill all 90 ordered ones; hybrids: the listed (far, near) pairs per setting",
        "wall_time_s": round(wall, 1),
        "machine": {"cpu": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(),
                    "threads": torch.get_num_threads(), "torch": torch.__version__,
                    "note": "the CPU was shared with other jobs during the run"},
    }


def write(report: dict, out: Path) -> None:
    """atlas.json and its heatmaps, atlas/<table>.png (and atlas/hybrid-sweep.png), beside the model."""
    replace_file(out / "atlas.json", (json.dumps(report, indent=1) + "\n").encode())
    plot(report, out / "atlas")


def plot(report: dict, folder: Path) -> None:
    """Every heatmap of the report as PNG files in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, entry in report["tables"].items():
        heatmap(table, entry).save(folder / f"{table.replace(':', '-')}.png")
    if any(t.startswith("hybrid:") for t in report["tables"]):
        sweep_heatmap(report).save(folder / "hybrid-sweep.png")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--out", type=Path, default=None, help="default: MODEL")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--steps", default=STEPS)
    parser.add_argument("--pairs", default="all", help='"all" or e.g. "6-9,1-7"')
    parser.add_argument("--views", default=",".join(VIEWS))
    parser.add_argument("--hybrids", default=",".join(f"{k}/{s:g}" for k, s in HYBRID_SETTINGS),
                        help="kernel/σ settings, e.g. 9/1.5,17/3")
    parser.add_argument("--hybrid-pairs", default=HYBRID_PAIRS, help="(far-near) pairs of the hybrid sweep")
    parser.add_argument("--replot", action="store_true", help="only redraw the heatmaps from OUT/atlas.json")
    args = parser.parse_args(argv)
    if args.replot:
        out = args.out or args.model
        plot(json.loads((out / "atlas.json").read_text()), out / "atlas")
        return
    settings = [(int(k), float(s)) for k, s in (h.split("/") for h in args.hybrids.split(",") if h)]
    views = [v for v in args.views.split(",") if v]
    report = atlas(args.model, args.seeds, args.steps, args.pairs, views, settings, args.hybrid_pairs)
    write(report, args.out or args.model)
    print(f"{report['tracks']} tracks, {report['model_calls']} model calls, {report['wall_time_s']} s")
    for table, entry in report["tables"].items():
        print(table, "best:", ", ".join(f"{'/'.join(b['pair'])} {b['both']:.0%}" for b in entry["best"][:3]))


if __name__ == "__main__":
    main()
