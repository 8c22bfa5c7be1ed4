"""A mask from a model's density: a threshold (given, or enclosing a share of the density), extension, soft edge.

Unlike a map's tight mask, nothing is dropped: a model's density has no noise, so every region
above the threshold stays (a complex of several chains, a ligand apart from its protein).
"""

from __future__ import annotations

import math

import numpy as np

from .distance import BlockDistance, mask_margin
from .edges import check_edge


def enclosing_threshold(density, percent: float) -> float:
    """The threshold above which the voxels hold ``percent`` % of the density's total.

    Only positive voxels count. The voxels strictly above the returned value hold at least that
    share; the threshold is the largest float32 below the last voxel needed.

    Examples
    --------
    >>> d = np.array([4.0, 3.0, 2.0, 1.0, 0.0], np.float32)
    >>> t = enclosing_threshold(d, 70)  # 4 + 3 = 7 of 10
    >>> int((d > t).sum())
    2
    """
    percent = float(percent)
    if not (0 < percent <= 100):
        raise ValueError(f"the share of the density to enclose must be above 0 and at most 100 %, got {percent!r}")
    d = np.asarray(density, dtype=np.float32).ravel()
    values = d[np.isfinite(d) & (d > 0)]
    if values.size == 0:
        raise ValueError("the density has no positive voxels to enclose")
    values = np.sort(values)[::-1]
    total = np.cumsum(values, dtype=np.float64)
    needed = values.size - 1 if percent == 100 else int(np.searchsorted(total, total[-1] * percent / 100, side="left"))
    last = values[min(needed, values.size - 1)]
    return float(np.nextafter(last, np.float32(-np.inf)))


def model_mask(
    density, *, threshold: float | None = None, enclose_percent: float | None = None, extend_px: float = 0.0,
    edge: str = "cosine", edge_width_px: float = 0.0,
) -> np.ndarray:
    """The voxels of ``density`` above a threshold, extended by ``extend_px`` and softened outside.

    Give ``threshold`` (density units) or ``enclose_percent`` (the voxels holding that share of
    the density, see :func:`enclosing_threshold`). The extension is Euclidean, the edge as in
    :mod:`~napari_cryomask.core.edges`; only the block around the mask is computed.

    Examples
    --------
    >>> d = np.zeros((20, 20, 20), np.float32); d[9:11, 9:11, 9:11] = 1
    >>> m = model_mask(d, threshold=0.5, extend_px=2, edge="cosine", edge_width_px=2)
    >>> float(m[10, 10, 12]), float(m[10, 10, 13]), float(m[10, 10, 14])
    (1.0, 0.5, 0.0)
    """
    d = np.asarray(density, dtype=np.float32)
    if d.ndim != 3 or 0 in d.shape:
        raise ValueError(f"the density must be a non-empty 3D array, got shape {d.shape}")
    if (threshold is None) == (enclose_percent is None):
        raise ValueError("give a threshold or the share of the density to enclose (enclose_percent), one of them")
    if threshold is None:
        threshold = enclosing_threshold(d, enclose_percent)
    threshold = float(threshold)
    if not math.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number, got {threshold!r}")
    extend_px = float(extend_px)
    if not (math.isfinite(extend_px) and extend_px >= 0):
        raise ValueError(f"extend must be zero or a positive distance in voxels, got {extend_px!r}")
    edge, edge_width_px = check_edge(edge, edge_width_px)
    with np.errstate(invalid="ignore"):
        binary = d > np.float32(threshold)
    return BlockDistance(binary, mask_margin(extend_px, edge, edge_width_px)).mask(extend_px, edge, edge_width_px)
