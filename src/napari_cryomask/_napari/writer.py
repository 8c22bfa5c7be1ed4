"""napari writers: one image or labels layer to an MRC (.mrc) or EM (.em) file.

Overwriting: napari's save dialog asks before replacing a file, and
``viewer.layers.save(path)`` from code replaces files with every napari writer,
so these writers overwrite too (``write_with_recipe(..., overwrite=True)``; the
write itself is atomic). A layer's recipe (``metadata["cryomask_recipe"]``) is
written with the map as ``<path>.json``; without one, an old recipe sidecar
there is removed, since it described the map replaced.
"""

from __future__ import annotations

import os

import numpy as np

from napari_cryomask.recipes import METADATA_KEY, write_with_recipe


def write_image(path, data, attributes):
    """Write an image layer as a float32 map.

    Parameters
    ----------
    path : str
        Target file; the suffix (.mrc or .em) picks the format.
    data : array_like or list of array_like
        Layer data, [z, y, x] or [y, x] (written as one z-slice); for a
        multiscale layer the full-resolution level is written.
    attributes : dict
        Layer attributes: ``scale`` gives the voxel size and ``translate`` the
        origin (last three entries, Å); ``metadata["cryomask_recipe"]`` (a dict)
        is also saved as a ``<path>.json`` sidecar.

    Returns
    -------
    list of str
        ``[path]``.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> out = os.path.join(tempfile.mkdtemp(), "map.mrc")
    >>> write_image(out, np.zeros((2, 3, 4)), {"scale": (4.0, 4.0, 4.0)}) == [out]
    True
    """
    return [write_layer(path, data, attributes)]


def write_labels(path, data, attributes):
    """Write a labels layer as a float32 map (label values become densities).

    Parameters and returns are as for `write_image`.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> out = os.path.join(tempfile.mkdtemp(), "mask.em")
    >>> write_labels(out, np.ones((2, 3, 4), np.uint8), {}) == [out]
    True
    """
    return [write_layer(path, data, attributes)]


def write_layer(path, data, attributes):
    """Write one layer's data with its scale and translate; return the path.

    Parameters
    ----------
    path : str or os.PathLike
        Target file.
    data : array_like or list of array_like
        2D or 3D layer data (full-resolution level first when multiscale).
    attributes : dict
        napari layer attributes (``name``, ``scale``, ``translate``,
        ``metadata``, ``multiscale``, ``rgb``).

    Returns
    -------
    str
    """
    path = os.fspath(path)
    name = attributes.get("name", "layer")
    if attributes.get("multiscale") or isinstance(data, (list, tuple)):
        data = data[0]
    if attributes.get("rgb"):
        raise ValueError(f"layer {name!r}: RGB images cannot be written as a density map")
    volume = np.asarray(data)
    if volume.ndim not in (2, 3):
        raise ValueError(
            f"layer {name!r}: only 2D or 3D data can be written to {path}, "
            f"got shape {volume.shape}"
        )
    scale = _per_axis(attributes.get("scale"), volume.ndim, 1.0)
    translate = _per_axis(attributes.get("translate"), volume.ndim, 0.0)
    if volume.ndim == 2:
        # one z-slice; its thickness is taken to be the x spacing
        volume = volume[np.newaxis]
        scale = (scale[-1], *scale)
        translate = (0.0, *translate)
    recipe = (attributes.get("metadata") or {}).get(METADATA_KEY)
    write_with_recipe(
        path,
        volume.astype(np.float32, copy=False),
        recipe if isinstance(recipe, dict) else None,
        voxel_size=scale,
        origin=translate,
        overwrite=True,
    )
    return path


def _per_axis(values, ndim, default):
    """The last ``ndim`` entries of a layer's scale or translate, as floats."""
    if values is None:
        return (default,) * ndim
    return tuple(float(v) for v in values)[-ndim:]
