"""Layers > Data > Combine selected masks: one command per operation on the selected layers.

The selected layers are combined in layer-list order (bottom of the list first, as
``viewer.layers`` is indexed), so "Subtract" keeps the lowest selected layer and removes the
others. Each operation writes to its own output layer, e.g. "union of selection", which is
updated in place when the command runs again (unless that layer is itself selected).
"""

from __future__ import annotations

from napari.viewer import Viewer

from .layer_combine import combine_layers
from .mask_layer import show_mask


def output_name(operation: str) -> str:
    """Name of the layer an operation's command writes to.

    >>> output_name("union")
    'union of selection'
    """
    return f"{operation} of selection"


def combine_selected(viewer: Viewer, operation: str):
    """Combine the selected layers of ``viewer`` and show the result; returns the output layer.

    Raises
    ------
    ValueError
        Fewer than two layers selected, a selected layer that is not a 3D image, or shapes that
        differ (the message names both layers and their shapes).
    """
    selected = [layer for layer in viewer.layers if layer in viewer.layers.selection]
    compute, recipe = combine_layers(selected, operation)
    name = output_name(operation)
    previous = viewer.layers[name] if name in viewer.layers else None
    if previous is not None and previous in viewer.layers.selection:
        previous = None
    return show_mask(viewer, compute(), name=name, layer=previous, reference=selected[0], recipe=recipe)


def union_selected(viewer: Viewer):
    """Union of the selected masks."""
    return combine_selected(viewer, "union")


def intersection_selected(viewer: Viewer):
    """Intersection of the selected masks."""
    return combine_selected(viewer, "intersection")


def subtraction_selected(viewer: Viewer):
    """The first selected mask (lowest in the layer list) minus the other selected masks."""
    return combine_selected(viewer, "subtraction")


def difference_selected(viewer: Viewer):
    """Difference (in some but not all) of the selected masks."""
    return combine_selected(viewer, "difference")
