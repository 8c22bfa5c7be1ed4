"""Point-group symmetry: the rotations of Cn, Dn, T, O and I in RELION's settings, and symmetrising a mask.

Conventions (stated once; the README repeats them):

- Operators are 3×3 rotation matrices acting on ``(z, y, x)`` vectors about the symmetry centre,
  which is the box centre ``size // 2`` by default (RELION's and Xmipp's origin too).
- RELION (Xmipp's ``symmetries.cpp``) gives its axes on ``(x, y, z)``; the same rotation on
  ``(z, y, x)`` vectors is its matrix with rows and columns reversed. The groups, as RELION sets
  them up (a group is a set, so the sense in which a generator turns does not matter):

  ========  ==========================================================================
  ``Cn``    n-fold axis along z
  ``Dn``    n-fold along z, a 2-fold along x
  ``T``     3-fold along z, a 2-fold in the yz plane at (x, y, z) ∝ (0, √2, 1)
  ``O``     4-fold along z, a 3-fold along (1, 1, 1)
  ``I2``    (= ``I``, RELION's default, "Crowther 222"): 2-folds on x, y and z; a 5-fold in the
            xz plane at ∝ (1, 0, φ), a 3-fold in the yz plane at ∝ (0, 1, φ²)
  ``I1``    "no-Crowther 222" (Heymann, Chagoyen & Belnap 2005): ``I2`` turned 90° about y, so
            the 5-fold lies at ∝ (φ, 0, -1)
  ``I3``    "52 setting": a 5-fold on z; ``I2`` turned about y by -atan(1/φ) = -31.72°
  ``I4``    another 52 setting: ``I2`` turned about y by +31.72°, a 5-fold at ∝ (2, 0, 1)
  ========  ==========================================================================

  with φ the golden ratio. Each setting is built here from its own generators, and the tests
  check that they relate as stated.
- Symmetrising makes the union (voxel-wise maximum) of the rotated copies, or their average then
  a threshold. Rotations act in Å, so anisotropic voxels are handled.
"""

from __future__ import annotations

import math
import re

import numpy as np

from .copies import moved_copies
from .geometry import center_of

PHI = (1 + math.sqrt(5)) / 2
GROUP_NAMES = "Cn, Dn (n from 1 to 99), T, O, I and I1 to I4"
_GROUP = re.compile(r"^(?:([CD])(\d{1,2})|(T)|(O)|I([1-4])?)$")


def _unit(v):
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)


# Generators as (fold, axis on (x, y, z)).
_Z, _X = (0.0, 0.0, 1.0), (1.0, 0.0, 0.0)
_ICOSAHEDRAL = {
    "I1": ((2, _X), (5, _unit((PHI, 0, -1))), (3, _unit((PHI**2, 1, 0)))),
    "I2": ((2, _Z), (5, _unit((1, 0, PHI))), (3, _unit((0, 1, PHI**2)))),
    "I3": ((2, _unit((-1, 0, PHI))), (5, _Z)),
    "I4": ((2, _unit((1, 0, PHI))), (5, _unit((2, 0, 1)))),
}


def parse_group(group: str) -> tuple[str, int]:
    """The family and order of a symmetry group name (any case): ``("C", 4)``, ``("I", 2)``, ``("T", 0)``.

    ``I`` means ``I2``, as in RELION.

    >>> parse_group("c6"), parse_group("D2"), parse_group("I"), parse_group("O")
    (('C', 6), ('D', 2), ('I', 2), ('O', 0))
    """
    text = str(group).strip().upper()
    match = _GROUP.match(text)
    if match is None or (match.group(2) is not None and int(match.group(2)) < 1):
        raise ValueError(f"symmetry group must be one of {GROUP_NAMES}, got {group!r}")
    family, order, tetra, octa, setting = match.groups()
    if family:
        return family, int(order)
    if tetra or octa:
        return (tetra or octa), 0
    return "I", int(setting or 2)


def _generators(group: str):
    family, n = parse_group(group)
    if family == "C":
        return ((n, _Z),)
    if family == "D":
        return ((n, _Z), (2, _X))
    if family == "T":
        return ((3, _Z), (2, _unit((0, math.sqrt(2), 1))))
    if family == "O":
        return ((4, _Z), (3, _unit((1, 1, 1))))
    return _ICOSAHEDRAL[f"I{n}"]


