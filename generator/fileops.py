"""Crash-safe file operations: every writer of the project goes through these, so a kill -9 at any moment
leaves either the old content or the new, never a part, and never a site-less moment.

One naming scheme for temporaries, with the owner's pid in a fixed place (`sweep_stale` relies on it):

    .<name>.<kind>-<pid>@<host>[.<token>]      e.g. .meta.json.tmp-4242@box.9f1c, .public.staging-4242@box

A temporary whose process is dead (on this host) is debris of a killed run and may be swept; one of a live
process, or of another host, is never touched. Older names without `@<host>` are read as this host's.

- `replace_file(path, data)`: tmp + fsync + os.replace (+ fsync of the folder), POSIX's atomic replace.
- `publish_dir(work, final)`: rename a finished folder into a place that must not exist yet (first wins).
- `swap_dir(new, current)`: exchange two folders in one step (Linux renameat2(RENAME_EXCHANGE), macOS
  renamex_np(RENAME_SWAP)); elsewhere two renames with `recover_swap` restoring a site a kill left aside.
- `link_files(source, target, names)`: hard-link files that have not changed into a folder being built (a copy
  where links are impossible); they were made durable when first written, so `swap_dir` does not fsync a file
  with a second link again.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import re
import secrets
import shutil
import socket
import stat
import sys
from pathlib import Path


HOST = re.sub(r"[^A-Za-z0-9_-]", "", socket.gethostname().split(".")[0])[:32] or "host"
_TEMP = re.compile(
    r"^\.(?P<name>.+)\.(?P<kind>[a-z]+)-(?P<pid>\d+)(?:@(?P<host>[A-Za-z0-9_-]+))?"
    r"(?:\.(?P<token>[0-9a-f]+))?$"
)


def temp_name(name: str, kind: str, unique: bool = False) -> str:
    """`.<name>.<kind>-<pid>@<host>`, plus a random token when one process needs several at once."""
    base = f".{name}.{kind}-{os.getpid()}@{HOST}"
    return f"{base}.{secrets.token_hex(4)}" if unique else base


def temp_owner(entry_name: str) -> tuple[str, int, str] | None:
    """(kind, pid, host) of a temporary's name, or None when the name is not one of ours."""
    m = _TEMP.match(entry_name)
    return (m["kind"], int(m["pid"]), m["host"] or HOST) if m else None


def pid_alive(pid: int) -> bool:
    """Whether a local process with this id exists (signal 0 probes without signalling)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_stale(entry_name: str, kinds: set[str] | None = None) -> bool:
    """A temporary of a dead process on this host (of one of `kinds`, if given)."""
    owner = temp_owner(entry_name)
    if owner is None or (kinds is not None and owner[0] not in kinds):
        return False
    kind, pid, host = owner
    return host == HOST and not pid_alive(pid)


def remove(path: Path) -> None:
    """Delete a file, a link or a folder tree; absent is fine."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def sweep_stale(folder: Path, kinds: set[str] | None = None) -> list[Path]:
    """Remove the temporaries of dead processes in `folder`; returns what was removed."""
    if not folder.is_dir():
        return []
    removed = [entry for entry in folder.iterdir() if is_stale(entry.name, kinds)]
    for entry in removed:
        remove(entry)
    return removed


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (the directory entry itself is data)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a directory; the rename is still atomic
    finally:
        os.close(fd)


def fsync_tree(folder: Path) -> None:
    """fsync every file under `folder`, so that a rename never publishes data still in the page cache; a file
    with a second link is a link of a published one (link_files), fsynced when it was first written."""
    from concurrent.futures import ThreadPoolExecutor

    files = []
    for top, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(top, name)
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode) and info.st_nlink == 1:
                files.append(path)
    with ThreadPoolExecutor(max_workers=8) as pool:  # concurrent fsyncs share journal commits
        list(pool.map(fsync_file, files))


def fsync_file(path: Path | str) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def replace_file(path: Path, data: bytes) -> None:
    """Write `data` so that readers see the old content or the new, never a part (tmp, fsync, os.replace)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / temp_name(path.name, "tmp", unique=True)
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def publish_dir(work: Path, final: Path) -> bool:
    """Rename the finished folder `work` to `final` (which must not exist); False if another writer won."""
    final.parent.mkdir(parents=True, exist_ok=True)
    fsync_tree(work)
    try:
        os.rename(work, final)
    except OSError as exc:
        if exc.errno in (errno.EEXIST, errno.ENOTEMPTY) and final.exists():
            return False
        raise
    fsync_dir(final.parent)
    return True


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths; False where the system cannot (then nothing was changed)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    src, dst = os.fsencode(a), os.fsencode(b)
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        at_fdcwd, rename_exchange = -100, 2
        result = libc.renameat2(at_fdcwd, src, at_fdcwd, dst, rename_exchange)
    elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        result = libc.renamex_np(src, dst, 0x2)  # RENAME_SWAP
    else:
        return False
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def link_files(source: Path, target: Path, names: list[str]) -> None:
    """Hard-link source/<name> to target/<name> for each relative name: files that have not changed, into a
    folder being built (copied, to be fsynced with the new files, where the file system has no hard links)."""
    made: set[str] = set()
    for name in dict.fromkeys(names):
        src, dst = os.path.join(source, name), os.path.join(target, name)
        parent = os.path.dirname(dst)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        try:
            os.link(src, dst)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise
            shutil.copyfile(src, dst)


def swap_dir(new: Path, current: Path) -> None:
    """Put folder `new` in place of `current` in one step; the old content ends at `new`'s path, or is gone."""
    fsync_tree(new)
    if not current.exists():
        os.rename(new, current)
    elif not _exchange(new, current):
        aside = current.parent / temp_name(current.name, "old")  # no exchange here: two renames, and
        remove(aside)  # recover_swap() repairs a kill between them
        os.rename(current, aside)
        os.rename(new, current)
        os.rename(aside, new)
    fsync_dir(current.parent)


def recover_swap(current: Path) -> None:
    """If a kill struck between swap_dir's two renames (no exchange), put the old folder back."""
    if current.exists():
        return
    for aside in current.parent.glob(f".{current.name}.old-*"):
        if is_stale(aside.name, {"old"}) and aside.is_dir():
            os.rename(aside, current)
            return
