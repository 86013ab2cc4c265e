"""The store's lock and its job claims: who builds, who computes which job right now, and who waits for whom.

One writer at a time, the DVC way (`dvc/lock.py`), but made for many cooperating processes (one `accelerate
launch`, job arrays): builders take the lock SHARED and claim each job before computing it (an O_EXCL file naming
pid, host and start time), so concurrent builders split the work instead of repeating it; gc takes the lock
EXCLUSIVE, so it never deletes beside a build. A claim or a lock registration of a dead local process is stale
and taken over.

    store/.lock, store/.lock.d/<pid>@<host>     the lock (fcntl.flock) and who holds it      StoreLock
    store/claims/<key>                          jobs being computed right now, and by whom   Claims
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from generator.errors import EXIT_STORE_BUSY, GalleryError
from generator.fileops import HOST, pid_alive, replace_file, sweep_stale, temp_name


@dataclass(frozen=True)
class Holder:
    """A process holding the store lock or a job claim."""

    pid: int
    host: str
    command: str
    started: float  # Unix time
    mode: str = ""  # "shared" / "exclusive" for the lock; "" for a claim

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


class StoreBusy(GalleryError):
    """The lock is held by others and the caller asked not to wait."""

    exit_code = EXIT_STORE_BUSY

    def __init__(self, holders: list[Holder], wanted: str):
        self.holders = holders
        names = "; ".join(h.describe() for h in holders) or "another process"
        super().__init__(
            f"the store is locked by {names}; {wanted} needs it "
            f"{'exclusively' if wanted == 'gc' else 'shared'}; wait for it, or run again without "
            f"--no-wait to wait"
        )


class StoreLock:
    """The store lock: SHARED for builders, EXCLUSIVE for gc; the registrations beside it name its holders."""

    def __init__(self, root: Path):
        self.root, self.file, self.registrations = root, root / ".lock", root / ".lock.d"

    @contextlib.contextmanager
    def hold(
        self,
        shared: bool = True,
        wait: bool = True,
        on_wait: Callable[[list[Holder]], None] | None = None,
        poll: float = 0.5,
    ) -> Iterator[Holder]:
        """Hold store/.lock (fcntl.flock) SHARED (builders) or EXCLUSIVE (gc) for the `with` block.

        Busy: with wait=False raises StoreBusy naming the holders; else calls on_wait(holders) once and waits.
        The lock dies with its process (the kernel drops a dead process's flock), so it is never stale;
        the registrations under store/.lock.d/ only name the holders and are swept when their pid is dead.
        """
        me = Holder.me("shared" if shared else "exclusive")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.file, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            if not shared or exc.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
                raise
            yield me  # a read-only store (e.g. a CI checkout): readers need no lock
            return
        try:
            kind = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
            told = False
            while True:
                try:
                    fcntl.flock(fd, kind | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    holders = self.holders_now()
                    if not wait:
                        raise StoreBusy(holders, "build" if shared else "gc") from None
                    if not told and on_wait is not None:
                        on_wait(holders)
                        told = True
                    time.sleep(poll)
            registration = self.registrations / f"{me.pid}@{me.host}"
            replace_file(registration, me.dumps())
            try:
                yield me
            finally:
                registration.unlink(missing_ok=True)
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    def holders_now(self) -> list[Holder]:
        """Who holds the store lock now (other processes; dead ones' registrations are swept)."""
        found = []
        for path in sorted(self.registrations.iterdir()) if self.registrations.is_dir() else []:
            holder = Holder.read(path)
            if holder is None or holder.pid == os.getpid() and holder.host == HOST:
                continue
            if holder.alive:
                found.append(holder)
            else:
                path.unlink(missing_ok=True)
        return found

    # ---------------------------------------------------------------------------------------- job claims


class Claims:
    """The jobs being computed right now, one file per key naming the process computing it."""

    def __init__(self, folder: Path):
        self.folder = folder

    def claim(self, key: str) -> bool:
        """Claim job `key` for this process; False when a live process holds it (a dead one's is taken over)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / key
        me = Holder.me()
        tmp = self.folder / temp_name(key[:16], "claim", unique=True)
        tmp.write_bytes(me.dumps())
        try:
            for _ in range(2):
                try:
                    os.link(tmp, path)  # atomic and exclusive, also on NFS: the claim is whole
                    return True
                except FileExistsError:
                    if not self._take_over(path):
                        return False
            return False
        finally:
            tmp.unlink(missing_ok=True)

    def _take_over(self, path: Path) -> bool:
        """Remove a stale claim (its process is dead) under a takeover lock; True if it was removed."""
        with open(self.folder / ".takeover", "a") as guard:
            fcntl.flock(guard, fcntl.LOCK_EX)
            holder = Holder.read(path)
            if holder is not None and holder.alive:
                return False
            if holder is None and path.exists() and time.time() - path.stat().st_mtime < 60:
                return False  # unreadable but fresh: not ours to judge yet
            path.unlink(missing_ok=True)
            return True

    def holder(self, key: str) -> Holder | None:
        """The live process computing job `key`, or None."""
        holder = Holder.read(self.folder / key)
        return holder if holder is not None and holder.alive else None

    def release(self, key: str) -> None:
        """Drop this process's claim on job `key` (after put, or when it failed); others' are left alone."""
        path = self.folder / key
        current = Holder.read(path)
        if current is not None and (current.pid, current.host) == (os.getpid(), HOST):
            path.unlink(missing_ok=True)

    def sweep(self) -> None:
        """Remove the claims (and their temporaries) of processes no longer alive."""
        sweep_stale(self.folder)
        for path in self.folder.iterdir() if self.folder.is_dir() else []:
            holder = Holder.read(path)
            if not path.name.startswith(".") and holder is not None and not holder.alive:
                self._take_over(path)
