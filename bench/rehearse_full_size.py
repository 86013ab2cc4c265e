"""A full-size rehearsal of the DeepFloyd book on the CPU, with no download and no GPU.

1. `weights`: random-weight IF-I-XL (4.305 B), IF-II-L (1.243 B) and the T5-v1.1-XXL encoder (4.76 B) with the
   real configs (models/deepfloyd_arch.py), each built directly in fp16 (never an fp32 copy) and saved in the Hub
   layout: fp16 variant files, sharded safetensors with their index files, schedulers, and a T5 tokenizer built
   locally from the book's words (the Hub's spiece.model cannot be downloaded here).
2. `run`: one real figure of the DeepFloyd book, cut to 2 timesteps per stage, through `gallery build --figure`
   in a copy of the recipes (GALLERY_DEEPFLOYD_PATH / GALLERY_DEEPFLOYD_STAGE2_PATH, --device cpu --dtype bf16,
   GALLERY_ALLOW_CPU=1). It times every load and UNet call from outside the code it measures (wrappers set in
   this process), samples the process's RSS, checks the stored images are finite, and prints one JSON report.
3. `clean`: delete the weights.

    flock /tmp/heavy.lock python bench/rehearse_full_size.py weights --out /work/rehearsal   # ≈ 21 GB on disk
    flock /tmp/heavy.lock python bench/rehearse_full_size.py run --weights /work/rehearsal --json out.json
    python bench/rehearse_full_size.py clean --weights /work/rehearsal

Not in CI: it needs ≈ 12 GiB of RAM and ≈ 21 GB of disk. Speed does not depend on the weights' values, so the
seconds per UNet call are those of the real models on this CPU; the pictures are noise.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIGURE = "setup-village"  # cfg + stage II: T5, both UNets, CFG at both stages
TWO_STEPS = "strided-500"  # timesteps 500, 0 at each stage
SHARD = "2GB"  # the writer's peak is one model + one shard (the Hub's T5 has 2 shards of ~5 GB)


def gib(n: float) -> float:
    return round(n / 2**30, 2)


# ------------------------------------------------------------------------------------------- weights


@contextmanager
def default_dtype(dtype) -> Iterator[None]:
    """Build modules directly in `dtype`: their random init runs in it, no fp32 copy ever exists."""
    import torch

    before = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(before)


def book_words() -> list[str]:
    """Every word of every prompt of the DeepFloyd book, for the locally built T5 tokenizer."""
    import yaml

    words: list[str] = []
    for path in sorted((ROOT / "recipes" / "deepfloyd").glob("*.yaml")):
        text = yaml.safe_load(path.read_text()) or {}
        for figure in text.get("figures", []):
            for prompt in figure.get("prompts", []):
                words += "".join(c if c.isalnum() or c == "'" else " " for c in prompt.lower()).split()
    return list(dict.fromkeys(words))


def timed(what: str, log: dict[str, Any], fn: Callable[[], Any]) -> Any:
    began = time.perf_counter()
    out = fn()
    log[what] = round(time.perf_counter() - began, 1)
    print(f"  {what}: {log[what]} s", flush=True)
    return out


def build_weights(out: Path, tiny: bool = False) -> dict[str, Any]:
    """Write stage1/ (unet, text_encoder, tokenizer, scheduler) and stage2/ (unet, schedulers) under `out`;
    `tiny`: the tests' tiny configs, in shards of 20 kB, so that the same layout is checked in seconds."""
    import gc

    import torch
    from diffusers import DDPMScheduler, UNet2DConditionModel
    from transformers import T5Config, T5EncoderModel

    from generator.models import deepfloyd_arch as arch
    from generator.models.deepfloyd import NOISING_SCHEDULER, STAGE_I_SCHEDULER, STAGE_II_SCHEDULER
    from tests.tiny_if import tiny_text_encoder, tiny_tokenizer

    torch.manual_seed(0)
    log: dict[str, Any] = {}
    stage1, stage2 = out / "stage1", out / "stage2"
    shard = "20kB" if tiny else SHARD
    t5 = tiny_text_encoder if tiny else lambda: T5EncoderModel(T5Config(**arch.T5_XXL_ENCODER))
    for name, folder, build in [
        (
            "IF-II-L unet",
            stage2 / "unet",
            lambda: UNet2DConditionModel(**(arch.TINY_STAGE2_UNET if tiny else arch.IF_II_L_UNET)),
        ),
        (
            "IF-I-XL unet",
            stage1 / "unet",
            lambda: UNet2DConditionModel(**(arch.TINY_STAGE1_UNET if tiny else arch.IF_I_XL_UNET)),
        ),
        ("T5-XXL encoder", stage1 / "text_encoder", t5),
    ]:
        print(f"{name}:", flush=True)
        with default_dtype(torch.float16):
            model = timed(f"{name}: build in fp16", log, build).eval()
        log[f"{name}: parameters (B)"] = round(sum(p.numel() for p in model.parameters()) / 1e9, 3)
        timed(f"{name}: save", log, lambda m=model: m.save_pretrained(folder, variant="fp16", max_shard_size=shard))
        del model
        gc.collect()
    tiny_tokenizer(book_words()).save_pretrained(stage1 / "tokenizer")
    DDPMScheduler(**STAGE_I_SCHEDULER).save_pretrained(stage1 / "scheduler")
    DDPMScheduler(**STAGE_II_SCHEDULER).save_pretrained(stage2 / "scheduler")
    DDPMScheduler(**NOISING_SCHEDULER).save_pretrained(stage2 / "image_noising_scheduler")
    log["disk (GB)"] = round(sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1e9, 2)
    log["files"] = sorted(str(f.relative_to(out)) for f in out.rglob("*") if f.is_file())
    log["peak RSS (GiB)"] = peak_rss_gib()
    return log


