"""Input images (project files, built-in public-domain images, pinned URLs), preprocessing and PNG I/O.

A mode may also take a JSON input (e.g. a training record): it is confined and hashed the same way.
"""

from __future__ import annotations

import importlib.util
import io
import re
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image, PngImagePlugin

from generator.errors import GalleryError
from generator.fileops import replace_file
from generator.jobs import InputImage, sha256_hex


if TYPE_CHECKING:
    import torch

# Public-domain images bundled with scikit-image (read from its data folder, never downloaded).
BUILTIN = {
    "astronaut": "astronaut.png",
    "cat": "chelsea.png",
    "coffee": "coffee.png",
    "rocket": "rocket.jpg",
    "camera": "camera.png",
    "horse": "horse.png",
    "moon": "moon.png",
    "coins": "coins.png",
    "motorcycle": "motorcycle_left.png",
    "hubble": "hubble_deep_field.jpg",
    "page": "page.png",
    "retina": "retina.jpg",
}


MAX_INPUT_BYTES = 50 * 1024 * 1024  # an input image, record or download
MAX_PIXELS = 50_000_000  # an input image's width × height (decompression bombs)
DOWNLOAD_SECONDS = 120  # a download's whole duration
SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
INPUT_FORMS = (
    "a path relative to the recipe, {path: …, alt: …}, {builtin: NAME} or {url: https://…, sha256: 64 hex digits}"
)
# The forms of a mapping input; each may add `alt`: what the picture shows, in words (alt text; not in the key).
INPUT_KEYS = ({"path"}, {"builtin"}, {"url", "sha256"})


class InputError(GalleryError, ValueError):
    """An input image that cannot be used; the message says what and what to do."""


def input_spec_problems(spec: Any) -> list[tuple[tuple[str, ...], str]]:
    """What is wrong with the form of an input spec, as (key path inside it, message); [] when fine."""
    if isinstance(spec, str):
        return [] if spec.strip() else [((), f"an empty path; expected {INPUT_FORMS}")]
    if not isinstance(spec, dict) or set(spec) - {"alt"} not in INPUT_KEYS:
        return [((), f"expected {INPUT_FORMS}, got {spec!r}")]
    problems = []
    if "alt" in spec and (not isinstance(spec["alt"], str) or not spec["alt"].strip()):
        problems.append((("alt",), f"expected what the picture shows, in words (alt text), got {spec['alt']!r}"))
    if "path" in spec:
        if not isinstance(spec["path"], str) or not spec["path"].strip():
            problems.append((("path",), f"expected a path relative to the recipe, got {spec['path']!r}"))
        return problems
    if "builtin" in spec:
        name = spec["builtin"]
        if not (isinstance(name, str) and name in BUILTIN):
            problems.append(
                (("builtin",), f"unknown built-in image {name!r}; choose one of: {', '.join(sorted(BUILTIN))}")
            )
        return problems
    if not isinstance(spec["url"], str) or not spec["url"].startswith(("https://", "file://")):
        problems.append((("url",), f"expected an https:// URL, got {spec['url']!r}"))
    if not isinstance(spec["sha256"], str) or not SHA256.match(spec["sha256"]):
        problems.append(
            (
                ("sha256",),
                f"expected the file's sha256 as 64 hex digits, got {spec['sha256']!r} "
                f"(compute it with `sha256sum FILE`)",
            )
        )
    return problems


def builtin_path(name: str) -> Path:
    if name not in BUILTIN:
        raise InputError(f"unknown built-in image {name!r}; choose one of: {', '.join(sorted(BUILTIN))}")
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("built-in images come from scikit-image, which is not installed (pip install scikit-image)")
    return Path(spec.submodule_search_locations[0]) / "data" / BUILTIN[name]


def resolve_input(name: str, spec: Any, recipe_dir: Path, project_root: Path, downloads: Path) -> InputImage:
    """Turn a recipe's input spec into an InputImage with the sha256 of its bytes (checked to be an image).

    Paths and file:// URLs are confined to the project; only regular files are read; a download is verified
    against its pin before it is stored, and a stored one is re-hashed before use."""
    problems = input_spec_problems(spec)
    if problems:
        raise InputError(problems[0][1])
    if isinstance(spec, str) or "path" in spec:
        relative = spec if isinstance(spec, str) else spec["path"]
        path, source = confined_path(relative, recipe_dir, project_root), relative
    elif "builtin" in spec:
        path, source = builtin_path(spec["builtin"]), f"builtin:{spec['builtin']}"
    else:
        sha256 = spec["sha256"].lower()
        path, source = fetch_pinned(spec["url"], sha256, downloads, project_root), spec["url"]
    data = read_image_bytes(path) if path.suffix.lower() != ".json" else read_bytes(path)
    alt = spec.get("alt", "").strip() if isinstance(spec, dict) else ""
    return InputImage(name=name, source=source, sha256=sha256_hex(data), path=str(path), alt=alt)


