"""The solids a mask can take, each defined in its own frame (centre at the origin).

Each solid answers three questions about points ``(uz, uy, ux)`` given as float32 arrays (or
open grids that broadcast): which points are inside (an exact test, boundary included), how far
each point is from the surface (signed: negative inside), and how far the solid reaches along
each axis. Cylinder, tube and cone are solids of revolution about the z axis, so their signed
distance is that of a 2D profile in the ``(rho, z)`` half plane.

The solids are plain classes, not dataclasses: defining them as frozen dataclasses took 7 ms of
every command's start.
"""

from __future__ import annotations

import math

import numpy as np

from .ellipsoid_distance import ellipsoid_surface_distance, outside_distance_bound


def _positive(value, name):
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive length, got {value!r}")
    return value


def _rho2(uy, ux):
    return uy * uy + ux * ux


def _open_grids(uz, uy, ux) -> bool:
    """True for the open grids of an unrotated block: shapes (z, 1, 1), (1, y, 1) and (1, 1, x)."""
    return (np.ndim(uz) == np.ndim(uy) == np.ndim(ux) == 3
            and np.shape(uz)[1:] == (1, 1) and np.shape(uy)[::2] == (1, 1) and np.shape(ux)[:2] == (1, 1))


def _sorted_distinct(values) -> np.ndarray:
    """``np.unique(values)``, which without its return options imports ``numpy.ma`` (a tenth of the start-up)."""
    ordered = np.sort(values, axis=None)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


# Blocks below this many voxels take the direct test: the bisection's steps cost more there.
_ROW_TEST_VOXELS = 1 << 18


def _largest_passing(rows, values, limit):
    """For each of ``rows``, the largest of the sorted float32 ``values`` with ``row + value <= limit``.

    ``-inf`` where none passes. ``row + value`` grows with ``value`` (rounding is monotonic), so
    a bisection over ``values`` finds it with the same float32 sums the whole test makes.
    """
    lo = np.full(rows.shape, -1, np.intp)
    hi = np.full(rows.shape, len(values) - 1, np.intp)
    while True:
        open_ = lo < hi
        if not open_.any():
            break
        mid = (lo + hi + 1) // 2
        passes = rows + values[mid] <= limit
        lo = np.where(open_ & passes, mid, lo)
        hi = np.where(open_ & ~passes, mid - 1, hi)
    return np.where(lo >= 0, values[np.maximum(lo, 0)], np.float32(-np.inf))


def _box_sdf_2d(a, b):
    """Signed distance for ``max(a, b) <= 0`` where ``a`` and ``b`` are axis-aligned offsets."""
    outside = np.sqrt(np.maximum(a, 0) ** 2 + np.maximum(b, 0) ** 2)
    return outside + np.minimum(np.maximum(a, b), 0)


def _segment_distance(pr, pz, ar, az, br, bz):
    """Distance from points to the segment from ``(ar, az)`` to ``(br, bz)``."""
    dr, dz = br - ar, bz - az
    s = np.clip(((pr - ar) * dr + (pz - az) * dz) / (dr * dr + dz * dz), 0.0, 1.0)
    return np.sqrt((pr - ar - s * dr) ** 2 + (pz - az - s * dz) ** 2)


def _revolved_extent(radius, height, matrix):
    """Half extent of a solid of revolution about z that fits in a cylinder, after ``matrix``."""
    if matrix is None:
        return (height / 2, radius, radius)
    axis = np.abs(matrix[:, 0])
    return tuple(axis * height / 2 + radius * np.sqrt(np.maximum(0, 1 - axis**2)))


