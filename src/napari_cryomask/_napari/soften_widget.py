"""The Soften mask dock widget: the form of a :class:`~napari_cryomask._napari.soften_model.SoftenModel`."""

from __future__ import annotations

from .design_widget import DesignWidget
from .soften_model import NOT_REPLAYABLE, SoftenModel, soften_recipe

__all__ = ["NOT_REPLAYABLE", "SoftenMaskWidget", "soften_recipe"]


class SoftenMaskWidget(DesignWidget):
    """Soften the edge of a mask layer: binarise at a threshold, then fall off outside.

    Parameters
    ----------
    napari_viewer : napari.Viewer

    Examples
    --------
    >>> widget = SoftenMaskWidget(viewer)  # doctest: +SKIP
    >>> viewer.window.add_dock_widget(widget, name="Soften mask")  # doctest: +SKIP
    """

    model_class = SoftenModel

    def __init__(self, napari_viewer):
        super().__init__(napari_viewer)

    def output_of(self, layer):
        """The softened layer made from ``layer``, if any."""
        return self.model.output.layer_for(layer.unique_id)
