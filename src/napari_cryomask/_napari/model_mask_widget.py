"""The Model mask dock widget: the form of a :class:`~napari_cryomask._napari.model_mask_model.ModelMaskModel`."""

from __future__ import annotations

from .design_widget import DesignWidget
from .model_mask_model import ModelMaskModel

OUTPUT_NAME = ModelMaskModel.output_name


class ModelMaskWidget(DesignWidget):
    """Make a mask from a fitted atomic model: its simulated density on the map's grid, thresholded, extended, softened.

    Parameters
    ----------
    napari_viewer : napari.Viewer

    Examples
    --------
    >>> widget = ModelMaskWidget(viewer)  # doctest: +SKIP
    >>> viewer.window.add_dock_widget(widget, name="Model mask")  # doctest: +SKIP
    """

    model_class = ModelMaskModel

    def __init__(self, napari_viewer):
        super().__init__(napari_viewer)
