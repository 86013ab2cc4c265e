"""The content-addressed store: one folder per job key, written atomically, safe for concurrent writers.

    store/results/<key[:2]>/<key>/meta.json + <image>.png    finished results (committable)
    store/tmp/                                                  work in progress (never read)
    store/downloads/<sha256>                                    pinned URL inputs

A result folder is built in store/tmp and renamed into place in one step (the Lektor way), so a result either
exists whole or not at all: a run killed at any moment leaves nothing half-written, and the next run resumes.
Two writers of the same key both build a complete folder; the first rename wins, the other is discarded.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from generator.images import png_bytes, to_pil
from generator.jobs import Job, canonical_json


@dataclass
class StoredResult:
    key: str
    images: dict[str, Path]                 # name → PNG, in display order
    info: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old content or the new, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Store:
    def __init__(self, root: Path):
        self.root = root
        self.results = root / "results"
        self.tmp = root / "tmp"
        self.downloads = root / "downloads"

    def folder(self, key: str) -> Path:
        return self.results / key[:2] / key

    def has(self, key: str) -> bool:
        return (self.folder(key) / "meta.json").is_file()

    def get(self, key: str) -> StoredResult | None:
        folder = self.folder(key)
        try:
            meta = json.loads((folder / "meta.json").read_text())
        except FileNotFoundError:
            return None
        images = {name: folder / f"{name}.png" for name in meta["images"]}
        return StoredResult(key, images, meta.get("info", {}), meta)

    def put(self, job: Job, images: dict[str, Any], info: dict[str, Any], timing: dict[str, float],
            versions: dict[str, str]) -> StoredResult:
        """Store a job's images (tensors in [-1, 1]) with meta.json; atomic and idempotent."""
        key = job.key
        payload = job.key_payload()
        meta = {"key": key, "job": payload, "figure": f"{job.book}/{job.figure}", "sweep": dict(job.sweep),
                "images": list(images), "info": info, "timing": timing, "versions": versions,
                "inputs": {i.name: i.source for i in job.inputs}}
        self.tmp.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=self.tmp, prefix=f"{key[:16]}.{os.getpid()}."))
        try:
            for name, x in images.items():
                text = {"diffusion-gallery:key": key, "diffusion-gallery:image": name,
                        "diffusion-gallery:job": canonical_json(payload)}
                (work / f"{name}.png").write_bytes(png_bytes(to_pil(x), text))
            (work / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
            self._publish(work, self.folder(key))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        result = self.get(key)
        assert result is not None
        return result

    def _publish(self, work: Path, final: Path) -> None:
        final.parent.mkdir(parents=True, exist_ok=True)
        for f in work.iterdir():
            with open(f, "rb") as handle:
                os.fsync(handle.fileno())
        try:
            os.rename(work, final)          # atomic; fails if another writer got there first
        except OSError:
            if not self.has(final.name):
                raise

    def keys(self) -> Iterable[str]:
        if not self.results.is_dir():
            return []
        return (p.name for p in self.results.glob("*/*") if (p / "meta.json").is_file())

    def gc(self, keep: set[str], dry_run: bool = False) -> list[str]:
        """Remove stored results whose key no recipe references; returns the removed keys."""
        doomed = sorted(k for k in self.keys() if k not in keep)
        if not dry_run:
            for key in doomed:
                trash = self.tmp / f"gc.{key}.{os.getpid()}"
                self.tmp.mkdir(parents=True, exist_ok=True)
                os.rename(self.folder(key), trash)    # vanish atomically, then delete
                shutil.rmtree(trash)
        return doomed

    def clean_tmp(self) -> None:
        """Remove leftovers of killed runs (folders of processes that are no longer alive)."""
        if not self.tmp.is_dir():
            return
        for entry in self.tmp.iterdir():
            parts = entry.name.split(".")
            pid = int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None
            if pid is None or not pid_alive(pid):
                shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
