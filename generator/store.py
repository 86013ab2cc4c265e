"""The content-addressed store: one folder per job key, written atomically, safe for concurrent writers.

    store/results/<key[:2]>/<key>/meta.json + <image>.png    finished results (committable)
    store/tmp/                                                  work in progress (never read)
    store/downloads/<sha256>                                    pinned URL inputs
    store/.lock, store/.lock.d/<pid>@<host>                     the store lock and who holds it
    store/claims/<key>                                          jobs being computed right now, and by whom

A result folder is built in store/tmp and renamed into place in one step (the Lektor way), so a result either
exists whole or not at all: a run killed at any moment leaves nothing half-written, and the next run resumes.

One writer at a time, the DVC way, but made for many cooperating processes (one `accelerate launch`, job
arrays): builders take the lock SHARED and claim each job before computing it (an O_EXCL file naming pid,
host and start time), so concurrent builders split the work instead of repeating it; gc takes the lock
EXCLUSIVE, so it never deletes beside a build. A claim or a lock registration of a dead local process is stale
and taken over.

    with store.lock(shared=True, on_wait=print):       # fcntl.flock on store/.lock; waits (or StoreBusy)
        if store.claim(job.key):                       # False: a live process is computing it
            try: store.put(job, …)
            finally: store.release(job.key)
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from generator.fileops import HOST, pid_alive, publish_dir, replace_file, sweep_stale, temp_name  # noqa: F401
from generator.images import png_bytes, to_pil
from generator.jobs import Job, canonical_json


@dataclass
class StoredResult:
    key: str
    images: dict[str, Path]                 # name → PNG, in display order
    info: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Holder:
    """A process holding the store lock or a job claim."""

    pid: int
    host: str
    command: str
    started: float                          # Unix time
    mode: str = ""                          # "shared" / "exclusive" for the lock; "" for a claim

    @staticmethod
    def me(mode: str = "") -> Holder:
        return Holder(os.getpid(), HOST, " ".join(sys.argv)[:200] or "python", time.time(), mode)

    @property
    def alive(self) -> bool:
        """Alive, or on another host (where this one cannot tell)."""
        return self.host != HOST or pid_alive(self.pid)

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))
        return f"pid {self.pid} on {self.host} ({self.command!r}, since {when})"

    def dumps(self) -> bytes:
        return json.dumps(self.__dict__, sort_keys=True).encode()

    @staticmethod
    def read(path: Path) -> Holder | None:
        try:
            return Holder(**json.loads(path.read_bytes()))
        except (OSError, ValueError, TypeError):
            return None


class StoreBusy(RuntimeError):
    """The lock is held by others and the caller asked not to wait."""

    def __init__(self, holders: list[Holder], wanted: str):
        self.holders = holders
        names = "; ".join(h.describe() for h in holders) or "another process"
        super().__init__(f"the store is locked by {names}; {wanted} needs it "
                         f"{'exclusively' if wanted == 'gc' else 'shared'}")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old content or the new, never a part."""
    replace_file(path, data)


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

    def put(self, job: Job, images: dict[str, Any], info: dict[str, Any], timing: dict[str, float],
            versions: dict[str, str]) -> StoredResult:
        """Store a job's images (tensors in [-1, 1]) with meta.json; atomic and idempotent."""
        key = job.key
        payload = job.key_payload()
        meta = {"key": key, "job": payload, "figure": f"{job.book}/{job.figure}", "sweep": dict(job.sweep),
                "images": list(images), "info": info, "timing": timing, "versions": versions,
                "inputs": {i.name: i.source for i in job.inputs}}
        self.tmp.mkdir(parents=True, exist_ok=True)
        work = self.tmp / temp_name(key[:16], "put", unique=True)
        work.mkdir()
        try:
            for name, x in images.items():
                text = {"diffusion-gallery:key": key, "diffusion-gallery:image": name,
                        "diffusion-gallery:job": canonical_json(payload)}
                (work / f"{name}.png").write_bytes(png_bytes(to_pil(x), text))
            (work / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
            publish_dir(work, self.folder(key))        # first writer wins; the other copy is discarded
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

    def gc(self, keep: set[str], dry_run: bool = False, keep_books: set[str] | None = None,
           only: set[str] | None = None) -> list[str]:
        """Remove stored results whose key no recipe references, except those of books not in `keep_books`
        (when given: a book missing from the plan keeps all its results) and, if given, those not in `only`
        (what the user confirmed); returns the removed keys. Call it under lock(shared=False)."""
        doomed = sorted(k for k in self.keys() if k not in keep and (only is None or k in only) and (
            keep_books is None or self.figure_of(k).partition("/")[0] in keep_books))
        if not dry_run:
            self.tmp.mkdir(parents=True, exist_ok=True)
            for key in doomed:
                trash = self.tmp / temp_name(key, "gc")
                os.rename(self.folder(key), trash)    # vanish atomically, then delete
                shutil.rmtree(trash)
        return doomed

    def clean_tmp(self) -> None:
        """Remove leftovers of killed runs: temporaries (and claims) of processes no longer alive."""
        sweep_stale(self.tmp)
        sweep_stale(self.claims)
        for path in (self.claims.iterdir() if self.claims.is_dir() else []):
            holder = Holder.read(path)
            if not path.name.startswith(".") and holder is not None and not holder.alive:
                self._take_over(path)

    # ------------------------------------------------------------------------------------------ the lock

    @contextlib.contextmanager
    def lock(self, shared: bool = True, wait: bool = True,
             on_wait: Callable[[list[Holder]], None] | None = None, poll: float = 0.5) -> Iterator[Holder]:
        """Hold store/.lock (fcntl.flock) SHARED (builders) or EXCLUSIVE (gc) for the `with` block.

        Busy: with wait=False raises StoreBusy naming the holders; else calls on_wait(holders) once and waits.
        The lock dies with its process (the kernel drops a dead process's flock), so it is never stale;
        the registrations under store/.lock.d/ only name the holders and are swept when their pid is dead.
        """
        me = Holder.me("shared" if shared else "exclusive")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            if not shared or exc.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
                raise
            yield me                            # a read-only store (e.g. a CI checkout): readers need no lock
            return
        try:
            kind = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
            told = False
            while True:
                try:
                    fcntl.flock(fd, kind | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    holders = self.lock_holders()
                    if not wait:
                        raise StoreBusy(holders, "build" if shared else "gc") from None
                    if not told and on_wait is not None:
                        on_wait(holders)
                        told = True
                    time.sleep(poll)
            registration = self.holders / f"{me.pid}@{me.host}"
            replace_file(registration, me.dumps())
            try:
                yield me
            finally:
                registration.unlink(missing_ok=True)
        finally:
            os.close(fd)                        # closing the descriptor releases the flock

    def lock_holders(self) -> list[Holder]:
        """Who holds the store lock now (other processes; dead ones' registrations are swept)."""
        found = []
        for path in sorted(self.holders.iterdir()) if self.holders.is_dir() else []:
            holder = Holder.read(path)
            if holder is None or holder.pid == os.getpid() and holder.host == HOST:
                continue
            if holder.alive:
                found.append(holder)
            else:
                path.unlink(missing_ok=True)
        return found

    # ---------------------------------------------------------------------------------------- job claims

    def claim(self, key: str) -> bool:
        """Claim job `key` for this process; False when a live process holds it (a dead one's is taken over)."""
        self.claims.mkdir(parents=True, exist_ok=True)
        path = self.claims / key
        me = Holder.me()
        tmp = self.claims / temp_name(key[:16], "claim", unique=True)
        tmp.write_bytes(me.dumps())
        try:
            for _ in range(2):
                try:
                    os.link(tmp, path)           # atomic and exclusive, also on NFS: the claim is whole
                    return True
                except FileExistsError:
                    if not self._take_over(path):
                        return False
            return False
        finally:
            tmp.unlink(missing_ok=True)

    def _take_over(self, path: Path) -> bool:
        """Remove a stale claim (its process is dead) under a takeover lock; True if it was removed."""
        with open(self.claims / ".takeover", "a") as guard:
            fcntl.flock(guard, fcntl.LOCK_EX)
            holder = Holder.read(path)
            if holder is not None and holder.alive:
                return False
            if holder is None and path.exists() and time.time() - path.stat().st_mtime < 60:
                return False                    # unreadable but fresh: not ours to judge yet
            path.unlink(missing_ok=True)
            return True

    def claim_holder(self, key: str) -> Holder | None:
        """The live process computing job `key`, or None."""
        holder = Holder.read(self.claims / key)
        return holder if holder is not None and holder.alive else None

    def release(self, key: str) -> None:
        """Drop this process's claim on job `key` (after put, or when it failed); others' are left alone."""
        path = self.claims / key
        current = Holder.read(path)
        if current is not None and (current.pid, current.host) == (os.getpid(), HOST):
            path.unlink(missing_ok=True)
