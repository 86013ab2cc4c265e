"""The training record of a model as figures: its loss curve, its samples per epoch, its evaluation numbers.

Model-free modes whose input is a file the training or evaluation wrote (training.json, eval.json): the file's
bytes are part of the job key like an input image's, so retraining or re-evaluating refreshes the figures.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, TypeVar

from generator.digits.stats import rate_text
from generator.images import InputError, from_pil, read_bytes, read_image_bytes
from generator.jobs import InputImage, Job
from generator.modes.base import ModelFreeMode, Problem, Result, register
from generator.params import ModeParams, Param, param


if TYPE_CHECKING:
    from PIL import Image

WIDTH, HEIGHT, MARGIN = 720, 300, 48


def smooth(values: list[float], window: int) -> list[float]:
    """Trailing moving average, so the curve's trend shows through per-batch noise."""
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v - (values[i - window] if i >= window else 0.0)
        out.append(total / min(i + 1, window))
    return out


def plot_loss(step_loss: list[float], steps_per_epoch: int) -> Image.Image:
    """Per-step training loss (faint) and its moving average (bold), log scale, epochs marked."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
    pen = ImageDraw.Draw(img)
    low, high = math.log10(min(step_loss)), math.log10(max(step_loss))
    x = lambda i: MARGIN + (WIDTH - 2 * MARGIN) * i / max(1, len(step_loss) - 1)  # noqa: E731
    y = lambda v: HEIGHT - MARGIN - (HEIGHT - 2 * MARGIN) * (math.log10(v) - low) / max(1e-9, high - low)  # noqa: E731
    for epoch in range(0, len(step_loss), steps_per_epoch or len(step_loss)):
        pen.line([(x(epoch), MARGIN), (x(epoch), HEIGHT - MARGIN)], fill=(235, 235, 235))
    for decade in range(math.floor(low), math.ceil(high) + 1):
        for v in (10**decade, 2 * 10**decade, 5 * 10**decade):
            if low <= math.log10(v) <= high:
                pen.line([(MARGIN, y(v)), (WIDTH - MARGIN, y(v))], fill=(225, 225, 225))
                pen.text((4, y(v) - 6), f"{v:g}", fill=(90, 90, 90))
    pen.line([(x(i), y(v)) for i, v in enumerate(step_loss)], fill=(170, 190, 230), width=1)
    pen.line([(x(i), y(v)) for i, v in enumerate(smooth(step_loss, 50))], fill=(20, 60, 160), width=3)
    pen.text(
        (MARGIN, HEIGHT - MARGIN + 8),
        f"training step (0 to {len(step_loss)}; a grey line per epoch)",
        fill=(60, 60, 60),
    )
    pen.text((MARGIN, 12), "loss (MSE of the noise estimate, log scale)", fill=(60, 60, 60))
    return img


def read_record(job: Job[ModeParams]) -> dict[str, Any]:
    return json.loads(Path(job.input("record").path).read_text())


NUMBER, POSITIVE, ANY = "a number", "a number > 0", "anything"
SHEET = re.compile(r"^epoch-(\d+)\.png$")
MAX_RECORD_BYTES = 10 * 1024 * 1024


def shape_problems(value: Any, shape: Any, where: str) -> list[str]:
    """Where `value` differs from `shape`: a dict of keys (a trailing '?' marks optional, '*' any key), a
    one-item list (a non-empty list of that), a tuple (a list of exactly those), a type, NUMBER or POSITIVE."""
    if shape == ANY:
        return []
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return [f"{where or 'the record'}: expected a JSON object, got {type(value).__name__}"]
        if "*" in shape:
            return [p for k, v in value.items() for p in shape_problems(v, shape["*"], f"{where}.{k}")]
        out = []
        for key, sub in shape.items():
            name = key.rstrip("?")
            if name in value:
                out += shape_problems(value[name], sub, f"{where}.{name}".lstrip("."))
            elif not key.endswith("?"):
                out.append(f"missing key {f'{where}.{name}'.lstrip('.')!r}")
        return out
    if isinstance(shape, tuple):
        if not isinstance(value, list) or len(value) < len(shape):
            return [f"{where}: expected a list of {len(shape)}, got {value!r:.40}"]
        return [p for i, sub in enumerate(shape) for p in shape_problems(value[i], sub, f"{where}[{i}]")]
    if isinstance(shape, list):
        if not isinstance(value, list) or not value:
            return [f"{where}: expected a non-empty list, got {value!r:.40}"]
        return [p for i, v in enumerate(value) for p in shape_problems(v, shape[0], f"{where}[{i}]")][:3]
    if shape in (NUMBER, POSITIVE):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        return [] if ok and (shape == NUMBER or value > 0) else [f"{where}: expected {shape}, got {value!r:.40}"]
    return [] if isinstance(value, shape) else [f"{where}: expected {shape.__name__}, got {value!r:.40}"]


P = TypeVar("P", bound=ModeParams)


def record_problems(record: InputImage, shape: Any) -> list[Problem]:
    """The record file's JSON against `shape`, as problems of the `record` key."""
    try:
        data = json.loads(
            read_bytes(Path(record.path), MAX_RECORD_BYTES).decode("utf-8"),
            parse_constant=lambda c: (_ for _ in ()).throw(ValueError(f"{c} is not a number")),
        )
    except (InputError, ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        return [(("record",), f"{record.source} is not a JSON training record: {exc}")]
    return [(("record",), f"{record.source}: {p}") for p in shape_problems(data, shape, "")[:5]]


class RecordMode(ModelFreeMode[P]):
    takes_seed = False  # a record's plot is the same for every seed
    inputs = ("record",)
    record_shape: Any = ANY
    full_size = True  # plots and sample sheets are already full-size

    def check_params(self, p: P, inputs: Mapping[str, InputImage], project_root: Path) -> list[Problem]:
        return record_problems(inputs["record"], self.record_shape)


@register
class LossCurve(RecordMode[ModeParams]):
    name = "loss_curve"
    version = 2  # 2: ASCII axis label (the default font has no en dash)
    noun = "training loss curve"
    chart = "loss"
    record_shape = {
        "steps": int,
        "epochs": int,
        "wall_time_s": NUMBER,
        "epoch_loss": [NUMBER],
        "step_loss": [POSITIVE],
        "steps_per_epoch?": int,
    }

    def make(self, job: Job[ModeParams]) -> Result:
        record = read_record(job)
        plot = plot_loss(record["step_loss"], record.get("steps_per_epoch", 0))
        info = {
            "steps": record["steps"],
            "epochs": record["epochs"],
            "final epoch loss": record["epoch_loss"][-1],
            "training time": f"{record['wall_time_s'] / 60:.0f} min",
        }
        return Result({"loss": from_pil(plot)}, info)


def unreadable_image(path: Path) -> InputError | None:
    """The error reading `path` as an image, or None when it reads."""
    try:
        read_image_bytes(path)
    except InputError as exc:
        return exc
    return None


@dataclass(frozen=True)
class SheetsParams(ModeParams):
    folder: str = param(Param(str, default="samples", help="sample sheets beside the record, epoch-NNN.png"))


@register
class EpochSamples(RecordMode[SheetsParams]):
    name = "epoch_samples"
    Params = SheetsParams
    noun = "samples during training"

    def check_params(self, p: SheetsParams, inputs: Mapping[str, InputImage], project_root: Path) -> list[Problem]:
        """The folder of sheets: inside the project, holding regular files named epoch-NNN.png."""
        try:
            folder = (Path(inputs["record"].path).parent / p.folder).resolve()
        except (OSError, RuntimeError, ValueError) as exc:  # a loop of symlinks, a NUL byte
            return [(("folder",), f"cannot resolve {p.folder!r}: {exc}")]
        if not folder.is_relative_to(project_root.resolve()):
            return [
                (
                    ("folder",),
                    f"{p.folder!r} resolves to {folder}, outside the project; keep the sample sheets inside it",
                )
            ]
        if not folder.is_dir():
            return [(("folder",), f"{folder} is not a folder of sample sheets (epoch-NNN.png)")]
        sheets = sorted(folder.glob("epoch-*.png"))
        odd = [p.name for p in sheets if not SHEET.match(p.name) or not stat.S_ISREG(os.stat(p).st_mode)]
        if odd or not sheets:
            return [
                (
                    ("folder",),
                    f"{folder}: expected regular files named epoch-NNN.png, "
                    f"{'found ' + ', '.join(odd[:3]) if odd else 'found none'}",
                )
            ]
        return [(("folder",), str(exc)) for exc in map(unreadable_image, sheets) if exc][:3]

    def make(self, job: Job[SheetsParams]) -> Result:
        from PIL import Image

        folder = Path(job.input("record").path).parent / job.params.folder
        sheets = sorted(folder.glob("epoch-*.png"))
        if not sheets:
            raise FileNotFoundError(f"no sample sheets epoch-*.png in {folder}")
        images = {}
        for sheet in sheets:
            with Image.open(sheet) as img:
                images[f"epoch {int(sheet.stem.split('-')[1])}"] = from_pil(img.convert("RGB"))
        return Result(images)


def plot_bars(groups: list[tuple[str, dict[str, float], float]]) -> Image.Image:
    """Side-by-side bar charts (title, {label: share in [0, 1]}, target line) for the evaluation figure."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
    pen = ImageDraw.Draw(img)
    panel = WIDTH // len(groups)
    for g, (title, shares, target) in enumerate(groups):
        left, width = g * panel + MARGIN // 2, panel - MARGIN
        bar = width / len(shares)
        y = lambda v: HEIGHT - MARGIN - (HEIGHT - 2 * MARGIN) * v  # noqa: E731
        pen.text((left, 12), title, fill=(40, 40, 40))
        for i, (label, v) in enumerate(shares.items()):
            x0 = left + i * bar
            pen.rectangle([x0 + 2, y(v), x0 + bar - 2, y(0)], fill=(20, 60, 160))
            pen.text((x0 + bar / 2 - 3, HEIGHT - MARGIN + 6), label, fill=(60, 60, 60))
        pen.line([(left, y(target)), (left + width, y(target))], fill=(200, 60, 40), width=2)
        pen.text((left, y(target) - 14), f"{target:.0%}", fill=(200, 60, 40))
        pen.line([(left, y(0)), (left + width, y(0))], fill=(120, 120, 120))
    return img


@register
class Evaluation(RecordMode[ModeParams]):
    name = "evaluation"
    version = 2  # 2: the judge's readings, 95% intervals on illusion rates
    noun = "evaluation"
    chart = "evaluation"
    record_shape = {
        "classifier_test_accuracy": NUMBER,
        "cfg": {"guidance": NUMBER, "per_digit": {"*": NUMBER}, "accuracy": NUMBER, "samples": int},
        "unconditional": {"shares": {"*": NUMBER}, "all_present": bool, "max_share": NUMBER},
        "judge?": {"*": {"accuracy": NUMBER, "sees": str}},
        "anagrams?": [{"prompts": (str, str), "view": str, "both": NUMBER, "samples": int}],
        "hybrids?": [{"far": str, "near": str, "both": NUMBER, "samples": int}],
    }

    def make(self, job: Job[ModeParams]) -> Result:
        r = read_record(job)
        cfg, uncond = r["cfg"], r["unconditional"]
        plot = plot_bars(
            [
                (
                    f"CFG samples read as their digit (γ = {cfg['guidance']:g})",
                    {str(d): v for d, v in cfg["per_digit"].items()},
                    0.95,
                ),
                ("unconditional samples: share of each digit", {str(d): v for d, v in uncond["shares"].items()}, 0.20),
            ]
        )
        info = {
            "classifier accuracy (held-out digits)": f"{r['classifier_test_accuracy']:.1%}",
            "CFG accuracy": f"{cfg['accuracy']:.1%} of {cfg['samples']} samples",
            "unconditional: all ten digits present": str(uncond["all_present"]),
            "unconditional: largest share": f"{uncond['max_share']:.1%}",
        }
        for name, judge in r.get("judge", {}).items():
            info[f"judge, {name} reading ({judge['sees']})"] = f"{judge['accuracy']:.1%} of the held-out digits"
        for a in r.get("anagrams", []):
            info[f"anagram {a['prompts'][0]} / {a['prompts'][1]} ({a['view']}): both readings"] = rate_text(
                round(a["both"] * a["samples"]), a["samples"]
            )
        for h in r.get("hybrids", []):
            info[f"hybrid {h['far']} far / {h['near']} near: both readings"] = rate_text(
                round(h["both"] * h["samples"]), h["samples"]
            )
        return Result({"evaluation": from_pil(plot)}, info)
