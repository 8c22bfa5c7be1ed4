"""Combining mask layers: checks, the recipe of each input and of the result.

Shared by the Combine masks widget and the Layers > Data menu commands, which both take the
layers in the order napari's layer list shows them, top first: subtraction keeps the first (the
topmost) and removes the others. Only masks combine: 3D single-channel layers whose values are
finite and in [0, 1]; a map or a layer holding NaN is refused with one line naming it. The
arithmetic itself is :mod:`napari_cryomask.core.ops`.
"""

from __future__ import annotations

import numpy as np

from ..core import ops
from ..recipes import make_recipe
from .grid_warning import warn_combined
from .mask_layer import layer_volume, mask_problem, rebuild_recipe, voxel_size_of

OPERATION_HELP = {
    "union": "voxels in any of the masks",
    "intersection": "voxels in every mask",
    "subtraction": "the first mask (the topmost) minus all the others",
    "difference": "voxels in some of the masks but not in all",
}


def input_recipe(layer) -> dict:
    """The recipe that rebuilds one input: its own, else a ``file`` recipe of the file it came from.

    A layer that has neither (made in napari by other means) gets a ``file`` recipe without a path
    and a ``note`` saying that this input cannot be replayed.

    Examples
    --------
    >>> from napari.layers import Image
    >>> input_recipe(Image(np.zeros((4, 4, 4)), name="drawn"))["note"]
    "layer 'drawn' has neither a recipe nor a file: this input cannot be replayed"
    """
    recipe = rebuild_recipe(layer)
    if recipe is not None:
        return recipe
    return make_recipe(
        "file",
        {"path": None, "layer": layer.name},
        box_shape=np.shape(layer.data),
        voxel_size=voxel_size_of(layer),
        note=f"layer {layer.name!r} has neither a recipe nor a file: this input cannot be replayed",
    )


def top_first(viewer, layers) -> list:
    """``layers`` in the order napari's layer list shows them: the topmost first."""
    chosen = {id(layer) for layer in layers}
    return [layer for layer in reversed(viewer.layers) if id(layer) in chosen]


def check_combinable(layers, operation: str) -> None:
    """Raise ValueError unless ``layers`` are two or more masks of one shape.

    The message names the operation, the layer at fault and, when shapes differ, both shapes.
    """
    if operation not in ops.OPERATIONS:
        raise ValueError(f"operation must be one of {', '.join(ops.OPERATIONS)}, got {operation!r}")
    if len(layers) < 2:
        raise ValueError(f"{operation} needs at least two mask layers, got {len(layers)}")
    for layer in layers:
        problem = mask_problem(layer)
        if problem:
            raise ValueError(f"cannot {operation}: {problem}")
    first = layers[0]
    for layer in layers[1:]:
        if layer.data.shape != first.data.shape:
            raise ValueError(
                f"cannot {operation} masks of different shapes: {first.name!r} has shape "
                f"{tuple(first.data.shape)} but {layer.name!r} has shape {tuple(layer.data.shape)}"
            )


def combine_layers(layers, operation: str):
    """What combining ``layers`` in list order gives: ``(compute, recipe)``.

    ``compute()`` returns the float32 mask; it only touches arrays read here, so it may run in a
    worker thread. The recipe (operation ``combine``) holds the inputs' recipes in the same order.

    Examples
    --------
    >>> from napari.layers import Image
    >>> a, b = Image(np.ones((2, 2, 2)), name="a"), Image(np.eye(2)[None].repeat(2, 0), name="b")
    >>> compute, recipe = combine_layers([a, b], "subtraction")
    >>> compute()[0].tolist(), recipe["params"]
    ([[0.0, 1.0], [1.0, 0.0]], {'operation': 'subtraction'})
    """
    check_combinable(layers, operation)
    warn_combined(layers)
    arrays = [np.array(layer_volume(layer), dtype=np.float32) for layer in layers]  # copies: the inputs may change
    recipe = make_recipe(
        "combine",
        {"operation": operation},
        box_shape=arrays[0].shape,
        voxel_size=voxel_size_of(layers[0]),
        inputs=[input_recipe(layer) for layer in layers],
        origin=tuple(float(t) for t in layers[0].translate[-3:]),
    )
    function = ops.OPERATIONS[operation]
    return (lambda: function(arrays)), recipe
