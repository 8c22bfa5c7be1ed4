"""Recipes: small JSON documents that replay a mask exactly.

A recipe holds a version, an operation, its parameters with their units, the box and voxel size,
and for combined or softened masks the recipes of their inputs. Replaying a recipe with
:func:`apply_recipe` gives the same float32 array, byte for byte.

Where recipes are kept:

- a mask file (MRC or EM alike) carries its recipe in a sidecar file named after it with
  ``.json`` appended: ``mask.mrc`` -> ``mask.mrc.json``, ``mask.em`` -> ``mask.em.json``
  (:func:`sidecar_path`, :func:`save_recipe`, :func:`load_recipe`);
- a napari layer keeps it in ``layer.metadata["cryomask_recipe"]`` (:data:`METADATA_KEY`).

Keys: ``cryomask_recipe`` (the version, 1), ``operation``, ``params``, ``units``,
``box_shape`` and ``voxel_size`` (z, y, x; voxel size in Å, None when unknown), ``inputs``
(recipes); optional ``origin`` (z, y, x Å, where the mask's voxel [0, 0, 0] lies),
``map`` (tight masks), ``data_sha256`` (:func:`data_digest` of the mask the recipe made, so a
stale sidecar can be told from a current one), ``command`` (the command line that made it) and
``source_file`` (for an input: the file it was read from).

Operations:

- ``shape``: ``params`` are :func:`~napari_cryomask.core.shapes.shape_mask` keywords (voxels).
- ``tight``: ``params`` are :meth:`~napari_cryomask.core.tight.TightMask.update` keywords,
  ``map`` the path of the density map; ``voxel_size``, when given, replaces the map's.
- ``generate``: cryoCAT name grammar, ``params = {"name", "mask_size", "mask_expansion"}``.
- ``combine``: ``params = {"operation"}`` over ``inputs``.
- ``soften``: ``params = {"edge", "edge_width_px", "threshold"}`` over one input.
- ``file``: a mask read from ``params["path"]``; ``params["sha256"]``, when given, must match
  the file's data.
"""

from __future__ import annotations

import hashlib
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
        ``shape`` and ``generate`` recipes, and whose density and voxel size replace the
        recipe's map for ``tight`` recipes (also inside combined and softened recipes).

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

        size = box if like is not None else p.get("mask_size")
        return cryomask.generate_mask(p["name"], size, p.get("mask_expansion", 4)), voxel_size
    if op == "tight":
        from .tight import tight_mask

        volume = like if like is not None else _read(recipe.get("map"), "tight recipe map")
        voxel_size = voxel_size or tuple(volume.voxel_size)
        params = dict(p)
        threshold = params.pop("threshold")
        return tight_mask(volume.data, threshold, voxel_size=voxel_size, **params), voxel_size
    if op == "file":
        volume = _read(p.get("path"), "file recipe path")
        mask = np.asarray(volume.data, np.float32)
        if p.get("sha256") not in (None, data_digest(mask)):
            raise ValueError(f"{p['path']} has changed since the recipe was made (its data no longer match)")
        known = volume.header.get("voxel_size_known", True)
        return mask, tuple(volume.voxel_size) if known else None
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


def recipe_with_like(recipe: dict, like, like_path) -> dict:
    """A copy of ``recipe`` that replays on its own what ``apply_recipe(recipe, like)`` gives.

    Box, voxel size and origin become the map's, a tight recipe's ``map`` becomes
    ``like_path``, and the ``data_sha256`` keys, which described the old masks, are dropped.
    ``file`` recipes stay as they are.

    Examples
    --------
    >>> from napari_cryomask.io import Volume
    >>> like = Volume(np.zeros((8, 8, 8), np.float32), (3.0, 3.0, 3.0), (0.0, 0.0, 0.0))
    >>> r = recipe_with_like(make_recipe("shape", {"shape": "sphere", "radius": 2}, box_shape=16), like, "map.mrc")
    >>> r["box_shape"], r["voxel_size"]
    ([8, 8, 8], [3.0, 3.0, 3.0])
    """
    validate_recipe(recipe)
    out = json.loads(json.dumps(recipe))
    out.pop("data_sha256", None)
    if out["operation"] == "file":
        return out
    box = [int(n) for n in like.data.shape]
    out["box_shape"] = box
    out["voxel_size"] = list(as_triple(like.voxel_size, "voxel_size"))
    out["origin"] = list(as_triple(like.origin, "origin"))
    if out["operation"] == "generate":
        out["params"]["mask_size"] = box
    if out["operation"] == "tight":
        out["map"] = str(Path(like_path).resolve())
    out["inputs"] = [recipe_with_like(r, like, like_path) for r in out.get("inputs", [])]
    return out


def data_digest(mask) -> str:
    """SHA-256 of a mask's values as little-endian float32, to tell whether a file still matches.

    >>> data_digest(np.zeros(2)) == data_digest(np.zeros(2, np.float32))
    True
    """
    return hashlib.sha256(np.ascontiguousarray(mask, dtype="<f4").data).hexdigest()


def file_recipe(path, volume) -> dict:
    """Recipe for a mask read from ``path`` (a ``Volume``), pinned to its data by a digest."""
    return make_recipe(
        "file",
        {"path": str(Path(path).resolve()), "sha256": data_digest(volume.data)},
        box_shape=volume.data.shape,
        voxel_size=volume.voxel_size,
    )


def _read(path, what):
    if not path:
        raise ValueError(f"{what} is missing")
    from ..io import read_volume

    return read_volume(path)


def sidecar_path(mask_path) -> Path:
    """Where a mask file's recipe is kept: ``<mask file>.json``."""
    return Path(str(mask_path) + ".json")


def save_recipe(mask_path, recipe: dict, mask=None) -> Path:
    """Write ``recipe`` beside ``mask_path`` atomically; returns the sidecar's path.

    With ``mask`` (the data written to ``mask_path``) the sidecar also records its digest as
    ``data_sha256``, so a sidecar left beside a mask that was later replaced can be told.
    """
    if mask is not None:
        recipe = dict(recipe, data_sha256=data_digest(mask))
    path = sidecar_path(mask_path)
    text = json.dumps(_plain(validate_recipe(recipe)), indent=2, ensure_ascii=False) + "\n"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def drop_recipe(mask_path) -> None:
    """Remove the recipe sidecar of ``mask_path``, if there is one; other JSON files stay."""
    path = sidecar_path(mask_path)
    try:
        load_recipe(path)
    except (OSError, ValueError):
        return
    path.unlink()


def load_recipe(path) -> dict:
    """Read a recipe from a ``.json`` file or from the sidecar of a mask file."""
    path = Path(path)
    source = path if path.suffix.lower() == ".json" else sidecar_path(path)
    if not source.exists():
        raise FileNotFoundError(f"no recipe for {path}: {source} does not exist")
    try:
        recipe = json.loads(source.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{source} is not valid JSON: {err}") from None
    try:
        return validate_recipe(recipe)
    except ValueError as err:
        raise ValueError(f"{source}: {err}") from None
