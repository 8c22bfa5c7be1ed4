"""cryoCAT's ``cryomask`` functions, with the same names, parameters and meaning.

Differences from cryoCAT 0.7.1 (the README lists them too): arrays, sizes, centres and radii are
``(z, y, x)``; every mask is float32 in [0, 1]; ellipsoids are centred at ``size // 2`` in odd
boxes too and take fractional radii and centres; a cylinder that does not fit the box is clipped;
rotated shapes are computed from coordinates about the shape's own centre rather than resampled
about the box centre; ``map_tight_mask`` defaults to Otsu's threshold and ignores NaN; masks given
as files are read with :func:`napari_cryomask.io.read_volume`; files are written atomically.

Examples
--------
>>> from napari_cryomask import cryomask
>>> my_mask = cryomask.spherical_mask(40, radius=10)
>>> my_mask = cryomask.add_gaussian(my_mask, 1)
>>> both = cryomask.union([my_mask, cryomask.spherical_mask(40, radius=5, center=(20, 20, 30))])
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from .core import ops, shapes
from .core.blocks import grow_block
from .core.blur import blur_binary, gaussian_blur
from .core.geometry import as_triple, box_shape_of, default_center, is_rotation, rotation_matrix
from .core.names import parse_mask_name
from .core.thresholds import default_threshold
from .core.tight import largest_regions_block

_BLUR_REACH = 5.0  # cryoCAT grows a shape by 5 sigma before blurring it "outwards"

__all__ = [
    "add_gaussian", "cylindrical_mask", "difference", "ellipsoid_mask", "ellipsoid_shell_mask",
    "generate_mask", "intersection", "map_tight_mask", "rotate", "spherical_mask",
    "spherical_shell_mask", "subtraction", "union", "write_out",
]


def _output(output_name, output_path):
    if output_name is not None and output_path is not None and str(output_name) != str(output_path):
        raise ValueError(f"output_name {output_name!r} and output_path {output_path!r} disagree; give one")
    return output_name if output_name is not None else output_path


def _grown(length, gaussian, gaussian_outwards):
    """cryoCAT's ``preprocess_params``: grow a length to ``ceil(length + 5 sigma)``."""
    if gaussian and gaussian_outwards:
        return float(math.ceil(length + _BLUR_REACH * gaussian))
    return float(length)


def _shape(size, gaussian, output_name, shape, **params):
    """A hard shape mask, blurred when ``gaussian`` is given, and written out."""
    if gaussian:
        inside, block = shapes.shape_inside(size, shape, **params)
        mask = blur_binary(size, inside, block, gaussian)
    else:
        mask = shapes.shape_mask(size, shape, **params)
    write_out(mask, output_name)
    return mask


def _load(item, what="mask"):
    if isinstance(item, np.ndarray):
        return item
    from .io import read_volume

    return read_volume(item).data


def add_gaussian(input_mask, sigma):
    """Blur a mask with a Gaussian of ``sigma`` voxels (mode "nearest", truncate 4); 0 returns it as float32.

    >>> float(add_gaussian(spherical_mask(20, radius=5), 1).max()) <= 1
    True
    """
    return gaussian_blur(_load(input_mask), sigma)


def rotate(input_mask, angles):
    """Rotate a voxel mask by ZXZ Euler angles (degrees) about the box centre ``size // 2``.

    Linear interpolation, so the result stays in [0, 1] (cryoCAT's cubic spline rings).

    >>> m = rotate(cylindrical_mask(20, radius=3, height=12), (0, 90, 0))
    >>> m.shape, m.dtype
    ((20, 20, 20), dtype('float32'))
    """
    mask = np.asarray(_load(input_mask), dtype=np.float32)
    if not is_rotation(angles):
        return mask.copy()
    inverse = rotation_matrix(angles).T
    c = np.asarray(default_center(mask.shape), dtype=float)
    out = ndimage.affine_transform(mask, inverse, offset=c - inverse @ c, order=1, mode="constant", cval=0.0)
    return np.clip(out, 0, 1, out=out)