def peak_rss_gib() -> float:
    import resource

    return gib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)


# ----------------------------------------------------------------------------------------------- run


class RssSampler(threading.Thread):
    """The process's resident set every 0.2 s, per named phase: the peak of all of it, and of its anonymous part
    (what the process itself holds; the rest is file pages of mapped weights, which the kernel can drop)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.phase, self.peaks, self.anon, self.stop = "start", {}, {}, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            status = dict(
                line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line
            )
            rss, anon = (int(status[k].split()[0]) * 1024 for k in ("VmRSS", "RssAnon"))
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0), rss)
            self.anon[self.phase] = max(self.anon.get(self.phase, 0), anon)


def instrument(calls: list[dict[str, Any]], loads: list[dict[str, Any]], finite: list[bool], rss: RssSampler) -> None:
    """Time, from outside, every weight load and every UNet call of the DeepFloyd backend in this process, and
    check every result image (the float tensor, before it is clamped and written as a PNG) is finite."""
    import torch

    from generator.models import deepfloyd_backend as backend
    from generator.models import embeddings
    from generator.modes import common

    def loading(name: str, fn: Callable) -> Callable:
        def wrapped(part_or_spec, device, dtype):
            what = f"{name} {Path(getattr(part_or_spec, 'path', None) or '').name} ({dtype})"
            rss.phase, began = f"load {what}", time.perf_counter()
            out = fn(part_or_spec, device, dtype)
            loads.append({"what": what, "seconds": round(time.perf_counter() - began, 1)})
            rss.phase = "run"
            return out

        return wrapped

    backend.load_unet = loading("UNet", backend.load_unet)
    backend.load_t5 = loading("T5", backend.load_t5)
    encode = embeddings.encode_t5

    def encode_t5(prompts, tokenizer, text_encoder):
        rss.phase, began = "encode T5", time.perf_counter()
        out = encode(prompts, tokenizer, text_encoder)
        loads.append(
            {"what": f"T5 encode of {len(prompts)} prompts", "seconds": round(time.perf_counter() - began, 1)}
        )
        return out

    embeddings.encode_t5 = encode_t5
    predict = backend.DeepFloydBackend.predict

    def timed_predict(self, x_t, t, emb, **cond):
        rss.phase = f"stage {'II' if cond.get('image') is not None else 'I'}"
        began = time.perf_counter()
        eps, var = predict(self, x_t, t, emb, **cond)
        seconds = time.perf_counter() - began
        calls.append(
            {
                "stage": rss.phase,
                "batch": x_t.shape[0],
                "side": x_t.shape[-1],
                "seconds": seconds,
                "finite": bool(torch.isfinite(eps).all() and torch.isfinite(var).all()),
            }
        )
        return eps, var

    backend.DeepFloydBackend.predict = timed_predict
    as_image = common.as_image

    def checked(x):
        finite.append(bool(torch.isfinite(x).all()))
        return as_image(x)

    for module in [m for name, m in sys.modules.items() if name.startswith("generator.modes")]:
        if getattr(module, "as_image", None) is as_image:  # modes import it by name
            module.as_image = checked


def rehearsal_project(root: Path) -> None:
    """A project holding the DeepFloyd book with only FIGURE, cut to 2 timesteps per stage (its sweep dropped)."""
    import yaml

    book = root / "recipes" / "deepfloyd"
    book.mkdir(parents=True)
    shutil.copy(ROOT / "recipes" / "site.yaml", root / "recipes" / "site.yaml")
    front = yaml.safe_load((ROOT / "recipes" / "deepfloyd" / "book.yaml").read_text())
    front.pop("cover", None)  # it names figures this copy does not have
    (book / "book.yaml").write_text(yaml.safe_dump(front, sort_keys=False, allow_unicode=True))
    section = yaml.safe_load((ROOT / "recipes" / "deepfloyd" / "00-setup.yaml").read_text())
    section["defaults"].pop("sweep", None)
    section["figures"] = [
        dict(f, steps=TWO_STEPS, upsample_steps=TWO_STEPS) for f in section["figures"] if f["id"] == FIGURE
    ]
    (book / "00-setup.yaml").write_text(yaml.safe_dump(section, sort_keys=False, allow_unicode=True))


def run_figure(weights: Path, dtype: str) -> dict[str, Any]:
    """`gallery build --figure FIGURE` on the full-size random models, timed from outside."""
    import os

    from PIL import Image

    from generator.cli import main

    calls: list[dict[str, Any]] = []
    loads: list[dict[str, Any]] = []
    finite: list[bool] = []
    rss = RssSampler()
    instrument(calls, loads, finite, rss)
    rss.start()
    with tempfile.TemporaryDirectory(prefix="rehearsal-") as tmp:
        project = Path(tmp)
        rehearsal_project(project)
        os.environ.update(
            GALLERY_DEEPFLOYD_PATH=str(weights / "stage1"),
            GALLERY_ALLOW_CPU="1",
            GALLERY_DEEPFLOYD_STAGE2_PATH=str(weights / "stage2"),
            HF_HUB_OFFLINE="1",
        )
        argv = ["--root", str(project), "build", "--figure", FIGURE, "--device", "cpu", "--dtype", dtype, "--yes"]
        began = time.perf_counter()
        code = main(argv)
        wall = time.perf_counter() - began
        rss.stop.set()
        pictures = sorted((project / "store").rglob("*.png"))
        sizes = sorted({Image.open(p).size[0] for p in pictures})
    return {
        "command": "gallery " + " ".join(argv),
        "exit code": code,
        "wall (s)": round(wall, 1),
        "loads": loads,
        "per stage": per_stage(calls),
        "non-finite UNet outputs": sum(not c["finite"] for c in calls),
        "stored pictures": len(pictures),
        "picture sides": sizes,
        "result images finite": f"{sum(finite)} of {len(finite)}",
        "peak RSS (GiB)": peak_rss_gib(),
        "peak RSS by phase (GiB): all / anonymous": {
            k: f"{gib(v)} / {gib(rss.anon[k])}" for k, v in rss.peaks.items()
        },
    }


def per_stage(calls: list[dict[str, Any]]) -> dict[str, Any]:
    """Seconds per UNet call per sample, per stage (the first call of a stage apart: it warms the kernels)."""
    out = {}
    for stage in sorted({c["stage"] for c in calls}):
        mine = [c for c in calls if c["stage"] == stage]
        later = mine[1:] or mine
        out[stage] = {
            "calls": len(mine),
            "batch": mine[0]["batch"],
            "side": mine[0]["side"],
            "first call (s)": round(mine[0]["seconds"], 2),
            "s per call per sample": round(sum(c["seconds"] for c in later) / sum(c["batch"] for c in later), 2),
        }
    return out


# ---------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    w = sub.add_parser("weights", help="build the random-weight models in the Hub layout")
    w.add_argument("--out", type=Path, required=True, help="a folder outside the repository (≈ 21 GB)")
    w.add_argument("--tiny", action="store_true", help="the tests' tiny models in the same layout (seconds)")
    r = sub.add_parser("run", help="run the figure through gallery build and report")
    r.add_argument("--weights", type=Path, required=True)
    r.add_argument("--dtype", default="bf16", choices=("bf16", "fp32", "fp16"))
    c = sub.add_parser("clean", help="delete the weights")
    c.add_argument("--weights", type=Path, required=True)
    for q in (r, w):
        q.add_argument("--json", type=Path, help="also write the report here")
    args = p.parse_args(argv)
    if args.command == "clean":
        shutil.rmtree(args.weights)
        return {"removed": str(args.weights)}
    if args.command == "weights":
        if args.out.resolve().is_relative_to(ROOT):
            p.error(f"--out {args.out} is inside the repository; write the weights elsewhere")
        report = build_weights(args.out, args.tiny)
    else:
        report = run_figure(args.weights, args.dtype)
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return report


if __name__ == "__main__":
    main()
