"""Soft edges: profiles of the distance outside a hard mask.

A soft edge lies outside the hard mask: the mask keeps the value 1 where it was 1 and falls to 0
over the edge, so softening never eats into what the hard mask covered.

- ``cosine``: ``0.5 * (1 + cos(pi * d / w))`` for ``0 < d < w`` (RELION's and ttmask's raised
  cosine), 0 from ``d = w`` on.
- ``gaussian``: ``exp(-d² / (2 w²))``, with ``w`` the standard deviation, 0 from ``d = 4 w`` on.
"""

from __future__ import annotations

import math

import numpy as np

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
    if edge == "gaussian" and not math.isfinite(GAUSSIAN_CUTOFF * width_px):
        raise ValueError(f"edge width {width_px:g} voxels is too large: a Gaussian edge reaches {GAUSSIAN_CUTOFF:g} widths")
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
