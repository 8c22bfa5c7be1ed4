"""The mask check's plot in a dock: matplotlib on a Qt canvas, in napari's theme (dark or light).

The curves are drawn by :func:`napari_cryomask.io.fsc_plot.draw_fsc` (the same drawing as
``cryomask fsc --png``): unmasked, masked, phase-randomised masked and corrected FSC, the 0.143
and 0.5 lines, and each curve's resolution at 0.143 in the legend.
"""

from __future__ import annotations

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from qtpy.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from ..io.fsc_plot import THEMES, draw_fsc


def plot_theme(napari_theme: str) -> str:
    """The plot theme ("dark" or "light") that matches a napari theme: light on a light background."""
    from napari.utils.theme import get_theme

    try:
        red, green, blue = get_theme(napari_theme).background.as_rgb_tuple()[:3]
    except (KeyError, ValueError, AttributeError):
        return "dark"
    return "light" if 0.299 * red + 0.587 * green + 0.114 * blue > 127 else "dark"


class FSCView(QWidget):
    """A matplotlib canvas showing one :class:`~napari_cryomask.core.fsc.FSCResult` (or a message)."""

    def __init__(self, parent=None, theme: str = "dark"):
        super().__init__(parent)
        self.theme = theme
        self.figure = Figure(figsize=(4.0, 2.8), dpi=90, layout="constrained")
        self.figure.set_facecolor(THEMES[theme]["background"])
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setMinimumHeight(220)
        self.canvas.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.axes = self.figure.add_subplot()
        self.result = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self.setToolTip("FSC of the half maps: unmasked, masked, masked after phase randomisation, and corrected "
                        "(RELION's rule); dashed: 0.143, dotted: 0.5 and the randomisation shell")
        self.show_message("choose two half maps and a mask")

    def set_theme(self, theme: str) -> None:
        """Draw in another theme ("dark" or "light"), redrawing what is shown."""
        if theme == self.theme:
            return
        self.theme = theme
        self.figure.set_facecolor(THEMES[theme]["background"])
        if self.result is not None:
            self.show_result(self.result)
        else:
            self.show_message(self._message)

    def show_result(self, result) -> None:
        """Draw the curves of ``result``."""
        self.result = result
        draw_fsc(self.axes, result, self.theme)
        self.canvas.draw_idle()

    def show_message(self, text: str) -> None:
        """An empty plot with ``text`` in its middle."""
        self.result = None
        self._message = text
        colours = THEMES[self.theme]
        ax = self.axes
        ax.clear()
        ax.set_facecolor(colours["background"])
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color(colours["grid"])
        ax.text(0.5, 0.5, text, ha="center", va="center", color=colours["foreground"], fontsize=9, transform=ax.transAxes,
                wrap=True)
        self.canvas.draw_idle()

    def lines(self) -> dict:
        """The curves drawn, by legend label (for tests and screenshots)."""
        return {line.get_label(): line for line in self.axes.get_lines() if not line.get_label().startswith("_")}
