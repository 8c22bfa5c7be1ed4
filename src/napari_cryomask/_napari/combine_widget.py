"""The Combine masks dock widget: the form of a :class:`~napari_cryomask._napari.combine_model.CombineModel`."""

from __future__ import annotations

from .combine_model import CombineModel
from .design_widget import DesignWidget

OUTPUT_NAME = CombineModel.output_name


class CombineMasksWidget(DesignWidget):
    """Combine ticked mask layers, first to last, into one "combined mask" layer.

    The list starts in the order of napari's layer list (topmost first); subtraction keeps the first
    ticked mask and removes the others.

    Parameters
    ----------
    napari_viewer : napari.viewer.Viewer
    """

    model_class = CombineModel

    def __init__(self, napari_viewer):
        super().__init__(napari_viewer)

    @property
    def inputs(self) -> list:
        """The ticked masks, in the order they are combined."""
        return list(self.model["masks"])

    def set_inputs(self, layers) -> None:
        """Tick exactly ``layers``, first to last (for scripts), as ticking them in the list does."""
        self.editors["masks"].value = tuple(layers)
