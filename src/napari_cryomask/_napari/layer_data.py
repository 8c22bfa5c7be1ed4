"""Turn a volume (array + voxel size + origin) into napari image-layer keyword arguments."""

from __future__ import annotations

import math

import numpy as np

_SAMPLE_LIMIT = 2_000_000  # voxels looked at for contrast limits


def robust_contrast_limits(data, low=0.5, high=99.5):
    """Contrast limits from percentiles of the finite values.

    Percentiles ignore the odd hot or dead voxel that would squash the grey
    range if min/max were used. Large arrays are looked at on a regular sub-grid
    of at most about two million voxels.

    Parameters
    ----------
    data : array_like
        Image of any dimensionality.
    low, high : float, optional
        Percentiles (0-100) giving the lower and upper limit.

    Returns
    -------
    tuple of float
        (lower, upper) with lower < upper; (0.0, 1.0) when nothing is finite.

    Examples
    --------
    >>> data = np.arange(1000.0)
    >>> data[0] = -1e9
    >>> [round(v, 1) for v in robust_contrast_limits(data)]
    [5.0, 994.0]
    """
    data = np.asarray(data) if not hasattr(data, "ndim") else data
    step = 1
    if data.size > _SAMPLE_LIMIT:
        step = math.ceil((data.size / _SAMPLE_LIMIT) ** (1.0 / data.ndim))
    sample = np.asarray(data[(slice(None, None, step),) * data.ndim], dtype=np.float64)
    finite = sample[np.isfinite(sample)]
    if finite.size == 0:
        return 0.0, 1.0
    lower, upper = (float(v) for v in np.percentile(finite, [low, high]))
    if upper <= lower:
        lower, upper = float(finite.min()), float(finite.max())
    if upper <= lower:
        upper = lower + 1.0
    return lower, upper


def image_layer_kwargs(data, voxel_size, origin=(0.0, 0.0, 0.0), *, name, metadata=None):
    """Keyword arguments for ``napari.layers.Image`` showing a map in Å.

    Parameters
    ----------
    data : array_like
        The map, indexed [z, y, x] (or [y, x]).
    voxel_size : sequence of float
        (z, y, x) voxel size in Å; becomes the layer scale.
    origin : sequence of float, optional
        (z, y, x) position of voxel [0, 0, 0] in Å; becomes the layer translate.
    name : str
        Layer name.
    metadata : dict, optional
        Extra metadata; ``voxel_size`` and ``origin`` are added to it.

    Returns
    -------
    dict
        ``name``, ``scale``, ``translate``, ``contrast_limits``, ``colormap``,
        ``metadata``.

    Examples
    --------
    >>> kw = image_layer_kwargs(np.zeros((4, 5, 6)), (2.0, 2.0, 2.0), name="map")
    >>> kw["scale"], kw["translate"], kw["contrast_limits"]
    ((2.0, 2.0, 2.0), (0.0, 0.0, 0.0), (0.0, 1.0))
    """
    ndim = np.ndim(data) if not hasattr(data, "ndim") else data.ndim
    scale = tuple(float(v) for v in voxel_size)[-ndim:]
    translate = tuple(float(v) for v in origin)[-ndim:]
    meta = dict(metadata or {})
    meta["voxel_size"] = tuple(float(v) for v in voxel_size)
    meta["origin"] = tuple(float(v) for v in origin)
    return {
        "name": name,
        "scale": scale,
        "translate": translate,
        "contrast_limits": robust_contrast_limits(data),
        "colormap": "gray",
        "metadata": meta,
    }
