"""A small histogram of a map's values with the current threshold drawn on it.

The bars show ``log(1 + count)`` so that the few protein voxels stay visible beside the
solvent peak. Clicking or dragging on the plot picks a threshold.
"""

from __future__ import annotations

import numpy as np
from qtpy.QtCore import QSize, Qt, Signal
from qtpy.QtGui import QColor, QPainter, QPen
from qtpy.QtWidgets import QSizePolicy, QWidget

from ..core.thresholds import finite_values

BAR_COLOR = QColor(150, 150, 150)
LINE_COLOR = QColor(255, 0, 255)
MARGIN = 2


def histogram_of(density, bins: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Counts and bin edges of a map's finite values.

    Parameters
    ----------
    density : array
        The map; NaN and infinite voxels are left out.
    bins : int
        Number of bars.

    Returns
    -------
    counts : int array, shape (bins,)
    edges : float array, shape (bins + 1,)

    Examples
    --------
    >>> counts, edges = histogram_of(np.array([0.0, 1.0, np.nan, 1.0]), bins=2)
    >>> counts.tolist(), edges.tolist()
    ([1, 2], [0.0, 0.5, 1.0])
    """
    values = finite_values(density)
    lo, hi = float(values.min()), float(values.max())
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    if hi - lo > float(np.finfo(np.float32).max):
        values = values.astype(np.float64)  # a map holding ±3e38: float32 bin arithmetic overflows
    return np.histogram(values, bins=bins, range=(lo, hi))


class HistogramView(QWidget):
    """Bars of a histogram (log counts) and a vertical line at the threshold.

    Signals
    -------
    threshold_picked(float)
        The value under the mouse when the user clicks or drags on the plot.

    Examples
    --------
    >>> view = HistogramView()  # doctest: +SKIP
    >>> view.set_histogram(*histogram_of(density)); view.set_threshold(0.4)  # doctest: +SKIP
    """

    threshold_picked = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.counts = np.zeros(0, np.int64)
        self.edges = np.zeros(0)
        self.threshold = None
        self.setMinimumHeight(60)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.setToolTip("Histogram of the map (log counts); click to set the threshold")

    def sizeHint(self) -> QSize:
        return QSize(240, 80)

    def set_histogram(self, counts, edges) -> None:
        """Show new bars; ``edges`` has one more entry than ``counts``."""
        counts, edges = np.asarray(counts), np.asarray(edges, dtype=np.float64)
        if edges.shape != (counts.size + 1,):
            raise ValueError(f"edges must have {counts.size + 1} entries for {counts.size} counts, got {edges.size}")
        self.counts, self.edges = counts, edges
        self.update()

    def clear(self) -> None:
        """Show nothing (no map)."""
        self.counts, self.edges, self.threshold = np.zeros(0, np.int64), np.zeros(0), None
        self.update()

    def set_threshold(self, value) -> None:
        """Move the threshold line to ``value`` (None hides it)."""
        self.threshold = None if value is None else float(value)
        self.update()

    def x_of(self, value: float) -> int:
        """Pixel column of ``value`` on the plot (clamped to the plot)."""
        lo, hi = self.edges[0], self.edges[-1]
        span = self.width() - 1 - 2 * MARGIN
        fraction = min(max((value - lo) / (hi - lo), 0.0), 1.0)
        return MARGIN + int(round(fraction * span))

    def value_at(self, x: float) -> float:
        """Map value under pixel column ``x``."""
        lo, hi = self.edges[0], self.edges[-1]
        span = max(self.width() - 1 - 2 * MARGIN, 1)
        fraction = min(max((x - MARGIN) / span, 0.0), 1.0)
        return float(lo + fraction * (hi - lo))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), self.palette().base())
            if self.counts.size == 0:
                return
            self._paint_bars(painter)
            if self.threshold is not None:
                painter.setPen(QPen(LINE_COLOR, 2))
                x = self.x_of(self.threshold)
                painter.drawLine(x, 0, x, self.height() - 1)
        finally:
            painter.end()

    def _paint_bars(self, painter: QPainter) -> None:
        heights = np.log1p(self.counts.astype(np.float64))
        top = heights.max()
        if top == 0:
            return
        usable = self.height() - 2 * MARGIN
        bottom = self.height() - MARGIN
        for i, h in enumerate(heights):
            left, right = self.x_of(self.edges[i]), self.x_of(self.edges[i + 1])
            bar = int(round(usable * h / top))
            if bar > 0:
                painter.fillRect(left, bottom - bar, max(right - left, 1), bar, BAR_COLOR)

    def mousePressEvent(self, event) -> None:
        self._pick(event)

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.LeftButton:
            self._pick(event)

    def _pick(self, event) -> None:
        if self.counts.size and event.buttons() & Qt.LeftButton:
            self.threshold_picked.emit(self.value_at(event.pos().x()))
