"""Recipes: small JSON documents that replay a mask exactly.

A recipe holds a version, an operation, its parameters with their units, the box and voxel size,
and for combined or softened masks the recipes of their inputs. The GUI keeps it in a layer's
``metadata["cryomask_recipe"]``; a saved mask carries it in a sidecar ``<mask file>.json``.

Operations:

- ``shape``: ``params`` are :func:`~napari_cryomask.core.shapes.shape_mask` keywords (voxels).
- ``tight``: ``params`` are :meth:`~napari_cryomask.core.tight.TightMask.update` keywords,
  ``map`` the path of the density map.
- ``generate``: cryoCAT name grammar, ``params = {"name", "mask_size", "mask_expansion"}``.
- ``combine``: ``params = {"operation"}`` over ``inputs``.
- ``soften``: ``params = {"edge", "edge_width_px", "threshold"}`` over one input.
- ``file``: a mask read from ``path`` (an input without a recipe of its own).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from . import ops, shapes
from .edges import soften
from .geometry import as_triple, box_shape_of

RECIPE_VERSION = 1
METADATA_KEY = "cryomask_recipe"
UNITS = {"lengths": "voxel", "angles": "degree (ZXZ, cryoCAT)", "voxel_size": "angstrom", "axis_order": "z, y, x"}
OPERATIONS = ("shape", "tight", "generate", "combine", "soften", "file")


def _plain(value):
    """JSON-ready copy: tuples and arrays become lists, NumPy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def make_recipe(operation: str, params: dict, *, box_shape=None, voxel_size=None, inputs=(), **extra) -> dict:
    """Build a recipe.

    Examples
    --------
    >>> r = make_recipe("shape", {"shape": "sphere", "radius": 5}, box_shape=16, voxel_size=2.0)
    >>> r["operation"], r["box_shape"], r["voxel_size"]
    ('shape', [16, 16, 16], [2.0, 2.0, 2.0])
    """
    if operation not in OPERATIONS:
        raise ValueError(f"recipe operation must be one of {', '.join(OPERATIONS)}, got {operation!r}")
    recipe = {
        "cryomask_recipe": RECIPE_VERSION,
        "operation": operation,
        "params": _plain(params),
        "units": dict(UNITS),
        "box_shape": None if box_shape is None else list(box_shape_of(box_shape, "box_shape")),
        "voxel_size": None if voxel_size is None else list(as_triple(voxel_size, "voxel_size")),
        "inputs": [validate_recipe(r) for r in inputs],
    }
    recipe.update(_plain(extra))
    return recipe


def validate_recipe(recipe) -> dict:
    """Check a recipe's structure; returns it. Errors say which part is wrong."""
    if not isinstance(recipe, dict):
        raise ValueError(f"a recipe must be a JSON object, got {type(recipe).__name__}")
    version = recipe.get("cryomask_recipe")
    if version != RECIPE_VERSION:
        raise ValueError(f"not a cryomask recipe of version {RECIPE_VERSION} (cryomask_recipe = {version!r})")
    if recipe.get("operation") not in OPERATIONS:
        raise ValueError(f"recipe operation must be one of {', '.join(OPERATIONS)}, got {recipe.get('operation')!r}")
    if not isinstance(recipe.get("params", {}), dict):
        raise ValueError("recipe params must be a JSON object")
    return recipe


def apply_recipe(recipe: dict, like=None) -> tuple[np.ndarray, tuple | None]:
    """Replay a recipe; returns ``(mask, voxel_size)``.

    Parameters
    ----------
    recipe : dict
    like : Volume, optional
        A map (``napari_cryomask.io.Volume``) whose box and voxel size replace the recipe's for
        ``shape`` and ``generate`` recipes, and whose density replaces the recipe's map for
        ``tight`` recipes.

    Examples
    --------
    >>> r = make_recipe("shape", {"shape": "sphere", "radius": 3}, box_shape=16)
    >>> int(apply_recipe(r)[0].sum())
    123
    """
    validate_recipe(recipe)
    op, p = recipe["operation"], recipe.get("params", {})
    voxel_size = recipe.get("voxel_size")
    box = recipe.get("box_shape")
    if like is not None:
        box, voxel_size = like.data.shape, like.voxel_size
    voxel_size = None if voxel_size is None else tuple(voxel_size)

    if op == "shape":
        if box is None:
            raise ValueError("a shape recipe needs box_shape (or a map to take it from)")
        return shapes.shape_mask(box, **p), voxel_size
    if op == "generate":
        from .. import cryomask

        return cryomask.generate_mask(p["name"], p.get("mask_size"), p.get("mask_expansion", 4)), voxel_size
    if op == "tight":
        from .tight import tight_mask

        volume = like if like is not None else _read(recipe.get("map"), "tight recipe map")
        params = dict(p)
        threshold = params.pop("threshold")
        return tight_mask(volume.data, threshold, voxel_size=volume.voxel_size, **params), tuple(volume.voxel_size)
    if op == "file":
        volume = _read(p.get("path"), "file recipe path")
        return np.asarray(volume.data, np.float32), tuple(volume.voxel_size)
    inputs = [apply_recipe(r, like) for r in recipe.get("inputs", [])]
    if not inputs:
        raise ValueError(f"a {op} recipe needs inputs")
    voxel_size = voxel_size or inputs[0][1]
    if op == "combine":
        operation = p.get("operation")
        if operation not in ops.OPERATIONS:
            raise ValueError(f"combine operation must be one of {', '.join(ops.OPERATIONS)}, got {operation!r}")
        return ops.OPERATIONS[operation]([m for m, _ in inputs]), voxel_size
    return soften(inputs[0][0], p.get("edge", "cosine"), p.get("edge_width_px", 0.0), p.get("threshold", 0.5)), voxel_size


def _read(path, what):
    if not path:
        raise ValueError(f"{what} is missing")
    from ..io import read_volume

    return read_volume(path)


def sidecar_path(mask_path) -> Path:
    """Where a mask file's recipe is kept: ``<mask file>.json``."""
    return Path(str(mask_path) + ".json")


def save_recipe(mask_path, recipe: dict) -> Path:
    """Write ``recipe`` beside ``mask_path`` atomically; returns the sidecar's path."""
    path = sidecar_path(mask_path)
    text = json.dumps(validate_recipe(recipe), indent=2)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def load_recipe(path) -> dict:
    """Read a recipe from a ``.json`` file or from the sidecar of a mask file."""
    path = Path(path)
    source = path if path.suffix.lower() == ".json" else sidecar_path(path)
    if not source.exists():
        raise FileNotFoundError(f"no recipe for {path}: {source} does not exist")
    try:
        recipe = json.loads(source.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{source} is not valid JSON: {err}") from None
    try:
        return validate_recipe(recipe)
    except ValueError as err:
        raise ValueError(f"{source}: {err}") from None
