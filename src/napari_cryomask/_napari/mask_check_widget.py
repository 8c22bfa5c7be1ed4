"""The Mask check dock widget: the form of a :class:`~napari_cryomask._napari.mask_check_model.MaskCheckModel`.

Under the controls: the FSC plot (:class:`~napari_cryomask._napari.fsc_view.FSCView`, in napari's theme), the verdict
in words with every warning, and the soft edge the rule suggests beside its *Apply* button.
"""

from __future__ import annotations

from .design_widget import DesignWidget, wrapping_label
from .fsc_view import FSCView, plot_theme
from .mask_check_model import MaskCheckModel


class MaskCheckWidget(DesignWidget):
    """Check a mask by what it does to the FSC of two half maps (phase-randomisation corrected).

    Parameters
    ----------
    napari_viewer : napari.Viewer

    Examples
    --------
    >>> widget = MaskCheckWidget(viewer)  # doctest: +SKIP
    >>> viewer.window.add_dock_widget(widget, name="Mask check")  # doctest: +SKIP
    """

    model_class = MaskCheckModel

    def __init__(self, napari_viewer):
        self.plot = FSCView(theme=plot_theme(napari_viewer.theme))
        self.verdict = wrapping_label(selectable=True)
        self.verdict.setToolTip("What the check found, and what to do about each warning")
        self.suggestion = wrapping_label()
        self.suggestion.setToolTip("The soft edge for the corrected resolution by the rule of Warp/M; Apply sets it above")
        self._drawn = -1
        super().__init__(napari_viewer)
        self.model.events.state.connect(self._redraw)
        self.viewer.events.theme.connect(self._on_theme)
        self._redraw()

    def _on_theme(self, event=None) -> None:
        if not self.model.closed:
            try:
                self.plot.set_theme(plot_theme(self.viewer.theme))
                return
            except RuntimeError:  # Qt deleted the plot with the window
                pass
        self.viewer.events.theme.disconnect(self._on_theme)

    def after(self, name):
        if name == "mask":
            self.add_widget(self.plot)
            self.add_widget(self.verdict)
        if name == "edge_width":
            self.add_widget(self.suggestion)
        super().after(name)

    def _redraw(self, *_) -> None:
        model = self.model
        result = model.result
        if result is None:
            self._drawn = -1
            self.plot.show_message("choose two half maps (and a mask) above" if not model.errors else "see the message below")
            self.verdict.setText("")
            self.suggestion.setText("")
            return
        if model.results != self._drawn:
            self._drawn = model.results
            self.plot.show_result(result)
        self.verdict.setText(model.verdict())
        edge = model.suggestion()
        self.suggestion.setText(
            "" if edge is None or model["mask"] is None else
            f"suggested for {result.reported_resolution_A:.1f} Å: extend {edge.extend_px}, cosine edge "
            f"{edge.edge_width_px} voxels"
        )
