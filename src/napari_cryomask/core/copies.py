"""Rigidly moved copies of a mask, united or averaged: what symmetry, point group or helical, is made of.

A move is a rotation ``R`` (a matrix on ``(z, y, x)`` vectors) about a centre ``c`` followed by a
shift ``t``: a point ``p`` goes to ``c + R (p - c) + t``, in Å (or in voxels when no voxel size is
given). A voxel mask is resampled (linear interpolation) for each move, only in the block its copy
reaches; a mask made of one analytic shape is moved exactly instead, each copy a shape with its own
centre and Euler angles (:func:`moved_shapes`).
"""

from __future__ import annotations

import itertools
import math
import numbers
import warnings

import numpy as np

from .blocks import nonzero_block
from .edges import edge_reach
from .geometry import as_triple, bounding_block, box_shape_of, center_of, is_rotation, rotation_matrix
from .shapes import make_solid, shape_mask

MODES = ("union", "average")
_SOLID_KEYS = ("radius", "radii", "height", "inner_radius", "size", "rounding")


def check_mode(mode: str, threshold: float) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if isinstance(threshold, bool) or not (isinstance(threshold, numbers.Real) and 0 < threshold <= 1):
        raise ValueError(f"threshold must be above 0 and at most 1 (a share of the copies), got {threshold!r}")


def _is_identity(matrix, shift) -> bool:
    return np.array_equal(matrix, np.eye(3)) and not np.any(shift)


def _copy_block(block, forward, center, move, box_shape):
    """Block of the box that the copy of ``block`` under ``forward`` (voxel space) and ``move`` reaches."""
    corners = np.array(list(itertools.product(*[(s.start, s.stop - 1) for s in block])), dtype=float)
    moved = center + (corners - center) @ forward.T + move
    lo, hi = np.floor(moved.min(axis=0) - 1e-6), np.ceil(moved.max(axis=0) + 1e-6)
    return tuple(slice(int(max(0, a)), int(min(n, b + 1))) for a, b, n in zip(lo, hi, box_shape))


def moved_copies(mask, moves, center, *, voxel_size=None, mode: str = "union", threshold: float = 0.5) -> np.ndarray:
    """Union (maximum) or thresholded average of copies of ``mask`` moved by ``moves``.

    Parameters
    ----------
    mask : 3D array
    moves : list of (matrix, shift)
        Rotation on ``(z, y, x)`` vectors and shift ``(z, y, x)`` in Å (in voxels without
        ``voxel_size``). Include the identity to keep the mask itself.
    center : (z, y, x) voxels
        Centre of the rotations.
    voxel_size : (z, y, x) Å, optional
    mode : {"union", "average"}
    threshold : float
        With ``average``: the share of the copies a voxel's mean must reach to be inside (1);
        the result is binary.

    Examples
    --------
    >>> m = np.zeros((5, 5, 5), np.float32); m[2, 2, 3] = 1
    >>> turn = np.array([[1, 0, 0], [0, -1, 0], [0, 0, -1.0]])  # half turn about z
    >>> c = moved_copies(m, [(np.eye(3), (0, 0, 0)), (turn, (0, 0, 0))], (2, 2, 2))
    >>> float(c[2, 2, 1]), float(c.sum())
    (1.0, 2.0)
    """
    check_mode(mode, threshold)
    mask = np.asarray(mask, dtype=np.float32)
    box = mask.shape
    spacing = np.array(as_triple(voxel_size if voxel_size is not None else 1.0, "voxel_size"))
    if np.any(spacing <= 0):
        raise ValueError(f"voxel_size must be positive, got {voxel_size!r}")
    center = np.array(as_triple(center, "center"))
    out = np.zeros(box, np.float32)
    block = nonzero_block(mask)
    if block is None or not moves:
        return out
    source = mask[block]
    start = np.array([s.start for s in block], dtype=float)
    from scipy import ndimage  # imported on use: slow to import

    for matrix, shift in moves:
        matrix = np.asarray(matrix, dtype=float)
        shift = np.asarray(as_triple(shift, "shift"))
        if _is_identity(matrix, shift):
            target, values = block, source
        else:
            # In voxel indices the rotation is S⁻¹ R S, S = diag(voxel size); the shift is S⁻¹ t.
            forward = matrix * spacing[None, :] / spacing[:, None]
            move = shift / spacing
            target = _copy_block(block, forward, center, move, box)
            if any(s.start >= s.stop for s in target):
                continue
            inverse = np.linalg.inv(forward)
            origin = np.array([s.start for s in target], dtype=float)
            offset = center + inverse @ (origin - center - move) - start
            values = ndimage.affine_transform(
                source, inverse, offset=offset, output_shape=tuple(s.stop - s.start for s in target),
                output=np.float32, order=1, mode="grid-constant", cval=0.0, prefilter=False,
            )
        if mode == "union":
            np.maximum(out[target], values, out=out[target])
        else:
            out[target] += values
    if mode == "union":
        return np.clip(out, 0, 1, out=out)
    out /= np.float32(len(moves))
    return (out >= np.float32(threshold)).astype(np.float32)


