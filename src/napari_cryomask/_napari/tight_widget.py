"""The Tight mask dock widget: the form of a :class:`~napari_cryomask._napari.tight_model.TightModel`.

Beside the model's controls it shows the histogram of the map the threshold applies to (the
low-passed map when a low-pass is set), with the threshold drawn on it; clicking it sets the
threshold.
"""

from __future__ import annotations

from .design_widget import DesignWidget
from .histogram import HistogramView
from .tight_model import TightModel

OUTPUT_NAME = TightModel.output_name


class TightMaskWidget(DesignWidget):
    """Make a tight mask of a map: threshold, regions, holes, extension, soft edge, invert.

    Parameters
    ----------
    napari_viewer : napari.Viewer

    Examples
    --------
    >>> widget = TightMaskWidget(viewer)  # doctest: +SKIP
    >>> viewer.window.add_dock_widget(widget, name="Tight mask")  # doctest: +SKIP
    """

    model_class = TightModel

    def __init__(self, napari_viewer):
        self.histogram = HistogramView()
        super().__init__(napari_viewer)
        self.histogram.threshold_picked.connect(self._picked)
        self.model.events.limits.connect(self._redraw_histogram)
        self.model.events.values.connect(self._redraw_histogram)
        self.model.events.state.connect(self._redraw_histogram)
        self._redraw_histogram()

    def after(self, name):
        if name == "threshold":
            self.add_widget(self.histogram)
        super().after(name)

    def _picked(self, value: float) -> None:
        self.editors["threshold"].value = value

    def _redraw_histogram(self, *_) -> None:
        histogram = self.model.histogram()
        if histogram is None:
            self.histogram.clear()
            return
        self.histogram.set_log(self.model["histogram"] == "log")
        self.histogram.set_histogram(*histogram)
        self.histogram.set_threshold(self.model["threshold"])
