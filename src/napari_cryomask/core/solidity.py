"""Solidity of a mask: its voxels over the voxels of its convex hull.

The hull is scikit-image's (``convex_hull_image``, which ``regionprops`` uses): the convex hull
of the centres of the voxels' faces, that is of every voxel centre moved half a voxel along each
axis both ways, and a voxel counts when its centre lies inside or on it (to 1e-10). Only voxels
at the two ends of each line can be hull vertices, so only those go to Qhull; the hull's voxels
are counted line by line, from where each line enters and leaves the hull.
"""

from __future__ import annotations

import numpy as np

from .blocks import nonzero_block

_TOLERANCE = 1e-10  # scikit-image's: a voxel centre within this of a facet is inside


def _line_ends(binary) -> np.ndarray:
    """Coordinates (z, y, x) of the first and last set voxel of every line along x."""
    has = binary.any(axis=2)
    z, y = np.nonzero(has)
    rows = binary[z, y]
    first = np.argmax(rows, axis=1)
    last = binary.shape[2] - 1 - np.argmax(rows[:, ::-1], axis=1)
    ends = np.concatenate([np.stack([z, y, first], 1), np.stack([z, y, last], 1)])
    return np.unique(ends, axis=0).astype(np.float64)


def _face_centres(points) -> np.ndarray:
    offsets = np.zeros((6, 3))
    for axis in range(3):
        offsets[2 * axis, axis], offsets[2 * axis + 1, axis] = -0.5, 0.5
    return np.unique((points[:, None, :] + offsets).reshape(-1, 3), axis=0)


def hull_voxel_count(binary) -> int:
    """Number of voxels whose centres lie in the convex hull of the set voxels' face centres.

    >>> m = np.zeros((5, 5, 5), bool); m[1:4, 1:4, 1:4] = True; m[2, 2, 2] = False
    >>> hull_voxel_count(m)
    27
    """
    from scipy.spatial import ConvexHull, QhullError  # imported on use: slow to import

    binary = np.asarray(binary) != 0
    block = nonzero_block(binary)
    if block is None:
        return 0
    sub = binary[block]
    points = _line_ends(sub)
    try:  # fewer points for the second hull; a flat mask has no 3D hull of its own
        points = points[ConvexHull(points).vertices]
    except QhullError:
        pass
    equations = ConvexHull(_face_centres(points)).equations
    # Voxel (z, y, x) is inside when a·(z, y, x) + b < tolerance for every facet.
    z, y = np.meshgrid(np.arange(sub.shape[0]), np.arange(sub.shape[1]), indexing="ij")
    z, y = z.ravel().astype(np.float64), y.ravel().astype(np.float64)
    lo = np.zeros(z.shape)
    hi = np.full(z.shape, sub.shape[2] - 1.0)
    for az, ay, ax, b in equations:
        rest = _TOLERANCE - b - az * z - ay * y  # need ax * x < rest
        if ax > 0:
            np.minimum(hi, np.ceil(rest / ax) - 1, out=hi)
        elif ax < 0:
            np.maximum(lo, np.floor(rest / ax) + 1, out=lo)
        else:
            hi[rest <= 0] = -1
    return int(np.maximum(hi - lo + 1, 0).sum())


def solidity(binary) -> float:
    """Set voxels over hull voxels (1 for a convex mask); an error for an empty mask.

    >>> m = np.zeros((5, 5, 5), bool); m[1:4, 1:4, 1:4] = True; m[2, 2, 2] = False
    >>> round(solidity(m), 4)
    0.963
    """
    binary = np.asarray(binary) != 0
    count = int(np.count_nonzero(binary))
    if count == 0:
        raise ValueError("the mask is empty: it has no solidity")
    return count / hull_voxel_count(binary)