class Sphere:
    # Voxels its inside test takes at a time: it makes no temporary array of that size.
    inside_slab_voxels = 1 << 20
    # Axes along which it reads the same backwards, unrotated (see core/mirror.py).
    mirror_axes = (0, 1, 2)

    def __init__(self, radius: float):
        _positive(radius, "radius")
        self.radius = radius

    def half_extent(self, matrix=None):
        return (self.radius,) * 3

    def inside(self, uz, uy, ux):
        limit = np.float32(self.radius) ** 2
        if not _open_grids(uz, uy, ux) or np.size(uz) * np.size(uy) * np.size(ux) < _ROW_TEST_VOXELS:
            return uz * uz + uy * uy + ux * ux <= limit
        # The same float32 test, row by row: (uz² + uy²) + ux² grows with ux², so each row
        # keeps the ux² up to the largest one that passes, found by bisection.
        rows = uz * uz + uy * uy
        squares = ux * ux
        return squares <= _largest_passing(rows, _sorted_distinct(squares), limit)

    def sdf(self, uz, uy, ux, band=None, inside_band=None):
        return np.sqrt(uz * uz + uy * uy + ux * ux) - np.float32(self.radius)


class Ellipsoid:
    mirror_axes = (0, 1, 2)

    def __init__(self, radii: tuple):  # (z, y, x)
        for r in radii:
            if not (math.isfinite(float(r)) and r >= 0):
                raise ValueError(f"radii must be zero or positive lengths, got {r!r}")
        self.radii = radii

    @property
    def empty(self):
        """A zero semi-axis leaves no volume: the mask is empty, as in cryoCAT."""
        return min(self.radii) == 0

    def half_extent(self, matrix=None):
        if matrix is None:
            return tuple(self.radii)
        return tuple(np.sqrt(((matrix * np.asarray(self.radii)) ** 2).sum(axis=1)))

    def _q(self, uz, uy, ux):
        rz, ry, rx = (np.float32(r) for r in self.radii)
        return (uz / rz) ** 2 + (uy / ry) ** 2 + (ux / rx) ** 2

    def inside(self, uz, uy, ux):
        q = self._q(uz, uy, ux)
        inside = q <= 1
        # float32 rounding can flip voxels lying on the surface; decide those in float64,
        # summing z, y, x terms in the order cryoCAT does.
        near = np.abs(q - 1) < 1e-5
        if np.any(near):
            coords = [np.broadcast_to(u, q.shape)[near].astype(np.float64) for u in (uz, uy, ux)]
            exact = sum(c * c / (r * r) for c, r in zip(coords, self.radii))
            inside[near] = exact <= 1
        return inside

    def sdf(self, uz, uy, ux, band=None, inside_band=None):
        """Exact signed distance for points outside within ``band`` and inside within ``inside_band``.

        Elsewhere only the sign is right and ``|sdf|`` is at least the band. Without bands the
        distance is exact everywhere.
        """
        q = self._q(uz, uy, ux)
        r_min = min(self.radii)
        if band is None:
            need = np.ones(q.shape, bool)
        else:
            # Outside, only points whose distance bound is within the band (a hundredth of a
            # voxel more covers the bound's float32 rounding); inside, those between the ellipsoid
            # and the one scaled by 1 - band/r_min.
            bound = outside_distance_bound((uz, uy, ux), [np.float32(r) ** 2 for r in self.radii], q)
            need = (q > 1) & (bound <= band + 0.01)
            if inside_band:
                need |= (q <= 1) & (q >= max(0.0, 1 - inside_band / r_min) ** 2)
        far_inside, far_outside = -(inside_band or band or 0), band or 0
        out = np.where(q <= 1, np.float32(far_inside), np.float32(far_outside)).astype(np.float32)
        if np.any(need):
            pts = np.stack([np.broadcast_to(u, q.shape)[need] for u in (uz, uy, ux)])
            dist = ellipsoid_surface_distance(pts, self.radii).astype(np.float32)
            out[need] = np.where(q[need] <= 1, -dist, dist)
        return out


class _Revolved:
    """A solid of revolution about z that fits in a cylinder of ``radius`` and ``height``."""

    def __init__(self, radius: float, height: float):
        _positive(radius, "radius")
        _positive(height, "height")
        self.radius, self.height = radius, height

    def half_extent(self, matrix=None):
        return _revolved_extent(self.radius, self.height, matrix)


