"""Writes that lose nothing: a new file is written beside its target, then moved onto it.

:class:`PendingFile` is the building block: a temporary file created exclusively
(``tempfile.mkstemp``: ``O_CREAT | O_EXCL``, a random name, never through a symlink) in the
target's folder, written through its own descriptor, then committed:

- ``overwrite=True``: ``os.replace`` onto the target, which keeps the target's permission bits
  (a new file gets ``0o666`` less the umask, as ``open`` gives it). A symlink at the target is
  replaced by the file, not written through.
- ``overwrite=False``: ``os.link`` onto the target, which fails if anything exists there, so
  of two creators one wins and the other gets ``FileExistsError``, race-free.

Readers see the old file or the complete new one. If anything fails before the commit, the
temporary file is removed and the target is untouched; errors name the target, never the
temporary file. While a file is pending in the main thread, SIGTERM and SIGHUP (when nothing
else handles them) raise :class:`Terminated`, so that the temporary file is removed as for
Ctrl-C; the process then exits with status 128 + the signal's number (143 for SIGTERM).

A temporary file left by a process that could not clean up (SIGKILL, power loss) is named
``.<target>.<random>.<pid>-<host>.cryomask-tmp``; the next write to that folder removes those
of this user and host whose process has ended (:func:`remove_stale_temporaries`).

Examples
--------
>>> import tempfile
>>> target = Path(tempfile.mkdtemp()) / "note.txt"
>>> atomic_write(target, lambda stream: stream.write(b"hello"))
>>> target.read_bytes()
b'hello'
>>> try:
...     atomic_write(target, lambda stream: stream.write(b"again"))
... except FileExistsError as error:
...     print(str(error).endswith("note.txt: file exists; pass overwrite=True to replace it"))
True
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import re
import signal
import stat
import sys
import tempfile
import threading
import time
from pathlib import Path

TEMP_SUFFIX = ".cryomask-tmp"


def _host_name() -> str:
    """This machine's name, as ``socket.gethostname()`` gives it (without importing socket on POSIX)."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket

    return socket.gethostname()


_HOST = hashlib.sha256(_host_name().encode()).hexdigest()[:8]
_TEMP_NAME = re.compile(r"^\..*\.(?P<pid>\d+)-(?P<host>[0-9a-f]{8})" + re.escape(TEMP_SUFFIX) + "$")
# Temporary files of processes that may still run elsewhere (no pid check) are left this long.
_ORPHAN_AGE_S = 24 * 3600
_SWEEPS: dict[str, tuple[float, float]] = {}


# Every this many bytes written, the OS is asked to start putting them on disk.
WRITEBACK_BYTES = 8 << 20


class _EarlyWriteback(io.FileIO):
    """A file that starts the disk writes of its data while more is written, so the commit's fsync
    has only the last few MB to wait for: a 64 MB mask committed in about 140 ms instead of 175.

    Writes go to the OS in pieces of at most :data:`WRITEBACK_BYTES` (BufferedWriter sends the
    rest again). ``posix_fadvise(DONTNEED)`` on the bytes just written starts their writeback
    without waiting for it (Linux); it drops only pages already clean, so the file mostly stays
    cached. Where the call does not exist, the writes are plain.
    """

    _start = _end = 0

    def write(self, data):
        with memoryview(data) as view, view.cast("B") as piece:
            start = self.tell()
            written = super().write(piece[:WRITEBACK_BYTES])
        if start != self._end:
            self._start = start
        self._end = start + written
        if self._end - self._start >= WRITEBACK_BYTES and hasattr(os, "posix_fadvise"):
            with contextlib.suppress(OSError):  # advice only: a file system may refuse it
                os.posix_fadvise(self.fileno(), self._start, self._end - self._start, os.POSIX_FADV_DONTNEED)
            self._start = self._end
        return written


class Terminated(SystemExit):
    """SIGTERM or SIGHUP arrived while a file was pending; the process exits with 128 + its number."""


def atomic_write(path, write, *, overwrite: bool = False) -> None:
    """Create or replace `path` with what ``write(stream)`` writes to a binary stream.

    Parameters
    ----------
    path : str or os.PathLike
        Target file.
    write : callable
        ``write(stream)``; `stream` is a binary file open on the temporary file.
    overwrite : bool, optional
        Replace an existing file. Default False: an existing file (or one created meanwhile by
        another process) raises ``FileExistsError``.

    Raises
    ------
    FileExistsError
        `path` exists and `overwrite` is False.
    FileNotFoundError
        The target folder does not exist.
    OSError
        The write or the move failed (full disk, permissions); the message names `path`.
    """
    with PendingFile(path, overwrite=overwrite) as pending:
        write(pending.stream)
        pending.commit()


