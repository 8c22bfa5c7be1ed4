"""Soft edges: profiles of distance outside a hard mask, and cryoCAT's Gaussian blur.

A soft edge lies outside the hard mask: the mask keeps the value 1 where it was 1 and falls to 0
over the edge, so softening never eats into what the hard mask covered.

- ``cosine``: ``0.5 * (1 + cos(pi * d / w))`` for ``0 < d < w`` (RELION's and ttmask's raised
  cosine), 0 from ``d = w`` on.
- ``gaussian``: ``exp(-d² / (2 w²))``, with ``w`` the standard deviation, 0 from ``d = 4 w`` on.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

EDGES = ("none", "cosine", "gaussian")
GAUSSIAN_CUTOFF = 4.0


def check_edge(edge: str, width_px: float) -> tuple[str, float]:
    """Validate an edge kind and width; a zero width means a hard edge."""
    if edge not in EDGES:
        raise ValueError(f"edge must be one of {', '.join(EDGES)}, got {edge!r}")
    width_px = float(width_px)
    if not math.isfinite(width_px) or width_px < 0:
        raise ValueError(f"edge width must be zero or a positive number of voxels, got {width_px!r}")
    if edge == "none" or width_px == 0:
        return "none", 0.0
    return edge, width_px


def edge_reach(edge: str, width_px: float) -> float:
    """How far outside the hard mask an edge has non-zero values, in voxels."""
    edge, width_px = check_edge(edge, width_px)
    return {"none": 0.0, "cosine": width_px, "gaussian": GAUSSIAN_CUTOFF * width_px}[edge]


def soft_edge(distance_px, edge: str = "cosine", width_px: float = 0.0) -> np.ndarray:
    """Mask values from the distance outside a hard mask.

    Parameters
    ----------
    distance_px : array
        Signed or outside distance in voxels; ``<= 0`` is inside.
    edge : {"none", "cosine", "gaussian"}
    width_px : float
        Cosine fall-off width, or the Gaussian standard deviation.

    Returns
    -------
    float32 array in [0, 1]

    Examples
    --------
    >>> soft_edge(np.array([0.0, 2.5, 5.0]), "cosine", 5)
    array([1. , 0.5, 0. ], dtype=float32)
    """
    edge, width_px = check_edge(edge, width_px)
    d = np.asarray(distance_px, dtype=np.float32)
    if edge == "none":
        return (d <= 0).astype(np.float32)
    out = (d <= 0).astype(np.float32)
    reach = width_px if edge == "cosine" else GAUSSIAN_CUTOFF * width_px
    band = (d > 0) & (d < reach)
    x = d[band].astype(np.float64) / width_px
    out[band] = 0.5 * (1 + np.cos(np.pi * x)) if edge == "cosine" else np.exp(-0.5 * x * x)
    return out


def nonzero_block(mask, margin: int = 0) -> tuple[slice, ...] | None:
    """The smallest block holding every non-zero voxel, grown by ``margin``; None if all zero."""
    block = []
    for axis in range(mask.ndim):
        other = tuple(a for a in range(mask.ndim) if a != axis)
        hits = np.flatnonzero(np.any(mask, axis=other))
        if hits.size == 0:
            return None
        block.append(slice(max(0, hits[0] - margin), min(mask.shape[axis], hits[-1] + 1 + margin)))
    return tuple(block)


def gaussian_blur(mask, sigma_px: float) -> np.ndarray:
    """Gaussian blur as cryoCAT's ``add_gaussian`` does it, computed only where it can be non-zero.

    Equal to ``scipy.ndimage.gaussian_filter(mask, sigma, mode="nearest", truncate=4.0)``: the
    filter reaches ``4 sigma`` (rounded) voxels, and outside the block of non-zero voxels grown by
    that reach the result is exactly zero.

    Examples
    --------
    >>> m = np.zeros((9, 9, 9), np.float32); m[4, 4, 4] = 1
    >>> round(float(gaussian_blur(m, 1).sum()), 4)
    1.0
    """
    sigma_px = float(sigma_px)
    if not math.isfinite(sigma_px) or sigma_px < 0:
        raise ValueError(f"sigma must be zero or positive, got {sigma_px!r}")
    mask = np.asarray(mask, dtype=np.float32)
    if sigma_px == 0:
        return mask.copy()
    reach = int(GAUSSIAN_CUTOFF * sigma_px + 0.5)
    out = np.zeros(mask.shape, np.float32)
    block = nonzero_block(mask, 2 * reach)
    if block is None:
        return out
    ndimage.gaussian_filter(mask[block], sigma_px, mode="nearest", truncate=GAUSSIAN_CUTOFF, output=out[block])
    return out


def soften(mask, edge: str = "cosine", width_px: float = 0.0, threshold: float = 0.5) -> np.ndarray:
    """Give an existing mask a soft edge: binarise at ``threshold``, then fall off outside.

    Examples
    --------
    >>> m = np.zeros((1, 1, 9), np.float32); m[0, 0, :3] = 1
    >>> [round(float(v), 3) for v in soften(m, "cosine", 4)[0, 0, :8]]
    [1.0, 1.0, 1.0, 0.854, 0.5, 0.146, 0.0, 0.0]
    """
    from .tight import outside_distance

    edge, width_px = check_edge(edge, width_px)
    binary = np.asarray(mask) >= threshold
    return soft_edge(outside_distance(binary), edge, width_px)

