"""The recipe document: version, operation, parameters, box, voxel size, inputs; and its digest.

A recipe is plain JSON. Keys: ``cryomask_recipe`` (the version, 1), ``operation``, ``params``,
``units``, ``box_shape`` and ``voxel_size`` (z, y, x; voxel size in Å, None when unknown),
``inputs`` (recipes); optional ``origin`` (z, y, x Å, where the mask's voxel [0, 0, 0] lies),
``map`` (tight masks), ``data_sha256`` (:func:`data_digest` of the mask the recipe made, so a
stale sidecar can be told from a current one), ``command`` (the command line that made it) and
``source_file`` (for an input: the file it was read from).

Which operations exist, and how each replays, is :mod:`napari_cryomask.recipes.registry`.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ..core.geometry import as_triple, box_shape_of
from .registry import OPERATIONS
from .schema import check_params

RECIPE_VERSION = 1
METADATA_KEY = "cryomask_recipe"
UNITS = {"lengths": "voxel", "angles": "degree (ZXZ, cryoCAT)", "voxel_size": "angstrom", "axis_order": "z, y, x"}


def plain(value):
    """JSON-ready copy: tuples and arrays become lists, NumPy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _operation_names() -> str:
    return ", ".join(OPERATIONS)


def make_recipe(operation: str, params: dict, *, box_shape=None, voxel_size=None, inputs=(), **extra) -> dict:
    """Build a recipe.

    Examples
    --------
    >>> r = make_recipe("shape", {"shape": "sphere", "radius": 5}, box_shape=16, voxel_size=2.0)
    >>> r["operation"], r["box_shape"], r["voxel_size"]
    ('shape', [16, 16, 16], [2.0, 2.0, 2.0])
    """
    if operation not in OPERATIONS:
        raise ValueError(f"recipe operation must be one of {_operation_names()}, got {operation!r}")
    recipe = {
        "cryomask_recipe": RECIPE_VERSION,
        "operation": operation,
        "params": plain(params),
        "units": dict(UNITS),
        "box_shape": None if box_shape is None else list(box_shape_of(box_shape, "box_shape")),
        "voxel_size": None if voxel_size is None else list(as_triple(voxel_size, "voxel_size")),
        "inputs": [validate_recipe(r) for r in inputs],
    }
    recipe.update(plain(extra))
    return validate_recipe(recipe)


def validate_recipe(recipe) -> dict:
    """Check a recipe's structure; returns it. Errors say which part is wrong."""
    if not isinstance(recipe, dict):
        raise ValueError(f"a recipe must be a JSON object, got {type(recipe).__name__}")
    version = recipe.get("cryomask_recipe")
    if version != RECIPE_VERSION:
        raise ValueError(f"not a cryomask recipe of version {RECIPE_VERSION} (cryomask_recipe = {version!r})")
    if recipe.get("operation") not in OPERATIONS:
        raise ValueError(f"recipe operation must be one of {_operation_names()}, got {recipe.get('operation')!r}")
    operation = recipe["operation"]
    check_params(operation, recipe.get("params", {}), OPERATIONS[operation].params)
    return recipe


def data_digest(mask) -> str:
    """SHA-256 of a mask's values as little-endian float32, to tell whether a file still matches.

    >>> data_digest(np.zeros(2)) == data_digest(np.zeros(2, np.float32))
    True
    """
    return hashlib.sha256(np.ascontiguousarray(mask, dtype="<f4").data).hexdigest()
