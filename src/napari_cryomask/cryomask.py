"""cryoCAT's ``cryomask`` functions, with the same names, parameters and meaning.

Differences from cryoCAT 0.7.1 (the README lists them too): arrays, sizes, centres and radii are
``(z, y, x)``; every mask is float32 in [0, 1]; ellipsoids are centred at ``size // 2`` in odd
boxes too and take fractional radii and centres; a cylinder that does not fit the box is clipped;
rotated shapes are computed from coordinates about the shape's own centre rather than resampled
about the box centre; ``map_tight_mask`` defaults to Otsu's threshold and ignores NaN; masks given
as files are read with :func:`napari_cryomask.io.read_volume`; files are written atomically. The
measures, filling, solidity, marker-cylinder and molmap functions differ where the README's table
says (empty masks, footprints, a threshold cryoCAT drops, a cylinder it cannot make).

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

from .core import ops, shapes
from .core.blocks import grow_block, nonzero_block
from .core.blur import blur_binary, gaussian_blur
from .core.geometry import as_triple, box_shape_of, default_center, is_rotation, rotation_matrix
from .core.names import parse_mask_name
from .core.thresholds import default_threshold
from .core.tight import checked_regions, largest_regions_block, threshold_block

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
    from scipy import ndimage  # imported on use: it takes longer to import than most masks take to make

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
        _check_length(r, "radii")
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
    n_regions = checked_regions(n_regions)
    binary, found = threshold_block(density, threshold, below=threshold < 0)
    inside, block = (None, None) if found is None else largest_regions_block(binary, n_regions, within=found)
    del binary
    if block is None:
        mask = np.zeros(density.shape, np.float32)
    else:
        steps = int(_grown(dilation_size, gaussian, gaussian_outwards))
        inside, block = _cross_dilated_block(inside, block, steps, density.shape)
        mask = blur_binary(density.shape, inside, block, gaussian)
    if is_rotation(angles):
        mask = rotate(mask, angles)
    write_out(mask, _output(output_name, output_path))
    return mask


def _cross_dilation(binary, steps):
    """Float32 mask of ``steps`` dilations with the 6-connected cross: the voxels within taxicab distance ``steps``."""
    mask = np.zeros(binary.shape, np.float32)
    block = nonzero_block(binary)
    if block is not None:
        inside, grown = _cross_dilated_block(binary[block], block, steps, binary.shape)
        mask[grown] = inside
    return mask


def _cross_dilated_block(inside, block, steps, shape):
    """:func:`_cross_dilation` of the mask that is ``inside`` in ``block``, as booleans in a block.

    The voxels within taxicab distance ``steps`` in ``block`` grown by ``steps`` (within a box
    of ``shape``), and that block.
    """
    if steps <= 0:
        return inside.copy(), block
    grown = grow_block(block, steps, shape)
    padded = np.zeros(tuple(g.stop - g.start for g in grown), bool)
    padded[tuple(slice(b.start - g.start, b.stop - g.start) for b, g in zip(block, grown))] = inside
    # In memory order, for the blur that reads it plane by plane.
    return np.ascontiguousarray(_taxicab_distance(padded, steps) <= steps), grown


def _taxicab_distance(binary, cap):
    """Taxicab distance to the nearest True voxel, exact up to ``cap`` (larger values are ``cap + 1``).

    The taxicab distance is a sum over axes, so it is found one axis at a time: two sweeps per
    axis carry ``distance + 1`` from each plane to the next.

    >>> b = np.zeros((1, 1, 6), bool); b[0, 0, 1] = True
    >>> _taxicab_distance(b, 3)[0, 0].tolist()
    [1, 0, 1, 2, 3, 4]
    """
    binary = np.asarray(binary, dtype=bool)
    dtype = np.min_scalar_type(cap + 2)
    distance = np.empty(binary.shape, dtype)
    np.multiply(np.logical_not(binary), dtype.type(cap + 1), out=distance)
    one = dtype.type(1)
    if binary.ndim == 0:
        return distance
    # Sweeps along the last axis would read across memory: they go along a transposed copy.
    for axis in range(binary.ndim - 1):
        _sweep(np.moveaxis(distance, axis, 0), one)
    last = np.ascontiguousarray(np.moveaxis(distance, -1, 0))
    _sweep(last, one)
    return np.moveaxis(last, 0, -1)


def _sweep(planes, one) -> None:
    """Both sweeps along the first axis of ``planes``, in place: each plane keeps min(itself, neighbour + 1)."""
    if planes.ndim == 1:
        planes = planes[:, None]
    step = np.empty_like(planes[0])
    for i in range(1, len(planes)):
        np.add(planes[i - 1], one, out=step)
        np.minimum(planes[i], step, out=planes[i])
    for i in range(len(planes) - 2, -1, -1):
        np.add(planes[i + 1], one, out=step)
        np.minimum(planes[i], step, out=planes[i])


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


# ---- The rest of cryoCAT 0.7.1's cryomask: measures, filling and shrinking, solidity, overlap,
# ---- post-processing and parameter helpers, the cylinder between two markers, the molmap mask.

__all__ += [
    "compute_solidity", "cylindrical_mask_from_points", "fill_hollow_mask", "get_bounding_box", "get_correct_format",
    "get_mass_center", "get_mass_dimensions", "mask_overlap", "molmap_tight_mask", "parse_shape_string", "postprocess",
    "preprocess_params", "shrink_full_mask",
]

_PRESENT = 1e-5  # cryoCAT's get_bounding_box counts voxels above this as part of the mask


def _mask_array(input_mask, name="input_mask"):
    mask = np.asarray(_load(input_mask))
    if mask.ndim != 3 or 0 in mask.shape:
        raise ValueError(f"{name} must be a non-empty 3D mask, got shape {mask.shape}")
    return mask


def get_bounding_box(input_mask):
    """First and last index ``(z, y, x)`` of the voxels above 1e-5, both included.

    An empty mask gives ``start = (0, 0, 0)`` and ``end = (-1, -1, -1)``: an empty range, so
    ``end - start + 1`` is 0 and ``mask[start[0]:end[0] + 1]`` is empty (cryoCAT gives the
    bounding box of voxel ``(0, 0, 0)``).

    >>> m = np.zeros((10, 12, 14)); m[2:5, 3, 4:9] = 1
    >>> [b.tolist() for b in get_bounding_box(m)]
    [[2, 3, 4], [4, 3, 8]]
    """
    block = nonzero_block(_mask_array(input_mask) > _PRESENT)
    if block is None:
        return np.zeros(3, int), np.full(3, -1)
    return np.array([s.start for s in block]), np.array([s.stop - 1 for s in block])


def get_mass_dimensions(input_mask):
    """Size ``(z, y, x)`` in voxels of the bounding box of the mask (0 for an empty mask).

    >>> m = np.zeros((10, 12, 14)); m[2:5, 3, 4:9] = 1
    >>> get_mass_dimensions(m).tolist()
    [3, 1, 5]
    """
    start, end = get_bounding_box(input_mask)
    return end - start + 1


def get_mass_center(input_mask):
    """Centre ``(z, y, x)`` of the mask's bounding box, each half rounded up (cryoCAT's "mass centre").

    An empty mask has none: ``ValueError``.

    >>> m = np.zeros((10, 12, 14)); m[2:5, 3, 4:8] = 1
    >>> get_mass_center(m).tolist()
    [3, 3, 6]
    """
    start, end = get_bounding_box(input_mask)
    if np.any(end < start):
        raise ValueError("the mask is empty (no voxel above 1e-5): it has no centre")
    return (start + end + 1) // 2


def fill_hollow_mask(input_mask, output_name=None, apply_opening_closing=True, footprint=None, output_path=None):
    """Fill a hollow mask: every line from its first to its last non-zero voxel, along x, then y, then z.

    Then, with ``apply_opening_closing``, a binary opening with ``footprint`` (default
    ``np.ones((2, 2, 2))``; an array, or a sequence of ``(array, iterations)``) and a closing
    with the 6-connected cross, as scikit-image defines them. Vectorised: no Python loop over lines.

    >>> shell = spherical_shell_mask(24, 2, radius=8)
    >>> float(shell[12, 12, 12]), float(fill_hollow_mask(shell)[12, 12, 12])
    (0.0, 1.0)
    """
    from .core.morphology import open_close
    from .core.spans import filled_spans

    filled = filled_spans(_mask_array(input_mask))
    if apply_opening_closing:
        filled = open_close(filled, np.ones((2, 2, 2)) if footprint is None else footprint)
    mask = filled.astype(np.float32)
    write_out(mask, _output(output_name, output_path))
    return mask


def shrink_full_mask(input_mask, shrink_factor, output_name=None, output_path=None):
    """Shrink a filled mask by ``shrink_factor`` voxels (a whole number ≥ 0) along x, y and z.

    Every line along x keeps its span from the first to the last non-zero voxel pulled in by
    ``shrink_factor`` at both ends; the same along y of that, and along z of both; a voxel stays
    where all three keep it. Then an opening with ``np.ones((2, 2, 2))`` and a closing with the
    6-connected cross, as cryoCAT does. Vectorised: no Python loop over lines.

    >>> int(shrink_full_mask(ellipsoid_mask(32, (8, 10, 12)), 3)[16].sum()) < int(ellipsoid_mask(32, (8, 10, 12))[16].sum())
    True
    """
    from .core.morphology import open_close
    from .core.spans import shrunk_spans

    if isinstance(shrink_factor, bool) or not np.isfinite(shrink_factor) or int(shrink_factor) != shrink_factor or shrink_factor < 0:
        raise ValueError(f"shrink_factor must be a whole number of voxels ≥ 0, got {shrink_factor!r}")
    # Nested calls, so that each boolean box is freed before the float32 one is made.
    mask = open_close(shrunk_spans(_mask_array(input_mask), int(shrink_factor)), np.ones((2, 2, 2))).astype(np.float32)
    write_out(mask, _output(output_name, output_path))
    return mask


def compute_solidity(input_mask):
    """Solidity of the mask's non-zero voxels: their number over the number in their convex hull.

    The hull is scikit-image's (as in ``regionprops``). All the mask's voxels count, in one hull
    (cryoCAT takes only the first 26-connected region it labels). An empty mask is an error.

    >>> round(compute_solidity(spherical_mask(20, 6)), 3), compute_solidity(np.ones((3, 4, 5)))
    (0.906, 1.0)
    """
    from .core.solidity import solidity

    return solidity(_mask_array(input_mask))


def mask_overlap(mask1, mask2, threshold=1.9):
    """Number of voxels where ``mask1 + mask2`` exceeds ``threshold`` (both near 1 by default).

    >>> mask_overlap(spherical_mask(20, 5), spherical_mask(20, 5, center=(10, 10, 14)))
    227
    """
    a, b = _mask_array(mask1, "mask1"), _mask_array(mask2, "mask2")
    if a.shape != b.shape:
        raise ValueError(f"mask1 has shape {a.shape} but mask2 has shape {b.shape}; masks must share one box")
    total = np.add(a, b, dtype=np.float32)
    return int(np.count_nonzero(total > np.float32(threshold)))


def postprocess(input_mask, gaussian, angles, output_name=None, output_path=None):
    """Blur (``gaussian`` sigma in voxels, 0 for none), rotate (ZXZ ``angles``, degrees, about ``size // 2``), write.

    >>> postprocess(spherical_mask(16, 4), 1, (0, 90, 0)).dtype
    dtype('float32')
    """
    mask = add_gaussian(input_mask, gaussian)
    mask = rotate(mask, angles) if is_rotation(angles) else mask
    write_out(mask, _output(output_name, output_path))
    return mask


def parse_shape_string(shape_string):
    """Kind and numbers of a cryoCAT mask name; ellipsoid radii come as ``(z, y, x)``.

    ``"ellipsoid_rx4_ry6_rz8"`` gives ``("ellipsoid", [8, 6, 4])``, ready for
    ``ellipsoid_mask(size, radii=numbers)``; shells end with their thickness. Decimals are
    allowed; whole numbers come back as ``int``.

    >>> parse_shape_string("cylinder_r5_h20"), parse_shape_string("e_shell_rx8_ry9_rz10_s2.5")
    (('cylinder', [5, 20]), ('e_shell', [10, 9, 8, 2.5]))
    """
    kind, p = parse_mask_name(shape_string)
    numbers = [p[k] for k in {"ellipsoid": ("rz", "ry", "rx"), "e_shell": ("rz", "ry", "rx", "s")}.get(kind, p)]
    return kind, [int(v) if v == int(v) else v for v in numbers]


def get_correct_format(input_value, reference_size=None):
    """Three whole numbers ``(z, y, x)`` from one number or three (truncated towards zero, as cryoCAT does).

    Without ``input_value``, ``reference_size // 2`` (the default centre of a box).

    >>> get_correct_format(64).tolist(), get_correct_format(None, reference_size=(64, 65, 10)).tolist()
    ([64, 64, 64], [32, 32, 5])
    """
    if input_value is None:
        if reference_size is None:
            raise ValueError("give input_value or reference_size")
        return get_correct_format(reference_size) // 2
    if isinstance(input_value, (str, bytes)):
        raise ValueError(f"give numbers, got {input_value!r}")
    values = np.ravel(np.asarray(input_value, dtype=object))
    if values.size not in (1, 3):
        raise ValueError(f"give one number or three (z, y, x), got {input_value!r}")
    try:
        values = np.array([float(v) for v in values])
    except (TypeError, ValueError):
        raise ValueError(f"give numbers, got {input_value!r}") from None
    if not np.all(np.isfinite(values)):
        raise ValueError(f"give finite numbers, got {input_value!r}")
    return np.resize(values, 3).astype(int)


def preprocess_params(radius, gaussian, gaussian_outwards):
    """A radius or dilation grown to ``ceil(radius + 5 gaussian)`` for a blur outwards; else unchanged.

    Works on one length or an array of them.

    >>> preprocess_params(10, 1.5, True), preprocess_params(10, 1.5, False), preprocess_params(np.array([1, 2]), 1, True).tolist()
    (18, 10, [6, 7])
    """
    gaussian = float(gaussian)
    if not math.isfinite(gaussian) or gaussian < 0:
        raise ValueError(f"gaussian must be zero or a positive sigma in voxels, got {gaussian!r}")
    if gaussian == 0 or not gaussian_outwards:
        return radius
    grown = np.ceil(np.asarray(radius, dtype=float) + _BLUR_REACH * gaussian).astype(int)
    return int(grown) if grown.ndim == 0 else grown


def cylindrical_mask_from_points(
    marker1, marker2, mask_size, pixel_size=1, chimera_origin_idx=(0, 0, 0), radius=None, height=None, gaussian=0,
    gaussian_outwards=True, output_name=None, output_path=None,
):
    """Cylinder whose axis runs from ``marker1`` to ``marker2``, centred between them.

    Parameters
    ----------
    marker1, marker2 : (z, y, x), Å
        Marker positions as ChimeraX reports them for the map (ChimeraX lists x, y, z: reverse them).
    mask_size : int or (z, y, x)
    pixel_size : float or (z, y, x), Å
        The map's voxel size in ChimeraX.
    chimera_origin_idx : (z, y, x), voxels
        The voxel index at ChimeraX position 0 (its ``originIndex``, reversed); a position ``p`` is
        at voxel ``p / pixel_size + chimera_origin_idx``.
    radius : float, voxels, default ``min(y, x size) // 2`` (as :func:`cylindrical_mask`)
    height : float, voxels, default the distance between the markers
    gaussian, gaussian_outwards, output_name, output_path
        As :func:`cylindrical_mask`.

    The cylinder is computed exactly from coordinates, like every shape here. One that misses the
    box entirely is an error (usually a wrong pixel size, origin or axis order).

    >>> m = cylindrical_mask_from_points((40, 40, 20), (40, 40, 60), 40, pixel_size=2, radius=3)
    >>> float(m[20, 20, 5]), float(m[20, 20, 15]), float(m[20, 20, 35])  # along x, from x = 10 to 30
    (0.0, 1.0, 0.0)
    """
    from .core.segment import segment_placement

    size = box_shape_of(mask_size)
    pixel = as_triple(pixel_size, "pixel_size")
    if min(pixel) <= 0:
        raise ValueError(f"pixel_size must be positive (Å), got {pixel_size!r}")
    origin = as_triple(chimera_origin_idx, "chimera_origin_idx")
    start, end = (
        tuple(p / s + o for p, s, o in zip(as_triple(m, name), pixel, origin)) for m, name in ((marker1, "marker1"), (marker2, "marker2"))
    )
    center, length, angles = segment_placement(start, end)
    mask = cylindrical_mask(
        size, radius=radius, height=length if height is None else height, center=center, gaussian=gaussian,
        gaussian_outwards=gaussian_outwards, angles=angles,
    )
    if not mask.any():
        at = ", ".join(f"{c:.1f}" for c in center)
        raise ValueError(
            f"the cylinder between the markers lies outside the {'x'.join(map(str, size))} box: its centre is at voxel "
            f"({at}) (z, y, x); check pixel_size, chimera_origin_idx and that the markers are (z, y, x)"
        )
    write_out(mask, _output(output_name, output_path))
    return mask


def molmap_tight_mask(
    input_map, threshold=0.0, dilation_size=0, gaussian=0, gaussian_outwards=True, angles=None, output_name=None, output_path=None,
):
    """Tight mask of a molmap (a model's simulated density): voxels above ``threshold``, dilated, blurred.

    ``dilation_size`` dilations with the 6-connected cross follow the threshold
    (``ceil(dilation_size + 5 sigma)`` of them with an outward blur); cryoCAT ignores the
    threshold whenever it dilates. Then the blur, ``angles`` and the write, as
    :func:`postprocess`. :func:`napari_cryomask.core.model_density.model_density` makes the
    molmap from a PDB or mmCIF model.

    >>> d = np.zeros((20, 20, 20), np.float32); d[8:12, 8:12, 8:12] = 1
    >>> int(molmap_tight_mask(d, dilation_size=1).sum())
    160
    """
    density = np.asarray(_load(input_map), dtype=np.float32)
    if density.ndim != 3 or 0 in density.shape:
        raise ValueError(f"input_map must be a non-empty 3D map, got shape {density.shape}")
    threshold = float(threshold)
    if not math.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number, got {threshold!r}")
    dilation_size = float(dilation_size)
    if not math.isfinite(dilation_size) or dilation_size < 0 or dilation_size != int(dilation_size):
        raise ValueError(f"dilation_size must be a whole number of voxels ≥ 0, got {dilation_size!r}")
    with np.errstate(invalid="ignore"):
        binary = density > np.float32(threshold)
    steps = preprocess_params(int(dilation_size), gaussian, gaussian_outwards)
    mask = gaussian_blur(_cross_dilation(binary, steps), gaussian, in_place=True)
    return postprocess(mask, 0, angles, _output(output_name, output_path))
