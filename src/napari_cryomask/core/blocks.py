"""Blocks of a box: the block a mask's non-zero voxels occupy, grown, and cut into slabs for threads.

Every computation that touches only part of a box works on these ``tuple[slice, ...]`` blocks.
"""

from __future__ import annotations

import math
import os

import numpy as np

# Below this many voxels the threads cost more than they save.
PARALLEL_VOXELS = 1 << 19


def nonzero_block(mask, margin: int = 0) -> tuple[slice, ...] | None:
    """The smallest block holding every non-zero voxel, grown by ``margin``; None if all zero.

    Examples
    --------
    >>> m = np.zeros((4, 5, 6), bool); m[1, 2, 3] = m[2, 2, 4] = True
    >>> nonzero_block(m, 1)
    (slice(0, 4, None), slice(1, 4, None), slice(2, 6, None))
    """
    mask = np.asarray(mask)
    if mask.ndim == 0 or mask.size == 0:
        return None
    # One pass over the first axis finds its range; the others come from the OR of the planes
    # in that range, which is small.
    first = np.flatnonzero(np.any(mask.reshape(mask.shape[0], -1), axis=1))
    if first.size == 0:
        return None
    lo, hi = int(first[0]), int(first[-1]) + 1
    plane = np.any(mask[lo:hi], axis=0)
    ranges = [(lo, hi)]
    for axis in range(plane.ndim):
        other = tuple(a for a in range(plane.ndim) if a != axis)
        hits = np.flatnonzero(np.any(plane, axis=other))
        ranges.append((int(hits[0]), int(hits[-1]) + 1))
    return tuple(grown_slice(r, margin, n) for r, n in zip(ranges, mask.shape))


def grown_slice(bounds, margin, size) -> slice:
    return slice(max(0, bounds[0] - margin), min(size, bounds[1] + margin))


def grow_block(block, margin: int, shape) -> tuple[slice, ...]:
    """``block`` grown by ``margin`` voxels on every side, clipped to a box of ``shape``.

    >>> grow_block((slice(2, 5), slice(0, 3)), 2, (6, 10))
    (slice(0, 6, None), slice(0, 5, None))
    """
    return tuple(grown_slice((s.start, s.stop), margin, n) for s, n in zip(block, shape))


def row_slabs(block, voxels: int):
    """Sub-blocks of ``block`` that split its first axis into runs of about ``voxels`` voxels.

    >>> [s[0] for s in row_slabs((slice(0, 5), slice(0, 4)), 8)]
    [slice(0, 2, None), slice(2, 4, None), slice(4, 5, None)]
    """
    plane = math.prod(s.stop - s.start for s in block[1:])
    rows = max(1, voxels // max(1, plane))
    for start in range(block[0].start, block[0].stop, rows):
        yield (slice(start, min(start + rows, block[0].stop)),) + tuple(block[1:])


def in_slabs(block, voxels: int, work) -> None:
    """Call ``work(slab)`` for the :func:`row_slabs` of ``block``, on every CPU when the block is large.

    The slabs do not overlap; ``work`` must write nothing outside its own slab.

    >>> seen = []
    >>> in_slabs((slice(0, 4), slice(0, 2)), 4, lambda slab: seen.append(slab[0].start))
    >>> sorted(seen)
    [0, 2]
    """
    run_parts(list(row_slabs(block, voxels)), work, math.prod(s.stop - s.start for s in block))


def run_parts(parts, work, voxels: int) -> None:
    """Call ``work(part)`` for each of ``parts``, on every CPU when they hold ``voxels`` >= :data:`PARALLEL_VOXELS`.

    >>> seen = []
    >>> run_parts([1, 2, 3], seen.append, 10)
    >>> seen
    [1, 2, 3]
    """
    workers = min(worker_count(), len(parts)) if voxels >= PARALLEL_VOXELS else 1
    if workers <= 1:
        for part in parts:
            work(part)
        return
    from concurrent.futures import ThreadPoolExecutor  # imported on use: the command line starts faster

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(work, parts))


def worker_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def slabs(block, axis: int, count: int) -> list[tuple[slice, ...]]:
    """``block`` cut into up to ``count`` slabs across its longest axis other than ``axis``."""
    others = [a for a in range(len(block)) if a != axis]
    if not others:
        return [block]
    split = max(others, key=lambda a: block[a].stop - block[a].start)
    return [block[:split] + (piece,) + block[split + 1:] for piece in pieces(block[split], count)]


def pieces(span: slice, count: int) -> list[slice]:
    cuts = np.linspace(span.start, span.stop, min(count, span.stop - span.start) + 1).round().astype(int)
    return [slice(int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:])]
