"""The content-addressed store: one folder per job key, written atomically, safe for concurrent writers.

    store/results/<key[:2]>/<key>/meta.json + <image>.png    finished results (committable)
    store/tmp/                                                  work in progress (never read)
    store/downloads/<sha256>                                    pinned URL inputs
    store/.lock, store/.lock.d/<pid>@<host>                     the store lock and who holds it
    store/claims/<key>                                          jobs being computed right now, and by whom

A result folder is built in store/tmp and renamed into place in one step (the Lektor way), so a result either
exists whole or not at all: a run killed at any moment leaves nothing half-written, and the next run resumes.
Concurrent builders share the store under its lock and claim each job before computing it (generator/lock.py):

    with store.lock(shared=True, on_wait=print):       # fcntl.flock on store/.lock; waits (or StoreBusy)
        if store.claim(job.key):                       # False: a live process is computing it
            try: store.put(job, …)
            finally: store.release(job.key)
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from generator.fileops import publish_dir, sweep_stale, temp_name
from generator.images import png_bytes, to_pil
from generator.jobs import Job, canonical_json
from generator.lock import Claims, Holder, StoreLock


@dataclass
class StoredResult:
    key: str
    images: dict[str, Path]  # name → PNG, in display order
    info: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


class Store:
    def __init__(self, root: Path):
        self.root = root
        self.results = root / "results"
        self.tmp = root / "tmp"
        self.downloads = root / "downloads"
        self.claims = root / "claims"
        self.lock_file = root / ".lock"
        self.holders = root / ".lock.d"

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

    def put(
        self,
        job: Job,
        images: dict[str, Any],
        info: dict[str, Any],
        timing: dict[str, float],
        versions: dict[str, str],
    ) -> StoredResult:
        """Store a job's images (tensors in [-1, 1]) with meta.json; atomic and idempotent."""
        key = job.key
        payload = job.key_payload()
        meta = {
            "key": key,
            "job": payload,
            "figure": f"{job.book}/{job.figure}",
            "sweep": dict(job.sweep),
            "images": list(images),
            "info": info,
            "timing": timing,
            "versions": versions,
            "inputs": {i.name: i.source for i in job.inputs},
        }
        self.tmp.mkdir(parents=True, exist_ok=True)
        work = self.tmp / temp_name(key[:16], "put", unique=True)
        work.mkdir()
        try:
            for name, x in images.items():
                text = {
                    "diffusion-gallery:key": key,
                    "diffusion-gallery:image": name,
                    "diffusion-gallery:job": canonical_json(payload),
                }
                (work / f"{name}.png").write_bytes(png_bytes(to_pil(x), text))
            (work / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
            publish_dir(work, self.folder(key))  # first writer wins; the other copy is discarded
        finally:
            shutil.rmtree(work, ignore_errors=True)
        result = self.get(key)
        assert result is not None
        return result

    def keys(self) -> Iterable[str]:
        if not self.results.is_dir():
            return []
        return (p.name for p in self.results.glob("*/*") if (p / "meta.json").is_file())

    def key_set(self) -> set[str]:
        """The keys of every stored result, from folder names alone (fast: a result folder is renamed into place
        whole, so its name means its result is there)."""
        keys: set[str] = set()
        try:
            groups = [g for g in os.listdir(self.results) if len(g) == 2]
        except OSError:
            return keys
        for group in groups:
            try:
                keys.update(k for k in os.listdir(self.results / group) if not k.startswith("."))
            except OSError:
                continue
        return keys

    def figure_of(self, key: str) -> str:
        """The "book/figure" a stored result was made for ("" when its meta.json does not say)."""
        try:
            return str(json.loads((self.folder(key) / "meta.json").read_text()).get("figure", ""))
        except (OSError, ValueError):
            return ""

    def gc(
        self, keep: set[str], dry_run: bool = False, keep_books: set[str] | None = None, only: set[str] | None = None
    ) -> list[str]:
        """Remove stored results whose key no recipe references, except those of books not in `keep_books`
        (when given: a book missing from the plan keeps all its results) and, if given, those not in `only`
        (what the user confirmed); returns the removed keys. Call it under lock(shared=False)."""
        doomed = sorted(
            k
            for k in self.keys()
            if k not in keep
            and (only is None or k in only)
            and (keep_books is None or self.figure_of(k).partition("/")[0] in keep_books)
        )
        if not dry_run:
            self.tmp.mkdir(parents=True, exist_ok=True)
            for key in doomed:
                trash = self.tmp / temp_name(key, "gc")
                os.rename(self.folder(key), trash)  # vanish atomically, then delete
                shutil.rmtree(trash)
        return doomed

    def clean_tmp(self) -> None:
        """Remove leftovers of killed runs: temporaries (and claims) of processes no longer alive."""
        sweep_stale(self.tmp)
        Claims(self.claims).sweep()

    # ---- the lock and the job claims (generator/lock.py)

    def lock(
        self,
        shared: bool = True,
        wait: bool = True,
        on_wait: Callable[[list[Holder]], None] | None = None,
        poll: float = 0.5,
    ) -> contextlib.AbstractContextManager[Holder]:
        """Hold the store lock SHARED (builders) or EXCLUSIVE (gc) for a `with` block (StoreLock.hold)."""
        return StoreLock(self.root).hold(shared, wait, on_wait, poll)

    def lock_holders(self) -> list[Holder]:
        """Who holds the store lock now (other processes; dead ones' registrations are swept)."""
        return StoreLock(self.root).holders_now()

    def claim(self, key: str) -> bool:
        """Claim job `key` for this process; False when a live process computes it (Claims.claim)."""
        return Claims(self.claims).claim(key)

    def claim_holder(self, key: str) -> Holder | None:
        """The live process computing job `key`, or None."""
        return Claims(self.claims).holder(key)

    def release(self, key: str) -> None:
        """Drop this process's claim on job `key` (after put, or when it failed)."""
        Claims(self.claims).release(key)
