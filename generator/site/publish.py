"""A writer's output folder, replaced whole and atomically: written into a sibling staging folder
(`.<name>.staging-<pid>@<host>`, fileops' naming) and swapped in, as Lektor does; a failed write leaves the
previous folder as it was, and the staging or old folders of killed writers are cleaned up by the next one.

An incremental writer names the files of the current folder that are still right (`keep`): they are hard-linked
into the staging folder first, so only what changed is written, and the swap stays one step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence, TypeVar

from generator.fileops import is_stale, link_files, recover_swap, remove, swap_dir, temp_name


T = TypeVar("T")


def publish(out_dir: Path, write: Callable[[Path], T], keep: Sequence[str] = ()) -> T:
    """Link the `keep` files (paths relative to `out_dir`) into a staging folder, run `write(staging)` (which
    must not write over them), then swap the staging folder in as `out_dir`; returns what `write` returned."""
    remove_stale(out_dir)
    staging = out_dir.parent / temp_name(out_dir.name, "staging")
    remove(staging)
    staging.mkdir(parents=True)
    try:
        link_files(out_dir, staging, list(keep))
        result = write(staging)
    except BaseException:
        remove(staging)
        raise
    swap_dir(staging, out_dir)  # new folder in, old folder out, in one exchange: never a moment without
    remove(staging)  # now the previous folder (or nothing, on a first write)
    return result


def remove_stale(out_dir: Path) -> None:
    """Put back a folder a killed two-rename swap left aside; remove staging/old folders of dead writers."""
    if out_dir.parent.is_dir():
        recover_swap(out_dir)
        for path in out_dir.parent.glob(f".{out_dir.name}.*-*"):
            if is_stale(path.name, {"staging", "old"}):
                remove(path)
