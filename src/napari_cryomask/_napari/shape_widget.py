"""The Shape mask dock widget: the form of a :class:`~napari_cryomask._napari.shape_model.ShapeModel`.

In the 2D view each change draws the displayed plane at once and the whole volume follows from a
worker; the layer's data, its recipe and the controls agree once the widget is no longer busy.
"""

from __future__ import annotations

import napari

from .design_widget import DesignWidget
from .shape_model import ShapeModel

LAYER_NAME = ShapeModel.output_name


class ShapeMaskWidget(DesignWidget):
    """Design a sphere, ellipsoid, cylinder, tube, shell, cuboid or cone mask on a map, live.

    Parameters
    ----------
    napari_viewer : napari.viewer.Viewer
        The viewer the widget draws into; masks go to layers named "shape mask", "shape mask [1]", ...
    """

    model_class = ShapeModel

    def __init__(self, napari_viewer: napari.viewer.Viewer):
        super().__init__(napari_viewer)
