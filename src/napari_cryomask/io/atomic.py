"""Atomic file replacement: write a temporary file beside the target, then rename."""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path


def atomic_write(path, write, *, overwrite: bool = False) -> None:
    """Create or replace `path` with what ``write(temp_path)`` writes.

    `write` must create ``temp_path`` (a fresh name in the same folder as
    `path`). Once it returns, the temporary file is flushed to disk and moved
    onto `path` with `os.replace`, so readers see either the old file or the
    complete new one. If anything fails, including an interrupt, the temporary
    file is removed and an existing `path` is left untouched.

    The ``overwrite=False`` check happens before writing; a file created at
    `path` by another process during the write is replaced.

    Parameters
    ----------
    path : str or os.PathLike
        Target file.
    write : callable
        ``write(temp_path: Path) -> None``.
    overwrite : bool, optional
        Replace an existing file. Default False.

    Raises
    ------
    FileExistsError
        `path` exists and `overwrite` is False.
    FileNotFoundError
        The target folder does not exist.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "note.txt"
    >>> atomic_write(target, lambda tmp: tmp.write_text("hello"))
    >>> target.read_text()
    'hello'
    """
    path = Path(path)
    if not overwrite and path.exists():
        raise FileExistsError(f"{path}: file exists; pass overwrite=True to replace it")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path}: folder {path.parent} does not exist")
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        write(temp)
        with open(temp, "r+b") as stream:
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
        raise
