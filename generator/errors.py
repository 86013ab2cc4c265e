"""What a user can act on when a command fails: one line saying what happened and what to do, and the command's
exit status. Every such error is a GalleryError (as DVC's `exceptions.py` roots its errors in DvcException), so
the CLI maps them with one isinstance; anything else is a bug, shown as one line (the traceback with --debug)."""

from __future__ import annotations

import errno


EXIT_INTERNAL = 1  # a bug: one line here, the traceback with --debug
EXIT_USAGE = 2  # recipe errors, a filter that matches nothing, a confirmation (--yes) needed
EXIT_RECIPE_ERRORS = EXIT_USAGE
EXIT_MODEL_UNAVAILABLE = 3  # a model the command explicitly needs cannot run here
EXIT_FIGURES_FAILED = 4  # some figures failed at run time; the others were made and the site rendered
EXIT_STORE_BUSY = 5  # the store lock is held and --no-wait was given
EXIT_ENVIRONMENT = 6  # disk full, --out, serve port, corrupt cache, permissions
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)


class GalleryError(Exception):
    """A failure the user can act on: str() is the message (what, where, what to do), `exit_code` the status."""

    exit_code: int = EXIT_USAGE

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    def report(self) -> str:
        """What the command writes on stderr."""
        return f"error: {self}"


def environment_error(exc: OSError) -> GalleryError:
    """An operating-system failure (disk full, permissions, a path) as what to do about it."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        where = f" writing {exc.filename}" if exc.filename else ""
        message = (
            f"disk full{where}; free some space and rerun (finished results are kept, nothing half-written remains)"
        )
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        message = f"{exc.strerror}: {exc.filename}; check the folder's permissions"
    else:
        message = f"{exc}; check the path and the disk, then rerun"
    return GalleryError(message, EXIT_ENVIRONMENT)
