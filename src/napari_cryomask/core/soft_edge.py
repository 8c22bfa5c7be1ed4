"""A new edge for an existing mask: take it at a contour, extend it and give it a soft edge.

This is how the mask check applies its soft-edge suggestion to a mask: the mask is binarised at
``threshold`` (its 0.5 contour by default), grown by ``extend_px`` (Euclidean) and given a
``cosine`` or ``gaussian`` edge of ``edge_width_px`` outside that, as a tight mask's are
(:mod:`.edges`). The old soft edge is replaced, not added to.
"""

from __future__ import annotations

import math

import numpy as np

from .distance import BlockDistance, mask_margin
from .edges import check_edge


def extend_and_soften(mask, extend_px: float = 0.0, edge: str = "cosine", edge_width_px: float = 0.0,
                      threshold: float = 0.5) -> np.ndarray:
    """Extend a mask by ``extend_px`` voxels and give it a soft edge of ``edge_width_px`` voxels.

    Parameters
    ----------
    mask : array
        Any mask; voxels at or above ``threshold`` are inside.
    extend_px : float
        Growth in voxels (0: none).
    edge : {"cosine", "gaussian", "none"}
    edge_width_px : float
        Width of the soft edge (Gaussian: sigma), voxels.
    threshold : float
        The contour the mask is taken at.

    Returns
    -------
    float32 array in [0, 1]

    Examples
    --------
    >>> m = np.zeros((1, 1, 12), np.float32); m[0, 0, :3] = 1
    >>> [round(float(v), 3) for v in extend_and_soften(m, 2, "cosine", 4)[0, 0, :10]]
    [1.0, 1.0, 1.0, 1.0, 1.0, 0.854, 0.5, 0.146, 0.0, 0.0]
    """
    extend_px = float(extend_px)
    if not (math.isfinite(extend_px) and extend_px >= 0):
        raise ValueError(f"extend_px must be zero or a positive number of voxels, got {extend_px!r}")
    edge, edge_width_px = check_edge(edge, edge_width_px)
    binary = np.asarray(mask) >= threshold
    return BlockDistance(binary, margin=mask_margin(extend_px, edge, edge_width_px)).mask(extend_px, edge, edge_width_px)
