"""The Edit by hand dock widget: the form of an :class:`~napari_cryomask._napari.edit_model.EditModel`."""

from __future__ import annotations

from .design_widget import DesignWidget
from .edit_model import EditModel


class EditMaskWidget(DesignWidget):
    """Edit a mask by hand with napari's labels tools, fill between drawn planes, and bring it back soft.

    Parameters
    ----------
    napari_viewer : napari.Viewer

    Examples
    --------
    >>> widget = EditMaskWidget(viewer)  # doctest: +SKIP
    >>> viewer.window.add_dock_widget(widget, name="Edit by hand")  # doctest: +SKIP
    """

    model_class = EditModel

    def __init__(self, napari_viewer):
        super().__init__(napari_viewer)
