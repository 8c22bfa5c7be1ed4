"""How a mask looks in napari: one float32 Image layer per widget, updated in place.

Masks are drawn in magenta with additive blending over the map, contrast 0–1, and as an
iso-surface at 0.5 in 3D. The recipe that reproduces a mask is kept in its layer's metadata.
"""

from __future__ import annotations

import numpy as np

from ..recipes import METADATA_KEY, make_recipe
from .surface import follow

MASK_STYLE = {
    "colormap": "magenta",
    "blending": "additive",
    "opacity": 0.6,
    "contrast_limits": (0.0, 1.0),
    "rendering": "iso",
    "iso_threshold": 0.5,
}


def placement(reference) -> dict:
    """``scale`` and ``translate`` of the last three axes of a reference layer (or unit scale)."""
    if reference is None:
        return {"scale": (1.0, 1.0, 1.0), "translate": (0.0, 0.0, 0.0)}
    return {
        "scale": tuple(float(s) for s in reference.scale[-3:]),
        "translate": tuple(float(t) for t in reference.translate[-3:]),
    }


def voxel_size_of(layer) -> tuple[float, float, float]:
    """Voxel size (z, y, x) in Å of a map layer: its scale."""
    return tuple(float(s) for s in layer.scale[-3:])


def show_mask(viewer, mask, *, name: str, layer=None, reference=None, recipe=None):
    """Put ``mask`` on screen: into ``layer`` when it is still in the viewer, else into a new layer.

    Returns the layer, so a widget can keep updating the same one.
    """
    mask = np.asarray(mask, dtype=np.float32)
    if layer is not None and layer in viewer.layers:
        where = placement(reference) if reference is not None else None
        if where is not None and tuple(layer.scale[-3:]) != where["scale"]:
            layer.scale, layer.translate = where["scale"], where["translate"]
        if recipe is not None:
            layer.metadata[METADATA_KEY] = recipe
        layer.data = mask
        return layer
    metadata = {} if recipe is None else {METADATA_KEY: recipe}
    layer = viewer.add_image(mask, name=name, metadata=metadata, **placement(reference), **MASK_STYLE)
    follow(viewer, layer)  # its 3D drawing: a surface kept in step by the layer's events
    return layer


def recipe_of(layer) -> dict | None:
    """The recipe a mask layer carries, if any."""
    return layer.metadata.get(METADATA_KEY)


def source_path(layer) -> str | None:
    """The file a layer was read from: napari's ``source.path`` or our reader's ``metadata["path"]``."""
    path = getattr(layer.source, "path", None) or layer.metadata.get("path")
    return None if path is None else str(path)


def rebuild_recipe(layer) -> dict | None:
    """How to rebuild a layer: its own recipe, else a ``file`` recipe of its source file, else None."""
    own = recipe_of(layer)
    if own is not None:
        return own
    path = source_path(layer)
    if path is None:
        return None
    return make_recipe("file", {"path": path}, box_shape=np.shape(layer.data), voxel_size=voxel_size_of(layer))

