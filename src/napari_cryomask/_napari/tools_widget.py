"""The Mask tools dock widget: the form of a :class:`~napari_cryomask._napari.tools_model.ToolsModel`."""

from __future__ import annotations

from .design_widget import DesignWidget
from .tools_model import ToolsModel


class MaskToolsWidget(DesignWidget):
    """Symmetrize, helix, clip, apply to a map and resample a mask, each result in a layer of its own.

    Parameters
    ----------
    napari_viewer : napari.Viewer

    Examples
    --------
    >>> widget = MaskToolsWidget(viewer)  # doctest: +SKIP
    >>> viewer.window.add_dock_widget(widget, name="Mask tools")  # doctest: +SKIP
    """

    model_class = ToolsModel

    def __init__(self, napari_viewer):
        super().__init__(napari_viewer)
