"""Recipe operations: each registers how it replays, in the module that knows it.

An operation is a name and a replay function ``replay(recipe, context) -> mask`` or
``-> (mask, voxel_size)``. The :class:`Context` gives it the map to replay on (``like``), the
replayed inputs, and the box and voxel size that apply. Modules that add operations register
them with :func:`operation`, with the schema of their parameters, when
:mod:`napari_cryomask.recipes` imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Operation:
    """How one recipe operation replays.

    Attributes
    ----------
    name : str
    replay : callable
        ``replay(recipe, context)``; returns the float32 mask, or ``(mask, voxel_size)`` when the
        voxel size comes from what it read (a file, a map).
    inputs : str
        ``"none"``, ``"one"`` or ``"some"`` (one or more): the input recipes it takes.
    retarget : callable or None
        ``retarget(recipe, like, like_path)`` rewrites the operation's own fields in place for
        :func:`~napari_cryomask.recipes.replay.recipe_with_like` (box, voxel size and origin are
        rewritten for every operation); None when it has none.
    params : dict
        The schema of its ``params`` (:mod:`napari_cryomask.recipes.schema` fields by name).
    fields : dict
        Schemas of top-level keys of its own, beyond those every recipe may have
        (:data:`napari_cryomask.recipes.document.TOP_LEVEL`).
    """

    name: str
    replay: Callable
    inputs: str = "none"
    retarget: Callable | None = None
    params: dict = field(default_factory=dict)
    fields: dict = field(default_factory=dict)


OPERATIONS: dict[str, Operation] = {}


def operation(name: str, *, params: dict, inputs: str = "none", retarget: Callable | None = None, fields: dict | None = None):
    """Decorator: register ``replay`` as the way to replay recipes of operation ``name``.

    ``params`` is the schema of the operation's parameters (see :mod:`.schema`); ``fields`` that
    of the top-level keys its recipes carry beyond the common ones (a recipe with a key that
    neither lists is refused).
    """
    if inputs not in ("none", "one", "some"):
        raise ValueError(f"inputs must be 'none', 'one' or 'some', got {inputs!r}")

    def register(replay):
        if name in OPERATIONS:
            raise ValueError(f"recipe operation {name!r} is registered twice")
        OPERATIONS[name] = Operation(name, replay, inputs, retarget, dict(params), dict(fields or {}))
        return replay

    return register


@dataclass
class Context:
    """What a replay function gets besides its recipe.

    Attributes
    ----------
    like : Volume or None
        The map replayed on (``apply_recipe(recipe, like)``): its box, voxel size and density.
    box_shape : tuple or None
        The box: the map's, else the recipe's.
    voxel_size : tuple or None
        Å: the map's, else the recipe's, else the first input's.
    inputs : list of (mask, voxel_size)
        The input recipes, replayed in order.
    """

    like: object = None
    box_shape: tuple | None = None
    voxel_size: tuple | None = None
    inputs: list = field(default_factory=list)
