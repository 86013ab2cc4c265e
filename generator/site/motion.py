"""Illusions that move: an anagram turns, flips or shuffles from one reading to the other; a hybrid can be seen
from far and up close. Geometric views move by a CSS transform; permutation views by generated frames (an
animated WebP) when generator.diffusion.views provides them, else they stay still."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from PIL import Image

from generator.fileops import replace_file
from generator.site.page import FigureView, Panel

try:                                   # the views module's own description of how a view moves (issue 8)
    from generator.diffusion.views import animation_frames, view_motion
except ImportError:                    # not there yet: the transforms below, and still pictures otherwise
    animation_frames = view_motion = None

# How the picture moves to show the reading of each geometric view (the view's own transform, in CSS).
CSS = {"flip": "scaleY(-1)", "rotate_180": "rotate(180deg)", "rotate_cw": "rotate(90deg)",
       "rotate_ccw": "rotate(-90deg)"}


def css_for(view: str) -> str:
    """The CSS transform that takes the upright picture to `view`'s reading; '' when it is no transform."""
    if view_motion is not None:
        return (view_motion(view) or {}).get("css") or ""
    return CSS.get(view, "")


# Made once per picture and view, in the user's cache (XDG): derived from the pictures' bytes, so shared by projects.
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "diffusion-gallery" / "frames"


def webp_frames(view: str, path: Path, n: int = 24, cache: Path = CACHE) -> bytes | None:
    """An animated WebP (looping, ~2 s) from the picture to `view`'s reading, or None when none can be made.

    Kept in `cache` under the hash of the picture's bytes, the view and the frame count, so a render with
    everything stored does not make them again."""
    if animation_frames is None:
        return None
    data = Path(path).read_bytes()
    cached = cache / f"{hashlib.sha256(data + f'|{view}|{n}'.encode()).hexdigest()[:24]}.webp"
    if cached.is_file():
        return cached.read_bytes()
    with Image.open(io.BytesIO(data)) as im:
        frames = animation_frames(view, im.convert("RGB"), n=n)
    if not frames:
        return None
    out = io.BytesIO()
    frames[0].save(out, format="WEBP", save_all=True, append_images=frames[1:], duration=80, loop=0,
                   lossless=True)
    try:
        replace_file(cached, out.getvalue())        # readers see the whole file or none
    except OSError:                                 # a read-only home: made again next time, nothing lost
        pass
    return out.getvalue()


def animate_anagram(view: FigureView, views: list[str]) -> None:
    """Add a moving copy of the upright picture beside the still readings of the picked seed."""
    row = view.grids[-1].rows[0] if view.grids and view.grids[-1].rows else []
    first = row[0] if row else None
    if first is None or first.image is None or len(views) < 2:
        return
    other = views[1]
    moving = Panel(first.image, "watch it turn", first.pixelated,
                   alt=f"{first.alt}, animated: turning to the other reading")
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