def axis_rotation(axis_xyz, angle_deg: float) -> np.ndarray:
    """Right-handed rotation by ``angle_deg`` about ``axis_xyz`` (on ``(x, y, z)``), as a matrix on ``(z, y, x)``.

    >>> np.round(axis_rotation((0, 0, 1), 90) @ [0, 0, 1], 6)  # x turns towards y about z
    array([0., 1., 0.])
    """
    x, y, z = _unit(axis_xyz)
    a = math.radians(angle_deg)
    c, s, t = math.cos(a), math.sin(a), 1 - math.cos(a)
    xyz = np.array([
        [t * x * x + c, t * x * y - s * z, t * x * z + s * y],
        [t * x * y + s * z, t * y * y + c, t * y * z - s * x],
        [t * x * z - s * y, t * y * z + s * x, t * z * z + c],
    ])
    return _snapped(xyz[::-1, ::-1])


def _snapped(m):
    """Entries within 1e-9 of 0, ±1/2 or ±1 set to them exactly, so that quarter and half turns map voxels onto voxels."""
    out = np.array(m, dtype=float)
    for value in (0.0, 0.5, -0.5, 1.0, -1.0):
        out[np.abs(out - value) < 1e-9] = value
    return out + 0.0  # no negative zeros


def _key(m):
    return tuple(np.round(m, 6).ravel() + 0.0)


def symmetry_operators(group: str) -> np.ndarray:
    """The rotations of a point group, shape ``(order, 3, 3)``, acting on ``(z, y, x)`` vectors; identity first.

    The group is closed from its generators; the order of the rest is fixed (by rotation angle,
    then axis), so results that sum the copies are reproducible.

    Examples
    --------
    >>> [len(symmetry_operators(g)) for g in ("C1", "C4", "D7", "T", "O", "I", "I3")]
    [1, 4, 14, 12, 24, 60, 60]
    >>> np.round(symmetry_operators("D2")[1:] @ [1, 0, 0], 6).tolist()  # z under the 2-folds
    [[-1.0, 0.0, 0.0], [-1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    """
    elements = {_key(np.eye(3)): np.eye(3)}
    for fold, axis in _generators(group):
        for k in range(1, fold):
            m = axis_rotation(axis, 360.0 * k / fold)
            elements.setdefault(_key(m), m)
    frontier = list(elements.values())
    while frontier:
        found = []
        generators = list(elements.values())
        for a in frontier:
            for b in generators:
                m = _snapped(a @ b)
                if _key(m) not in elements:
                    elements[_key(m)] = m
                    found.append(m)
        frontier = found
        if len(elements) > 240:
            raise RuntimeError(f"symmetry group {group!r} does not close")  # a wrong generator

    def order(m):
        angle = math.degrees(math.acos(max(-1.0, min(1.0, (np.trace(m) - 1) / 2))))
        return round(angle, 6), _key(m)

    return np.stack(sorted(elements.values(), key=order))


def symmetrize(mask, group: str, center=None, *, voxel_size=None, mode: str = "union", threshold: float = 0.5) -> np.ndarray:
    """Impose a point group's symmetry on a voxel mask.

    Each copy is the mask rotated by one of the group's operators about ``center``, resampled with
    linear interpolation, only in the block it reaches.

    Parameters
    ----------
    mask : 3D array
    group : str
        ``C1``–``C99``, ``D1``–``D99``, ``T``, ``O``, ``I`` (= ``I2``), ``I1``–``I4``; RELION's
        settings (see the module's notes).
    center : (z, y, x) voxels, optional
        Default ``size // 2``.
    voxel_size : (z, y, x) Å, optional
        Rotations act in Å; needed only for anisotropic voxels.
    mode : {"union", "average"}
        ``union``: the voxel-wise maximum of the copies (a soft edge stays soft). ``average``:
        their mean, then 1 where it reaches ``threshold`` and 0 elsewhere (the region at least
        that share of the copies cover); give it a soft edge with
        :func:`~napari_cryomask.core.edge_rebuild.soft_from_binary`.

    Returns
    -------
    float32 array in [0, 1]

    Examples
    --------
    >>> m = np.zeros((9, 9, 9), np.float32); m[4, 4, 6] = 1  # two voxels along +x of the centre
    >>> s = symmetrize(m, "C4")
    >>> [float(s[4, 4 + dy, 4 + dx]) for dy, dx in ((0, 2), (2, 0), (0, -2), (-2, 0))]
    [1.0, 1.0, 1.0, 1.0]
    """
    mask = np.asarray(mask, dtype=np.float32)
    if mask.ndim != 3:
        raise ValueError(f"mask must be 3D (z, y, x), got shape {mask.shape}")
    operators = symmetry_operators(group)
    center = center_of(center, mask.shape)
    return moved_copies(mask, [(m, (0.0, 0.0, 0.0)) for m in operators], center, voxel_size=voxel_size, mode=mode, threshold=threshold)
