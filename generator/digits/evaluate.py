"""The numbers behind `make eval`: how well the digits model does what its prompts ask, judged by the
classifier (generator/digits/classifier.py) and, for illusions, the judge (generator/digits/judge.py). Every
sample goes through the project's engine, as on the site.

    python -m generator.digits.evaluate [--model models/digits] [--per-digit 100] [--guidance 4]

- classifier: accuracy on the 1000 held-out digits;
- judge: per reading (near: the image itself; far: area-averaged to 8×8), accuracy on the held-out digits seen
  that way;
- cfg: share of CFG samples classified as their prompted digit (per digit and overall);
- unconditional: class shares of samples from "" (all ten present, none above 20%);
- anagram: share of seeds whose image reads as prompt 1 upright and prompt 2 under the view (6 / 9 upside down);
- hybrid: share of seeds whose image reads as the far prompt from afar and as the near one up close.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import torch

from generator.diffusion.factorizations import factorization
from generator.diffusion.noise import draw_noise, make_rng
from generator.diffusion.schedule import Schedule
from generator.diffusion.views import get_view
from generator.digits.classifier import accuracy, classify, load_classifier
from generator.digits.data import load_split
from generator.digits.judge import Judge
from generator.engine import Term, Track, run_tracks
from generator.fileops import replace_file
from generator.models.base import Backend
from generator.models.digits import DEFAULT_PATH, digits_spec


STEPS = "strided-30"  # 990, 960, …, 0: what the gallery samples with
GUIDANCE = 4.0
BATCH_SIZE = 256
ANAGRAMS = (("6", "9", "rotate_180"),)
HYBRIDS = (("0", "8"),)  # (far, near)


@dataclass
class Sampling:
    """How evaluation samples are made: the backend, its schedule and the engine settings."""

    backend: Backend
    schedule: Schedule
    steps: str = STEPS
    batch_size: int = BATCH_SIZE
    seed_base: int = 0

    def track(self, seed: int, terms: list[Term], reduce: str = "mean") -> Track:
        """One track from x_T ~ N(0, I) drawn from the seed's own generator."""
        rng = make_rng(self.seed_base + seed)
        x_T = draw_noise(rng, (1, 1, 32, 32), self.backend.device)
        return Track(
            x=x_T,
            timesteps=self.schedule.timesteps(self.steps),
            terms=terms,
            embeddings=self.embeddings(terms),
            schedule=self.schedule,
            rng=rng,
            thresholding=self.schedule.resolve_thresholding("auto"),
            reduce=reduce,
        )

    def embeddings(self, terms: list[Term]) -> dict[str, torch.Tensor]:
        return self.backend.encode(list(dict.fromkeys(p for term in terms for p in term.prompts())))

    def run(self, tracks: Sequence[Track], desc: str) -> torch.Tensor:
        """Denoise all tracks together with the engine; the final images, (N, 1, 32, 32) on the CPU."""
        run_tracks(tracks, self.backend, batch_size=self.batch_size, desc=desc)
        return torch.cat([t.x for t in tracks]).float().cpu().clamp(-1, 1)


def cfg_accuracy(sampling: Sampling, clf: torch.nn.Module, per_digit: int, guidance: float) -> dict:
    """Share of CFG samples ε_u + γ(ε_c − ε_u) classified as their prompted digit."""
    tracks = [
        sampling.track(1000 * d + i, [Term(str(d), uncond="", guidance=guidance)])
        for d in range(10)
        for i in range(per_digit)
    ]
    wanted = torch.arange(10).repeat_interleave(per_digit)
    predicted = classify(clf, sampling.run(tracks, "cfg samples"))
    per = {str(d): share(predicted[wanted == d] == d) for d in range(10)}
    return {"accuracy": share(predicted == wanted), "per_digit": per, "guidance": guidance, "samples": len(tracks)}


def unconditional_balance(sampling: Sampling, clf: torch.nn.Module, n: int) -> dict:
    """Class shares of samples from the empty prompt; ok when all ten appear and none exceeds 20%."""
    tracks = [sampling.track(100_000 + i, [Term("")]) for i in range(n)]
    counts = torch.bincount(classify(clf, sampling.run(tracks, "unconditional")), minlength=10)
    shares = {str(d): round(c.item() / n, 4) for d, c in enumerate(counts)}
    ok = bool((counts > 0).all()) and max(shares.values()) <= 0.2
    return {
        "shares": shares,
        "all_present": bool((counts > 0).all()),
        "max_share": max(shares.values()),
        "ok": ok,
        "samples": n,
    }


def anagram_success(sampling: Sampling, clf: torch.nn.Module, n: int, guidance: float) -> list[dict]:
    """Visual anagrams: ε = mean(CFG(x, p₁), v⁻¹ CFG(v(x), p₂)); success when x reads p₁ and v(x) reads p₂."""
    results = []
    for first, second, view_name in ANAGRAMS:
        view = get_view(view_name, 32)
        terms = lambda: [Term(first, "", guidance), Term(second, "", guidance, view=view)]  # noqa: E731
        x = sampling.run([sampling.track(200_000 + i, terms()) for i in range(n)], f"anagram {first}/{second}")
        ok_first, ok_second = classify(clf, x) == int(first), classify(clf, view.view(x)) == int(second)
        results.append(
            {
                "prompts": [first, second],
                "view": view_name,
                "both": share(ok_first & ok_second),
                "first": share(ok_first),
                "second": share(ok_second),
                "samples": n,
            }
        )
    return results


