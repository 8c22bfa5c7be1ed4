"""One rule for lengths given in Å, shared by the command line and the napari widgets.

A length along an axis (a semi-axis, an edge of a box, a centre offset) converts with that axis's
voxel size. A single length without an axis (a sphere's radius, a height, a shell's thickness, an
edge width, an extension) converts only when the voxels are cubic: with voxels that differ between
axes no single number of voxels is that many Å along every axis, so such a length must be given in
voxels instead (the CLI's ``--unit voxel``; the widgets then take it in voxels and say so).
"""

from __future__ import annotations

from .geometry import as_triple

# Voxel sizes that agree to this relative tolerance count as cubic (headers store float32 sizes).
ISOTROPY_RTOL = 1e-3


def isotropic_size(voxel_size) -> float | None:
    """The voxel size when the three axes agree, else None.

    Sizes that are exactly equal give that size; sizes within :data:`ISOTROPY_RTOL` of each other
    give their mean.

    Examples
    --------
    >>> isotropic_size((2.0, 2.0, 2.0)), isotropic_size((2.0, 2.0, 4.0))
    (2.0, None)
    """
    sizes = as_triple(voxel_size, "voxel_size")
    if min(sizes) <= 0:
        raise ValueError(f"voxel_size must be positive, got {voxel_size!r}")
    if len(set(sizes)) == 1:
        return sizes[0]
    if max(sizes) - min(sizes) <= ISOTROPY_RTOL * min(sizes):
        return sum(sizes) / 3
    return None


def sizes_text(voxel_size) -> str:
    """``"2 × 2 × 4 Å"`` (z, y, x)."""
    return " × ".join(f"{v:.4g}" for v in as_triple(voxel_size, "voxel_size")) + " Å"


def single_length_px(length_A: float, voxel_size, name: str) -> float:
    """A single length in Å as voxels; a ValueError naming ``name`` when the voxels are not cubic.

    Examples
    --------
    >>> single_length_px(25.0, 2.0, "radius")
    12.5
    >>> single_length_px(25.0, (2.0, 2.0, 4.0), "radius")
    Traceback (most recent call last):
    ValueError: radius is one length but the voxels are 2 × 2 × 4 Å; give it in voxels
    """
    size = isotropic_size(voxel_size)
    if size is None:
        raise ValueError(f"{name} is one length but the voxels are {sizes_text(voxel_size)}; give it in voxels")
    return float(length_A) / size
