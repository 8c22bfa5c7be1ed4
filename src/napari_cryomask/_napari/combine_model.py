"""What the Combine masks widget designs, without Qt: union, intersection, subtraction or difference.

The masks to combine are ticked in a list that starts in the order of napari's layer list (the
topmost first) and can be reordered; subtraction keeps the first and removes the others, as the
Layers > Data > Combine selected masks commands do with the selected layers. Only masks are
listed; the result goes to one ``"combined mask"`` layer, computed again whenever the operation,
the ticked masks, their order or their data change.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import ops
from .controls import Choice, Invalid, LayerList
from .design_model import DesignModel, Job, mask_layers
from .layer_combine import OPERATION_HELP, check_combinable, combine_layers
from .mask_layer import voxel_size_of
from .readout import readout_text

CONTROLS = (
    Choice(
        name="operation",
        label="operation",
        options=tuple(ops.OPERATIONS),
        default="union",
        tooltip="\n".join(f"{name}: {text}" for name, text in OPERATION_HELP.items()),
    ),
    LayerList(
        name="masks",
        label="masks",
        tooltip="Tick the masks to combine, first to last (the list starts in napari's layer order, the topmost first). "
        "Subtraction keeps the first and removes the others. Maps and layers with values outside [0, 1] are not listed.",
    ),
)


class CombineModel(DesignModel):
    """The Combine masks design.

    Examples
    --------
    >>> from napari.components import ViewerModel
    >>> viewer = ViewerModel()
    >>> a = viewer.add_image(np.ones((4, 4, 4), np.float32), name="a")
    >>> b = viewer.add_image(np.pad(np.ones((2, 4, 4), np.float32), ((1, 1), (0, 0), (0, 0))), name="b")
    >>> model = CombineModel(viewer)
    >>> [layer.name for layer in model.choices("masks")]  # the topmost first
    ['b', 'a']
    >>> model.update(operation="subtraction", masks=[a, b])
    >>> float(viewer.layers["combined mask"].data.sum())
    32.0
    """

    title = "Combine masks"
    output_name = "combined mask"
    controls = CONTROLS

    def choices(self, name: str) -> list:
        return list(reversed(super().choices(name)))

    def changed(self, names: set, old: dict) -> None:
        if "masks" in names:
            self.watch_data(self["masks"])

    def input_removed(self, name: str, layer) -> None:
        self.watch_data(self["masks"])

    def check(self) -> None:
        masks = self["masks"]
        if len(masks) < 2:
            return
        try:
            check_combinable(masks, self["operation"])
        except ValueError as error:
            raise Invalid(str(error), "masks") from None

    def job(self) -> Job | None:
        masks, operation = self["masks"], self["operation"]
        if len(masks) < 2:
            self.notice = "Tick two or more masks to combine."
            return None
        compute, recipe = combine_layers(masks, operation)
        names = ", ".join(repr(layer.name) for layer in masks)
        if operation == "subtraction":
            names = f"{masks[0].name!r} minus " + ", ".join(repr(layer.name) for layer in masks[1:])
        voxel_size = voxel_size_of(masks[0])
        notes = [f"note: {r['note']}" for r in recipe["inputs"] if "note" in r]

        def measure(mask):
            what = f"subtraction: {names}" if operation == "subtraction" else f"{operation} of {names}"
            return "\n".join([what, readout_text(mask, voxel_size), *notes])

        return Job(compute=compute, recipe=recipe, reference=masks[0], voxels=math.prod(np.shape(masks[0].data)), measure=measure)


__all__ = ["CombineModel", "mask_layers"]
