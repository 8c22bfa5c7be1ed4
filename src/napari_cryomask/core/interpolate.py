"""Draw on a few planes, fill in between: interpolate a binary between drawn slices.

Each drawn plane becomes a 2D signed distance map (negative inside, the boundary half way between
voxels); a plane between two drawn ones takes the linear blend of their maps and is inside where
the blend is ≤ 0. Two equal discs give a cylinder between them, a disc and a smaller one a cone's
frustum, as segmentation tools interpolate. A shape that moves between the planes goes from one
to the other through their overlap (narrower half way); shapes that do not overlap across the gap
do not join: draw a plane between them.
"""

from __future__ import annotations

import numpy as np

from .blocks import grow_block, nonzero_block


def _signed_distance(plane):
    import edt  # imported on use

    inside = plane.view(np.uint8)
    outside = np.logical_not(plane).view(np.uint8)
    to_inside = edt.edt(outside, black_border=False, parallel=1).astype(np.float32)
    to_outside = edt.edt(inside, black_border=False, parallel=1).astype(np.float32)
    return np.where(plane, np.float32(0.5) - to_outside, to_inside - np.float32(0.5))


def drawn_planes(binary, axis: int = 0) -> list[int]:
    """Indices of the planes along ``axis`` that hold any True voxel.

    >>> b = np.zeros((5, 3, 3), bool); b[1, 1, 1] = b[3, 0, 0] = True
    >>> drawn_planes(b)
    [1, 3]
    """
    b = np.asarray(binary, dtype=bool)
    other = tuple(a for a in range(b.ndim) if a != axis)
    return [int(i) for i in np.flatnonzero(np.any(b, axis=other))]


def interpolate_planes(binary, axis: int = 0, planes=None) -> np.ndarray:
    """Fill the planes between drawn planes by interpolating their signed distance maps.

    Parameters
    ----------
    binary : 3D bool array
        The drawn planes (other planes are ignored and overwritten between drawn ones).
    axis : int
        The axis across the planes (0: z slices, as napari shows them by default).
    planes : list of int, optional
        Which planes were drawn; default: every plane with a True voxel. A listed empty plane
        counts as drawn (the solid ends before it).

    Returns
    -------
    bool array: the drawn planes as they are, the planes between consecutive drawn planes filled,
    the planes beyond the first and last drawn ones empty.

    Examples
    --------
    >>> b = np.zeros((5, 7, 7), bool); b[0, 2:5, 2:5] = True; b[4, 2:5, 2:5] = True
    >>> [int(p.sum()) for p in interpolate_planes(b)]
    [9, 9, 9, 9, 9]
    """
    b = np.asarray(binary, dtype=bool)
    if b.ndim != 3:
        raise ValueError(f"binary must be 3D, got shape {b.shape}")
    if axis not in (0, 1, 2):
        raise ValueError(f"axis must be 0, 1 or 2, got {axis!r}")
    moved = np.moveaxis(b, axis, 0)
    planes = drawn_planes(b, axis) if planes is None else sorted({int(p) for p in planes})
    if any(not 0 <= p < moved.shape[0] for p in planes):
        raise ValueError(f"planes must lie between 0 and {moved.shape[0] - 1}, got {planes}")
    out = np.zeros(moved.shape, bool)
    for p in planes:
        out[p] = moved[p]
    for a, c in zip(planes[:-1], planes[1:]):
        if c - a < 2:
            continue
        both = moved[a] | moved[c]
        block = nonzero_block(both)
        if block is None:
            continue
        block = grow_block(block, 1, both.shape)
        first, last = (_signed_distance(np.ascontiguousarray(moved[p][block])) for p in (a, c))
        if not moved[a].any():
            first = np.full_like(last, np.inf)
        if not moved[c].any():
            last = np.full_like(first, np.inf)
        for k in range(a + 1, c):
            t = np.float32((k - a) / (c - a))
            with np.errstate(invalid="ignore"):
                blend = (1 - t) * first + t * last
            out[(k,) + block] = blend <= 0
    return np.moveaxis(out, 0, axis)
