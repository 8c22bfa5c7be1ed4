"""Analytic masks of solids in a box: hard, shell, rotated, off-centre and soft-edged.

Every voxel's value is computed from its own coordinates, so any sub-block (``region``) of a mask
equals the same crop of the whole mask, and only the block the solid and its edge reach is
computed; the rest of the box stays zero. An unrotated solid centred on the voxel grid is computed
in one half of that block along each axis it is symmetric about, and copied to the other
(:mod:`.mirror`): the same values, computed once per octant.
"""

from __future__ import annotations

import math

import numpy as np

from .blocks import in_slabs
from .edges import check_edge, edge_reach, soft_edge
from .geometry import (
    as_triple,
    bounding_block,
    box_shape_of,
    center_of,
    is_rotation,
    object_coordinates,
    region_slices,
    rotation_matrix,
)
from .limits import require_fit
from .mirror import half_block, mirror_fill, symmetric_axes
from .solids import SOLIDS

SHAPES = tuple(SOLIDS)
# Voxels computed at a time: small enough for the temporary arrays to stay in the CPU cache.
_SLAB_VOXELS = 1 << 15


def make_solid(shape: str, *, radius=None, radii=None, height=None, inner_radius=None, size=None, rounding=0.0):
    """Build the solid named ``shape`` from its parameters (lengths in voxels)."""
    def need(value, name):
        if value is None:
            raise ValueError(f"a {shape} needs {name}")
        return value

    if shape == "sphere":
        return SOLIDS[shape](float(need(radius, "radius")))
    if shape == "ellipsoid":
        return SOLIDS[shape](as_triple(need(radii, "radii"), "radii"))
    if shape in ("cylinder", "cone"):
        return SOLIDS[shape](float(need(radius, "radius")), float(need(height, "height")))
    if shape == "tube":
        return SOLIDS[shape](float(need(radius, "radius")), float(need(height, "height")), float(need(inner_radius, "inner_radius")))
    if shape == "cuboid":
        return SOLIDS[shape](as_triple(need(size, "size"), "size"), float(rounding))
    raise ValueError(f"shape must be one of {', '.join(SHAPES)}, got {shape!r}")


def render_solid(solid, box_shape, *, center=None, angles=None, thickness=None, edge="none", edge_width_px=0.0, region=None):
    """Mask of an already built solid; see :func:`shape_mask`."""
    box_shape = box_shape_of(box_shape)
    edge, edge_width_px = check_edge(edge, edge_width_px)
    region = region_slices(region, box_shape)
    require_fit("box_shape", tuple(s.stop - s.start for s in region))
    center = center_of(center, box_shape)
    thickness = _checked_thickness(thickness)
    out = np.zeros(tuple(s.stop - s.start for s in region), np.float32)

    reach = edge_reach(edge, edge_width_px)
    block = solid_block(solid, box_shape, center=center, angles=angles, edge=edge, edge_width_px=edge_width_px, region=region)
    if any(s.start >= s.stop for s in block) or getattr(solid, "empty", False):
        return out
    matrix = rotation_matrix(angles) if is_rotation(angles) else None

    # Each voxel's value depends on its own coordinates only, so slabs of the block give the
    # same values as the whole block while their temporary arrays stay small.
    def fill(slab):
        target = tuple(slice(b.start - r.start, b.stop - r.start) for b, r in zip(slab, region))
        out[target] = _solid_values(solid, slab, center, matrix, thickness, edge, edge_width_px, reach)

    hard = thickness is None and edge == "none"
    mirrored = _mirrored_axes(solid, block, center, matrix, hard)
    in_slabs(half_block(block, mirrored), getattr(solid, "inside_slab_voxels", _SLAB_VOXELS) if hard else _SLAB_VOXELS, fill)
    mirror_fill(out, tuple(slice(b.start - r.start, b.stop - r.start) for b, r in zip(block, region)), mirrored)
    return out