def _angles_of(matrix) -> tuple[float, float, float]:
    """ZXZ Euler angles (degrees, cryoCAT's sense) of a rotation on ``(z, y, x)`` vectors."""
    from scipy.spatial.transform import Rotation

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gimbal lock: any split of the angle about z is right
        angles = Rotation.from_matrix(np.asarray(matrix)[::-1, ::-1]).as_euler("zxz", degrees=True)
    return tuple(round(float(a), 9) + 0.0 for a in angles)


def moved_shapes(params: dict, moves, center, box_shape) -> list[dict]:
    """The :func:`~napari_cryomask.core.shapes.shape_mask` keywords of the moved copies of one shape.

    Lengths and shifts in voxels (isotropic voxels). Each copy has its centre moved and its
    rotation composed with the move's; the identity move keeps ``params`` as they are.

    >>> p = {"shape": "sphere", "radius": 2, "center": (8, 8, 12)}
    >>> half = np.array([[1, 0, 0], [0, -1, 0], [0, 0, -1.0]])
    >>> [c["center"] for c in moved_shapes(p, [(np.eye(3), (0, 0, 0)), (half, (0, 0, 0))], (8, 8, 8), 16)]
    [(8, 8, 12), (8.0, 8.0, 4.0)]
    """
    box_shape = box_shape_of(box_shape)
    center = np.array(as_triple(center, "center"))
    own_center = np.array(center_of(params.get("center"), box_shape))
    angles = params.get("angles")
    own = rotation_matrix(angles) if is_rotation(angles) else np.eye(3)
    copies = []
    for matrix, shift in moves:
        matrix = np.asarray(matrix, dtype=float)
        shift = np.asarray(as_triple(shift, "shift"))
        if _is_identity(matrix, shift):
            copies.append(dict(params))
            continue
        moved = center + matrix @ (own_center - center) + shift
        copies.append(dict(params, center=tuple(float(v) + 0.0 for v in moved), angles=_angles_of(matrix @ own)))
    return copies


def _shape_block(params, box_shape):
    """The block of the box where a shape with these keywords can be non-zero."""
    solid = make_solid(params["shape"], **{k: params[k] for k in _SOLID_KEYS if params.get(k) is not None})
    angles = params.get("angles")
    matrix = rotation_matrix(angles) if is_rotation(angles) else None
    reach = edge_reach(params.get("edge", "none"), params.get("edge_width_px", 0.0))
    half = [h + reach + 1 for h in solid.half_extent(matrix)]
    return bounding_block(center_of(params.get("center"), box_shape), half, box_shape)


def shape_copies_mask(box_shape, copies, *, mode: str = "union", threshold: float = 0.5) -> np.ndarray:
    """Union (maximum) or thresholded average of shapes (``shape_mask`` keywords), each computed in its block.

    >>> p = {"shape": "sphere", "radius": 2, "center": (8, 8, 12)}
    >>> m = shape_copies_mask(16, [p, dict(p, center=(8, 8, 4))])
    >>> float(m[8, 8, 12]), float(m[8, 8, 4]), float(m[8, 8, 8])
    (1.0, 1.0, 0.0)
    """
    check_mode(mode, threshold)
    box_shape = box_shape_of(box_shape)
    out = np.zeros(box_shape, np.float32)
    for params in copies:
        block = _shape_block(params, box_shape)
        if any(s.start >= s.stop for s in block):
            continue
        values = shape_mask(box_shape, **params, region=block)
        if mode == "union":
            np.maximum(out[block], values, out=out[block])
        else:
            out[block] += values
    if mode == "union" or not copies:
        return out
    out /= np.float32(len(copies))
    return (out >= np.float32(threshold)).astype(np.float32)


def isotropic(voxel_size) -> bool:
    """True when the voxel size is unknown or the same on the three axes."""
    if voxel_size is None:
        return True
    sizes = as_triple(voxel_size, "voxel_size")
    return math.isclose(min(sizes), max(sizes), rel_tol=1e-6)
