"""napari writers: image or labels layers to MRC (.mrc) or EM (.em) files, one file per layer.

Overwriting: napari's save dialog asks before replacing a file, and
``viewer.layers.save(path)`` from code replaces files with every napari writer,
so these writers overwrite too (``write_with_recipe(..., overwrite=True)``; the
map and its recipe sidecar are written together, atomically).

A mask's recipe is saved beside it (``<file>.json``) only when it still reproduces the data: a
layer changed after its recipe was made is saved without one, and saving a layer that its widget
marked stale says so.

A mask saved while no map open in the viewer has its voxel size and box warns
(:func:`~napari_cryomask._napari.grid_warning.warn_saved`): RELION, M and pytom would refuse it.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import numpy as np

from napari_cryomask._napari.grid_warning import warn_saved
from napari_cryomask._napari.mask_layer import STALE_KEY
from napari_cryomask.recipes import METADATA_KEY, data_digest, write_with_recipe


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
    write_with_recipe(
        path,
        volume.astype(np.float32, copy=False),
        recipe_to_save(path, attributes.get("metadata") or {}, volume, name=name),
        voxel_size=scale,
        origin=translate,
        overwrite=True,
    )
    warn_saved(path, volume, attributes)
    return path


def write_layers(path, layer_data):
    """Save several selected layers, one file per layer (File > Save Selected Layers).

    ``path`` with a suffix (``masks.mrc``) gives ``masks_<layer name>.mrc`` for each layer;
    without one (``masks``) it is a folder, made if needed, holding ``<layer name>.mrc``.
    Refuses, before writing anything, when two layers would get the same file name.

    Parameters
    ----------
    path : str
    layer_data : list of (data, attributes, layer_type)

    Returns
    -------
    list of str
        The files written.
    """
    base = Path(path)
    suffix = base.suffix.lower()
    if suffix in (".mrc", ".map", ".em"):
        targets = [base.with_name(f"{base.stem}_{_file_name(attrs.get('name', 'layer'))}{base.suffix}") for _, attrs, _ in layer_data]
    else:
        targets = [base / f"{_file_name(attrs.get('name', 'layer'))}.mrc" for _, attrs, _ in layer_data]
    names = [t.name for t in targets]
    doubles = sorted({n for n in names if names.count(n) > 1})
    if doubles:
        raise ValueError(f"cannot save the selected layers: two of them would both be written to {doubles[0]}; rename one")
    if suffix not in (".mrc", ".map", ".em"):
        base.mkdir(parents=True, exist_ok=True)
    return [write_layer(target, data, attributes) for target, (data, attributes, _) in zip(targets, layer_data)]


def _file_name(name: str) -> str:
    """A layer name as a file name: spaces and unsafe characters become ``_``.

    >>> _file_name("shape mask [1]")
    'shape_mask_1'
    """
    return re.sub(r"[^A-Za-z0-9.-]+", "_", name).strip("_.") or "layer"


def _per_axis(values, ndim, default):
    """The last ``ndim`` entries of a layer's scale or translate, as floats."""
    if values is None:
        return (default,) * ndim
    return tuple(float(v) for v in values)[-ndim:]


def recipe_to_save(path, metadata, data, name="layer"):
    """The recipe to save beside the map as ``<path>.json``: ``metadata["cryomask_recipe"]``, or None.

    When the layer has no recipe, or a recipe that no longer reproduces its data (its
    ``data_sha256`` differs), None: an old recipe sidecar at that place is then removed, since it
    would describe another mask; the second case warns. A layer marked stale (its widget shows
    other values) is saved with the recipe that made its data, and a warning says so. Any other
    ``<path>.json`` is left alone.
    """
    recipe = metadata.get(METADATA_KEY)
    if not isinstance(recipe, dict):
        return None
    recorded = recipe.get("data_sha256")
    if recorded is not None and recorded != data_digest(data):
        warnings.warn(
            f"layer {name!r}: its recipe no longer reproduces its data (changed after the recipe was made); "
            f"saved {path} without a recipe",
            UserWarning,
            stacklevel=3,
        )
        return None
    stale = metadata.get(STALE_KEY)
    if stale:
        warnings.warn(
            f"layer {name!r} is stale ({stale}); saved {path} as last computed, with the recipe that made it",
            UserWarning,
            stacklevel=3,
        )
    return recipe
