"""Recipe operations: each registers how it replays, in the module that knows it.

An operation is a name and a replay function ``replay(recipe, context) -> mask`` or
``-> (mask, voxel_size)``. The :class:`Context` gives it the map to replay on (``like``), the
replayed inputs, and the box and voxel size that apply. Modules that add operations register
them with :func:`operation`, with the schema of their parameters, when they are imported.

:data:`OPERATIONS` imports them on first use: :data:`DEFINED_IN` says which module of this package
defines each operation, so a command that replays a sphere does not import the modules (and their
libraries) of the tools, the models and the particle lists. A module that adds an operation adds
its name there.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple


class Operation(NamedTuple):
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
    inputs: str
    retarget: Callable | None
    params: dict
    fields: dict


# operation name -> the module of napari_cryomask.recipes that registers it, in the order names are listed
DEFINED_IN = {
    "shape": "builtin",
    "generate": "builtin",
    "tight": "builtin",
    "file": "builtin",
    "combine": "builtin",
    "soften": "builtin",
    "model": "model",
    "particles": "particles",
    "soft_edge": "soft_edge",
    "symmetrize": "tools",
    "helix": "tools",
    "clip": "tools",
    "apply": "tools",
    "resample": "tools",
    "edit": "tools_edit",
}


class Registry(Mapping):
    """Operations by name; an operation's module is imported the first time its name is looked up.

    Names listed in :data:`DEFINED_IN` are known before their module is imported: ``name in``, ``len``
    and iteration do not import anything.
    """

    def __init__(self, defined_in: dict[str, str]):
        self._defined_in = defined_in
        self._registered: dict[str, Operation] = {}

    def register(self, op: Operation) -> None:
        if op.name in self._registered:
            raise ValueError(f"recipe operation {op.name!r} is registered twice")
        self._registered[op.name] = op

    def __getitem__(self, name: str) -> Operation:
        if name not in self._registered and name in self._defined_in:
            importlib.import_module(f"{__package__}.{self._defined_in[name]}")
        return self._registered[name]

    def __contains__(self, name) -> bool:
        return name in self._defined_in or name in self._registered

    def __iter__(self) -> Iterator[str]:
        yield from self._defined_in
        yield from (name for name in self._registered if name not in self._defined_in)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def registered(self) -> dict[str, Operation]:
        """The operations whose modules have been imported so far."""
        return dict(self._registered)


OPERATIONS = Registry(DEFINED_IN)


def operation(name: str, *, params: dict, inputs: str = "none", retarget: Callable | None = None, fields: dict | None = None):
    """Decorator: register ``replay`` as the way to replay recipes of operation ``name``.

    ``params`` is the schema of the operation's parameters (see :mod:`.schema`); ``fields`` that
    of the top-level keys its recipes carry beyond the common ones (a recipe with a key that
    neither lists is refused).
    """
    if inputs not in ("none", "one", "some"):
        raise ValueError(f"inputs must be 'none', 'one' or 'some', got {inputs!r}")

    def register(replay):
        OPERATIONS.register(Operation(name, replay, inputs, retarget, dict(params), dict(fields or {})))
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
