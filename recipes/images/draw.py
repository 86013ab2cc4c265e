"""How the project's own input images were made (run once; the PNGs are committed).

- digits/test-<d>.png: digits from the held-out test split of the embedded model's data (never trained on).
- digits/sketch-<name>.png: digits drawn for the project as mouse-like strokes (a bit wobbly, thick pen).
- sketches/<name>.png: simple hand-drawn scenes for the DeepFloyd book's SDEdit figures.

    .venv/bin/python recipes/images/draw.py
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).parent


def wobbly(points: list[tuple[float, float]], rng: random.Random, jitter: float, steps: int = 8) -> list[tuple[float, float]]:
    """A polyline resampled with a little hand tremor."""
    out = []
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        for i in range(steps):
            f = i / steps
            out.append((x0 + (x1 - x0) * f + rng.gauss(0, jitter), y0 + (y1 - y0) * f + rng.gauss(0, jitter)))
    return out + [points[-1]]


def arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 24) -> list[tuple[float, float]]:
    return [(cx + rx * math.cos(math.radians(a0 + (a1 - a0) * i / n)),
             cy + ry * math.sin(math.radians(a0 + (a1 - a0) * i / n))) for i in range(n + 1)]


def draw_strokes(strokes: list[list[tuple[float, float]]], size: int, width: int, ink: object, paper: object,
                 mode: str, seed: int, jitter: float = 1.5) -> Image.Image:
    rng = random.Random(seed)
    img = Image.new(mode, (size, size), paper)
    pen = ImageDraw.Draw(img)
    for stroke in strokes:
        pen.line(wobbly(stroke, rng, jitter), fill=ink, width=width, joint="curve")
    return img


DIGIT_SKETCHES = {   # white ink on black, as MNIST, on a 256 canvas
    "seven": [[(70, 60), (190, 60), (120, 200)], [(95, 130), (160, 130)]],
    "three": [arc(128, 90, 55, 40, -160, 90), arc(128, 165, 60, 45, -90, 160)],
    "four": [[(150, 200), (150, 50), (70, 150), (190, 150)]],
    "zero": [arc(128, 128, 55, 80, 0, 360, 40)],
}

SCENES = {   # dark ink on white paper
    "house": [[(60, 200), (60, 110), (196, 110), (196, 200), (60, 200)], [(50, 115), (128, 50), (206, 115)],
              [(110, 200), (110, 150), (145, 150), (145, 200)], [(150, 130), (180, 130), (180, 105)]],
    "tree": [[(118, 230), (122, 150), (134, 150), (138, 230)], arc(128, 110, 70, 55, 0, 360, 40),
             [(20, 232), (236, 232)], arc(215, 40, 18, 18, 0, 360, 16)],
}


def main() -> None:
    from generator.digits.data import load_split

    (HERE / "digits").mkdir(exist_ok=True)
    (HERE / "sketches").mkdir(exist_ok=True)
    test = load_split("test")
    for digit in (2, 3, 7):
        index = int((test.labels == digit).nonzero()[0, 0])
        x = ((test.images[index, 0] + 1) * 127.5).round().clamp(0, 255).byte().numpy()
        Image.fromarray(x, "L").save(HERE / "digits" / f"test-{digit}.png")
    for seed, (name, strokes) in enumerate(DIGIT_SKETCHES.items()):
        draw_strokes(strokes, 256, 22, 255, 0, "L", seed).save(HERE / "digits" / f"sketch-{name}.png")
    for seed, (name, strokes) in enumerate(SCENES.items()):
        draw_strokes(strokes, 256, 6, (30, 30, 30), (250, 248, 240), "RGB", seed).save(HERE / "sketches" / f"{name}.png")


if __name__ == "__main__":
    main()
