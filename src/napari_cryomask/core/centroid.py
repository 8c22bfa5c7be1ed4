"""Where a map's density is: its centroid above a threshold, and a sphere around it."""

from __future__ import annotations

import numpy as np

from .thresholds import default_threshold


def _above(density, threshold):
    d = np.asarray(density, dtype=np.float32)
    if d.ndim != 3:
        raise ValueError(f"density must be a 3D map, got {d.ndim} dimensions")
    if threshold is None:
        threshold = default_threshold(d)
    threshold = float(threshold)
    if not np.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number, got {threshold!r}")
    with np.errstate(invalid="ignore"):
        above = np.isfinite(d) & (d > threshold)
    if not above.any():
        raise ValueError(f"no voxel of the map is above the threshold {threshold:g}")
    return d, above, threshold


def density_centroid(density, threshold=None) -> tuple[float, float, float]:
    """Centroid (z, y, x) in voxels of the density above ``threshold``.

    Each voxel above the threshold weighs by how far it rises above it, so the faint rim of the
    density pulls less than its core. NaN voxels are ignored.

    Parameters
    ----------
    density : (z, y, x) array
    threshold : float, optional
        Default :func:`~napari_cryomask.core.thresholds.default_threshold` (Otsu).

    Examples
    --------
    >>> d = np.zeros((20, 20, 20), np.float32)
    >>> d[4:7, 10:13, 14:17] = 1
    >>> density_centroid(d, threshold=0.5)
    (5.0, 11.0, 15.0)
    """
    return _centroid(*_above(density, threshold))


def _centroid(d, above, threshold):
    index = np.nonzero(above)
    weight = d[index].astype(np.float64) - threshold
    return tuple(float(np.dot(i, weight) / weight.sum()) for i in index)


def enclosing_sphere(density, threshold=None) -> tuple[tuple[float, float, float], float]:
    """Sphere about the density centroid holding every voxel above ``threshold``, kept in the box.

    The radius reaches half a voxel beyond the farthest voxel above the threshold (so rounding
    the centre or radius for display keeps every such voxel inside) but stops one voxel short of
    the box faces, so the sphere never touches the box edge (a map whose density fills the box gets
    the largest such sphere about that centre).

    Parameters
    ----------
    density : (z, y, x) array
    threshold : float, optional
        As for :func:`density_centroid`.

    Returns
    -------
    center : (z, y, x) floats, voxels
    radius : float, voxels (at least 1)

    Examples
    --------
    >>> d = np.zeros((32, 32, 32), np.float32)
    >>> d[12:21, 16, 16] = 1
    >>> enclosing_sphere(d, threshold=0.5)
    ((16.0, 16.0, 16.0), 4.5)
    """
    d, above, threshold = _above(density, threshold)
    center = _centroid(d, above, threshold)
    index = np.nonzero(above)
    squared = sum((i - c) ** 2 for i, c in zip(index, center))
    reach = float(np.sqrt(squared.max())) + 0.5
    room = min(min(c, n - 1 - c) for c, n in zip(center, d.shape)) - 1
    return center, max(1.0, min(reach, room))
