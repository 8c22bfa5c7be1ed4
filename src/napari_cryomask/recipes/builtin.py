"""The recipe operations of the first release: shape, generate, tight, combine, soften and file.

- ``shape``: ``params`` are :func:`~napari_cryomask.core.shapes.shape_mask` keywords (voxels).
- ``generate``: cryoCAT name grammar, ``params = {"name", "mask_size", "mask_expansion"}``.
- ``tight``: ``params`` are :meth:`~napari_cryomask.core.tight.TightMask.update` keywords,
  ``map`` the path of the density map; ``voxel_size``, when given, replaces the map's.
- ``combine``: ``params = {"operation"}`` over ``inputs``.
- ``soften``: ``params = {"edge", "edge_width_px", "threshold"}`` over one input.
- ``file``: a mask read from ``params["path"]``; ``params["sha256"]``, when given, must match
  the file's data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core import ops, shapes
from ..core.distance import soften
from ..core.edges import EDGES
from ..core.solids import SOLIDS
from ..io import read_volume
from .document import data_digest, make_recipe
from .registry import operation
from .schema import Box, Choice, Flag, Number, Text, Triple, Whole

LENGTH = Number(0, optional=True, nullable=True)
EDGE = {"edge": Choice(EDGES, optional=True), "edge_width_px": Number(0, optional=True)}
SHAPE = {
    "shape": Choice(tuple(SOLIDS)),
    "radius": LENGTH,
    "radii": Triple(Number(0), optional=True, nullable=True),
    "height": LENGTH,
    "inner_radius": LENGTH,
    "size": Triple(Number(0), optional=True, nullable=True),
    "rounding": LENGTH,
    "thickness": LENGTH,
    "center": Triple(optional=True, nullable=True),
    "angles": Triple(optional=True, nullable=True),
    **EDGE,
}
TIGHT = {
    "threshold": Number(),
    "lowpass_A": Number(0, open_low=True, optional=True, nullable=True),
    "n_regions": Whole(1, optional=True),
    "fill_holes": Flag(optional=True),
    "extend_px": Number(0, optional=True),
    **EDGE,
    "invert": Flag(optional=True),
}


def _read(path, what):
    if not path:
        raise ValueError(f"{what} is missing")
    return read_volume(path)


@operation("shape", params=SHAPE)
def _shape(recipe, context):
    if context.box_shape is None:
        raise ValueError("a shape recipe needs box_shape (or a map to take it from)")
    return shapes.shape_mask(context.box_shape, **recipe.get("params", {}))


def _generate_on_map(recipe, like, like_path):
    recipe["params"]["mask_size"] = recipe["box_shape"]


@operation(
    "generate",
    params={"name": Text(max_length=200), "mask_size": Box(optional=True, nullable=True), "mask_expansion": Number(0, optional=True)},
    retarget=_generate_on_map,
)
def _generate(recipe, context):
    from .. import cryomask

    p = recipe.get("params", {})
    size = context.box_shape if context.like is not None else p.get("mask_size")
    return cryomask.generate_mask(p["name"], size, p.get("mask_expansion", 4))


def _tight_on_map(recipe, like, like_path):
    recipe["map"] = str(Path(like_path).resolve())


@operation("tight", params=TIGHT, retarget=_tight_on_map)
def _tight(recipe, context):
    from ..core.tight import tight_mask

    volume = context.like if context.like is not None else _read(recipe.get("map"), "tight recipe map")
    voxel_size = context.voxel_size or tuple(volume.voxel_size)
    params = dict(recipe.get("params", {}))
    threshold = params.pop("threshold")
    return tight_mask(volume.data, threshold, voxel_size=voxel_size, **params), voxel_size


@operation(
    "file",
    params={"path": Text(nullable=True), "sha256": Text(optional=True, nullable=True), "layer": Text(optional=True)},
)
def _file(recipe, context):
    p = recipe.get("params", {})
    volume = _read(p.get("path"), "file recipe path")
    mask = np.asarray(volume.data, np.float32)
    if p.get("sha256") not in (None, data_digest(mask)):
        raise ValueError(f"{p['path']} has changed since the recipe was made (its data no longer match)")
    known = volume.header.get("voxel_size_known", True)
    return mask, tuple(volume.voxel_size) if known else None


@operation("combine", params={"operation": Choice(tuple(ops.OPERATIONS))}, inputs="some")
def _combine(recipe, context):
    name = recipe.get("params", {}).get("operation")
    if name not in ops.OPERATIONS:
        raise ValueError(f"combine operation must be one of {', '.join(ops.OPERATIONS)}, got {name!r}")
    return ops.OPERATIONS[name]([m for m, _ in context.inputs])


@operation("soften", params={**EDGE, "threshold": Number(optional=True)}, inputs="one")
def _soften(recipe, context):
    p = recipe.get("params", {})
    return soften(context.inputs[0][0], p.get("edge", "cosine"), p.get("edge_width_px", 0.0), p.get("threshold", 0.5))


def file_recipe(path, volume) -> dict:
    """Recipe for a mask read from ``path`` (a ``Volume``), pinned to its data by a digest."""
    return make_recipe(
        "file",
        {"path": str(Path(path).resolve()), "sha256": data_digest(volume.data)},
        box_shape=volume.data.shape,
        voxel_size=volume.voxel_size,
    )
