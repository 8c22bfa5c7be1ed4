"""The Soften mask dock widget: give an existing mask layer a cosine or Gaussian edge.

The maths is :func:`napari_cryomask.core.distance.soften`; this module turns the controls into its
arguments and shows the result as ``"<input name> softened"``, one layer per input, updated in place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from magicgui.widgets import ComboBox, Container, FloatSpinBox, Label
from napari.layers import Image
from qtpy.QtWidgets import QVBoxLayout, QWidget

from ..core.distance import soften
from ..recipes import make_recipe
from .length_field import LengthField
from .mask_layer import rebuild_recipe, show_mask, voxel_size_of
from .readout import readout_text
from .worker import LatestOnly

NOT_REPLAYABLE = "the input layer has no recipe and was not read from a file, so this recipe cannot replay it"


def soften_recipe(layer, params: dict) -> dict:
    """The ``soften`` recipe of ``layer`` softened with ``params`` (``soften`` keywords, voxels)."""
    where = {"box_shape": layer.data.shape, "voxel_size": voxel_size_of(layer)}
    source = rebuild_recipe(layer)
    if source is None:
        return make_recipe("soften", params, **where, replayable=False, note=NOT_REPLAYABLE)
    return make_recipe("soften", params, **where, inputs=[source])


@dataclass(frozen=True)
class _Request:
    layer: Image
    data: np.ndarray
    params: dict
    recipe: dict


def _compute(request: _Request):
    p = request.params
    mask = soften(request.data, p["edge"], p["edge_width_px"], p["threshold"])
    return request, mask, readout_text(mask, voxel_size_of(request.layer))


class SoftenMaskWidget(QWidget):
    """Soften the edge of a mask layer: binarise at a threshold, then fall off outside.

    The width is entered in Å and converted with the mean voxel size of the mask layer (its
    scale), assuming roughly isotropic voxels. The result keeps a ``soften`` recipe in its
    metadata whose input is the mask's own recipe; a mask without one is recorded as a ``file``
    recipe when it was read from a file, otherwise the recipe says it cannot be replayed. When
    the input mask changes (say, the Tight mask widget updates it), it is softened again.

    Parameters
    ----------
    napari_viewer : napari.Viewer

    Examples
    --------
    >>> widget = SoftenMaskWidget(viewer)  # doctest: +SKIP
    >>> viewer.window.add_dock_widget(widget, name="Soften mask")  # doctest: +SKIP
    """

    def __init__(self, napari_viewer):
        super().__init__()
        self._viewer = napari_viewer
        self._outputs: dict = {}  # input layer.unique_id -> its softened layer
        self._watched = None
        self._jobs = LatestOnly(self._show, self._show_error, description="Soften mask")

        self.mask = ComboBox(label="mask", choices=self._mask_choices, tooltip="Mask to soften (3D image layer)")
        self.edge = ComboBox(label="soft edge", choices=("cosine", "gaussian"), value="cosine")
        self.width = LengthField("width", value=8.0)
        self.threshold = FloatSpinBox(
            label="threshold", value=0.5, min=0.01, max=1.0, step=0.05, tooltip="The mask is the voxels ≥ this value"
        )
        self.readout = Label(value="no mask")
        controls = Container(widgets=[self.mask, self.edge, self.width, self.threshold])
        layout = QVBoxLayout(self)
        layout.addWidget(controls.native)
        layout.addWidget(self.readout.native)
        layout.addStretch(1)
        # the magicgui container must live as long as its Qt widget
        self._controls = controls

        self.mask.changed.connect(self._on_mask)
        for control in (self.edge, self.width.spin, self.threshold):
            control.changed.connect(self._request)
        self._on_mask(self.mask.value)

    def _mask_choices(self, _widget=None):
        outputs = {layer.unique_id for layer in self._outputs.values()}
        return [
            (layer.name, layer)
            for layer in self._viewer.layers
            if isinstance(layer, Image) and layer.ndim == 3 and not layer.rgb and layer.unique_id not in outputs
        ]

    def reset_choices(self, *_) -> None:
        """Refresh the mask list from the viewer's layers (napari calls this on layer changes)."""
        present = {layer.unique_id for layer in self._viewer.layers}
        self._outputs = {k: v for k, v in self._outputs.items() if k in present}
        self.mask.reset_choices()

    def output_of(self, layer) -> Image | None:
        """The softened layer made from ``layer``, if any."""
        return self._outputs.get(layer.unique_id)

    @property
    def busy(self) -> bool:
        """True while a mask is being computed in a worker thread."""
        return self._jobs.busy

    def _on_mask(self, layer) -> None:
        if self._watched is not None:
            self._watched.events.data.disconnect(self._request)
        self._watched = layer
        if layer is None:
            self.readout.value = "no mask"
            return
        self.width.voxel_size = voxel_size_of(layer)
        layer.events.data.connect(self._request)
        self._request()

    def params(self) -> dict:
        """The :func:`~napari_cryomask.core.distance.soften` keywords the controls stand for (voxels)."""
        return {"edge": self.edge.value, "edge_width_px": self.width.voxels, "threshold": float(self.threshold.value)}

    def _request(self, *_) -> None:
        layer = self.mask.value
        if layer is None:
            return
        params = self.params()
        request = _Request(layer, np.asarray(layer.data), params, soften_recipe(layer, params))
        self._jobs.submit(_compute, request, voxels=request.data.size)

    def _show(self, result) -> None:
        request, mask, text = result
        layer = request.layer
        output = show_mask(
            self._viewer,
            mask,
            name=f"{layer.name} softened",
            layer=self._outputs.get(layer.unique_id),
            reference=layer,
            recipe=request.recipe,
        )
        self._outputs[layer.unique_id] = output
        self.mask.reset_choices()
        self.readout.value = text

    def _show_error(self, error: Exception) -> None:
        self.readout.value = f"error: {error}"
