"""The ``model`` recipe operation: a mask from an atomic model's density on a map's grid.

``params`` are :func:`~napari_cryomask.core.model_mask.model_mask` keywords (``threshold`` or
``enclose_percent``, ``extend_px``, ``edge``, ``edge_width_px``; voxels) and ``resolution_A``
(Å) for :func:`~napari_cryomask.core.model_density.model_density`. The recipe's ``model`` is the
path of the PDB or mmCIF file, read again on replay, and ``model_sha256`` the SHA-256 of its
bytes when it was made (a replaced file is refused rather than making another mask); the grid is the recipe's box, voxel size and
``origin`` (Å), or the map's when it is replayed on one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.edges import EDGES
from ..core.model_density import model_density
from ..core.model_mask import enclosing_threshold, model_mask
from ..io.models import read_model
from .particles import file_sha256
from .registry import operation
from .schema import Choice, Digest, Number, Text

MODEL = {
    "resolution_A": Number(0, open_low=True),
    "threshold": Number(optional=True, nullable=True),
    "enclose_percent": Number(0, 100, open_low=True, optional=True, nullable=True),
    "extend_px": Number(0, optional=True),
    "edge": Choice(EDGES, optional=True),
    "edge_width_px": Number(0, optional=True),
}


@dataclass(frozen=True)
class ModelMask:
    """What a model recipe makes: the mask, the model's density and the threshold applied to it."""

    mask: np.ndarray
    density: np.ndarray
    threshold: float


def model_recipe_mask(recipe, box_shape, voxel_size, origin) -> ModelMask:
    """Compute a model recipe's mask on the grid given (voxels, Å, Å)."""
    path = recipe.get("model")
    if not path:
        raise ValueError("a model recipe needs the path of its model file (model)")
    recorded = recipe.get("model_sha256")
    if recorded and Path(path).is_file() and file_sha256(path) != recorded:
        raise ValueError(f"{path} has changed since the recipe was made (its bytes no longer match model_sha256)")
    p = dict(recipe.get("params", {}))
    density = model_density(
        read_model(path), resolution_A=p.pop("resolution_A"), box_shape=box_shape, voxel_size=voxel_size, origin=origin,
    )
    threshold, percent = p.pop("threshold", None), p.pop("enclose_percent", None)
    if (threshold is None) == (percent is None):
        raise ValueError("a model recipe needs a threshold or enclose_percent, one of them")
    if threshold is None:
        threshold = enclosing_threshold(density, percent)
    return ModelMask(model_mask(density, threshold=threshold, **p), density, float(threshold))


@operation("model", params=MODEL, fields={"model": Text(nullable=True), "model_sha256": Digest(optional=True, nullable=True)})
def _model(recipe, context):
    if context.box_shape is None or context.voxel_size is None:
        raise ValueError("a model recipe needs box_shape and voxel_size (or a map to take them from)")
    origin = context.like.origin if context.like is not None else (recipe.get("origin") or (0.0, 0.0, 0.0))
    return model_recipe_mask(recipe, context.box_shape, context.voxel_size, origin).mask
