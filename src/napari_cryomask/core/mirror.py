"""Masks that read the same backwards along some axes: one half computed, the other copied.

A solid centred on the voxel grid (or half-way between two voxels) whose values depend on its
coordinates only through their squares or absolute values takes the same value at offsets
``+u`` and ``-u``, bit for bit: the offsets are exact in float32, and so are their negatives.
Along such an axis only the first half of a block centred on the solid is computed.

Examples
--------
>>> out = np.zeros((1, 1, 5), np.float32)
>>> block = (slice(0, 1), slice(0, 1), slice(0, 5))
>>> axes = symmetric_axes(block, (0, 0, 2), (2,))
>>> out[half_block(block, axes)] = [1, 2, 3]
>>> mirror_fill(out, block, axes); out[0, 0].tolist()
[1.0, 2.0, 3.0, 2.0, 1.0]
"""

from __future__ import annotations

import math

import numpy as np

from .blocks import pieces, run_parts, worker_count


def symmetric_axes(block, center, axes) -> list[int]:
    """The axes among ``axes`` along which ``block`` is centred on ``center`` (on the half-voxel grid)."""
    found = []
    for a in axes:
        span, c = block[a], float(np.float32(center[a]))
        if span.stop - span.start >= 2 and (2 * c).is_integer() and span.start + span.stop - 1 == 2 * c:
            found.append(a)
    return found


def low_half(span: slice) -> slice:
    """The first half of ``span``, with its middle element when it has one."""
    return slice(span.start, span.start + (span.stop - span.start + 1) // 2)


def half_block(block, axes) -> tuple[slice, ...]:
    """The part of ``block`` to compute: its first half along each of ``axes``."""
    return tuple(low_half(s) if a in axes else s for a, s in enumerate(block))


def mirror_fill(out, block, axes, keep_low=()) -> None:
    """Fill ``block`` of ``out`` from its :func:`half_block`, reversing the halves along ``axes``.

    Only the first halves along ``keep_low`` are filled (they are mirrored later).
    """
    axes = list(axes)
    for i, axis in enumerate(axes):
        low_axes = set(keep_low) | set(axes[i + 1:])
        part = [low_half(s) if a in low_axes else s for a, s in enumerate(block)]
        span = block[axis]
        count = (span.stop - span.start) // 2
        low, high = list(part), list(part)
        low[axis] = slice(span.start, span.start + count)
        high[axis] = slice(span.stop - count, span.stop)
        flip_copy(out, tuple(high), tuple(low), axis)


def flip_copy(out, target, source, flip_axis) -> None:
    """``out[target] = out[source]`` reversed along ``flip_axis``, in slabs on every CPU when large."""
    others = [a for a in range(out.ndim) if a != flip_axis]
    if not others:
        out[target] = np.flip(out[source], flip_axis)
        return
    split = max(others, key=lambda a: target[a].stop - target[a].start)

    def run(piece):
        t, s = list(target), list(source)
        t[split] = s[split] = piece
        out[tuple(t)] = np.flip(out[tuple(s)], flip_axis)

    run_parts(pieces(target[split], worker_count()), run, math.prod(s.stop - s.start for s in target))
