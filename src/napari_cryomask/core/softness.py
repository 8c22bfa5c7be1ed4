"""A soft edge suggested by the resolution one aims for.

The rule (the one the mask-check issue cites from Warp/M): a softness of
``s = max(1, R / (2 · voxel size))`` voxels for a target resolution ``R`` Å, that is half the
resolution in voxels and at least one voxel, then extend the mask by ``round(3 s)`` voxels and
give it a cosine edge ``round(3 s)`` voxels wide (halves round up). An edge this wide carries
little power beyond ``R``, so the mask adds little correlation of its own at the resolution that
matters, and the extension keeps the edge off the density.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

RULE = "softness s = max(1, R / (2 · voxel size)) voxels; extend round(3 s), cosine edge round(3 s) voxels"


@dataclass(frozen=True)
class SoftEdge:
    """A suggested extension and soft edge, in voxels, with the softness they come from."""

    softness_px: float
    extend_px: int
    edge_width_px: int
    rule: str = RULE


def suggest_soft_edge(resolution_A: float, voxel_size: float) -> SoftEdge:
    """Extension and soft-edge widths for a target resolution.

    Parameters
    ----------
    resolution_A : float
        The resolution aimed for (or reached), in Å.
    voxel_size : float
        Voxel size in Å.

    Examples
    --------
    >>> edge = suggest_soft_edge(8.0, 2.0)
    >>> edge.softness_px, edge.extend_px, edge.edge_width_px
    (2.0, 6, 6)
    >>> suggest_soft_edge(3.0, 2.0).edge_width_px     # at least one voxel of softness
    3
    """
    resolution_A, voxel_size = float(resolution_A), float(voxel_size)
    if not (math.isfinite(resolution_A) and resolution_A > 0):
        raise ValueError(f"resolution_A must be a positive number of Å, got {resolution_A!r}")
    if not (math.isfinite(voxel_size) and voxel_size > 0):
        raise ValueError(f"voxel_size must be a positive number of Å, got {voxel_size!r}")
    softness = max(1.0, resolution_A / (2.0 * voxel_size))
    width = int(math.floor(3.0 * softness + 0.5))
    return SoftEdge(softness_px=softness, extend_px=width, edge_width_px=width)
