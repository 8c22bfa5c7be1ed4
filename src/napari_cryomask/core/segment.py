"""A segment between two points as a placement: its midpoint, its length, and the rotation turning z onto it.

Points are ``(z, y, x)``. The angles are ZXZ Euler angles in degrees in cryoCAT's convention
(:func:`~napari_cryomask.core.geometry.rotation_matrix`): they rotate a solid whose axis is z
(a cylinder, a cone) so that its axis points from ``start`` to ``end``. In that convention the
rotated z axis is ``(cos θ, -sin θ cos ψ, sin θ sin ψ)`` in ``(z, y, x)``, whatever φ, so
φ = 0, θ = arccos(d_z) and ψ = atan2(d_x, -d_y) for the unit direction ``d``.
"""

from __future__ import annotations

import math

import numpy as np

from .geometry import as_triple


def segment_placement(start, end) -> tuple[tuple[float, float, float], float, tuple[float, float, float]]:
    """Midpoint ``(z, y, x)``, length and ZXZ angles (degrees) of the segment from ``start`` to ``end``.

    Examples
    --------
    >>> segment_placement((0, 0, 0), (0, 0, 10))  # along x
    ((0.0, 0.0, 5.0), 10.0, (0.0, 90.0, 90.0))
    >>> from napari_cryomask.core.geometry import rotation_matrix
    >>> _, _, angles = segment_placement((1, 2, 3), (4, -2, 15))
    >>> np.round(rotation_matrix(angles) @ [1, 0, 0] * 13, 6)  # z turned onto (3, -4, 12) / 13
    array([ 3., -4., 12.])
    """
    a, b = np.asarray(as_triple(start, "start")), np.asarray(as_triple(end, "end"))
    direction = b - a
    length = float(np.linalg.norm(direction))
    if length == 0:
        raise ValueError(f"the two points are the same, {tuple(a.tolist())}: they give no direction")
    dz, dy, dx = direction / length
    theta = math.degrees(math.acos(max(-1.0, min(1.0, dz))))
    psi = math.degrees(math.atan2(dx, -dy)) if (dx or dy) else 0.0
    center = tuple(float(v) for v in (a + b) / 2)
    return center, length, (0.0, theta + 0.0, psi + 0.0)