def solid_inside(solid, box_shape, *, center=None, angles=None, thickness=None):
    """The hard mask of ``solid`` as booleans in the block it reaches, and that block.

    The same voxels as :func:`render_solid` without an edge, without making the whole box.

    >>> inside, block = solid_inside(make_solid("sphere", radius=1), 8)
    >>> int(inside.sum()), block
    (7, (slice(3, 6, None), slice(3, 6, None), slice(3, 6, None)))
    """
    box_shape = box_shape_of(box_shape)
    center = center_of(center, box_shape)
    thickness = _checked_thickness(thickness)
    block = solid_block(solid, box_shape, center=center, angles=angles)
    inside = np.zeros(tuple(max(0, s.stop - s.start) for s in block), bool)
    if inside.size == 0 or getattr(solid, "empty", False):
        return inside, block
    matrix = rotation_matrix(angles) if is_rotation(angles) else None

    def fill(slab):
        target = tuple(slice(b.start - r.start, b.stop - r.start) for b, r in zip(slab, block))
        inside[target] = _solid_values(solid, slab, center, matrix, thickness, "none", 0.0, 0.0)

    mirrored = _mirrored_axes(solid, block, center, matrix, thickness is None)
    in_slabs(half_block(block, mirrored), getattr(solid, "inside_slab_voxels", _SLAB_VOXELS) if thickness is None else _SLAB_VOXELS,
             fill)
    mirror_fill(inside, tuple(slice(0, b.stop - b.start) for b in block), mirrored)
    return inside, block


def _mirrored_axes(solid, block, center, matrix, hard) -> list[int]:
    """Axes along which the solid's block is computed in half and mirrored (see :mod:`.mirror`).

    A hard solid with its own fast inside test (a sphere's, row by row) costs less than the copy.
    """
    if matrix is not None or (hard and hasattr(solid, "inside_slab_voxels")):
        return []
    return symmetric_axes(block, center, getattr(solid, "mirror_axes", ()))


def shape_inside(box_shape, shape: str, *, center=None, angles=None, thickness=None, **sizes):
    """:func:`solid_inside` of the solid :func:`make_solid` builds from ``shape`` and ``sizes``."""
    return solid_inside(make_solid(shape, **sizes), box_shape, center=center, angles=angles, thickness=thickness)


def _checked_thickness(thickness):
    if thickness is None:
        return None
    thickness = float(thickness)
    if not math.isfinite(thickness) or thickness <= 0:
        raise ValueError(f"thickness must be a positive length, got {thickness!r}")
    return thickness


def solid_block(solid, box_shape, *, center=None, angles=None, edge="none", edge_width_px=0.0, region=None):
    """The block of the box outside which the mask of ``solid`` is zero (it may be empty).

    >>> solid_block(make_solid("sphere", radius=3), 16, center=(8, 8, 2))
    (slice(5, 12, None), slice(5, 12, None), slice(0, 6, None))
    """
    box_shape = box_shape_of(box_shape)
    center = center_of(center, box_shape)
    matrix = rotation_matrix(angles) if is_rotation(angles) else None
    reach = edge_reach(edge, edge_width_px)
    half = [h + reach for h in solid.half_extent(matrix)]
    return bounding_block(center, half, box_shape, region_slices(region, box_shape))


def shape_block(box_shape, shape: str, *, center=None, angles=None, edge="none", edge_width_px=0.0, region=None, **sizes):
    """The block outside which :func:`shape_mask` with the same arguments is zero.

    >>> shape_block(32, "cylinder", radius=4, height=10)
    (slice(11, 22, None), slice(12, 21, None), slice(12, 21, None))
    """
    return solid_block(make_solid(shape, **sizes), box_shape, center=center, angles=angles, edge=edge,
                       edge_width_px=edge_width_px, region=region)


def _solid_values(solid, block, center, matrix, thickness, edge, edge_width_px, reach):
    """Mask values of ``solid`` in ``block``: 1 inside, the soft edge outside, shell cut out.

    ``matrix`` is the solid's rotation, or None.
    """
    u = object_coordinates(block, center, matrix)
    block_shape = tuple(s.stop - s.start for s in block)
    inside = np.broadcast_to(solid.inside(*u), block_shape)
    if thickness is None and edge == "none":
        return inside
    sdf = np.broadcast_to(solid.sdf(*u, band=reach + 1, inside_band=thickness and thickness + reach + 1), block_shape)
    if thickness is not None:
        inside = inside & (sdf > -thickness)
        sdf = np.maximum(sdf, -thickness - sdf)
    return inside if edge == "none" else np.where(inside, np.float32(1), soft_edge(sdf, edge, edge_width_px))


