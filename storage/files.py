"""Files only their owner can read: the database, its WAL files, backups and the documents the
command line writes. Modes are set explicitly (never left to the umask): directories 0700,
files 0600.
"""

from __future__ import annotations

import contextlib
import os
import stat
import uuid
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
# Group and others: any of these bits set is looser than private.
_LOOSE = stat.S_IRWXG | stat.S_IRWXO

__all__ = [
    "PRIVATE_DIR",
    "PRIVATE_FILE",
    "ensure_private_file",
    "loose_mode",
    "make_private_dirs",
    "tighten",
    "write_private",
]


def make_private_dirs(path: Path) -> None:
    """Create ``path`` and any missing parents, each new one 0700. Directories that already
    exist are left as they are (they may be shared, like ``/var/lib``)."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            os.mkdir(directory, PRIVATE_DIR)
            os.chmod(directory, PRIVATE_DIR)


def ensure_private_file(path: Path) -> None:
    """Create ``path`` empty and 0600 if it does not exist; make it 0600 if it does (and is
    ours)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        tighten(path)
    else:
        os.close(fd)
        os.chmod(path, PRIVATE_FILE)


def tighten(path: Path) -> None:
    """Make an existing file 0600; a file that is missing or not ours is left alone."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        if stat.S_IMODE(os.stat(path).st_mode) != PRIVATE_FILE:
            os.chmod(path, PRIVATE_FILE)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as a 0600 file, whatever the umask: written to a private
    temporary file next to it first, then renamed over ``path``, so that no reader ever
    sees a half-written or briefly world-readable file."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        with os.fdopen(fd, "wb") as file:
            os.fchmod(file.fileno(), PRIVATE_FILE)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def loose_mode(path: Path) -> int | None:
    """The permission bits of ``path`` if group or others have any access; None if it is
    private or missing."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None
    return mode if mode & _LOOSE else None
