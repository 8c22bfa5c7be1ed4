"""Exact Euclidean distance from points to the surface of an ellipsoid.

The closest surface point of ``p`` is ``x_i = e_i² p_i / (t + e_i²)`` where ``t`` is the root of
``F(t) = Σ (e_i p_i / (t + e_i²))² - 1`` (D. Eberly, "Distance from a point to an ellipse, an
ellipsoid, or a hyperellipsoid"). ``F`` is convex and decreasing right of its pole, so Newton's
method started left of the root climbs to it without overshooting. ``max_i(-e_i² + e_i |p_i|)``
is such a start: there one term alone is ≥ 1. Outside, ``t`` at the root is the distance over
``|x / e²|``, which is at most ``1 / min(e)`` on the surface, so ``min(e)`` times a lower bound of
the distance is a start nearer the root, and still left of it.
"""

from __future__ import annotations

import numpy as np

_ITERATIONS = 60
# Points are solved in chunks small enough for their arrays to stay in the CPU cache.
_CHUNK = 16384


def ellipsoid_surface_distance(points, radii) -> np.ndarray:
    """Unsigned distance from each point to the ellipsoid surface.

    Parameters
    ----------
    points : (3, N) array
        Coordinates relative to the ellipsoid centre, in the ellipsoid's own frame.
    radii : 3 floats
        Semi-axes along the same three coordinates.

    Returns
    -------
    (N,) float64 array

    Examples
    --------
    >>> ellipsoid_surface_distance(np.array([[0.0], [0.0], [12.0]]), (4, 6, 8))
    array([4.])
    """
    points = np.asarray(points)
    out = np.empty(points.shape[1], np.float64)
    for start in range(0, points.shape[1], _CHUNK):
        chunk = slice(start, start + _CHUNK)
        out[chunk] = _distance(points[:, chunk], radii)
    return out


def _distance(points, radii) -> np.ndarray:
    e = [float(r) for r in radii]
    e2 = [r * r for r in e]
    # Points exactly on a symmetry plane make the start sit on a pole; a nudge far below
    # float32 resolution keeps every term defined without changing any distance we report.
    p = [np.maximum(np.abs(np.asarray(c, dtype=np.float64)), 1e-9 * r) for c, r in zip(points, e)]
    q = p[0] * p[0] / e2[0] + p[1] * p[1] / e2[1] + p[2] * p[2] / e2[2]
    t = np.maximum(np.maximum(-e2[0] + e[0] * p[0], -e2[1] + e[1] * p[1]), -e2[2] + e[2] * p[2])
    t = np.where(q > 1.0, np.maximum(t, 0.999 * min(e) * outside_distance_bound(p, e2, q)), t)
    # Newton's method on the points that have not converged yet, kept packed together.
    ep = [r * c for r, c in zip(e, p)]
    index = np.arange(t.size)
    ta = t
    tolerance_floor = min(e2)
    for _ in range(_ITERATIONS):
        den = [ta + r2 for r2 in e2]
        r = [a / d for a, d in zip(ep, den)]
        rr = [x * x for x in r]
        f = rr[0] + rr[1] + rr[2] - 1.0
        df = -2.0 * (rr[0] / den[0] + rr[1] / den[1] + rr[2] / den[2])
        step = f / df
        moving = np.abs(step) > 1e-9 * (np.abs(ta) + tolerance_floor)
        ta = ta - step
        t[index] = ta
        if not moving.any():
            break
        index, ep, ta = index[moving], [a[moving] for a in ep], ta[moving]
    closest = [r2 * c / (t + r2) for r2, c in zip(e2, p)]
    d = [c - k for c, k in zip(p, closest)]
    return np.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2])


def outside_distance_bound(p, e2, q):
    """A lower bound of the distance to the surface from points outside it (``q > 1``; 0 inside).

    ``g = sqrt(q) - 1`` is convex (a norm less 1), so its tangent plane at ``p`` lies below it
    and the distance is at least ``g / |grad g|``, with ``grad g = (p / e²) / sqrt(q)``.
    """
    root = np.sqrt(q)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.sqrt(sum((c / r2) ** 2 for c, r2 in zip(p, e2))) / root
        return np.where(q > 1, (root - 1) / slope, 0.0)
