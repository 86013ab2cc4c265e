"""Illusions that move: an anagram turns, flips or shuffles from one reading to the other; a hybrid can be seen
from far and up close. Each view describes its own geometry as a movement (`View.motion`,
generator/diffusion/views/); here it becomes a CSS transform (a turn, a fold) or frames of an animated WebP
(turning pieces, sliding pixels, a crossfade)."""

from __future__ import annotations

import hashlib
import io
import math
import os
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from PIL import Image

from generator.diffusion.views import Motion, Permutation, View, get_view, pixel_grid
from generator.fileops import replace_file
from generator.site.page import FigureView, Panel


def css(motion: Motion) -> str | None:
    """The CSS transform of a whole-picture movement (CSS turns clockwise), or None when it is no transform."""
    if motion.kind == "flip":
        return "scaleY(-1)"
    if motion.kind != "rigid":
        return None
    clockwise = (-motion.angle + 180) % 360 - 180 or 0.0
    return "none" if clockwise == 0 else f"rotate({180 if clockwise == -180 else clockwise:g}deg)"


def view_motion(view_name: str, size: int = 64) -> dict[str, Any]:
    """What a page needs to animate a view without frames: {"css": a CSS transform, or None}, the motion kind
    and, for failure views, why they fail."""
    view = get_view(view_name, size)
    motion = view.motion(size)
    return {
        "css": css(motion),
        "kind": motion.kind,
        "invertible": view.invertible,
        "keeps_noise": view.keeps_noise,
        "failure": view.failure,
    }


def css_for(view: str) -> str:
    """The CSS transform that takes the upright picture to `view`'s reading; '' when it is no transform."""
    return view_motion(view)["css"] or ""


# Made once per picture and view, in the user's cache (XDG): derived from the pictures' bytes, so shared by projects.
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "diffusion-gallery" / "frames"


def webp_frames(view: str, path: Path, n: int = 24, cache: Path = CACHE) -> bytes | None:
    """An animated WebP (looping, ~2 s) from the picture to `view`'s reading, or None when none can be made.

    Kept in `cache` under the hash of the picture's bytes, the view (and its version) and the frame count, so a
    render with everything stored does not make them again."""
    data = Path(path).read_bytes()
    version = get_view(view, 64).version
    name = f"|{view}|{n}" + (f"|v{version}" if version > 1 else "")
    cached = cache / f"{hashlib.sha256(data + name.encode()).hexdigest()[:24]}.webp"
    if cached.is_file():
        return cached.read_bytes()
    with Image.open(io.BytesIO(data)) as im:
        frames = animation_frames(view, im.convert("RGB"), n=n)
    if not frames:
        return None
    out = io.BytesIO()
    frames[0].save(out, format="WEBP", save_all=True, append_images=frames[1:], duration=80, loop=0, lossless=True)
    try:
        replace_file(cached, out.getvalue())  # readers see the whole file or none
    except OSError:  # a read-only home: made again next time, nothing lost
        pass
    return out.getvalue()


def animate_anagram(view: FigureView, views: list[str]) -> None:
    """Add a moving copy of the upright picture beside the still readings of the picked seed."""
    row = view.grids[-1].rows[0] if view.grids and view.grids[-1].rows else []
    first = row[0] if row else None
    if first is None or first.image is None or len(views) < 2:
        return
    other = views[1]
    moving = Panel(
        first.image, "watch it turn", first.pixelated, alt=f"{first.alt}, animated: turning to the other reading"
    )
    moving.motion = css_for(other)
    if not moving.motion:
        moving.frames = webp_frames(other, Path(first.image))
        moving.label = "watch it change" if moving.frames else ""
    if moving.motion or moving.frames:
        row.append(moving)


def small_views(view: FigureView) -> None:
    """A hybrid's `small` reading is drawn small, at its share of the full picture's width (the size a viewer
    across the room sees it at), smoothly: never an enlarged mosaic of its few pixels."""
    for grid in view.grids:
        for row in grid.rows:
            full = next((p for p in row if p.image is not None and not _is_small(p)), None)
            for panel in row:
                if full is not None and _is_small(panel):
                    with Image.open(panel.image) as small, Image.open(full.image) as big:
                        panel.scale = min(1.0, small.width / big.width)
                    panel.pixelated = False


def _is_small(panel: Panel) -> bool:
    """The stored `small` image (or its stage II `small-256`)."""
    return panel.image is not None and Path(panel.image).stem.split("-")[0] == "small"


def hybrid_distance(view: FigureView) -> None:
    """Mark the hybrid's up-close picture so the page offers a control to see it from far away."""
    for grid in view.grids:
        for row in grid.rows:
            for panel in row:
                if panel.image is not None and panel.label.startswith("up close"):
                    panel.motion = "distance"


# The movements a mode may declare (its `motions`): each adds a moving picture or a control to a generated figure.
MOVEMENTS: dict[str, Callable[[FigureView, list[str]], None]] = {
    "turn": animate_anagram,  # readings: the views, the first upright
    "distance": lambda view, readings: hybrid_distance(view),
    "small": lambda view, readings: small_views(view),
}


