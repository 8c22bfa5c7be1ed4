"""Lengths typed in Å and the voxels the core works in.

A length along one axis (a semi-axis of an ellipsoid, an edge of a cuboid) converts with that
axis's voxel size. A length without an axis (a sphere's radius, a height, a shell's thickness,
an edge width) converts with the mean of the three voxel sizes, which is exact for the usual
isotropic map.
"""

from __future__ import annotations

from ..core.geometry import as_triple


def mean_voxel_size(voxel_size) -> float:
    """Mean of the (z, y, x) voxel sizes in Å.

    >>> mean_voxel_size((2.0, 2.5, 3.0))
    2.5
    """
    sizes = as_triple(voxel_size, "voxel_size")
    if min(sizes) <= 0:
        raise ValueError(f"voxel_size must be positive, got {voxel_size!r}")
    return sum(sizes) / 3


def to_voxels(length_A: float, voxel_size) -> float:
    """An axis-free length in Å as voxels (mean voxel size).

    >>> to_voxels(25.0, 2.0)
    12.5
    """
    return float(length_A) / mean_voxel_size(voxel_size)


def to_angstrom(length_px: float, voxel_size) -> float:
    """An axis-free length in voxels as Å (mean voxel size).

    >>> to_angstrom(12.5, 2.0)
    25.0
    """
    return float(length_px) * mean_voxel_size(voxel_size)


def triple_to_voxels(lengths_A, voxel_size) -> tuple[float, float, float]:
    """Per-axis lengths (z, y, x) in Å as voxels, each with its own axis's voxel size.

    >>> triple_to_voxels((10.0, 20.0, 30.0), (1.0, 2.0, 3.0))
    (10.0, 10.0, 10.0)
    """
    sizes = as_triple(voxel_size, "voxel_size")
    return tuple(float(v) / s for v, s in zip(as_triple(lengths_A, "lengths"), sizes))


def voxel_note(voxels) -> str:
    """The short voxel readout shown beside a length: ``"= 12.5 vox"`` or ``"= 4, 6, 8 vox"``.

    >>> voxel_note(12.5), voxel_note((4.0, 6.25, 8.0))
    ('= 12.5 vox', '= 4, 6.25, 8 vox')
    """
    values = voxels if isinstance(voxels, (tuple, list)) else (voxels,)
    return "= " + ", ".join(f"{float(v):.4g}" for v in values) + " vox"
