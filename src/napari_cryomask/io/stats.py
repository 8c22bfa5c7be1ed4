"""MRC header statistics (min, max, mean, rms) without a temporary the size of the map.

mrcfile fills the header with ``data.min()``, ``data.max()``, ``data.mean(dtype=float32)`` and
``data.std(dtype=float32)``; the last allocates an array the size of the map for ``data - mean``.
NumPy sums a contiguous array pairwise: a run of ``n > 128`` values is the sum of its first
``n2 = n // 2 - (n // 2) % 8`` values and of the rest, each summed the same way. The functions
here walk that tree down to runs of at most :data:`LEAF` values, let NumPy sum each run (which
it does with the same tree), and add the runs up as the tree does, so the float32 results are
bit-identical to NumPy's and every temporary holds one run. The runs are shared among threads. Where float32 overflows, the
header gets NumPy's float64 mean and standard deviation, as napari-cryomask wrote them before:
the mean as NumPy buffers a float32-to-float64 sum (8192 values at a time, added in turn), the
deviations pairwise.

Examples
--------
>>> data = np.random.default_rng(0).random((40, 50, 60), dtype=np.float32)
>>> s = header_stats(data)
>>> (s.mean, s.rms) == (data.mean(dtype=np.float32), data.std(dtype=np.float32))
True
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from napari_cryomask.core.blocks import worker_count

# Values summed by NumPy at a time (2 MB of float32): long enough that the calls for each run
# cost little beside the sums, short enough for the scratch of the squares to stay small.
LEAF = 1 << 19
# NumPy's buffer size (np.getbufsize()) for the float32 -> float64 sum of the mean.
_CAST_BUFFER = 8192


class HeaderStats(NamedTuple):
    """What an MRC header records of its data, as float32 numbers, and whether all were finite."""

    min: np.float32
    max: np.float32
    mean: np.float32
    rms: np.float32
    finite: bool


def _runs(n: int, start: int = 0):
    """The runs ``(start, length)`` of NumPy's pairwise tree over ``n`` values, left to right."""
    if n <= LEAF:
        yield start, n
        return
    half = n // 2
    half -= half % 8
    yield from _runs(half, start)
    yield from _runs(n - half, start + half)


def _tree_sum(n: int, sums) -> np.floating:
    """The runs' sums (an iterator, in order) added up as NumPy's tree adds them."""
    if n <= LEAF:
        return next(sums)
    half = n // 2
    half -= half % 8
    return _tree_sum(half, sums) + _tree_sum(n - half, sums)


def header_stats(data, *, workers: int | None = None) -> HeaderStats:
    """Min, max, mean and rms of a C-contiguous float32 array, as mrcfile puts them in a header.

    The runs are shared among ``workers`` threads (default: the usable CPUs); NumPy releases the
    GIL while it reduces, and the runs' results are combined in order, so the values do not
    depend on the number of threads.

    Parameters
    ----------
    data : float32 ndarray, C-contiguous
    workers : int, optional

    Returns
    -------
    HeaderStats
        ``finite`` is False when the data hold NaN or infinite values; then the mean and rms
        are not computed (0).
    """
    flat = np.asarray(data).reshape(-1)
    if flat.dtype != np.float32 or not flat.flags.c_contiguous:
        raise ValueError("header_stats needs C-contiguous float32 data")
    n = flat.size
    runs = list(_runs(n))
    workers = min(len(runs), workers or worker_count())
    scratch = threading.local()

    def first(run):
        values = flat[run[0]:run[0] + run[1]]
        with np.errstate(over="ignore", invalid="ignore"):  # NumPy's error state is per thread
            return values.min(), values.max(), np.add.reduce(values, dtype=np.float32)

    def squares(run, mean):
        values = flat[run[0]:run[0] + run[1]]
        if getattr(scratch, "part", None) is None:
            scratch.part = np.empty(min(n, LEAF), np.float32)
        part = scratch.part[:run[1]]
        with np.errstate(over="ignore", invalid="ignore"):
            np.subtract(values, mean, out=part)
            np.multiply(part, part, out=part)
            return np.add.reduce(part, dtype=np.float32)

    with np.errstate(over="ignore", invalid="ignore"), ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(first, runs))
        low = np.minimum.reduce([p[0] for p in parts])
        high = np.maximum.reduce([p[1] for p in parts])
        if not (np.isfinite(low) and np.isfinite(high)):
            return HeaderStats(low, high, np.float32(0), np.float32(0), False)
        total = _tree_sum(n, iter([p[2] for p in parts]))
        mean = np.float32(np.float64(total) / n)
        deviations = _tree_sum(n, iter(pool.map(lambda run: squares(run, mean), runs)))
        rms = np.sqrt(np.float32(np.float64(deviations) / n))
    if not (np.isfinite(mean) and np.isfinite(rms)):
        mean, rms = _float64_mean_std(flat)
    return HeaderStats(np.float32(low), np.float32(high), np.float32(mean), np.float32(rms), True)


def _float64_mean_std(flat):
    """NumPy's ``mean(dtype=float64)`` and ``std(dtype=float64)`` of float32 data, as float32."""
    total = 0.0
    for start in range(0, flat.size, _CAST_BUFFER):
        total += np.add.reduce(flat[start:start + _CAST_BUFFER], dtype=np.float64)
    mean = np.float64(total) / flat.size

    def squares(run):
        part = flat[run[0]:run[0] + run[1]].astype(np.float64)
        part -= mean
        part *= part
        return np.add.reduce(part)

    return np.float32(mean), np.float32(np.sqrt(_tree_sum(flat.size, map(squares, _runs(flat.size))) / flat.size))
