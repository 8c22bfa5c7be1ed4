"""Layers > Data > Combine selected masks: one command per operation on the selected layers.

The selected layers are combined in the order napari's layer list shows them, the topmost first,
as in the Combine masks widget: "Subtract" keeps the topmost selected mask and removes the others.
Only masks combine (3D single-channel layers, values finite and in [0, 1]). Each operation writes to
its own output layer, e.g. "union of selection", updated in place when the command runs again
(unless that layer is itself selected). A selection that cannot be combined gives one line in a
napari notification; nothing raises out of a menu command (an exception there would reach Qt,
which aborts a scripted session).
"""

from __future__ import annotations

import logging

from napari.utils.notifications import show_error
from napari.viewer import Viewer

from ..recipes import data_digest
from .layer_combine import combine_layers, top_first
from .mask_layer import show_mask

log = logging.getLogger(__name__)


def output_name(operation: str) -> str:
    """Name of the layer an operation's command writes to.

    >>> output_name("union")
    'union of selection'
    """
    return f"{operation} of selection"


def combine_selected(viewer: Viewer, operation: str):
    """Combine the selected masks of ``viewer`` and show the result.

    Returns the output layer, or None when the selection cannot be combined: fewer than two
    layers, a layer that is not a mask (a map, NaN values), or shapes that differ; a notification
    then says why in one line naming the layers.
    """
    try:
        selected = top_first(viewer, viewer.layers.selection)
        compute, recipe = combine_layers(selected, operation)
        name = output_name(operation)
        previous = viewer.layers[name] if name in viewer.layers else None
        if previous is not None and previous in viewer.layers.selection:
            previous = None
        mask = compute()
        recipe = dict(recipe, data_sha256=data_digest(mask))  # so that saving notices later edits
        return show_mask(viewer, mask, name=name, layer=previous, reference=selected[0], recipe=recipe)
    except Exception as error:  # noqa: BLE001 - a menu command reports, never raises into Qt
        log.debug("Combine selected masks: %s failed", operation, exc_info=True)
        show_error(f"Combine selected masks: {_one_line(error)}")
        return None


def _one_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def union_selected(viewer: Viewer):
    """Union of the selected masks."""
    return combine_selected(viewer, "union")


def intersection_selected(viewer: Viewer):
    """Intersection of the selected masks."""
    return combine_selected(viewer, "intersection")


def subtraction_selected(viewer: Viewer):
    """The topmost selected mask minus the other selected masks."""
    return combine_selected(viewer, "subtraction")


def difference_selected(viewer: Viewer):
    """Difference (in some but not all) of the selected masks."""
    return combine_selected(viewer, "difference")
