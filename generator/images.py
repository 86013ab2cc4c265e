"""Input images (project files, built-in public-domain images, pinned URLs), preprocessing and PNG I/O.

A mode may also take a JSON input (e.g. a training record): it is confined and hashed the same way.
"""

from __future__ import annotations

import importlib.util
import io
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image, PngImagePlugin

from generator.jobs import InputImage, sha256_hex

if TYPE_CHECKING:
    import torch

# Public-domain images bundled with scikit-image (read from its data folder, never downloaded).
BUILTIN = {
    "astronaut": "astronaut.png", "cat": "chelsea.png", "coffee": "coffee.png", "rocket": "rocket.jpg",
    "camera": "camera.png", "horse": "horse.png", "moon": "moon.png", "coins": "coins.png",
    "motorcycle": "motorcycle_left.png", "hubble": "hubble_deep_field.jpg", "page": "page.png",
    "retina": "retina.jpg",
}


class InputError(ValueError):
    """An input image that cannot be used; the message says what and what to do."""


def builtin_path(name: str) -> Path:
    if name not in BUILTIN:
        raise InputError(f"unknown built-in image {name!r}; choose one of: {', '.join(sorted(BUILTIN))}")
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("built-in images come from scikit-image, which is not installed (pip install scikit-image)")
    return Path(spec.submodule_search_locations[0]) / "data" / BUILTIN[name]


def resolve_input(name: str, spec: Any, recipe_dir: Path, project_root: Path, downloads: Path) -> InputImage:
    """Turn a recipe's input spec into an InputImage with the sha256 of its bytes (checked to be an image)."""
    if isinstance(spec, str):
        path, source = confined_path(spec, recipe_dir, project_root), spec
    elif isinstance(spec, dict) and set(spec) == {"builtin"}:
        path, source = builtin_path(str(spec["builtin"])), f"builtin:{spec['builtin']}"
    elif isinstance(spec, dict) and set(spec) == {"url", "sha256"}:
        path, source = fetch_pinned(str(spec["url"]), str(spec["sha256"]).lower(), downloads), str(spec["url"])
    else:
        raise InputError(f"expected a path, {{builtin: NAME}} or {{url: URL, sha256: HEX}}, got {spec!r}")
    data = read_image_bytes(path) if path.suffix.lower() != ".json" else read_bytes(path)
    return InputImage(name=name, source=source, sha256=sha256_hex(data), path=str(path))


def confined_path(relative: str, recipe_dir: Path, project_root: Path) -> Path:
    path = (recipe_dir / relative).resolve()
    root = project_root.resolve()
    if not path.is_relative_to(root):
        raise InputError(f"{relative!r} resolves to {path}, outside the project ({root}); "
                         f"copy the image into the project (e.g. recipes/images/) and point there")
    return path


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{'image ' if path.suffix.lower() != '.json' else ''}file not found: {path}") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}") from None


def read_image_bytes(path: Path) -> bytes:
    data = read_bytes(path)
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
    except Exception as exc:  # PIL raises many types for corrupt data
        raise InputError(f"{path} is not a readable image ({exc.__class__.__name__}: {exc})") from None
    return data


def fetch_pinned(url: str, sha256: str, downloads: Path) -> Path:
    """Download `url` once into `downloads/<sha256>`; refuse bytes whose hash differs from the pin."""
    target = downloads / sha256
    if target.exists():
        return target
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read()
    except OSError as exc:
        raise InputError(f"cannot download {url}: {exc}") from None
    actual = sha256_hex(data)
    if actual != sha256:
        raise InputError(f"{url} has sha256 {actual}, but the recipe pins {sha256}; "
                         f"check the URL, or update the pin if the new image is intended")
    from generator.store import atomic_write_bytes

    atomic_write_bytes(target, data)
    return target


def load_image(path: str | Path, size: int, channels: int, resize: str = "squash") -> torch.Tensor:
    """An image file as a (channels, size, size) float tensor in [-1, 1]; `squash` ignores aspect ratio."""
    with Image.open(path) as img:
        img = img.convert("RGB" if channels == 3 else "L")
        if resize == "crop":
            side = min(img.size)
            left, top = (img.width - side) // 2, (img.height - side) // 2
            img = img.crop((left, top, left + side, top + side))
        return from_pil(img.resize((size, size), Image.Resampling.LANCZOS))


def from_pil(img: Image.Image) -> torch.Tensor:
    """An 8-bit L or RGB image as a (C, H, W) float tensor in [-1, 1] (the inverse of `to_pil`)."""
    import torch

    array = np.asarray(img, dtype=np.float32) / 127.5 - 1.0
    array = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
    return torch.from_numpy(np.ascontiguousarray(array))


def to_pil(x: torch.Tensor) -> Image.Image:
    """A (C, H, W) tensor in [-1, 1] → 8-bit image (shown as x/2 + 0.5, clipped)."""
    import torch

    array = ((x.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()
    return Image.fromarray(array[0], "L") if array.shape[0] == 1 else Image.fromarray(array.transpose(1, 2, 0), "RGB")


def png_bytes(img: Image.Image, text: dict[str, str]) -> bytes:
    """PNG with `text` in tEXt/iTXt chunks (the job's parameters travel with the picture)."""
    info = PngImagePlugin.PngInfo()
    for key, value in text.items():
        info.add_itxt(key, value)
    buffer = io.BytesIO()
    img.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()
