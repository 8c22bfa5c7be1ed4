"""What the Soften mask widget designs, without Qt: a cosine or Gaussian edge on an existing mask.

Only masks are offered (3D single-channel layers with finite values in [0, 1]), and nothing is
chosen or computed until a mask is picked. The result is ``"<input name> softened"``, one layer per
input, updated in place; its ``soften`` recipe takes the input's own recipe (or a ``file`` recipe of
the file it was read from) as its input. When the input mask changes (the Tight mask widget updates
it, say), it is softened again.
"""

from __future__ import annotations

import numpy as np

from ..core.distance import soften
from ..recipes import make_recipe
from .controls import Choice, LayerInput, Length, Number
from .design_model import DesignModel, Job, layer_volume
from .mask_layer import rebuild_recipe, voxel_size_of
from .readout import readout_text

NOT_REPLAYABLE = "the input layer has no recipe and was not read from a file, so this recipe cannot replay it"
EDGE_VOXELS = 3

CONTROLS = (
    LayerInput(name="mask", label="mask", kind="mask", none_text="(choose a mask)",
               tooltip="The mask to soften: a 3D layer with values in [0, 1]. Maps are not offered."),
    Choice(name="edge", label="soft edge", options=("cosine", "gaussian"), default="cosine",
           tooltip="cosine: falls from 1 to 0 over the width outside the mask. gaussian: sigma = the width."),
    Length(name="width", label="width", default=EDGE_VOXELS, tooltip="Width of the soft edge outside the mask (Gaussian: sigma)"),
    Number(name="threshold", label="threshold", default=0.5, minimum=0.01, maximum=1.0, step=0.05,
           tooltip="The mask is the voxels at or above this value; the edge falls off outside them"),
)


def soften_recipe(layer, params: dict) -> dict:
    """The ``soften`` recipe of ``layer`` softened with ``params`` (``soften`` keywords, voxels)."""
    where = {
        "box_shape": np.shape(layer_volume(layer)),
        "voxel_size": voxel_size_of(layer),
        "origin": tuple(float(t) for t in layer.translate[-3:]),
    }
    source = rebuild_recipe(layer)
    if source is None:
        return make_recipe("soften", params, **where, replayable=False, note=NOT_REPLAYABLE)
    return make_recipe("soften", params, **where, inputs=[source])


class SoftenModel(DesignModel):
    """The Soften mask design.

    Examples
    --------
    >>> from napari.components import ViewerModel
    >>> viewer = ViewerModel()
    >>> _ = viewer.add_image(np.pad(np.ones((4, 4, 4), np.float32), 6), name="cube")
    >>> model = SoftenModel(viewer)
    >>> model["mask"] is None, len(viewer.layers)  # nothing picked, nothing made
    (True, 1)
    >>> model.set("mask", viewer.layers["cube"])
    >>> viewer.layers[-1].name
    'cube softened'
    """

    title = "Soften mask"
    output_name = "softened"
    controls = CONTROLS

    def changed(self, names: set, old: dict) -> None:
        if "mask" in names:
            layer = self["mask"]
            self.watch_data([] if layer is None else [layer])
            if layer is not None:
                self.output.switch(layer.unique_id)
                self.output.name = f"{layer.name} softened"
                if old["mask"] is None or voxel_size_of(old["mask"]) != voxel_size_of(layer):
                    self.assign(width=round(self.angstrom(EDGE_VOXELS), 1))

    def input_removed(self, name: str, layer) -> None:
        self.watch_data(())
        self.output.switch(None)

    def params(self) -> dict:
        """The :func:`~napari_cryomask.core.distance.soften` keywords of the current values (voxels)."""
        return {"edge": self["edge"], "edge_width_px": self.px("width"), "threshold": float(self["threshold"])}

    def job(self) -> Job | None:
        layer = self["mask"]
        if layer is None:
            return None
        data = np.array(layer_volume(layer), dtype=np.float32)  # a copy: the input may change meanwhile
        params = self.params()
        voxel_size = voxel_size_of(layer)
        return Job(
            compute=lambda: soften(data, params["edge"], params["edge_width_px"], params["threshold"]),
            recipe=soften_recipe(layer, params),
            reference=layer,
            voxels=data.size,
            measure=lambda mask: readout_text(mask, voxel_size),
        )
