"""Distance outside a binary mask, computed only in the block its masks need, and masks made from it."""

from __future__ import annotations

import math

import numpy as np

from .blocks import grow_block, in_slabs, nonzero_block
from .edges import check_edge, edge_reach, soft_edge
from .limits import require_fit

# Voxels of a mask made at a time, so that its temporary arrays stay small.
_SLAB_VOXELS = 1 << 16


def outside_distance(binary) -> np.ndarray:
    """Euclidean distance, in voxels, from every voxel to the nearest voxel of ``binary`` (0 inside).

    An empty ``binary`` gives infinity everywhere.
    """
    if not binary.any():
        return np.full(binary.shape, np.inf, np.float32)
    import edt  # imported on use, with scipy.ndimage

    # edt is faster on uint8 labels than on booleans, with the same result.
    outside = np.logical_not(binary).view(np.uint8)
    return edt.edt(outside, black_border=False, parallel=0).astype(np.float32, copy=False)


class BlockDistance:
    """The distance outside a binary mask, computed only in the block of the box a mask needs.

    Every True voxel lies in the block (the True voxels' bounding block grown by ``margin``),
    so the distance transform of the block is exact inside it, and every voxel outside it is
    more than ``margin`` voxels away from the mask.

    Examples
    --------
    >>> b = np.zeros((30, 30, 30), bool); b[14:16, 14:16, 14:16] = True
    >>> bd = BlockDistance(b, margin=4)
    >>> bd.block
    (slice(10, 20, None), slice(10, 20, None), slice(10, 20, None))
    >>> m = bd.mask(extend_px=1, edge="cosine", edge_width_px=2)
    >>> [float(m[15, 15, x]) for x in (16, 17, 18)]
    [1.0, 0.5, 0.0]
    >>> bd.covers(1, "cosine", 2), bd.covers(5, "none", 0)
    (True, False)
    """

    def __init__(self, binary, margin: int):
        self.shape = binary.shape
        self.core = nonzero_block(binary)
        self.block = None if self.core is None else grow_block(self.core, margin, self.shape)
        self.values = None if self.core is None else outside_distance(binary[self.block])

    def _region(self, extend_px, edge, edge_width_px):
        """The block outside which the mask with these parameters is zero."""
        return grow_block(self.core, mask_margin(extend_px, edge, edge_width_px), self.shape)

    def covers(self, extend_px, edge, edge_width_px) -> bool:
        """True when the block holds every voxel a mask with these parameters can make non-zero."""
        if self.core is None:
            return True
        region = self._region(extend_px, edge, edge_width_px)
        return all(b.start <= r.start and r.stop <= b.stop for b, r in zip(self.block, region))

    def mask(self, extend_px, edge, edge_width_px) -> np.ndarray:
        """Float32 mask of the whole box: ``soft_edge(distance - extend_px, edge, edge_width_px)``."""
        out = np.zeros(self.shape, np.float32)
        if self.core is None:
            return out
        extend = np.float32(extend_px)

        # A voxel's value depends on its distance only; slabs keep the temporary arrays small.
        def fill(slab):
            inner = tuple(slice(r.start - b.start, r.stop - b.start) for r, b in zip(slab, self.block))
            out[slab] = soft_edge(self.values[inner] - extend, edge, edge_width_px)

        in_slabs(self._region(extend_px, edge, edge_width_px), _SLAB_VOXELS, fill)
        return out


def mask_margin(extend_px, edge, edge_width_px) -> int:
    """Voxels beyond the mask's bounding block up to which an extended, soft-edged mask reaches.

    A voxel outside the block grown by ``m`` is at least ``m + 1`` away; one voxel more keeps
    float32 rounding of ``distance - extend`` clear of the edge's end.
    """
    return math.ceil(extend_px + edge_reach(edge, edge_width_px)) + 1


def soften(mask, edge: str = "cosine", width_px: float = 0.0, threshold: float = 0.5) -> np.ndarray:
    """Give an existing mask a soft edge: binarise at ``threshold``, then fall off outside.

    Examples
    --------
    >>> m = np.zeros((1, 1, 9), np.float32); m[0, 0, :3] = 1
    >>> [round(float(v), 3) for v in soften(m, "cosine", 4)[0, 0, :8]]
    [1.0, 1.0, 1.0, 0.854, 0.5, 0.146, 0.0, 0.0]
    """
    edge, width_px = check_edge(edge, width_px)
    require_fit("the softened mask", np.shape(mask), copies=2.25)  # the distance, the result, the binary mask
    binary = np.asarray(mask) >= threshold
    return BlockDistance(binary, margin=math.ceil(edge_reach(edge, width_px)) + 1).mask(0.0, edge, width_px)