class Cylinder(_Revolved):
    mirror_axes = (0, 1, 2)

    def inside(self, uz, uy, ux):
        return (_rho2(uy, ux) <= np.float32(self.radius) ** 2) & (np.abs(uz) <= np.float32(self.height / 2))

    def sdf(self, uz, uy, ux, band=None, inside_band=None):
        rho = np.sqrt(_rho2(uy, ux))
        return _box_sdf_2d(rho - np.float32(self.radius), np.abs(uz) - np.float32(self.height / 2))


class Tube(_Revolved):
    mirror_axes = (0, 1, 2)

    def __init__(self, radius: float, height: float, inner_radius: float = 0.0):
        super().__init__(radius, height)
        if not 0 <= inner_radius < radius:
            raise ValueError(f"inner_radius must be at least 0 and below radius {radius}, got {inner_radius}")
        self.inner_radius = inner_radius

    def inside(self, uz, uy, ux):
        rho2 = _rho2(uy, ux)
        return (
            (rho2 <= np.float32(self.radius) ** 2)
            & (rho2 >= np.float32(self.inner_radius) ** 2)
            & (np.abs(uz) <= np.float32(self.height / 2))
        )

    def sdf(self, uz, uy, ux, band=None, inside_band=None):
        rho = np.sqrt(_rho2(uy, ux))
        mid, half_wall = (self.radius + self.inner_radius) / 2, (self.radius - self.inner_radius) / 2
        return _box_sdf_2d(np.abs(rho - np.float32(mid)) - np.float32(half_wall), np.abs(uz) - np.float32(self.height / 2))


class Cuboid:
    mirror_axes = (0, 1, 2)

    def __init__(self, size: tuple, rounding: float = 0.0):  # full edge lengths (z, y, x)
        for s in size:
            _positive(s, "size")
        if not 0 <= rounding <= min(size) / 2:
            raise ValueError(f"rounding must be between 0 and half the smallest size, got {rounding}")
        self.size, self.rounding = size, rounding

    def half_extent(self, matrix=None):
        half = np.asarray(self.size) / 2
        return tuple(half if matrix is None else np.abs(matrix) @ half)

    def inside(self, uz, uy, ux):
        if self.rounding == 0:
            return (
                (np.abs(uz) <= np.float32(self.size[0] / 2))
                & (np.abs(uy) <= np.float32(self.size[1] / 2))
                & (np.abs(ux) <= np.float32(self.size[2] / 2))
            )
        return self.sdf(uz, uy, ux) <= 0

    def sdf(self, uz, uy, ux, band=None, inside_band=None):
        r = np.float32(self.rounding)
        q = [np.abs(u) - np.float32(s / 2) + r for u, s in zip((uz, uy, ux), self.size)]
        outside = np.sqrt(sum(np.maximum(c, 0) ** 2 for c in q))
        return outside + np.minimum(np.maximum(np.maximum(q[0], q[1]), q[2]), 0) - r


class Cone(_Revolved):
    """Base of ``radius`` at ``z = -height/2``, apex at ``z = +height/2``."""

    mirror_axes = (1, 2)

    def inside(self, uz, uy, ux):
        h, r = np.float32(self.height), np.float32(self.radius)
        rho = np.sqrt(_rho2(uy, ux))
        return (uz >= -h / 2) & (rho * h <= r * (h / 2 - uz))

    def sdf(self, uz, uy, ux, band=None, inside_band=None):
        h, r = np.float32(self.height), np.float32(self.radius)
        rho = np.sqrt(_rho2(uy, ux))
        to_base = _segment_distance(rho, uz, 0, -h / 2, r, -h / 2)
        to_side = _segment_distance(rho, uz, r, -h / 2, 0, h / 2)
        dist = np.minimum(to_base, to_side)
        return np.where(self.inside(uz, uy, ux), -dist, dist)


SOLIDS = {
    "sphere": Sphere,
    "ellipsoid": Ellipsoid,
    "cylinder": Cylinder,
    "tube": Tube,
    "cuboid": Cuboid,
    "cone": Cone,
}
