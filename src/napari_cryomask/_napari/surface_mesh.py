"""The 0.5 surface of a mask as a triangle mesh, for drawing masks in 3D.

Marching cubes (scikit-image, which napari brings) runs only over the block of the box that holds
the voxels at or above the level, grown by one voxel. Outside the box the mask counts as 0, so a
mask that meets a face of the box gets a closed surface half a voxel beyond that face, as napari's
iso-surface rendering shows it. Vertices are voxel indices ``(z, y, x)`` of the whole box, the
coordinates of a napari Image layer's data, so a Surface layer with the mask layer's scale and
translate lies on the mask.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.blocks import nonzero_block

LEVEL = 0.5
# A coarse stand-in of a mask (drawn while a control moves in 3D) has at most this many voxels.
PROXY_VOXELS = 64**3


def empty_mesh() -> tuple[np.ndarray, np.ndarray]:
    """A mesh without triangles: float32 (0, 3) vertices and int32 (0, 3) faces."""
    return np.zeros((0, 3), np.float32), np.zeros((0, 3), np.int32)


def mask_mesh(mask, level: float = LEVEL, *, step: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Triangles of the surface where ``mask`` crosses ``level``.

    Parameters
    ----------
    mask : (z, y, x) array
        A mask (float values in [0, 1], or bool), or a coarse sampling of one: every ``step``-th
        voxel of the box along each axis, starting at voxel 0 (``box[::step, ::step, ::step]``).
    level : float, optional
        The value the surface passes through (default 0.5).
    step : int, optional
        Spacing of ``mask``'s samples in voxels of the box; vertices are given in voxels of the box.

    Returns
    -------
    vertices : (n, 3) float32
        Positions ``(z, y, x)`` in voxel indices of the box.
    faces : (m, 3) int32
        Indices into ``vertices``, three per triangle.

    Examples
    --------
    >>> cube = np.zeros((5, 5, 5), np.float32)
    >>> cube[1:4, 1:4, 1:4] = 1.0
    >>> vertices, faces = mask_mesh(cube)
    >>> vertices.min(axis=0).tolist(), vertices.max(axis=0).tolist(), len(faces) > 0
    ([0.5, 0.5, 0.5], [3.5, 3.5, 3.5], True)
    >>> [len(part) for part in mask_mesh(np.zeros((4, 4, 4)))]
    [0, 0]
    """
    from skimage.measure import marching_cubes

    mask = np.asarray(mask)
    if mask.ndim != 3:
        raise ValueError(f"a mask mesh needs a 3D array (z, y, x), got {mask.ndim} dimensions")
    if int(step) != step or step < 1:
        raise ValueError(f"step must be a whole number of voxels ≥ 1, got {step!r}")
    inside = mask >= level
    block = nonzero_block(inside)
    if block is None:
        return empty_mesh()
    block = tuple(slice(max(s.start - 1, 0), min(s.stop + 1, n)) for s, n in zip(block, mask.shape))
    values = np.asarray(mask[block], dtype=np.float32)
    # one voxel of zeros where the block meets a face of the box closes the surface there
    pad = [(int(s.start == 0), int(s.stop == n)) for s, n in zip(block, mask.shape)]
    if any(any(p) for p in pad):
        values = np.pad(values, pad)
    vertices, faces, _, _ = marching_cubes(values, level)
    offset = np.array([s.start - before for s, (before, _) in zip(block, pad)], np.float32)
    vertices = (vertices.astype(np.float32) + offset) * np.float32(step)
    return vertices, faces.astype(np.int32, copy=False)


def proxy_step(box_shape, voxels: int = PROXY_VOXELS) -> int:
    """The smallest sampling step that gives a coarse stand-in of at most ``voxels`` voxels.

    >>> proxy_step((256, 256, 256)), proxy_step((64, 64, 64)), proxy_step((100, 300, 300))
    (4, 1, 4)
    """
    step = max(1, math.floor((math.prod(box_shape) / voxels) ** (1 / 3)))
    while math.prod(-(-n // step) for n in box_shape) > voxels:
        step += 1
    return step
