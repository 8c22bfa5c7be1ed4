"""Coordinates of a box: parameter checks, centres, rotations and bounding blocks.

Every tuple is ordered ``(z, y, x)``, like the array axes. Euler angles follow cryoCAT:
``(phi, theta, psi)`` in degrees, ZXZ, defined on ``[x, y, z]`` coordinates and applied
actively to the object.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def as_triple(value, name: str) -> tuple[float, float, float]:
    """Return ``value`` as three floats ``(z, y, x)``.

    Parameters
    ----------
    value : float or sequence of 1 or 3 floats
        A scalar is used for all three axes.
    name : str
        Parameter name used in error messages.

    Examples
    --------
    >>> as_triple(4, "radii")
    (4.0, 4.0, 4.0)
    """
    try:
        values = np.atleast_1d(np.asarray(value, dtype=float)).ravel()
    except (OverflowError, TypeError, ValueError):
        raise ValueError(f"{name} must be one number or three (z, y, x) within the range of floats, got {value!r}") from None
    if values.size == 1:
        values = np.repeat(values, 3)
    if values.size != 3:
        raise ValueError(f"{name} must be one number or three (z, y, x), got {value!r}")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return tuple(float(v) for v in values)


def box_shape_of(mask_size, name: str = "mask_size") -> tuple[int, int, int]:
    """Return a box size as three positive integers ``(z, y, x)``.

    Examples
    --------
    >>> box_shape_of(64)
    (64, 64, 64)
    """
    sizes = as_triple(mask_size, name)
    if any(s < 1 or s != int(s) for s in sizes):
        raise ValueError(f"{name} must be positive whole numbers of voxels, got {mask_size!r}")
    return tuple(int(s) for s in sizes)


def default_center(box_shape: Sequence[int]) -> tuple[int, int, int]:
    """Return the cryo-EM box centre, ``size // 2`` on each axis.

    Examples
    --------
    >>> default_center((64, 65, 10))
    (32, 32, 5)
    """
    return tuple(int(s) // 2 for s in box_shape)


def center_of(center, box_shape) -> tuple[float, float, float]:
    """Return ``center`` as floats, or the default centre when it is None."""
    if center is None:
        return tuple(float(c) for c in default_center(box_shape))
    return as_triple(center, "center")


def rotation_matrix(angles) -> np.ndarray:
    """Return the active rotation for Euler angles as a matrix acting on ``(z, y, x)`` vectors.

    cryoCAT builds ``Rotation.from_euler("zxz", angles, degrees=True)`` on ``[x, y, z]``
    coordinates; reversing the axis order on both sides gives the same rotation on
    ``(z, y, x)`` vectors.

    Examples
    --------
    >>> m = rotation_matrix((90, 0, 0))
    >>> np.round(m @ [0, 0, 1], 6)  # x turns into y about z
    array([0., 1., 0.])
    """
    from scipy.spatial.transform import Rotation  # imported on use: scipy is slow to import

    phi, theta, psi = as_triple(angles, "angles")
    xyz = Rotation.from_euler("zxz", [phi, theta, psi], degrees=True).as_matrix()
    return xyz[::-1, ::-1].copy()


def is_rotation(angles) -> bool:
    """True when ``angles`` is given and not all zero."""
    return angles is not None and any(a % 360 != 0 for a in as_triple(angles, "angles"))


def bounding_block(center, half_extent, box_shape, region=None) -> tuple[slice, slice, slice]:
    """Index block of the box that holds ``center ± half_extent`` (clipped to box and region).

    The block may be empty (a slice with ``start >= stop``) when the object lies outside.
    """
    block = []
    for axis, (c, h, n) in enumerate(zip(center, half_extent, box_shape)):
        lo, hi = max(0, math.floor(c - h)), min(n, math.ceil(c + h) + 1)
        if region is not None:
            r = region[axis]
            r_lo, r_hi, _ = r.indices(n)
            lo, hi = max(lo, r_lo), min(hi, r_hi)
        block.append(slice(lo, max(lo, hi)))
    return tuple(block)


def region_slices(region, box_shape) -> tuple[slice, slice, slice]:
    """Normalise ``region`` (None or 3 slices) to three step-1 slices inside the box."""
    if region is None:
        return tuple(slice(0, n) for n in box_shape)
    if len(region) != 3:
        raise ValueError(f"region must be three slices (z, y, x), got {region!r}")
    out = []
    for r, n in zip(region, box_shape):
        if isinstance(r, (int, np.integer)):
            r = slice(int(r), int(r) + 1)
        start, stop, step = r.indices(n)
        if step != 1:
            raise ValueError(f"region slices must have step 1, got {r!r}")
        out.append(slice(start, max(start, stop)))
    return tuple(out)


def block_offsets(block, center):
    """Open (broadcastable) float32 grids of voxel offsets from ``center`` inside ``block``."""
    axes = [np.arange(s.start, s.stop, dtype=np.float32) - np.float32(c) for s, c in zip(block, center)]
    return axes[0][:, None, None], axes[1][None, :, None], axes[2][None, None, :]


def object_coordinates(block, center, rotation):
    """Coordinates ``(uz, uy, ux)`` of the voxels of ``block`` in the object's own frame.

    ``rotation`` is Euler angles or a matrix from :func:`rotation_matrix` (None: no rotation).
    Without rotation these are open grids that broadcast to the block; with rotation they are
    full float32 arrays: ``u = Mᵀ (v - c)``, the inverse of the object's active rotation.
    """
    dz, dy, dx = block_offsets(block, center)
    if rotation is None or (np.ndim(rotation) != 2 and not is_rotation(rotation)):
        return dz, dy, dx
    m = np.asarray(rotation if np.ndim(rotation) == 2 else rotation_matrix(rotation), dtype=np.float32)
    return tuple(m[0, i] * dz + m[1, i] * dy + m[2, i] * dx for i in range(3))