def write_out(input_mask, output_name=None, output_path=None):
    """Write a mask as float32 .mrc or .em; nothing happens when no name is given.

    Like cryoCAT it replaces an existing file, but atomically: a failed write leaves the old file.
    """
    output_name = _output(output_name, output_path)
    if output_name is None:
        return
    from .io import write_volume

    write_volume(output_name, np.asarray(input_mask, dtype=np.float32), overwrite=True)


def spherical_mask(mask_size, radius=None, center=None, gaussian=0.0, gaussian_outwards=True, output_name=None, output_path=None):
    """Sphere of ``radius`` voxels (inside: distance ≤ radius), optionally blurred.

    Parameters
    ----------
    mask_size : int or (z, y, x)
    radius : float, default ``min(mask_size) // 2``
    center : (z, y, x), default ``mask_size // 2``
    gaussian : float
        Sigma of a Gaussian blur in voxels; with ``gaussian_outwards`` the radius first grows
        to ``ceil(radius + 5 sigma)``.
    output_name, output_path : str, optional
        Also write the mask there (.mrc or .em).

    >>> int(spherical_mask(16, radius=3).sum())
    123
    """
    size = box_shape_of(mask_size)
    radius = min(size) // 2 if radius is None else radius
    _check_length(radius, "radius", allow_zero=False)
    radius = _grown(radius, gaussian, gaussian_outwards)
    return _shape(size, gaussian, _output(output_name, output_path), "sphere", radius=radius, center=center)