def hybrid_success(sampling: Sampling, judge: Judge, n: int, guidance: float) -> list[dict]:
    """Hybrids: ε = G(CFG(x, far)) + (1 − G)(CFG(x, near)) with the hybrid mode's default G at 32×32; success
    when x seen from afar (judge: far) reads far and x up close (judge: near) reads near."""
    parts = factorization("hybrid", 2, 32)
    low, high = parts.components
    results = []
    for far, near in HYBRIDS:
        terms = lambda: [Term(far, "", guidance, component=low), Term(near, "", guidance, component=high)]  # noqa: E731
        tracks = [sampling.track(300_000 + i, terms(), reduce="sum") for i in range(n)]
        x = sampling.run(tracks, f"hybrid {far}/{near}")
        ok_far, ok_near = judge.read("far", x) == int(far), judge.read("near", x) == int(near)
        results.append(
            {
                "far": far,
                "near": near,
                "both": share(ok_far & ok_near),
                "far_ok": share(ok_far),
                "near_ok": share(ok_near),
                "filter": [low.kernel_size, low.sigma],
                "samples": n,
            }
        )
    return results


def share(mask: torch.Tensor) -> float:
    return round(mask.float().mean().item(), 4) if mask.numel() else 0.0


def evaluate(
    model: Path,
    per_digit: int = 100,
    guidance: float = GUIDANCE,
    n_uncond: int = 500,
    n_illusions: int = 100,
    batch_size: int = BATCH_SIZE,
) -> dict:
    """Every number of the report, as one dict (written to model/eval.json by `main`)."""
    spec = digits_spec(model)
    backend, clf, judge, test = spec.load("cpu"), load_classifier(model), Judge(model), load_split("test")
    sampling = Sampling(backend, Schedule.from_config(spec.scheduler_config), batch_size=batch_size)
    start = time.time()
    report = {
        "model": spec.key(),
        "steps": STEPS,
        "thresholding": sampling.schedule.resolve_thresholding("auto"),
        "classifier_test_accuracy": round(accuracy(clf, test.images, test.labels), 4),
        "judge": judge.held_out_accuracy(),
        "cfg": cfg_accuracy(sampling, clf, per_digit, guidance),
        "unconditional": unconditional_balance(sampling, clf, n_uncond),
        "anagrams": anagram_success(sampling, clf, n_illusions, guidance),
        "hybrids": hybrid_success(sampling, judge, n_illusions, guidance),
    }
    report["wall_time_s"] = round(time.time() - start, 1)
    return report


def summary(r: dict) -> str:
    """The report in a few readable lines."""
    cfg, unc = r["cfg"], r["unconditional"]
    lines = [
        f"digits model {r['model']['revision']} — {r['steps']}, thresholding {r['thresholding']}",
        f"classifier accuracy on the held-out digits: {r['classifier_test_accuracy']:.1%}",
        *(
            f"judge, {name} reading ({j['sees']}): {j['accuracy']:.1%} of the held-out digits seen that way"
            for name, j in r.get("judge", {}).items()
        ),
        f"CFG samples classified as their prompt (γ = {cfg['guidance']}, {cfg['samples']} samples): "
        f"{cfg['accuracy']:.1%}",
        "  per digit: " + "  ".join(f"{d}: {a:.0%}" for d, a in cfg["per_digit"].items()),
        f"unconditional class shares ({unc['samples']} samples, {'ok' if unc['ok'] else 'NOT balanced'}): "
        + "  ".join(f"{d}: {s:.0%}" for d, s in unc["shares"].items()),
    ]
    lines += [
        f"anagram {a['prompts'][0]} / {a['prompts'][1]} ({a['view']}): both readings {a['both']:.0%} "
        f"(first {a['first']:.0%}, second {a['second']:.0%})"
        for a in r["anagrams"]
    ]
    lines += [
        f"hybrid {h['far']} far / {h['near']} near: both readings {h['both']:.0%} "
        f"(far {h['far_ok']:.0%}, near {h['near_ok']:.0%})"
        for h in r["hybrids"]
    ]
    return "\n".join(lines + [f"({r['wall_time_s']} s)"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--per-digit", type=int, default=100)
    parser.add_argument("--guidance", type=float, default=GUIDANCE)
    parser.add_argument("--uncond", type=int, default=500, help="unconditional samples")
    parser.add_argument("--illusions", type=int, default=100, help="seeds per anagram and hybrid")
    parser.add_argument("--out", type=Path, default=None, help="default: MODEL/eval.json")
    args = parser.parse_args(argv)
    report = evaluate(args.model, args.per_digit, args.guidance, args.uncond, args.illusions)
    out = args.out or args.model / "eval.json"
    replace_file(out, (json.dumps(report, indent=1) + "\n").encode())
    print(summary(report))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
