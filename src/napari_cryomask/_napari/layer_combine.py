"""Combining mask layers: checks, the recipe of each input and of the result.

Shared by the Combine masks widget and the Layers > Data menu commands. The arithmetic itself is
:mod:`napari_cryomask.core.ops`.
"""

from __future__ import annotations

import numpy as np
from napari.layers import Image

from ..core import ops
from ..recipes import make_recipe
from .grid_warning import warn_combined
from .mask_layer import rebuild_recipe, voxel_size_of

OPERATION_HELP = {
    "union": "voxels in any of the masks",
    "intersection": "voxels in every mask",
    "subtraction": "the first mask minus all the others",
    "difference": "voxels in some of the masks but not in all",
}


def input_recipe(layer) -> dict:
    """The recipe that rebuilds one input: its own, else a ``file`` recipe of the file it came from.

    A layer that has neither (made in napari by other means) gets a ``file`` recipe without a path
    and a ``note`` saying that this input cannot be replayed.

    Examples
    --------
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


def check_combinable(layers, operation: str) -> None:
    """Raise ValueError unless ``layers`` are two or more 3D image layers of one shape.

    The message names the operation, the layers and both shapes when shapes differ.
    """
    if operation not in ops.OPERATIONS:
        raise ValueError(f"operation must be one of {', '.join(ops.OPERATIONS)}, got {operation!r}")
    if len(layers) < 2:
        raise ValueError(f"{operation} needs at least two mask layers, got {len(layers)}")
    for layer in layers:
        if not isinstance(layer, Image) or layer.rgb or layer.multiscale or layer.ndim != 3:
            raise ValueError(
                f"layer {layer.name!r} is not a 3D single-channel image layer; only such layers can be combined"
            )
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
    >>> a, b = Image(np.ones((2, 2, 2)), name="a"), Image(np.eye(2)[None].repeat(2, 0), name="b")
    >>> compute, recipe = combine_layers([a, b], "subtraction")
    >>> compute()[0].tolist(), recipe["params"]
    ([[0.0, 1.0], [1.0, 0.0]], {'operation': 'subtraction'})
    """
    check_combinable(layers, operation)
    warn_combined(layers)
    arrays = [np.asarray(layer.data) for layer in layers]
    recipe = make_recipe(
        "combine",
        {"operation": operation},
        box_shape=arrays[0].shape,
        voxel_size=voxel_size_of(layers[0]),
        inputs=[input_recipe(layer) for layer in layers],
    )
    function = ops.OPERATIONS[operation]
    return (lambda: function(arrays)), recipe
