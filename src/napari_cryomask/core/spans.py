"""Spans of lines: what lies between the first and the last non-zero voxel of every line along an axis.

cryoCAT's ``fill_hollow_mask`` and ``shrink_full_mask`` walk every line of the box in Python
and fill it from its first to its last non-zero voxel (pulled in by ``shrink`` voxels at both
ends). A voxel lies in that span exactly when some non-zero voxel of its line lies at least
``shrink`` voxels before it and another at least ``shrink`` voxels after it, so two running ORs
along the axis, shifted by ``shrink``, give every line's span at once.
"""

from __future__ import annotations

import numpy as np

from .blocks import nonzero_block


def _shifted(a, axis: int, shift: int) -> np.ndarray:
    """``a`` moved ``shift`` voxels towards higher indices along ``axis`` (negative: lower), False filled in."""
    if shift == 0:
        return a
    out = np.zeros_like(a)
    n = a.shape[axis]
    if abs(shift) >= n:
        return out
    src = [slice(None)] * a.ndim
    dst = [slice(None)] * a.ndim
    if shift > 0:
        src[axis], dst[axis] = slice(0, n - shift), slice(shift, n)
    else:
        src[axis], dst[axis] = slice(-shift, n), slice(0, n + shift)
    out[tuple(dst)] = a[tuple(src)]
    return out


def line_spans(binary, axis: int, shrink: int = 0) -> np.ndarray:
    """Fill every line along ``axis`` from its first to its last True voxel, ``shrink`` voxels in from each.

    A line whose span is shorter than ``2 * shrink + 1`` voxels stays empty.

    Examples
    --------
    >>> a = np.array([0, 1, 0, 0, 1, 0, 0], bool)
    >>> line_spans(a, 0).astype(int)
    array([0, 1, 1, 1, 1, 0, 0])
    >>> line_spans(a, 0, shrink=1).astype(int)
    array([0, 0, 1, 1, 0, 0, 0])
    """
    if int(shrink) != shrink or shrink < 0:
        raise ValueError(f"shrink must be a whole number of voxels ≥ 0, got {shrink!r}")
    a = np.asarray(binary, dtype=bool)
    after_first = np.logical_or.accumulate(a, axis=axis)
    before_last = np.flip(np.logical_or.accumulate(np.flip(a, axis), axis=axis), axis)
    shrink = int(shrink)
    return _shifted(after_first, axis, shrink) & _shifted(before_last, axis, -shrink)


def _block(mask):
    mask = np.asarray(mask)
    if mask.ndim != 3:
        raise ValueError(f"the mask must be 3D, got shape {mask.shape}")
    return mask, nonzero_block(mask != 0)


def filled_spans(mask) -> np.ndarray:
    """cryoCAT's ``fill_hollow_mask`` filling: spans along x, then along y of those, then along z of those.

    Non-zero voxels (NaN included) count as set. Only the block around them is computed.

    Examples
    --------
    >>> m = np.zeros((5, 5, 5)); m[1:4, 1:4, 1:4] = 1; m[2, 2, 2] = 0
    >>> int(filled_spans(m).sum())
    27
    """
    mask, block = _block(mask)
    out = np.zeros(mask.shape, bool)
    if block is not None:
        out[block] = line_spans(line_spans(line_spans(mask[block] != 0, 2), 1), 0)
    return out


def shrunk_spans(mask, shrink: int) -> np.ndarray:
    """cryoCAT's ``shrink_full_mask`` filling: the voxels that spans pulled in by ``shrink`` keep on all three axes.

    The spans along x come from the mask, those along y from the x spans, and those along z from
    both; a voxel stays where all three reach it.

    Examples
    --------
    >>> m = np.zeros((7, 7, 7)); m[1:6, 1:6, 1:6] = 1
    >>> int(shrunk_spans(m, 0).sum()), int(shrunk_spans(m, 1).sum())
    (125, 27)
    """
    if int(shrink) != shrink or shrink < 0:
        raise ValueError(f"shrink_factor must be a whole number of voxels ≥ 0, got {shrink!r}")
    mask, block = _block(mask)
    out = np.zeros(mask.shape, bool)
    if block is not None:
        first = line_spans(mask[block] != 0, 2, int(shrink))
        second = line_spans(first, 1, int(shrink))
        out[block] = first & second & line_spans(first | second, 0, int(shrink))
    return out
