"""Put a mask onto another map's grid: its voxel size, box and origin.

Resampling a soft edge directly blurs it and moves it. Instead the mask's 0.5 contour is carried
over (the mask interpolated linearly at the new voxel centres, then binarised at 0.5) and the soft
edge is rebuilt around it on the new grid with its width kept in Å
(:func:`~napari_cryomask.core.edge_rebuild.soft_from_binary`). Positions are physical: voxel
``i`` of a grid lies at ``origin + i · voxel_size`` Å (the MRC origin, ``(z, y, x)``).
"""

from __future__ import annotations

import math

import numpy as np

from .blocks import nonzero_block
from .edge_rebuild import estimate_edge, soft_from_binary
from .edges import check_edge
from .geometry import as_triple, box_shape_of


def _positive_triple(value, name):
    values = as_triple(value, name)
    if any(v <= 0 for v in values):
        raise ValueError(f"{name} must be positive (Å), got {value!r}")
    return values


def _interpolate_axis(values, coords, axis):
    """Linear interpolation of ``values`` at ``coords`` (source indices) along ``axis``; 0 beyond the ends."""
    n = values.shape[axis]
    low = np.floor(coords).astype(np.int64)
    w = (coords - low).astype(np.float32)
    shape = [1] * values.ndim
    shape[axis] = len(coords)
    out = np.zeros(values.shape[:axis] + (len(coords),) + values.shape[axis + 1:], np.float32)
    for index, weight in ((low, 1 - w), (low + 1, w)):
        valid = (index >= 0) & (index < n)
        taken = np.take(values, np.clip(index, 0, n - 1), axis=axis)
        out += taken * np.where(valid, weight, 0).astype(np.float32).reshape(shape)
    return out


def resampled_values(mask, voxel_size, shape, like_voxel_size, *, origin=(0.0, 0.0, 0.0), like_origin=(0.0, 0.0, 0.0)) -> np.ndarray:
    """The mask interpolated (trilinear) at the voxel centres of another grid; 0 where it does not reach.

    >>> m = np.zeros((4, 4, 4), np.float32); m[:, :, 2:] = 1  # beyond its last voxel the mask is 0
    >>> resampled_values(m, 2.0, (2, 2, 8), 1.0)[0, 0].tolist()
    [0.0, 0.0, 0.0, 0.5, 1.0, 1.0, 1.0, 0.5]
    """
    mask = np.asarray(mask, dtype=np.float32)
    if mask.ndim != 3:
        raise ValueError(f"mask must be 3D (z, y, x), got shape {mask.shape}")
    shape = box_shape_of(shape, "shape")
    vs, to_vs = _positive_triple(voxel_size, "voxel_size"), _positive_triple(like_voxel_size, "like_voxel_size")
    origin, to_origin = as_triple(origin, "origin"), as_triple(like_origin, "like_origin")
    out = np.zeros(shape, np.float32)
    block = nonzero_block(mask)
    if block is None:
        return out
    target = []
    for s, v, o, tv, to, n in zip(block, vs, origin, to_vs, to_origin, shape):
        lo = math.floor((o + (s.start - 1) * v - to) / tv)
        hi = math.ceil((o + s.stop * v - to) / tv) + 1
        target.append(slice(max(0, lo), max(0, min(n, hi))))
    if any(t.start >= t.stop for t in target):
        return out
    values = mask[block]
    for axis, (s, t, v, o, tv, to) in enumerate(zip(block, target, vs, origin, to_vs, to_origin)):
        coords = (to + np.arange(t.start, t.stop) * tv - o) / v - s.start
        values = _interpolate_axis(values, coords, axis)
    out[tuple(target)] = values
    return out


def resample_mask(mask, voxel_size, shape, like_voxel_size, *, origin=(0.0, 0.0, 0.0), like_origin=(0.0, 0.0, 0.0),
                  edge=None, edge_width_A=None, level: float = 0.5) -> np.ndarray:
    """A mask on another grid: its ``level`` contour carried over, its soft edge rebuilt there in Å.

    Parameters
    ----------
    mask : 3D array
    voxel_size, origin : (z, y, x) Å
        The mask's grid.
    shape, like_voxel_size, like_origin
        The target grid (another map's box, voxel size and origin).
    edge : {"none", "cosine", "gaussian"}, optional
        The mask's soft edge; default: estimated from the mask
        (:func:`~napari_cryomask.core.edge_rebuild.estimate_edge`).
    edge_width_A : float, optional
        Its width (cosine) or sigma (Gaussian) in Å, kept on the new grid.
    level : float
        The contour carried over.

    Returns
    -------
    float32 array of ``shape``

    Examples
    --------
    >>> from napari_cryomask.core.shapes import sphere
    >>> m = sphere(64, 16, edge="cosine", edge_width_px=4)  # 2 Å voxels: radius 32 Å, 0.5 at 36 Å
    >>> r = resample_mask(m, 2.0, 32, 4.0, edge="cosine", edge_width_A=8)
    >>> r.shape, int((r[16, 16] >= 0.5).sum())  # 4 Å voxels: 0.5 at 9 voxels = 36 Å from the centre
    ((32, 32, 32), 19)
    """
    mask = np.asarray(mask, dtype=np.float32)
    to_vs = _positive_triple(like_voxel_size, "like_voxel_size")
    if edge is None:
        edge, edge_width_A = estimate_edge(mask, _positive_triple(voxel_size, "voxel_size"))
    edge, width = check_edge(edge, edge_width_A or 0.0)
    values = resampled_values(mask, voxel_size, shape, to_vs, origin=origin, like_origin=like_origin)
    return soft_from_binary(values >= np.float32(level), edge, width, level=level, voxel_size=to_vs)
