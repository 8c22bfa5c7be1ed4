"""Thresholds to suggest for a density map; NaN and infinite voxels are ignored."""

from __future__ import annotations

import math

import numpy as np

from .geometry import as_triple
from .measure import volume_for_mass


def finite_values(density) -> np.ndarray:
    """The finite voxels of a map, flattened; an error if there are none."""
    d = np.asarray(density, dtype=np.float32).ravel()
    values = d[np.isfinite(d)]
    if values.size == 0:
        raise ValueError("the map has no finite values")
    return values


def sigma_threshold(density, k: float = 3.0) -> float:
    """``mean + k * std`` of the map.

    >>> sigma_threshold(np.array([0.0, 0.0, 1.0, 1.0]), k=1)
    1.0
    """
    v = finite_values(density)
    return float(v.mean(dtype=np.float64) + k * v.std(dtype=np.float64))


def otsu_threshold(density, bins: int = 256) -> float:
    """Otsu's threshold: the histogram split with the largest between-class variance.

    >>> t = otsu_threshold(np.r_[np.zeros(100), np.ones(100)])
    >>> 0 < t < 1
    True
    """
    v = finite_values(density)
    lo, hi = float(v.min()), float(v.max())
    if lo == hi:
        return lo
    if hi - lo > float(np.finfo(np.float32).max):
        v = v.astype(np.float64)  # the range (a map holding ±3e38) overflows float32's histogram
    counts, edges = np.histogram(v, bins=bins, range=(lo, hi))
    centers = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(counts)[:-1].astype(np.float64)
    w1 = counts.sum() - w0
    s0 = np.cumsum(counts * centers)[:-1]
    m0 = s0 / np.maximum(w0, 1)
    m1 = (np.sum(counts * centers) - s0) / np.maximum(w1, 1)
    between = w0 * w1 * (m0 - m1) ** 2
    return float(edges[1:][np.argmax(between)])


def mass_threshold(density, mass_kda: float, voxel_size=(1.0, 1.0, 1.0)) -> float:
    """Threshold above which the map's voxels hold ``mass_kda`` of protein (0.81 Da/Å³).

    >>> mass_threshold(np.arange(1000.0).reshape(10, 10, 10), mass_kda=0.081, voxel_size=1)
    899.0
    """
    if not mass_kda > 0:
        raise ValueError(f"mass must be positive (kDa), got {mass_kda!r}")
    vz, vy, vx = as_triple(voxel_size, "voxel_size")
    voxels = volume_for_mass(mass_kda) / (vz * vy * vx)
    if not math.isfinite(voxels):
        raise ValueError(f"mass {mass_kda:g} kDa is more than any map can hold ({voxels:g} voxels)")
    n = int(round(voxels))
    v = np.sort(finite_values(density))[::-1]
    if n < 1:
        return float(v[0])
    if n >= v.size:
        return float(v[-1]) - 1e-6 * max(1.0, abs(float(v[-1])))
    return float(v[n])


def default_threshold(density) -> float:
    """The threshold used when none is given: Otsu's.

    ``mean + 3 std`` (cryoCAT's intent) keeps nothing of maps where density fills much of the
    box, such as a membrane average; Otsu's split between background and density does not
    depend on how much of the box the density fills.

    >>> d = np.zeros((10, 10, 10)); d[:5] = 1.0
    >>> 0 < default_threshold(d) < 1
    True
    """
    return otsu_threshold(density)