def cylindrical_mask(
    mask_size, radius=None, height=None, center=None, gaussian=0.0, gaussian_outwards=True, angles=None, output_name=None, output_path=None
):
    """Cylinder along z: ``sqrt(dy² + dx²) ≤ radius`` and ``|dz| ≤ height / 2``.

    ``radius`` defaults to ``min(y, x size) // 2`` and ``height`` to the z size. ``angles``
    rotate it about its centre.

    >>> m = cylindrical_mask((20, 16, 16), radius=4, height=10)
    >>> int(m[:, 8, 8].sum())
    11
    """
    size = box_shape_of(mask_size)
    radius = min(size[1:]) // 2 if radius is None else radius
    height = size[0] if height is None else height
    _check_length(radius, "radius", allow_zero=False)
    _check_length(height, "height", allow_zero=False)
    half = _grown(height // 2, gaussian, gaussian_outwards) if gaussian and gaussian_outwards else height / 2
    radius = _grown(radius, gaussian, gaussian_outwards)
    return _shape(
        size, gaussian, _output(output_name, output_path), "cylinder", radius=radius, height=2 * half, center=center, angles=angles
    )


def ellipsoid_mask(
    mask_size, radii=None, center=None, gaussian=0.0, output_name=None, angles=None, gaussian_outwards=True, output_path=None
):
    """Ellipsoid with semi-axes ``radii`` (z, y, x), default ``mask_size // 2``; ``angles`` rotate it.

    >>> m = ellipsoid_mask(32, radii=(4, 6, 8))
    >>> [int(m[16, 16, :].sum()), int(m[:, 16, 16].sum())]
    [17, 9]
    """
    size = box_shape_of(mask_size)
    radii = tuple(s // 2 for s in size) if radii is None else as_triple(radii, "radii")
    for r in radii:
        _check_length(r, "radii", allow_zero=False)
    grown = tuple(_grown(r, gaussian, gaussian_outwards) for r in radii)
    return _shape(size, gaussian, _output(output_name, output_path), "ellipsoid", radii=grown, center=center, angles=angles)


def spherical_shell_mask(mask_size, shell_thickness, radius=None, center=None, gaussian=0.0, output_name=None, output_path=None):
    """Spherical shell: ``radius - t/2 < distance ≤ radius + t/2``, then an optional blur.

    >>> m = spherical_shell_mask(32, 2, radius=8)
    >>> float(m[16, 16, 16]), float(m[16, 16, 24])
    (0.0, 1.0)
    """
    size = box_shape_of(mask_size)
    radius = min(size) // 2 if radius is None else radius
    _check_length(shell_thickness, "shell_thickness", allow_zero=False)
    outer = radius + shell_thickness / 2
    _check_length(outer, "radius + shell_thickness / 2", allow_zero=False)
    return _shape(size, gaussian, _output(output_name, output_path), "sphere", radius=outer, center=center, thickness=shell_thickness)


def ellipsoid_shell_mask(mask_size, shell_thickness, radii, center=None, gaussian=0.0, angles=None, output_name=None, output_path=None):
    """The ellipsoid with ``radii + t/2`` minus the one with ``radii - t/2``, then an optional blur.

    >>> m = ellipsoid_shell_mask(32, 2, radii=(6, 8, 10))
    >>> float(m[16, 16, 16]), float(m[16, 16, 26])
    (0.0, 1.0)
    """
    size = box_shape_of(mask_size)
    radii = as_triple(radii, "radii")
    _check_length(shell_thickness, "shell_thickness", allow_zero=False)
    outer, block = shapes.shape_inside(size, "ellipsoid", radii=tuple(r + shell_thickness / 2 for r in radii), center=center, angles=angles)
    inner_radii = tuple(r - shell_thickness / 2 for r in radii)
    if min(inner_radii) > 0:
        # The inner ellipsoid's block lies in the outer one's.
        inner, inner_block = shapes.shape_inside(size, "ellipsoid", radii=inner_radii, center=center, angles=angles)
        outer[tuple(slice(i.start - o.start, i.stop - o.start) for i, o in zip(inner_block, block))] &= ~inner
    mask = blur_binary(size, outer, block, gaussian)
    write_out(mask, _output(output_name, output_path))
    return mask


def map_tight_mask(
    input_map, threshold=None, dilation_size=0, gaussian=0.0, gaussian_outwards=True, angles=None, n_regions=1,
    output_name=None, output_path=None,
):
    """cryoCAT's tight mask: threshold, keep the largest regions, dilate, blur.

    Voxels above ``threshold`` are kept (below it when it is negative, as in cryoCAT); NaN
    voxels never are. The default threshold is Otsu's, over the finite voxels. Then the
    ``n_regions`` largest 6-connected regions stay, and ``dilation_size`` dilations with the
    6-connected cross follow (``ceil(dilation_size + 5 sigma)`` with an outward blur).

    >>> d = np.zeros((20, 20, 20), np.float32); d[8:12, 8:12, 8:12] = 1
    >>> int(map_tight_mask(d, threshold=0.5, dilation_size=1).sum())  # 4³ cube + one layer on 6 faces
    160
    """
    density = np.asarray(_load(input_map), dtype=np.float32)
    if density.ndim != 3 or 0 in density.shape:
        raise ValueError(f"input_map must be a non-empty 3D map, got shape {density.shape}")
    threshold = default_threshold(density) if threshold is None else float(threshold)
    with np.errstate(invalid="ignore"):
        binary = density < threshold if threshold < 0 else density > threshold
    inside, block = largest_regions_block(binary, n_regions)
    del binary
    if block is None:
        mask = np.zeros(density.shape, np.float32)
    else:
        steps = int(_grown(dilation_size, gaussian, gaussian_outwards))
        if steps > 0:
            inside, block = _cross_dilation(inside, block, steps, density.shape)
        mask = blur_binary(density.shape, inside, block, gaussian)
    if is_rotation(angles):
        mask = rotate(mask, angles)
    write_out(mask, _output(output_name, output_path))
    return mask


def _cross_dilation(inside, block, steps, shape):
    """``steps`` dilations with the 6-connected cross of the mask that is ``inside`` in ``block``.

    The voxels within taxicab distance ``steps``, as booleans in ``block`` grown by ``steps``
    (within a box of ``shape``), and that block.
    """
    grown = grow_block(block, steps, shape)
    padded = np.zeros(tuple(g.stop - g.start for g in grown), bool)
    padded[tuple(slice(b.start - g.start, b.stop - g.start) for b, g in zip(block, grown))] = inside
    return _taxicab_distance(padded, steps) <= steps, grown


def _taxicab_distance(binary, cap):
    """Taxicab distance to the nearest True voxel, exact up to ``cap`` (larger values are ``cap + 1``).

    The taxicab distance is a sum over axes, so it is found one axis at a time: two sweeps per
    axis carry ``distance + 1`` from each plane to the next.

    >>> b = np.zeros((1, 1, 6), bool); b[0, 0, 1] = True
    >>> _taxicab_distance(b, 3)[0, 0].tolist()
    [1, 0, 1, 2, 3, 4]
    """
    dtype = np.min_scalar_type(cap + 2)
    distance = np.where(binary, 0, cap + 1).astype(dtype)
    one = dtype.type(1)
    for axis in range(binary.ndim):
        planes = np.ascontiguousarray(np.moveaxis(distance, axis, 0))
        step = np.empty_like(planes[0])
        for order in (range(1, len(planes)), range(len(planes) - 2, -1, -1)):
            for i in order:
                previous = i - 1 if order.step == 1 else i + 1
                np.add(planes[previous], one, out=step)
                np.minimum(planes[i], step, out=planes[i])
        distance = np.moveaxis(planes, 0, axis)
    return distance


def generate_mask(mask_shape, mask_size=None, mask_expansion=4):
    """Mask from a cryoCAT name: ``sphere_r10``, ``cylinder_r5_h20``, ``s_shell_r10_s4``,
    ``ellipsoid_rx4_ry6_rz8``, ``e_shell_rx8_ry9_rz10_s2`` (decimals allowed).

    Without ``mask_size`` the box is ``2 * max(numbers) + mask_expansion`` rounded up to even.

    >>> generate_mask("sphere_r10").shape
    (24, 24, 24)
    """
    kind, p = parse_mask_name(mask_shape)
    if mask_size is None:
        mask_size = math.ceil((2 * max(p.values()) + mask_expansion) / 2) * 2
    if kind == "sphere":
        return spherical_mask(mask_size, radius=p["r"])
    if kind == "cylinder":
        return cylindrical_mask(mask_size, radius=p["r"], height=p["h"])
    if kind == "s_shell":
        if np.ndim(mask_size) == 0:
            mask_size = math.ceil((mask_size + p["s"]) / 2) * 2
        return spherical_shell_mask(mask_size, p["s"], radius=p["r"])
    radii = (p["rz"], p["ry"], p["rx"])
    if kind == "ellipsoid":
        return ellipsoid_mask(mask_size, radii=radii)
    return ellipsoid_shell_mask(mask_size, p["s"], radii=radii)


def _combine(operation, mask_list, output_name):
    if isinstance(mask_list, (str, bytes)) or not hasattr(mask_list, "__iter__"):
        raise ValueError("mask_list must be a list of masks (arrays or file paths)")
    mask = ops.OPERATIONS[operation]([_load(m) for m in mask_list])
    write_out(mask, output_name)
    return mask


def union(mask_list, output_name=None, output_path=None):
    """Union of masks (arrays or files), ``clip(sum, 0, 1)``."""
    return _combine("union", mask_list, _output(output_name, output_path))


def intersection(mask_list, output_name=None, output_path=None):
    """Intersection of masks (arrays or files): their product."""
    return _combine("intersection", mask_list, _output(output_name, output_path))


def subtraction(mask_list, output_name=None, output_path=None):
    """The first mask minus the others, clipped to [0, 1]; boolean masks work."""
    return _combine("subtraction", mask_list, _output(output_name, output_path))


def difference(mask_list, output_name=None, output_path=None):
    """Union minus intersection, clipped to [0, 1]."""
    return _combine("difference", mask_list, _output(output_name, output_path))


def _check_length(value, name, allow_zero=True):
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be a {'non-negative' if allow_zero else 'positive'} length in voxels, got {value!r}")
