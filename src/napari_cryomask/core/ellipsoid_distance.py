"""Exact Euclidean distance from points to the surface of an ellipsoid.

The closest surface point of ``p`` is ``x_i = e_i² p_i / (t + e_i²)`` where ``t`` is the root of
``F(t) = Σ (e_i p_i / (t + e_i²))² - 1`` (D. Eberly, "Distance from a point to an ellipse, an
ellipsoid, or a hyperellipsoid"). ``F`` is convex and decreasing right of its pole, so Newton's
method started left of the root climbs to it without overshooting. ``max_i(-e_i² + e_i |p_i|)``
is such a start: there one term alone is ≥ 1.
"""

from __future__ import annotations

import numpy as np

_ITERATIONS = 60


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
    e = np.asarray(radii, dtype=np.float64)[:, None]
    p = np.abs(np.asarray(points, dtype=np.float64))
    # Points exactly on a symmetry plane make the start sit on a pole; a nudge far below
    # float32 resolution keeps every term defined without changing any distance we report.
    p = np.maximum(p, 1e-9 * e)
    e2 = e * e
    q = np.sum(p * p / e2, axis=0)
    t = np.max(-e2 + e * p, axis=0)
    t = np.where(q > 1.0, np.maximum(t, 0.0), t)
    active = np.arange(t.size)
    for _ in range(_ITERATIONS):
        ea, pa, e2a, ta = e, p[:, active], e2, t[active]
        r = ea * pa / (ta + e2a)
        f = np.sum(r * r, axis=0) - 1.0
        df = -2.0 * np.sum(r * r / (ta + e2a), axis=0)
        step = f / df
        t[active] = ta - step
        active = active[np.abs(step) > 1e-9 * (np.abs(ta) + e2.min())]
        if active.size == 0:
            break
    closest = e2 * p / (t + e2)
    return np.sqrt(np.sum((p - closest) ** 2, axis=0))
