"""The recipe document: version, operation, parameters, box, voxel size, inputs; and its digest.

A recipe is plain JSON. Keys: ``cryomask_recipe`` (the version, the number 1), ``operation``,
``params``, ``units``, ``box_shape`` and ``voxel_size`` (z, y, x; voxel size in Å, None when
unknown), ``inputs`` (recipes); optional ``origin`` (z, y, x Å, where the mask's voxel [0, 0, 0]
lies), ``map`` (tight masks), ``data_sha256`` (:func:`data_digest` of the mask the recipe made, so
a stale sidecar can be told from a current one), ``command`` (the command line that made it),
``source_file`` (for an input: the file it was read from) and the others in :data:`TOP_LEVEL`.
An operation may add keys of its own (``fields`` of :func:`~.registry.operation`).

A recipe is data from a file: :func:`validate_recipe` checks all of it against these schemas
before anything runs: unknown and missing keys, types, ranges, box edges (at most
:data:`MAX_BOX_EDGE` voxels), voxel sizes (:data:`VOXEL_SIZE_RANGE_A`), how deep inputs nest
(:data:`MAX_DEPTH`) and how many recipes one holds (:data:`MAX_RECIPES`). Whether a box fits in
memory is checked where it is made (:func:`~napari_cryomask.core.limits.require_fit`).

Which operations exist, and how each replays, is :mod:`napari_cryomask.recipes.registry`.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ..core.geometry import as_triple, box_shape_of
from .registry import OPERATIONS
from .schema import Box, Digest, Flag, Mapping, Number, Text, Triple, Version, check_fields, check_params

RECIPE_VERSION = 1
METADATA_KEY = "cryomask_recipe"
UNITS = {"lengths": "voxel", "angles": "degree (ZXZ, cryoCAT)", "voxel_size": "angstrom", "axis_order": "z, y, x"}
MAX_BOX_EDGE = 2**31 - 1  # what MRC and EM headers hold
VOXEL_SIZE_RANGE_A = (1e-4, 1e6)
MAX_DEPTH = 64
MAX_RECIPES = 10000
# Keys of every recipe, besides "inputs" (checked as recipes) and the operation's own fields.
TOP_LEVEL = {
    "cryomask_recipe": Version(RECIPE_VERSION),
    "operation": Text(max_length=100),
    "params": Mapping(),
    "units": Mapping(optional=True),
    "box_shape": Box(high=MAX_BOX_EDGE, optional=True, nullable=True),
    "voxel_size": Triple(Number(*VOXEL_SIZE_RANGE_A), optional=True, nullable=True),
    "origin": Triple(Number(-1e12, 1e12), optional=True, nullable=True),
    "map": Text(optional=True, nullable=True),
    "map_sha256": Digest(optional=True, nullable=True),
    "data_sha256": Digest(optional=True, nullable=True),
    "like": Text(optional=True, nullable=True),
    "command": Text(max_length=100000, optional=True),
    "source_file": Text(optional=True, nullable=True),
    "threshold_from": Mapping(optional=True),
    "note": Text(optional=True),
    "replayable": Flag(optional=True),
}


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
    """Check a recipe and the recipes it holds against their schemas; returns it.

    Errors are ``ValueError`` saying which part is wrong (``inputs[1].params.radius``, ...).

    Examples
    --------
    >>> validate_recipe({"cryomask_recipe": True, "operation": "shape", "params": {}})
    Traceback (most recent call last):
    ValueError: recipe: cryomask_recipe must be the number 1 (the recipe version), got True
    """
    _validate(recipe, "recipe", 0, [0])
    return recipe


def _validate(recipe, where: str, depth: int, count: list) -> None:
    if not isinstance(recipe, dict):
        raise ValueError(f"{where}: a recipe must be a JSON object, got {type(recipe).__name__}")
    if depth > MAX_DEPTH:
        raise ValueError(f"{where}: inputs nest deeper than {MAX_DEPTH} recipes")
    count[0] += 1
    if count[0] > MAX_RECIPES:
        raise ValueError(f"{where}: more than {MAX_RECIPES} recipes in one")
    version = recipe.get("cryomask_recipe")
    if isinstance(version, bool) or version != RECIPE_VERSION:
        wrong = Version(RECIPE_VERSION).problem(version) if isinstance(version, bool) else None
        if wrong:
            raise ValueError(f"{where}: cryomask_recipe must {wrong.removeprefix('must ')}, got {version!r}")
        raise ValueError(f"{where}: not a cryomask recipe of version {RECIPE_VERSION} (cryomask_recipe = {version!r})")
    name = recipe.get("operation")
    if not isinstance(name, str) or name not in OPERATIONS:
        raise ValueError(f"{where}: recipe operation must be one of {_operation_names()}, got {name!r}")
    op = OPERATIONS[name]
    fields = {**TOP_LEVEL, **op.fields}
    check_fields(where, {k: v for k, v in recipe.items() if k != "inputs"}, fields, what="key")
    check_params(f"{where}: {name}" if depth else name, recipe["params"], op.params)
    inputs = recipe.get("inputs", [])
    if not isinstance(inputs, list):
        raise ValueError(f"{where}: inputs must be a list of recipes, got {type(inputs).__name__}")
    replayable = recipe.get("replayable", True)
    if op.inputs == "none" and inputs:
        raise ValueError(f"{where}: a {name} recipe takes no inputs, got {len(inputs)}")
    if op.inputs == "one" and (len(inputs) > 1 or (not inputs and replayable)):
        raise ValueError(f"{where}: a {name} recipe takes one input, got {len(inputs)}")
    if op.inputs == "some" and not inputs and replayable:
        raise ValueError(f"{where}: a {name} recipe needs inputs")
    for i, item in enumerate(inputs):
        _validate(item, f"{where}.inputs[{i}]" if depth else f"inputs[{i}]", depth + 1, count)


def data_digest(mask) -> str:
    """SHA-256 of a mask's values as little-endian float32, to tell whether a file still matches.

    >>> data_digest(np.zeros(2)) == data_digest(np.zeros(2, np.float32))
    True
    """
    return hashlib.sha256(np.ascontiguousarray(mask, dtype="<f4").data).hexdigest()