def shape_mask(
    box_shape,
    shape: str,
    *,
    radius=None,
    radii=None,
    height=None,
    inner_radius=None,
    size=None,
    rounding=0.0,
    thickness=None,
    center=None,
    angles=None,
    edge: str = "none",
    edge_width_px: float = 0.0,
    region=None,
) -> np.ndarray:
    """Mask of a solid placed in a box.

    Parameters
    ----------
    box_shape : int or (z, y, x) ints
        Box size in voxels.
    shape : {"sphere", "ellipsoid", "cylinder", "tube", "cuboid", "cone"}
    radius, radii, height, inner_radius, size, rounding : float
        The solid's lengths in voxels: sphere ``radius``; ellipsoid ``radii`` (z, y, x);
        cylinder and cone ``radius`` and ``height`` along z (a cone's base is at ``-height/2``,
        its apex at ``+height/2``); tube outer ``radius``, ``inner_radius`` and ``height``;
        cuboid full edge lengths ``size`` (z, y, x) and corner ``rounding`` radius.
    thickness : float, optional
        Keep only a shell of this thickness inside the surface.
    center : (z, y, x) floats, optional
        Sub-voxel positions allowed. Default ``box // 2``.
    angles : (phi, theta, psi), optional
        ZXZ Euler angles in degrees, applied to the solid about its centre (cryoCAT's convention).
    edge : {"none", "cosine", "gaussian"}
        Soft edge outside the hard surface, ``edge_width_px`` wide (Gaussian: sigma).
    region : three slices, optional
        Compute only this block of the box (for example one z slice).

    Returns
    -------
    float32 array in [0, 1] of shape ``box_shape`` (or of the region).

    Examples
    --------
    >>> m = shape_mask(32, "cylinder", radius=6, height=10, angles=(0, 90, 0))
    >>> m.shape, m.dtype, m.max()
    ((32, 32, 32), dtype('float32'), np.float32(1.0))
    """
    solid = make_solid(shape, radius=radius, radii=radii, height=height, inner_radius=inner_radius, size=size, rounding=rounding)
    return render_solid(
        solid, box_shape, center=center, angles=angles, thickness=thickness, edge=edge, edge_width_px=edge_width_px, region=region
    )


def sphere(box_shape, radius, **kwargs):
    """Sphere mask; keywords as :func:`shape_mask`.

    >>> float(sphere(16, 3).sum())
    123.0
    """
    return shape_mask(box_shape, "sphere", radius=radius, **kwargs)


def ellipsoid(box_shape, radii, **kwargs):
    """Ellipsoid mask with semi-axes ``radii`` (z, y, x); keywords as :func:`shape_mask`."""
    return shape_mask(box_shape, "ellipsoid", radii=radii, **kwargs)


def cylinder(box_shape, radius, height, **kwargs):
    """Cylinder mask along z; keywords as :func:`shape_mask`."""
    return shape_mask(box_shape, "cylinder", radius=radius, height=height, **kwargs)


def tube(box_shape, radius, inner_radius, height, **kwargs):
    """Hollow cylinder along z; keywords as :func:`shape_mask`."""
    return shape_mask(box_shape, "tube", radius=radius, inner_radius=inner_radius, height=height, **kwargs)


def cuboid(box_shape, size, **kwargs):
    """Box-shaped mask with edge lengths ``size`` (z, y, x); keywords as :func:`shape_mask`."""
    return shape_mask(box_shape, "cuboid", size=size, **kwargs)


def cone(box_shape, radius, height, **kwargs):
    """Cone along z, base at ``-height/2``; keywords as :func:`shape_mask`."""
    return shape_mask(box_shape, "cone", radius=radius, height=height, **kwargs)
