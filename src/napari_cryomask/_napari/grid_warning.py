"""Where a mask meets a map in napari: warn when their voxel sizes or boxes differ.

napari draws a mask of 2 Å voxels over a map of 4 Å voxels where it belongs (layers are placed
in Å), so nothing on screen shows that the two grids differ; RELION 3.1+, M and pytom refuse such
a mask later, far from here. Each check goes through
:func:`~napari_cryomask.core.grid_check.warn_grid_mismatch` (napari shows the warning as a
notification) and returns the sentence, for the widget to show beside its controls too. The same
pair of grids warns once per session, not at every change of a control.

Used by the Mask tools widget (apply to a map), combining masks, and the writer (a mask saved
while the maps open in the viewer have another grid).
"""

from __future__ import annotations

import numpy as np

from ..core.grid_check import grid_mismatch, warn_grid_mismatch
from ..recipes import METADATA_KEY
from .mask_layer import COLOUR_KEY, source_path, voxel_size_of

_WARNED: set = set()


def grid_of(layer) -> tuple[tuple, tuple]:
    """``(box, voxel size)`` of a 3D layer: its shape (full resolution; data never loaded) and its scale (Å)."""
    data = layer.data[0] if getattr(layer, "multiscale", False) else layer.data
    return tuple(int(n) for n in data.shape[-3:]), voxel_size_of(layer)


def named(layer) -> str:
    """How messages name a layer: its file when it has one (so the suggested command runs), else its name."""
    return source_path(layer) or repr(layer.name)


def mismatch(mask_layer, map_layer) -> str | None:
    """What differs between a mask layer's grid and a map layer's (one sentence), or None."""
    (mask_box, mask_size), (map_box, map_size) = grid_of(mask_layer), grid_of(map_layer)
    return grid_mismatch(mask_box, mask_size, map_box, map_size, mask=named(mask_layer), map=named(map_layer))


def warn_mismatch(mask_layer, map_layer) -> str | None:
    """Warn (once for these two grids) when a mask layer and a map layer differ; returns the sentence or None."""
    (mask_box, mask_size), (map_box, map_size) = grid_of(mask_layer), grid_of(map_layer)
    message = mismatch(mask_layer, map_layer)
    key = (mask_layer.unique_id, map_layer.unique_id, mask_box, mask_size, map_box, map_size)
    if message is not None and key not in _WARNED:
        _WARNED.add(key)
        warn_grid_mismatch(mask_box, mask_size, map_box, map_size, mask=named(mask_layer), map=named(map_layer), stacklevel=3)
    return message


def warn_combined(layers) -> list[str]:
    """Warn for each mask whose grid differs from the first one's (what a combination is placed on)."""
    first, *others = layers
    return [m for m in (warn_mismatch(layer, first) for layer in others) if m is not None]


def _is_mask(attributes, volume) -> bool:
    metadata = attributes.get("metadata") or {}
    recipe = metadata.get(METADATA_KEY)
    if COLOUR_KEY in metadata:
        return True
    return isinstance(recipe, dict) and recipe.get("operation") != "apply"


def warn_saved(path, volume, attributes, viewer=None) -> str | None:
    """A mask saved to ``path`` while no map open in the viewer has its grid: warn, naming the map below it.

    ``attributes`` are the saved layer's (napari's writer arguments); only masks made by this
    plugin count (a masked map or a plain map saved is not checked). ``viewer`` defaults to
    napari's current viewer; without one nothing is checked.
    """
    if not _is_mask(attributes, volume):
        return None
    if viewer is None:
        import napari

        viewer = napari.current_viewer()
    if viewer is None:
        return None
    from .design_model import map_layers

    maps = map_layers(viewer)
    if not maps:
        return None
    box = tuple(int(n) for n in np.shape(volume)[-3:])
    scale = attributes.get("scale")
    voxel_size = tuple(float(s) for s in scale[-3:]) if scale is not None else (1.0, 1.0, 1.0)
    differing = []
    for layer in maps:
        map_box, map_size = grid_of(layer)
        message = grid_mismatch(box, voxel_size, map_box, map_size, mask=str(path), map=named(layer))
        if message is None:
            return None
        differing.append((layer, map_box, map_size))
    name = attributes.get("name")
    index = next((i for i, layer in enumerate(viewer.layers) if layer.name == name), len(viewer.layers))
    below = [entry for entry in differing if list(viewer.layers).index(entry[0]) < index]
    layer, map_box, map_size = (below or differing)[-1]
    warn_grid_mismatch(box, voxel_size, map_box, map_size, mask=str(path), map=named(layer), stacklevel=3)
    return grid_mismatch(box, voxel_size, map_box, map_size, mask=str(path), map=named(layer))
