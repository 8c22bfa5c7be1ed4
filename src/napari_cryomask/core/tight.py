"""Tight masks from a density map: low-pass, threshold, largest regions, holes, extension, edge.

The pipeline, in order:

1. optional low-pass to a resolution in Å (Gaussian, amplitude 0.5 at ``1 / lowpass_A``);
2. threshold (voxels above it; NaN voxels never count);
3. keep the ``n_regions`` largest 6-connected regions;
4. optionally fill enclosed holes;
5. extend by a Euclidean distance (not the diamond that iterated dilation grows);
6. soft edge outside, cosine or Gaussian;
7. optionally invert.

:class:`TightMask` keeps each stage's result, so changing only the extension, the edge or
``invert`` reuses the distance map instead of computing a new distance transform.
"""

from __future__ import annotations

import math

import edt
import numpy as np
from scipy import ndimage

from .edges import check_edge, soft_edge
from .geometry import as_triple

# A Gaussian whose transfer function falls to 0.5 at spatial frequency f has
# sigma = sqrt(ln 2 / 2) / (pi f).
_SIGMA_PER_RESOLUTION = math.sqrt(math.log(2) / 2) / math.pi
_UNSET = object()


def lowpass(density, resolution_A: float, voxel_size=(1.0, 1.0, 1.0)) -> np.ndarray:
    """Gaussian low-pass whose amplitude is 0.5 at ``1 / resolution_A``; NaN become the median.

    >>> m = lowpass(np.ones((8, 8, 8)), 10.0, voxel_size=2.0)
    >>> float(m.min()), float(m.max())
    (1.0, 1.0)
    """
    if not resolution_A > 0:
        raise ValueError(f"lowpass resolution must be positive (Å), got {resolution_A!r}")
    d = np.asarray(density, dtype=np.float32)
    finite = np.isfinite(d)
    if not finite.all():
        d = np.where(finite, d, np.median(d[finite]) if finite.any() else 0).astype(np.float32)
    sigma = [_SIGMA_PER_RESOLUTION * resolution_A / v for v in as_triple(voxel_size, "voxel_size")]
    return ndimage.gaussian_filter(d, sigma, mode="nearest", truncate=4.0)


def largest_regions(binary, n_regions: int = 1) -> np.ndarray:
    """Keep the ``n_regions`` largest 6-connected regions (ties: the first found).

    >>> b = np.zeros((1, 1, 7), bool); b[0, 0, [0, 2, 3, 5, 6]] = True
    >>> largest_regions(b, 2).astype(int)
    array([[[0, 0, 1, 1, 0, 1, 1]]])
    """
    if int(n_regions) != n_regions or n_regions < 1:
        raise ValueError(f"n_regions must be a whole number ≥ 1, got {n_regions!r}")
    labels, count = ndimage.label(binary)
    if count <= n_regions:
        return labels > 0
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    keep = np.zeros(count + 1, bool)
    keep[np.argsort(-sizes, kind="stable")[: int(n_regions)]] = True
    return keep[labels]


def outside_distance(binary) -> np.ndarray:
    """Euclidean distance, in voxels, from every voxel to the nearest voxel of ``binary`` (0 inside).

    An empty ``binary`` gives infinity everywhere.
    """
    if not binary.any():
        return np.full(binary.shape, np.inf, np.float32)
    return edt.edt(~binary, black_border=False, parallel=0).astype(np.float32, copy=False)


class TightMask:
    """A tight mask of one map that remembers its intermediate results.

    Parameters
    ----------
    density : 3D array
        The map; NaN voxels are ignored.
    voxel_size : float or (z, y, x) floats, Å
        Used by the low-pass.

    Examples
    --------
    >>> d = np.zeros((20, 20, 20), np.float32); d[8:12, 8:12, 8:12] = 1
    >>> tm = TightMask(d)
    >>> m = tm.update(threshold=0.5, extend_px=2, edge="cosine", edge_width_px=3)
    >>> m.dtype, float(m[10, 10, 10]), float(m[10, 10, 0])
    (dtype('float32'), 1.0, 0.0)
    """

    def __init__(self, density, voxel_size=(1.0, 1.0, 1.0)):
        d = np.asarray(density, dtype=np.float32)
        if d.ndim != 3 or 0 in d.shape:
            raise ValueError(f"the map must be a non-empty 3D array, got shape {d.shape}")
        self.density = d
        self.voxel_size = as_triple(voxel_size, "voxel_size")
        self._filtered_key = self._binary_key = _UNSET
        self.filtered = self.binary = self.distance = None
        self.distance_transforms = 0

    def _filter(self, lowpass_A):
        if self._filtered_key != lowpass_A:
            self.filtered = self.density if lowpass_A is None else lowpass(self.density, lowpass_A, self.voxel_size)
            self._filtered_key, self._binary_key = lowpass_A, _UNSET
        return self.filtered

    def _binarise(self, threshold, lowpass_A, n_regions, fill_holes):
        key = (threshold, lowpass_A, n_regions, fill_holes)
        if self._binary_key != key:
            filtered = self._filter(lowpass_A)
            with np.errstate(invalid="ignore"):
                binary = filtered > np.float32(threshold)
            if binary.any():
                binary = largest_regions(binary, n_regions)
            if fill_holes:
                binary = ndimage.binary_fill_holes(binary)
            self.binary = binary
            self.distance = outside_distance(binary)
            self.distance_transforms += 1
            self._binary_key = key
        return self.distance

    def update(
        self,
        threshold: float,
        *,
        lowpass_A: float | None = None,
        n_regions: int = 1,
        fill_holes: bool = False,
        extend_px: float = 0.0,
        edge: str = "cosine",
        edge_width_px: float = 0.0,
        invert: bool = False,
    ) -> np.ndarray:
        """Compute the mask for these parameters, reusing what earlier calls computed."""
        threshold = float(threshold)
        if not math.isfinite(threshold):
            raise ValueError(f"threshold must be a finite number, got {threshold!r}")
        if not (extend_px >= 0 and math.isfinite(extend_px)):
            raise ValueError(f"extend must be zero or a positive distance in voxels, got {extend_px!r}")
        if int(n_regions) != n_regions or n_regions < 1:
            raise ValueError(f"n_regions must be a whole number ≥ 1, got {n_regions!r}")
        edge, edge_width_px = check_edge(edge, edge_width_px)
        lowpass_A = None if not lowpass_A else float(lowpass_A)
        distance = self._binarise(threshold, lowpass_A, int(n_regions), bool(fill_holes))
        mask = soft_edge(distance - np.float32(extend_px), edge, edge_width_px)
        if invert:
            np.subtract(1, mask, out=mask)
        return mask


def tight_mask(density, threshold: float, *, voxel_size=(1.0, 1.0, 1.0), **params) -> np.ndarray:
    """One tight mask; the keywords are those of :meth:`TightMask.update`.

    Examples
    --------
    >>> d = np.zeros((20, 20, 20), np.float32); d[8:12, 8:12, 8:12] = 1; d[0, 0, 0] = 1
    >>> float(tight_mask(d, 0.5).sum())  # the lone voxel is a second, smaller region
    64.0
    """
    return TightMask(density, voxel_size).update(threshold, **params)
