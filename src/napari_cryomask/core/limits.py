"""Refuse, before allocating or computing, what cannot fit in memory or cannot finish.

Call :func:`require_fit` at the entry of anything that allocates an array whose size comes from
the user (a box, a tomogram, a particle mask, a blur or distance buffer), with the name of the
parameter the user gave. It raises :class:`TooLarge` (a ``ValueError`` and a ``MemoryError``)
naming that parameter, the size in GiB and the memory available, instead of NumPy's bare
``MemoryError`` or minutes of swapping.

Call :func:`require_kernel_fits` before a Gaussian filter whose width comes from the user: a
kernel far wider than the box costs minutes (its taps times the voxels) and only flattens.

The memory available is the smallest of: the system's available memory (Linux ``MemAvailable``
plus free swap; total physical memory elsewhere), the room a cgroup memory limit leaves, and the
room the process's address-space limit (``ulimit -v``) leaves. When none can be found, only
sizes beyond what the machine could address (2⁶³ bytes) are refused.

Examples
--------
>>> require_fit("box", (64, 64, 64))  # bytes of one float32 box
1048576
>>> try:
...     require_fit("--box", (100000,) * 3)
... except TooLarge as error:
...     print(str(error)[:62])
--box: 100000 x 100000 x 100000 float32 voxels need 3725290.3
"""

from __future__ import annotations

import math
import os
import sys
import time

import numpy as np

__all__ = ["TooLarge", "available_bytes", "gib", "require_fit", "require_kernel_fits"]

GIB = 1 << 30
# Multiply-adds of a Gaussian filter wider than its box beyond which it is refused (seconds of work).
KERNEL_WORK = 1e9
_UNKNOWN_LIMIT = 1 << 63


class TooLarge(ValueError, MemoryError):
    """An output that cannot fit in memory; the message names the parameter, the size and the room."""


def gib(nbytes: float) -> str:
    """A byte count as GiB with one decimal (two below 1 GiB).

    >>> gib(3 << 30), gib(512 << 20)
    ('3.0 GiB', '0.50 GiB')
    """
    value = nbytes / GIB
    return f"{value:.1f} GiB" if value >= 1 else f"{value:.2f} GiB"


def require_fit(name: str, shape, dtype="float32", *, copies: float = 1.0, what: str | None = None) -> int:
    """Raise :class:`TooLarge` unless ``copies`` arrays of ``shape`` and ``dtype`` fit in memory.

    Parameters
    ----------
    name : str
        The parameter the size comes from, as the user wrote it (``"--box"``, ``"mask_size"``,
        ``"tomogram shape"``, ``"sigma"``).
    shape : sequence of int
        Shape of one array.
    dtype : numpy dtype, optional
        Its element type; default float32.
    copies : float, optional
        How many such arrays the operation holds at its peak (the output and its temporaries).
    what : str, optional
        What the arrays are, for the message; default ``"<shape> <dtype> voxels"``.

    Returns
    -------
    int
        The bytes needed (``copies`` arrays).

    Raises
    ------
    TooLarge
        Needed bytes exceed :func:`available_bytes`; also for negative sizes.
    """
    dims = [int(n) for n in np.atleast_1d(shape)]
    if any(n < 0 for n in dims):
        raise TooLarge(f"{name}: sizes must not be negative, got {' x '.join(map(str, dims))}")
    itemsize = np.dtype(dtype).itemsize
    needed = math.ceil(math.prod(dims) * itemsize * copies)
    room = available_bytes()
    limit = _UNKNOWN_LIMIT if room is None else room
    if needed > limit:
        described = what or f"{' x '.join(map(str, dims))} {np.dtype(dtype).name} voxels"
        times = "" if copies == 1 else f" ({copies:g} arrays)"
        room_text = f"only {gib(room)} of memory are available" if room is not None else "that cannot be addressed"
        raise TooLarge(f"{name}: {described} need {gib(needed)}{times}, but {room_text}")
    return needed


