"""Helical masks: keep the central part of a filament's box along z, and symmetrise along a helix.

Conventions: the helix axis is z through the box centre. Unit ``k`` of a helix is the mask turned
by ``k · twist`` about z, right-handed (x turns towards y, seen from +z looking down), and raised
by ``k · rise`` along +z, so a positive twist with a positive rise is a right-handed helix. For
``N`` units ``k`` runs from ``(N + 1) % 2 - N // 2`` to ``N // 2``, as RELION counts them (three
units: -1, 0, 1; four: -1 to 2).

The central part follows RELION's ``--helix --z_percentage`` (``cutZCentralPartOfSoftMask``):
planes within ``z_fraction · nz / 2`` of the centre plane ``nz // 2`` keep the mask, a cosine
taper of ``edge_width_px`` follows outside them, and the rest is 0.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .copies import moved_copies
from .geometry import as_triple, center_of
from .symmetry import axis_rotation


def _check_fraction(z_fraction):
    if isinstance(z_fraction, bool) or not (isinstance(z_fraction, numbers.Real) and 0 < z_fraction <= 1):
        raise ValueError(f"z_fraction must be above 0 and at most 1 (a share of the box length along z), got {z_fraction!r}")


def z_profile(nz: int, z_fraction: float = 0.3, edge_width_px: float = 5.0) -> np.ndarray:
    """Per-plane weight of the central part along z: 1 in it, a raised cosine of ``edge_width_px`` outside.

    >>> [round(float(v), 3) for v in z_profile(20, 0.3, 2)]
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0]
    """
    _check_fraction(z_fraction)
    width = float(edge_width_px)
    if not math.isfinite(width) or width < 0:
        raise ValueError(f"edge_width_px must be zero or positive, got {edge_width_px!r}")
    half = nz * z_fraction / 2
    beyond = np.abs(np.arange(nz, dtype=float) - nz // 2) - half
    profile = (beyond <= 0).astype(float)
    if width > 0:
        taper = (beyond > 0) & (beyond < width)
        profile[taper] = 0.5 + 0.5 * np.cos(np.pi * beyond[taper] / width)
    return profile.astype(np.float32)


def helix_z_clip(mask, z_fraction: float = 0.3, edge_width_px: float = 5.0) -> np.ndarray:
    """Keep the central ``z_fraction`` of the box along z with a cosine taper (RELION's ``--z_percentage``).

    Parameters
    ----------
    mask : 3D array
    z_fraction : float
        Share of the box length kept, around the plane ``nz // 2`` (RELION's default: 0.3).
    edge_width_px : float
        Width of the cosine taper outside the kept planes, in voxels; 0 cuts hard.

    Examples
    --------
    >>> m = helix_z_clip(np.ones((20, 4, 4), np.float32), 0.5, 0)
    >>> m[:, 0, 0].tolist() == [0.0] * 5 + [1.0] * 11 + [0.0] * 4
    True
    """
    mask = np.asarray(mask, dtype=np.float32)
    if mask.ndim != 3:
        raise ValueError(f"mask must be 3D (z, y, x), got shape {mask.shape}")
    return mask * z_profile(mask.shape[0], z_fraction, edge_width_px)[:, None, None]


def unit_numbers(units: int) -> list[int]:
    """The unit indices ``k`` of ``units`` helical units, as RELION counts them.

    >>> unit_numbers(3), unit_numbers(4), unit_numbers(1)
    ([-1, 0, 1], [-1, 0, 1, 2], [0])
    """
    if int(units) != units or units < 1:
        raise ValueError(f"units must be a whole number ≥ 1, got {units!r}")
    units = int(units)
    return list(range((units + 1) % 2 - units // 2, units // 2 + 1))


def units_in_box(nz: int, rise_px: float) -> int:
    """The number of units whose shifts stay within half the box length: the default ``units``.

    >>> units_in_box(100, 12)
    9
    """
    if not rise_px > 0:
        raise ValueError(f"rise must be positive, got {rise_px!r}")
    per_side = math.floor((nz / 2) / rise_px + 1e-9)
    return 2 * per_side + 1


def helical_moves(twist_deg: float, rise_px: float, units: int, voxel_size=None) -> list[tuple[np.ndarray, tuple]]:
    """The moves (rotation, shift in Å, or voxels without ``voxel_size``) of ``units`` helical units.

    >>> [(round(float(m[1, 2]), 3), s) for m, s in helical_moves(90, 5, 3)]
    [(-1.0, (-5.0, 0.0, 0.0)), (0.0, (0.0, 0.0, 0.0)), (1.0, (5.0, 0.0, 0.0))]
    """
    if not math.isfinite(float(twist_deg)):
        raise ValueError(f"twist must be a finite angle in degrees, got {twist_deg!r}")
    if not (math.isfinite(float(rise_px)) and rise_px >= 0):
        raise ValueError(f"rise must be zero or positive, got {rise_px!r}")
    step = rise_px * (as_triple(voxel_size, "voxel_size")[0] if voxel_size is not None else 1.0)
    moves = []
    for k in unit_numbers(units):
        matrix = np.eye(3) if k == 0 else axis_rotation((0, 0, 1), k * float(twist_deg))
        moves.append((matrix, (k * step + 0.0, 0.0, 0.0)))
    return moves


def helix_symmetrize(mask, twist_deg: float, rise_px: float, units=None, *, center=None, voxel_size=None,
                     mode: str = "union", threshold: float = 0.5) -> np.ndarray:
    """Impose helical symmetry: the union (or thresholded average) of ``units`` units of the mask.

    Parameters
    ----------
    mask : 3D array
    twist_deg : float
        Turn between neighbouring units, degrees, right-handed about z.
    rise_px : float
        Rise between neighbouring units along z, in voxels (of the z axis).
    units : int, optional
        Number of units; default: every unit whose shift stays within half the box.
    center : (z, y, x) voxels, optional
        A point on the helix axis (which runs along z); default ``size // 2``.
    voxel_size, mode, threshold
        As :func:`~napari_cryomask.core.symmetry.symmetrize`.

    Examples
    --------
    >>> m = np.zeros((21, 21, 21), np.float32); m[10, 10, 15] = 1
    >>> h = helix_symmetrize(m, 90, 3, units=3)
    >>> float(h[10, 10, 15]), float(h[13, 15, 10]), float(h[7, 5, 10])
    (1.0, 1.0, 1.0)
    """
    mask = np.asarray(mask, dtype=np.float32)
    if mask.ndim != 3:
        raise ValueError(f"mask must be 3D (z, y, x), got shape {mask.shape}")
    units = units_in_box(mask.shape[0], rise_px) if units is None else units
    moves = helical_moves(twist_deg, rise_px, units, voxel_size)
    return moved_copies(mask, moves, center_of(center, mask.shape), voxel_size=voxel_size, mode=mode, threshold=threshold)
