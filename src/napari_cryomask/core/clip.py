"""Clip a mask by an outer sphere or box: beyond it the mask keeps nothing.

RELION users ask for a radius beyond which a tight mask keeps nothing. The clipping solid here is
that limit: the mask is multiplied by a solid that is 0 from its surface on, so nothing survives
beyond it. An optional cosine taper of ``edge_width_px`` lies *inside* the surface (the
opposite of a shape's soft edge, which lies outside), falling from 1 to 0 on the way out.
"""

from __future__ import annotations

import numpy as np

from .blocks import nonzero_block
from .geometry import as_triple, center_of
from .shapes import shape_mask


def _clipped(mask, solid_params, name):
    mask = np.asarray(mask, dtype=np.float32)
    if mask.ndim != 3:
        raise ValueError(f"mask must be 3D (z, y, x), got shape {mask.shape}")
    out = np.zeros(mask.shape, np.float32)
    block = nonzero_block(mask)
    if block is None:
        return out
    clip = shape_mask(mask.shape, region=block, **solid_params)
    out[block] = mask[block] * clip
    return out


def _taper(edge_width_px, limit, name):
    width = float(edge_width_px)
    if not np.isfinite(width) or width < 0:
        raise ValueError(f"edge_width_px must be zero or positive, got {edge_width_px!r}")
    if width >= limit:
        raise ValueError(f"the taper ({width:g} voxels) must be narrower than the {name} ({limit:g} voxels)")
    return width


def clip_sphere(mask, radius_px: float, *, center=None, edge_width_px: float = 0.0) -> np.ndarray:
    """The mask, 0 from ``radius_px`` (voxels) around ``center`` on, with an inner cosine taper.

    Examples
    --------
    >>> m = clip_sphere(np.ones((1, 1, 20), np.float32), 4, center=(0, 0, 10))
    >>> m[0, 0].tolist() == [0.0] * 6 + [1.0] * 9 + [0.0] * 5
    True
    >>> [round(float(v), 3) for v in clip_sphere(np.ones((1, 1, 20), np.float32), 4, center=(0, 0, 10), edge_width_px=2)[0, 0, 10:15]]
    [1.0, 1.0, 1.0, 0.5, 0.0]
    """
    radius = float(radius_px)
    if not np.isfinite(radius) or radius <= 0:
        raise ValueError(f"radius must be a positive length, got {radius_px!r}")
    width = _taper(edge_width_px, radius, "radius")
    center = center_of(center, np.shape(mask))
    edge = "cosine" if width > 0 else "none"
    return _clipped(mask, {"shape": "sphere", "radius": radius - width, "center": center, "edge": edge, "edge_width_px": width}, "sphere")


def clip_box(mask, size_px, *, center=None, edge_width_px: float = 0.0) -> np.ndarray:
    """The mask inside a box of edge lengths ``size_px`` (z, y, x voxels) around ``center``, 0 outside it.

    The taper runs inside the box's faces (its corners rounded by it).

    >>> m = clip_box(np.ones((1, 1, 20), np.float32), (1, 1, 8), center=(0, 0, 10))
    >>> m[0, 0].tolist() == [0.0] * 6 + [1.0] * 9 + [0.0] * 5
    True
    """
    size = as_triple(size_px, "size")
    if any(s <= 0 for s in size):
        raise ValueError(f"size must be positive lengths, got {size_px!r}")
    width = _taper(edge_width_px, min(size) / 2, "half the smallest box edge")
    center = center_of(center, np.shape(mask))
    edge = "cosine" if width > 0 else "none"
    inner = tuple(s - 2 * width for s in size)
    return _clipped(mask, {"shape": "cuboid", "size": inner, "center": center, "edge": edge, "edge_width_px": width}, "box")
