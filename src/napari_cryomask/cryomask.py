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
from .core.blocks import nonzero_block
from .core.blur import gaussian_blur
from .core.geometry import as_triple, box_shape_of, default_center, is_rotation, rotation_matrix
from .core.names import parse_mask_name
from .core.thresholds import default_threshold
from .core.tight import largest_regions

_BLUR_REACH = 5.0  # cryoCAT grows a shape by 5 sigma before blurring it "outwards"

__all__ = [
    "add_gaussian", "cylindrical_mask", "difference", "ellipsoid_mask", "ellipsoid_shell_mask",
    "generate_mask", "intersection", "map_tight_mask", "rotate", "spherical_mask",
    "spherical_shell_mask", "subtraction", "tomogram_shell_mask", "union", "write_out",
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


def _finish(mask, gaussian, output_name):
    """Blur a freshly made mask in place and write it out."""
    mask = gaussian_blur(mask, gaussian, in_place=True)
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
    mask = shapes.sphere(size, _grown(radius, gaussian, gaussian_outwards), center=center)
    return _finish(mask, gaussian, _output(output_name, output_path))


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
    mask = shapes.cylinder(size, _grown(radius, gaussian, gaussian_outwards), 2 * half, center=center, angles=angles)
    return _finish(mask, gaussian, _output(output_name, output_path))


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
    mask = shapes.ellipsoid(size, grown, center=center, angles=angles)
    return _finish(mask, gaussian, _output(output_name, output_path))


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
    mask = shapes.sphere(size, outer, center=center, thickness=shell_thickness)
    return _finish(mask, gaussian, _output(output_name, output_path))


def ellipsoid_shell_mask(mask_size, shell_thickness, radii, center=None, gaussian=0.0, angles=None, output_name=None, output_path=None):
    """The ellipsoid with ``radii + t/2`` minus the one with ``radii - t/2``, then an optional blur.

    >>> m = ellipsoid_shell_mask(32, 2, radii=(6, 8, 10))
    >>> float(m[16, 16, 16]), float(m[16, 16, 26])
    (0.0, 1.0)
    """
    size = box_shape_of(mask_size)
    radii = as_triple(radii, "radii")
    _check_length(shell_thickness, "shell_thickness", allow_zero=False)
    outer = shapes.ellipsoid(size, tuple(r + shell_thickness / 2 for r in radii), center=center, angles=angles)
    inner_radii = tuple(r - shell_thickness / 2 for r in radii)
    if min(inner_radii) > 0:
        inner = shapes.ellipsoid(size, inner_radii, center=center, angles=angles)
        outer = ops.subtraction([outer, inner])
    return _finish(outer, gaussian, _output(output_name, output_path))


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
    if binary.any():
        binary = largest_regions(binary, n_regions)
    steps = int(_grown(dilation_size, gaussian, gaussian_outwards))
    mask = gaussian_blur(_cross_dilation(binary, steps), gaussian, in_place=True)
    if is_rotation(angles):
        mask = rotate(mask, angles)
    write_out(mask, _output(output_name, output_path))
    return mask


def _cross_dilation(binary, steps):
    """Float32 mask of ``steps`` dilations with the 6-connected cross: the voxels within taxicab distance ``steps``."""
    mask = np.zeros(binary.shape, np.float32)
    block = nonzero_block(binary, max(steps, 0))
    if block is not None:
        mask[block] = binary[block] if steps <= 0 else _taxicab_distance(binary[block], steps) <= steps
    return mask


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


def tomogram_shell_mask(
    input_motl, tomo_dim, shell_size, radius_offset=0.0, motl_radius_id="geom5", output_prefix="", output_suffix=".mrc",
    tomo_digits=None,
):
    """One mask per tomogram with a spherical shell at every particle, as cryoCAT writes it.

    Each particle gets the shell ``generate_mask("s_shell_r{R}_s{S}")`` makes, ``R = int(radius + radius_offset)``
    from the column ``motl_radius_id``, ``S = int(shell_size)``, centred on the voxel
    ``floor(position)``; the file holds int8 1 inside any shell, 0 elsewhere, and is named
    ``output_prefix + tomogram number (zero-padded to tomo_digits) + output_suffix``.

    Parameters
    ----------
    input_motl : str, os.PathLike or Particles
        A particle list (any format :func:`napari_cryomask.io.read_particles` reads; cryoCAT's is a
        motive list) or particles already read; ``motl_radius_id`` names a column of its table.
    tomo_dim : (z, y, x), dict, (N, 4) array or path
        Tomogram sizes in voxels: one ``(z, y, x)`` for all, ``{tomogram: (z, y, x)}``, rows of
        ``(tomogram, z, y, x)``, or a file as cryoCAT reads it (a text file of ``x y z`` or
        ``tomogram x y z`` lines, or an IMOD ``.com`` file with FULLIMAGE and THICKNESS).
    tomo_digits : int, optional
        Default: the digits of the largest tomogram number.

    Returns
    -------
    list of str
        The files written (cryoCAT returns None).

    Where we differ from cryoCAT: cryoCAT resamples each shell with its particle's rotation
    (cubic spline, then ``> 0.1``), which makes the shell of a turned particle about a quarter
    thicker than that of an unturned one; a sphere's shell is the same at every rotation, so we
    place it as is. The default ``tomo_digits`` counts the digits of the number (cryoCAT counts
    those of ``str(3.0)``, so tomogram 3 became ``003``).

    >>> import tempfile, pathlib
    >>> from napari_cryomask.io import read_volume
    >>> from napari_cryomask.io.particles import Particles
    >>> import pandas as pd
    >>> p = Particles(np.array([[10.0, 12, 14]]), np.eye(3)[None], np.array([1]), np.array([1]), pd.DataFrame({"geom5": [5.0]}))
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> tomogram_shell_mask(p, (20, 24, 28), 2, output_prefix=str(folder / "tomo_"))[0].endswith("tomo_1.mrc")
    True
    >>> m = read_volume(folder / "tomo_1.mrc").data
    >>> m.dtype.name, int(m[10, 12, 14]), int(m[10, 12, 19])
    ('int8', 0, 1)
    """
    from .core.particles import placement
    from .io.particles import Particles, read_particles
    from .io.particles_write import write_mask_file

    particles = input_motl if isinstance(input_motl, Particles) else read_particles(input_motl)
    if particles.table is None or motl_radius_id not in particles.table.columns:
        known = ", ".join(map(str, getattr(particles.table, "columns", []))) or "none"
        raise ValueError(f"motl_radius_id {motl_radius_id!r} is not a column of {particles.path or 'the particles'} (columns: {known})")
    shell = int(shell_size)
    if shell < 1:
        raise ValueError(f"shell_size must be at least 1 voxel (it is truncated to a whole number), got {shell_size!r}")
    radii = np.trunc(np.asarray(particles.table[motl_radius_id], dtype=float) + float(radius_offset)).astype(np.int64)
    tomos = sorted(set(particles.tomo.tolist()))
    dims = _tomogram_dims(tomo_dim, tomos)
    digits = int(tomo_digits) if tomo_digits is not None else max((len(str(int(t))) for t in tomos), default=1)
    written = []
    for t in tomos:
        chosen = particles.tomo == t
        outer = radii[chosen] + shell / 2
        if len(outer) and outer.min() <= 0:
            raise ValueError(
                f"tomogram {t}: a shell of radius {radii[chosen].min()} and thickness {shell} is empty; "
                f"check {motl_radius_id} and radius_offset"
            )
        plan = placement(dims[t], np.floor(particles.positions[chosen]), shape="sphere", radius=outer, thickness=shell, dtype="uint8")
        name = f"{output_prefix}{str(int(t)).zfill(digits)}{output_suffix}"
        write_mask_file(name, plan, overwrite=True)
        written.append(name)
    return written


def _tomogram_dims(tomo_dim, tomos) -> dict:
    """``{tomogram: (z, y, x)}`` from the forms :func:`tomogram_shell_mask` takes."""
    from pathlib import Path

    if isinstance(tomo_dim, (str, Path)):
        tomo_dim = _dims_file(Path(tomo_dim))
    if isinstance(tomo_dim, dict):
        table = {float(k): v for k, v in tomo_dim.items()}
    else:
        rows = np.atleast_2d(np.asarray(tomo_dim, dtype=float))
        if rows.shape == (1, 3):
            table = {float(t): rows[0] for t in tomos}
        elif rows.ndim == 2 and rows.shape[1] == 4:
            table = {float(r[0]): r[1:] for r in rows}
        else:
            raise ValueError(f"tomo_dim must be (z, y, x), rows of (tomogram, z, y, x) or a dict; got shape {rows.shape}")
    missing = [t for t in tomos if float(t) not in table]
    if missing:
        raise ValueError(f"tomo_dim has no size for tomogram {missing[0]} (it has {', '.join(f'{k:g}' for k in table)})")
    return {t: box_shape_of(table[float(t)], f"tomo_dim of tomogram {t}") for t in tomos}


def _dims_file(path) -> np.ndarray:
    """Sizes from a file as cryoCAT reads it, as (z, y, x) or (tomogram, z, y, x) rows."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    if path.suffix.lower() == ".com":
        words = {}
        for line in path.read_text(errors="replace").splitlines():
            parts = line.split()
            if parts and parts[0] in ("FULLIMAGE", "THICKNESS"):
                words[parts[0]] = parts[1:]
        try:
            x, y = (float(v) for v in words["FULLIMAGE"][:2])
            z = float(words["THICKNESS"][0])
        except (KeyError, ValueError, IndexError):
            raise ValueError(f"{path}: an IMOD .com file needs FULLIMAGE x y and THICKNESS z lines") from None
        return np.array([[z, y, x]])
    try:
        rows = np.loadtxt(path, ndmin=2)
    except ValueError as err:
        raise ValueError(f"{path}: not a table of tomogram sizes ({err})") from None
    if rows.shape[1] == 3:
        return rows[:, ::-1]
    if rows.shape[1] == 4:
        return np.column_stack([rows[:, 0], rows[:, 3:0:-1]])
    raise ValueError(f"{path}: each line must be x y z or tomogram x y z, found {rows.shape[1]} numbers")