def confined_path(relative: str, recipe_dir: Path, project_root: Path) -> Path:
    """`relative` from the recipe's folder, symlinks resolved; refused unless it stays inside the project."""
    try:
        path = (recipe_dir / relative).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # a loop of symlinks, a NUL byte
        raise InputError(f"cannot resolve {relative!r}: {exc}") from None
    root = project_root.resolve()
    if not path.is_relative_to(root):
        raise InputError(
            f"{relative!r} resolves to {path}, outside the project ({root}); "
            f"copy the file into the project (e.g. recipes/images/) and point there"
        )
    return path


def read_bytes(path: Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """A regular file's bytes (FIFOs, devices and folders are refused without being opened), at most `limit`."""
    from generator.recipes.located_yaml import read_regular_file

    what = "image file" if path.suffix.lower() != ".json" else "file"
    try:
        return read_regular_file(path, limit, what)
    except OSError as exc:
        message = str(exc) if str(exc).startswith((what, str(path))) else f"cannot read {path}: {exc}"
        raise InputError(message) from None


def read_image_bytes(path: Path) -> bytes:
    data = read_bytes(path)
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise InputError(
                    f"{path} is {img.width}×{img.height} pixels, more than {MAX_PIXELS:,}; use a smaller image"
                )
            img.load()
    except InputError:
        raise
    except Image.UnidentifiedImageError:
        raise InputError(f"{path} is not a readable image (not a format Pillow knows)") from None
    except Exception as exc:  # PIL raises many types for corrupt data
        raise InputError(f"{path} is not a readable image ({exc.__class__.__name__}: {exc})") from None
    return data


def fetch_pinned(url: str, sha256: str, downloads: Path, project_root: Path) -> Path:
    """`downloads/<sha256>`: a stored copy whose bytes still match the pin, else `url` fetched (bounded in size
    and time), verified, and only then stored. A mismatch stores nothing."""
    target = downloads / sha256
    if target.is_file() and sha256_hex(read_bytes(target)) == sha256:
        return target
    data = read_url(url, project_root)
    actual = sha256_hex(data)
    if actual != sha256:
        raise InputError(
            f"{url} has sha256 {actual}, but the recipe pins {sha256}; "
            f"check the URL, or update the pin if the new image is intended"
        )
    try:
        replace_file(target, data)  # replaces a stored copy that no longer matched
    except OSError as exc:
        raise InputError(f"cannot store the download of {url} as {target}: {exc}") from None
    return target


def read_url(url: str, project_root: Path) -> bytes:
    """The bytes at an https:// URL (or a file:// URL inside the project), at most MAX_INPUT_BYTES."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        path = urllib.request.url2pathname(parsed.path)
        return read_bytes(confined_path(path, project_root, project_root))
    if parsed.scheme != "https" or not parsed.netloc:
        raise InputError(f"expected an https:// URL, got {url!r}")
    deadline = time.monotonic() + DOWNLOAD_SECONDS
    chunks, size = [], 0
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            while chunk := response.read(1 << 20):
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_INPUT_BYTES or time.monotonic() > deadline:
                    raise InputError(
                        f"{url} is larger than {MAX_INPUT_BYTES:,} bytes or took longer than "
                        f"{DOWNLOAD_SECONDS} s; use a smaller image or a faster host"
                    )
    except OSError as exc:
        raise InputError(f"cannot download {url}: {exc}") from None
    return b"".join(chunks)


def fit_image(path: str | Path, size: int, channels: int, resize: str = "squash") -> Image.Image:
    """An image file at the model's size and channels: squashed (aspect ratio ignored) or centre-cropped, Lanczos."""
    with Image.open(path) as img:
        img = img.convert("RGB" if channels == 3 else "L")
        if resize == "crop":
            side = min(img.size)
            left, top = (img.width - side) // 2, (img.height - side) // 2
            img = img.crop((left, top, left + side, top + side))
        return img.resize((size, size), Image.Resampling.LANCZOS)


def load_image(path: str | Path, size: int, channels: int, resize: str = "squash") -> torch.Tensor:
    """An image file as a (channels, size, size) float tensor in [-1, 1] (see fit_image)."""
    return from_pil(fit_image(path, size, channels, resize))


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
