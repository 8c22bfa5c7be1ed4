"""Replaying recipes: :func:`apply_recipe`, and :func:`recipe_with_like` to move one onto a map."""

from __future__ import annotations

import json

import numpy as np

from ..core.geometry import as_triple, box_shape_of
from ..core.limits import require_fit
from .document import validate_recipe
from .registry import OPERATIONS, Context


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
    >>> from napari_cryomask.recipes import make_recipe
    >>> r = make_recipe("shape", {"shape": "sphere", "radius": 3}, box_shape=16)
    >>> int(apply_recipe(r)[0].sum())
    123
    """
    validate_recipe(recipe)
    op = OPERATIONS[recipe["operation"]]
    box, voxel_size = recipe.get("box_shape"), recipe.get("voxel_size")
    if like is not None:
        box, voxel_size = like.data.shape, like.voxel_size
    if box is not None:
        # the inputs' masks and this one are held at once
        count = len(recipe.get("inputs", [])) + 1
        require_fit(f"box_shape of the {op.name} recipe", box_shape_of(box, "box_shape"), copies=count)
    inputs = [apply_recipe(r, like) for r in recipe.get("inputs", [])]
    if op.inputs != "none" and not inputs:
        raise ValueError(f"a {op.name} recipe needs inputs")
    if op.inputs == "one" and len(inputs) != 1:
        raise ValueError(f"a {op.name} recipe takes one input, got {len(inputs)}")
    if voxel_size is None and inputs:
        voxel_size = inputs[0][1]
    context = Context(
        like=like,
        box_shape=None if box is None else tuple(int(n) for n in box),
        voxel_size=None if voxel_size is None else tuple(float(v) for v in voxel_size),
        inputs=inputs,
    )
    result = op.replay(recipe, context)
    mask, voxel_size = result if isinstance(result, tuple) else (result, context.voxel_size)
    return mask, None if voxel_size is None else tuple(voxel_size)


def recipe_with_like(recipe: dict, like, like_path) -> dict:
    """A copy of ``recipe`` that replays on its own what ``apply_recipe(recipe, like)`` gives.

    Box, voxel size and origin become the map's, each operation rewrites what else depends on
    the map (a tight recipe's ``map`` becomes ``like_path``), and the ``data_sha256`` keys, which
    described the old masks, are dropped. ``file`` recipes stay as they are.

    Examples
    --------
    >>> from napari_cryomask.io import Volume
    >>> from napari_cryomask.recipes import make_recipe
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
    out["box_shape"] = [int(n) for n in like.data.shape]
    out["voxel_size"] = list(as_triple(like.voxel_size, "voxel_size"))
    out["origin"] = list(as_triple(like.origin, "origin"))
    retarget = OPERATIONS[out["operation"]].retarget
    if retarget is not None:
        retarget(out, like, like_path)
    out["inputs"] = [recipe_with_like(r, like, like_path) for r in out.get("inputs", [])]
    return out
