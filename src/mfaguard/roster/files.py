"""All-or-nothing writes of a set of files.

Every new content is written to a temporary file next to its target first; only when all of them are
on disk are they renamed into place (a rename is atomic on one file system). An error before that
leaves every target as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from mfaguard.errors import MfaguardError

__all__ = ["FileChanges", "unchanged", "write_files"]

# path -> new text, or None to delete the file
FileChanges = Mapping[Path, "str | None"]


def unchanged(path: Path, text: str | None) -> bool:
    """Whether ``path`` already holds ``text`` (None: does not exist)."""
    try:
        return path.read_text(encoding="utf-8") == text
    except FileNotFoundError:
        return text is None
    except OSError:
        return False


def write_files(changes: FileChanges) -> list[Path]:
    """Apply ``changes``; returns the paths that actually changed (identical content is not rewritten)."""
    todo = {p: t for p, t in changes.items() if not unchanged(p, t)}
    staged: list[tuple[Path, Path]] = []
    try:
        for path, text in sorted(todo.items(), key=lambda kv: str(kv[0])):
            if text is None:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((Path(tmp), path))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            if path.exists():
                os.chmod(tmp, path.stat().st_mode & 0o777)
            else:
                os.chmod(tmp, 0o644)
    except BaseException as exc:  # Ctrl-C too: no temporary file is left behind
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                tmp.unlink()
        if isinstance(exc, OSError):
            raise MfaguardError(f"cannot write {exc.filename}: {exc.strerror}; nothing was changed") from None
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
    for path, text in todo.items():
        if text is None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    return sorted(todo)