def animate(view: FigureView, motions: Sequence[str], readings: list[str]) -> None:
    """Add the movements `motions` to a figure whose pictures are all generated (`readings`: its views)."""
    for name in motions:
        MOVEMENTS[name](view, readings)


# ---------------------------------------------------------------------------------------------- frames


def animation_frames(
    view_name: str, image: Image.Image, n: int = 24, *, seed: int = 0, base_size: int | None = None
) -> list[Image.Image]:
    """n frames from the upright reading (frame 0: `image` as stored) to the view's (last: the view applied),
    from the view's own motion: turning pieces, a fold, sliding pixels, or a crossfade."""
    if n < 2:
        raise ValueError(f"animation_frames needs n ≥ 2 frames, got {n}")
    x = to_array(image)  # [-1, 1], as the sampler sees images
    size = x.shape[-1]
    view = get_view(view_name, base_size or size, seed)
    end = np.asarray(view.view(x))
    motion = view.motion(size)
    frames = [x] + [frame(view, motion, x, end, i / (n - 1)) for i in range(1, n - 1)] + [end]
    mode = image.mode if image.mode in ("L", "RGB") else "RGB"
    return [Image.fromarray(to_bytes(f), mode) for f in frames]


def to_array(image: Image.Image) -> np.ndarray:
    """PIL → float (C, H, W) in [-1, 1]."""
    a = np.asarray(image.convert("L" if image.mode in ("L", "1", "I", "F") else "RGB"), dtype=np.float64)
    a = a / 127.5 - 1
    return a[None] if a.ndim == 2 else a.transpose(2, 0, 1)


def to_bytes(x: np.ndarray) -> np.ndarray:
    """float (C, H, W) in [-1, 1] → uint8 (H, W) or (H, W, C)."""
    out = np.clip(np.rint((x + 1) * 127.5), 0, 255).astype(np.uint8)
    return out[0] if out.shape[0] == 1 else out.transpose(1, 2, 0)


def frame(view: View, motion: Motion, x: np.ndarray, end: np.ndarray, s: float) -> np.ndarray:
    """The picture a fraction s of the way from x to end = view(x)."""
    n = x.shape[-1]
    if motion.kind == "rigid":
        return turn_pieces(
            x, np.zeros((n, n), np.int64), np.full((1, 2), (n - 1) / 2), np.array([motion.angle]), np.zeros((1, 2)), s
        )
    if motion.kind == "pieces":
        return turn_pieces(x, motion.labels, motion.pivots, motion.angles, motion.shifts, s)
    if motion.kind == "flip":
        return fold(x, s)
    if motion.kind == "paths" and isinstance(view, Permutation):
        return slide(x, view.permutation(n), s)
    return (1 - s) * x + s * end


def background(x: np.ndarray) -> np.ndarray:
    """What shows where no piece is: black."""
    return np.full_like(x, -1.0)


def turn_pieces(
    x: np.ndarray, labels: np.ndarray, pivots: np.ndarray, angles: np.ndarray, shifts: np.ndarray, s: float
) -> np.ndarray:
    """Each piece turned by s·angle about its pivot and moved by s·shift (Motion's rule: backward warp, nearest
    pixel); pieces that stay first."""
    n = x.shape[-1]
    rows, cols = pixel_grid(n)
    out = background(x)
    order = sorted(range(len(angles)), key=lambda k: angles[k] != 0 or bool(np.any(shifts[k])))
    for k in order:
        a = math.radians(s * angles[k])
        pr, pc = pivots[k]
        sr = pr + math.cos(a) * (rows - pr) + math.sin(a) * (cols - pc) + s * shifts[k][0]
        sc = pc - math.sin(a) * (rows - pr) + math.cos(a) * (cols - pc) + s * shifts[k][1]
        sr, sc = np.rint(sr).astype(np.int64), np.rint(sc).astype(np.int64)
        ok = (sr >= 0) & (sr < n) & (sc >= 0) & (sc < n)
        ok[ok] &= labels[sr[ok], sc[ok]] == k
        out[:, ok] = x[:, sr[ok], sc[ok]]
    return out


def fold(x: np.ndarray, s: float) -> np.ndarray:
    """The picture folded over its horizontal axis: rows scaled by cos(πs) (1 → −1)."""
    n = x.shape[-2]
    c = (n - 1) / 2
    scale = math.cos(math.pi * s)
    out = background(x)
    if abs(scale) < 1e-6:
        return out
    src = np.rint(c + (np.arange(n) - c) / scale).astype(np.int64)
    ok = (src >= 0) & (src < n)
    out[:, ok] = x[:, src[ok]]
    return out


def slide(x: np.ndarray, perm: np.ndarray, s: float) -> np.ndarray:
    """Every pixel a fraction s along the straight line from its place to where the permutation puts it."""
    n = x.shape[-1]
    dest = np.arange(n * n)
    src_r, src_c = np.divmod(perm, n)
    dst_r, dst_c = np.divmod(dest, n)
    r = np.rint(src_r + s * (dst_r - src_r)).astype(np.int64)
    c = np.rint(src_c + s * (dst_c - src_c)).astype(np.int64)
    out = background(x).reshape(x.shape[0], -1)
    out[:, r * n + c] = x.reshape(x.shape[0], -1)[:, perm]
    return out.reshape(x.shape)