class PendingFile:
    """A temporary file beside `path` that becomes `path` on :meth:`commit`.

    Use it as a context manager: leaving the block without a commit (an error, Ctrl-C,
    SIGTERM) removes the temporary file. Two pending files committed one after the other
    (a mask and its recipe) can be rolled back with :meth:`retract`.

    Parameters
    ----------
    path : str or os.PathLike
        Target file.
    overwrite : bool, optional
        Replace an existing target. Default False.

    Attributes
    ----------
    path : Path
        The target.
    stream : binary file
        Open on the temporary file until the commit.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "a.bin"
    >>> with PendingFile(target) as pending:
    ...     _ = pending.stream.write(b"data")
    ...     pending.commit()
    >>> target.read_bytes(), sorted(p.name for p in target.parent.iterdir())
    (b'data', ['a.bin'])
    """

    def __init__(self, path, *, overwrite: bool = False):
        self.path = Path(path)
        self.overwrite = bool(overwrite)
        self.committed = False
        self.temp = self.stream = self._identity = None
        self._guard = _terminate_raises()
        folder = self.path.parent
        if not folder.is_dir():
            raise FileNotFoundError(errno.ENOENT, f"folder {folder} does not exist", str(self.path))
        if not overwrite and os.path.lexists(self.path):
            raise _exists(self.path)

    def __enter__(self):
        self._guard.__enter__()
        try:
            remove_stale_temporaries(self.path.parent)
            fd, name = tempfile.mkstemp(
                prefix=f".{self.path.name[:80]}.", suffix=f".{os.getpid()}-{_HOST}{TEMP_SUFFIX}", dir=self.path.parent
            )
        except BaseException as error:
            self._guard.__exit__(None, None, None)
            if isinstance(error, OSError):
                raise _about(error, self.path) from None
            raise
        self.temp = Path(name)
        self.stream = io.BufferedWriter(_EarlyWriteback(fd, "w"))
        return self

    def __exit__(self, kind, error, trace):
        try:
            if not self.committed:
                self.discard()
        finally:
            self._guard.__exit__(None, None, None)
        if isinstance(error, OSError) and self._mine(error):
            raise _about(error, self.path) from None
        return False

    def _mine(self, error: OSError) -> bool:
        """Whether an error is about this pending file (the temporary one, or none named)."""
        if isinstance(error, FileExistsError) or error.filename == str(self.path):
            return False
        return error.filename in (None, str(self.temp)) or (self.temp is not None and self.temp.name in str(error))

    def commit(self) -> None:
        """Flush the temporary file to disk and move it onto the target."""
        try:
            self.stream.flush()
            os.fsync(self.stream.fileno())
            os.chmod(self.stream.fileno() if os.chmod in os.supports_fd else self.temp, self._mode())
            self.stream.close()
            if self.overwrite:
                os.replace(self.temp, self.path)
            else:
                self._link()
        except FileExistsError:
            raise _exists(self.path) from None
        except OSError as error:
            raise _about(error, self.path) from None
        self.committed = True
        self._identity = _identity(self.path)
        _sync_folder(self.path.parent)

    def discard(self) -> None:
        """Remove the temporary file (nothing happens to the target)."""
        if self.temp is None:
            return
        with contextlib.suppress(OSError):
            self.stream.close()
        with contextlib.suppress(OSError):
            self.temp.unlink()

    def retract(self) -> None:
        """Remove the committed target again, if it is still the file this commit put there."""
        if self.committed and self._identity is not None and _identity(self.path) == self._identity:
            with contextlib.suppress(OSError):
                self.path.unlink()

    def _mode(self) -> int:
        if self.overwrite:
            with contextlib.suppress(OSError):
                info = os.lstat(self.path)
                if stat.S_ISREG(info.st_mode):
                    return stat.S_IMODE(info.st_mode)
        return 0o666 & ~_umask()

    def _link(self) -> None:
        try:
            os.link(self.temp, self.path)
        except FileExistsError:
            raise
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS):
                raise
            # No hard links here (FAT, some network shares): claim the name exclusively, then replace it.
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600))
            os.replace(self.temp, self.path)
            return
        self.temp.unlink()


def remove_stale_temporaries(folder) -> list[Path]:
    """Remove the temporary files that ended processes of this user and host left in ``folder``.

    Only names of the form :class:`PendingFile` gives are looked at, only regular files owned by
    this user are removed, and only when their process is not running (elsewhere than POSIX:
    when they are a day old). A large folder is scanned at most about once for every hundred
    times its scan took, so that many writes to it stay cheap.

    Returns
    -------
    list of Path
        The files removed.
    """
    folder = os.path.abspath(folder)
    now = time.monotonic()
    last = _SWEEPS.get(folder)
    if last is not None and now - last[0] < 100 * last[1]:
        return []
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry.name) if entry.name.endswith(TEMP_SUFFIX) else None
        if match is None or match["host"] != _HOST:
            continue
        with contextlib.suppress(OSError):
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
                continue
            if _process_running(int(match["pid"]), info.st_mtime):
                continue
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    done = time.monotonic()
    _SWEEPS[folder] = (done, done - now)
    return removed


def _process_running(pid: int, mtime: float) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return time.time() - mtime < _ORPHAN_AGE_S
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it runs, as another user
    return True


def _identity(path):
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _exists(path) -> FileExistsError:
    return FileExistsError(f"{path}: file exists; pass overwrite=True to replace it")


def _about(error: OSError, path) -> OSError:
    """The same kind of error, about the target instead of the temporary file."""
    if error.errno is None:
        return type(error)(f"{path}: {error}")
    return type(error)(error.errno, error.strerror or os.strerror(error.errno), str(path))


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as stream:
            for line in stream:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _sync_folder(folder) -> None:
    """Make the rename durable (POSIX); nothing to do, or possible, elsewhere."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _raise_terminated(number, frame):
    raise Terminated(128 + number)


@contextlib.contextmanager
def _terminate_raises():
    """While pending, let SIGTERM and SIGHUP raise :class:`Terminated` if nothing else handles them."""
    if threading.current_thread() is not threading.main_thread() or sys.platform == "win32":
        yield
        return
    taken = []
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is signal.SIG_DFL:
            signal.signal(number, _raise_terminated)
            taken.append(number)
    try:
        yield
    finally:
        for number in taken:
            signal.signal(number, signal.SIG_DFL)
