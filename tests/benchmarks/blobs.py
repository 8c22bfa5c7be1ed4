"""A synthetic particle map for the tight-mask benchmarks: smooth blobs plus smooth noise.

The blobs sit at fixed fractions of the box, so the particle scales with the box and fills about
half of its width at every size; the same ``box`` and ``seed`` always give the same map.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

# (centre offset, sigma) as fractions of the box, (z, y, x); peak amplitude 1.
_BLOBS = (
    ((0.00, 0.00, 0.00), (0.10, 0.08, 0.09)),
    ((0.12, -0.08, 0.05), (0.07, 0.06, 0.08)),
    ((-0.10, 0.10, -0.06), (0.06, 0.07, 0.06)),
    ((0.05, 0.14, 0.12), (0.05, 0.05, 0.06)),
    ((-0.13, -0.11, 0.10), (0.05, 0.06, 0.05)),
)
NOISE_STD = 0.05
THRESHOLD = 0.3


def blob_map(box: int, seed: int = 0) -> np.ndarray:
    """Float32 map of shape ``(box, box, box)``: five Gaussian blobs (peak 1) and noise of std 0.05.

    :data:`THRESHOLD` (0.3) cuts the blobs at about 1.5 sigma and lies far above the noise.
    Made a plane at a time and filtered in place, so that large boxes need little more than
    two maps of memory.

    Examples
    --------
    >>> m = blob_map(32)
    >>> m.shape, m.dtype.name, bool(m.min() < THRESHOLD < m.max())
    ((32, 32, 32), 'float32', True)
    """
    axis = np.arange(box, dtype=np.float32) - box // 2
    density = np.zeros((box,) * 3, np.float32)
    for centre, sigma in _BLOBS:
        pz, py, px = (np.exp(-0.5 * ((axis - c * box) / (s * box)) ** 2) for c, s in zip(centre, sigma))
        for z in range(box):
            density[z] += (pz[z] * py)[:, None] * px[None, :]
    noise = np.random.default_rng(seed).standard_normal(density.shape, dtype=np.float32)
    ndimage.gaussian_filter(noise, 1.0, mode="wrap", output=noise)
    total = squares = 0.0
    for plane in noise:
        total += float(plane.sum(dtype=np.float64))
        squares += float(np.square(plane, dtype=np.float64).sum())
    std = np.sqrt(squares / noise.size - (total / noise.size) ** 2)
    noise *= np.float32(NOISE_STD / std)
    density += noise
    return density
