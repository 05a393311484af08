"""Writing output files safely: atomically for regular files, in place for devices and pipes."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

__all__ = ["is_special", "write_text_atomic"]


def is_special(path: Path) -> bool:
    """An existing path that is not a regular file: /dev/null, /dev/stdout, a FIFO, a terminal."""
    try:
        return not stat.S_ISREG(path.stat().st_mode)
    except FileNotFoundError:
        return False


def write_text_atomic(path: str | os.PathLike[str], text: str, mode: int | None = None) -> None:
    """Write ``text`` so that a reader never sees half a file.

    A regular file is replaced by renaming a finished temporary file over it. A device or a pipe is
    written in place: renaming over ``/dev/null`` would turn it into a regular file for every program.
    """
    target = Path(path)
    if is_special(target):
        if target.is_dir():
            raise IsADirectoryError(21, "Is a directory", str(target))
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(text)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        elif target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
