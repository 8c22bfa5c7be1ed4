"""What the Edit by hand and Mask tools widgets take from a mask layer: its data and the recipe that rebuilds them.

A tool computes from the layer's data (what the person sees) and records, as its recipe's input,
a recipe that gives those data again, so that the tool's recipe replays what the widget showed:

- the layer's own recipe, when it still describes its data (not marked stale, and its
  ``data_sha256`` is that of the data);
- else a ``file`` recipe of the file the layer was read from, pinned to the data by their digest
  (replaying it refuses a file that has changed since);
- else none can be made: a ``file`` recipe without a path, and a note saying that the result
  cannot be replayed.
"""

from __future__ import annotations

import copy
import weakref

import numpy as np

from ..recipes import data_digest, make_recipe
from .mask_layer import STALE_KEY, layer_volume, recipe_of, source_path, voxel_size_of

_DIGESTS: dict = {}  # id(array) -> (weak reference, digest)


def digest_of(data) -> str:
    """:func:`~napari_cryomask.recipes.data_digest` of an array, remembered while the array lives."""
    entry = _DIGESTS.get(id(data))
    if entry is not None and entry[0]() is data:
        return entry[1]
    digest = data_digest(data)
    try:
        ref = weakref.ref(data)
    except TypeError:
        return digest
    for key in [k for k, (r, _) in _DIGESTS.items() if r() is None]:
        del _DIGESTS[key]
    _DIGESTS[id(data)] = (ref, digest)
    return digest


def current_recipe(layer) -> tuple[dict, str | None]:
    """The recipe that rebuilds ``layer``'s data as they are now, and a note when none can.

    Examples
    --------
    >>> from napari.layers import Image
    >>> recipe, note = current_recipe(Image(np.zeros((4, 4, 4), np.float32), name="drawn"))
    >>> recipe["operation"], note
    ('file', "layer 'drawn' has neither a recipe nor a file, so the result's recipe cannot be replayed")
    """
    data = layer_volume(layer)
    own = recipe_of(layer)
    if own is not None and STALE_KEY not in layer.metadata:
        recorded = own.get("data_sha256")
        if recorded is None or recorded == digest_of(data):
            return copy.deepcopy(own), None  # a copy: the layer's recipe may be replaced while a result is made
    box, voxel_size = np.shape(data), voxel_size_of(layer)
    path = source_path(layer)
    if path is not None:
        recipe = make_recipe("file", {"path": path, "sha256": digest_of(data)}, box_shape=box, voxel_size=voxel_size)
        return recipe, None
    note = f"layer {layer.name!r} has neither a recipe nor a file, so the result's recipe cannot be replayed"
    recipe = make_recipe("file", {"path": None, "layer": layer.name}, box_shape=box, voxel_size=voxel_size, note=note)
    return recipe, note