def require_kernel_fits(name: str, sigma_px: float, shape, *, use: str | None = None) -> None:
    """Raise ``ValueError`` when a Gaussian of ``sigma_px`` voxels is wider than the box ``shape``
    and would take long.

    SciPy's filter, truncated at 4 sigma, costs its taps times the voxels on each axis: a kernel
    far wider than the box takes minutes and only flattens what it filters. One wider than the
    box but cheap (a tiny box) is left alone; beyond :data:`KERNEL_WORK` multiply-adds it is
    refused. NaN, infinite and negative widths are refused too.

    Parameters
    ----------
    name : str
        The parameter and its value as the user gave them (``"sigma 1e5"``, ``"lowpass 200000 Å"``).
    sigma_px : float
        Standard deviation in voxels.
    shape : sequence of int
        The box filtered.
    use : str, optional
        What to use instead, in the user's terms; default ``"at most <longest edge> voxels"``.

    Examples
    --------
    >>> require_kernel_fits("sigma 3", 3, (64, 64, 64))
    >>> require_kernel_fits("sigma 1e5", 1e5, (64, 64, 64))
    Traceback (most recent call last):
    ValueError: sigma 1e5: a Gaussian of sigma 100000 voxels is wider than the box (64 voxels); use at most 64 voxels
    """
    sigma_px = float(sigma_px)
    dims = [int(n) for n in np.atleast_1d(shape)]
    if not (math.isfinite(sigma_px) and sigma_px >= 0):
        raise ValueError(f"{name}: the Gaussian width must be a finite number ≥ 0, got {sigma_px!r} voxels")
    longest = max(dims)
    work = math.prod(dims) * len(dims) * (2 * (4 * sigma_px + 0.5) + 1)
    if sigma_px > longest and work > KERNEL_WORK:
        raise ValueError(
            f"{name}: a Gaussian of sigma {sigma_px:.6g} voxels is wider than the box ({longest} voxels); "
            f"use {use or f'at most {longest} voxels'}"
        )


def available_bytes() -> int | None:
    """Bytes this process can still allocate, as well as can be told; None when unknown.

    >>> available_bytes() is None or available_bytes() > 0
    True
    """
    now = time.monotonic()
    if now - _ROOM[0] < _ROOM_SECONDS:
        return _ROOM[1]
    candidates = [_system_available(), _cgroup_room(), _address_space_room()]
    known = [c for c in candidates if c is not None]
    room = max(0, min(known)) if known else None
    _ROOM[:] = [now, room]
    return room


# What available_bytes found, kept for a moment: masks at many particles check each block.
_ROOM_SECONDS = 0.2
_ROOM = [-1.0, None]


def _system_available() -> int | None:
    if sys.platform.startswith("linux"):
        info = _kib_fields("/proc/meminfo")
        if "MemAvailable" in info:
            return info["MemAvailable"] + info.get("SwapFree", 0)
    if sys.platform == "win32":
        return _windows_available()
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _kib_fields(path) -> dict:
    """``Key: N kB`` lines of a /proc file, as bytes by key."""
    values = {}
    try:
        with open(path, encoding="ascii") as stream:
            for line in stream:
                key, _, rest = line.partition(":")
                parts = rest.split()
                if parts and parts[0].isdigit():
                    values[key] = int(parts[0]) * 1024
    except OSError:
        pass
    return values


def _read_int(path) -> int | None:
    try:
        with open(path, encoding="ascii") as stream:
            text = stream.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _cgroup_room() -> int | None:
    """Room under a cgroup v2 (or v1) memory limit of this process's group."""
    if not sys.platform.startswith("linux"):
        return None
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ):
        limit = _read_int(limit_file)
        if limit is not None and limit < _UNKNOWN_LIMIT:
            return limit - (_read_int(usage_file) or 0)
    return None


def _address_space_room() -> int | None:
    """Room under ``RLIMIT_AS`` (``ulimit -v``) beyond what the process has mapped already."""
    try:
        import resource
    except ImportError:
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft < 0:
        return None
    used = _kib_fields("/proc/self/status").get("VmSize")
    return soft - (used or 0)


def _windows_available() -> int | None:
    import ctypes

    class MemoryStatus(ctypes.Structure):
        _fields_ = [
            ("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
            ("ullTotalPhys", ctypes.c_ulonglong), ("ullAvailPhys", ctypes.c_ulonglong),
            ("ullTotalPageFile", ctypes.c_ulonglong), ("ullAvailPageFile", ctypes.c_ulonglong),
            ("ullTotalVirtual", ctypes.c_ulonglong), ("ullAvailVirtual", ctypes.c_ulonglong),
            ("ullAvailExtendedVirtual", ctypes.c_ulonglong),
        ]

    status = MemoryStatus()
    status.dwLength = ctypes.sizeof(MemoryStatus)
    if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
        return None
    return int(min(status.ullAvailPageFile, status.ullAvailVirtual))
