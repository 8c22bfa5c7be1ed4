"""A small histogram of a map's values with the current threshold drawn on it.

The bars show ``log(1 + count)`` (so that the few protein voxels stay visible beside the solvent
peak) or the counts themselves; the value axis is labelled with the map's minimum, maximum and
the threshold. Clicking or dragging on the plot picks a threshold.
"""

from __future__ import annotations

import numpy as np
from qtpy.QtCore import QSize, Qt, Signal
from qtpy.QtGui import QColor, QPainter, QPen
from qtpy.QtWidgets import QSizePolicy, QWidget

BAR_COLOR = QColor(150, 150, 150)
LINE_COLOR = QColor(213, 94, 0)  # vermillion, Okabe & Ito
MARGIN = 2
AXIS_HEIGHT = 14  # room under the bars for the value labels


def axis_text(value: float) -> str:
    """A value-axis label: four significant digits.

    >>> axis_text(0.000123456), axis_text(5.5812)
    ('0.0001235', '5.581')
    """
    return f"{value:.4g}"


class HistogramView(QWidget):
    """Bars of a histogram (log or linear counts), a value axis and a vertical line at the threshold.

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
        self.log = True
        self.setMinimumHeight(60 + AXIS_HEIGHT)
        self.setMinimumWidth(120)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.setToolTip("Histogram of the map the threshold applies to (the low-passed map when a low-pass is set); "
                        "click or drag to set the threshold")

    def sizeHint(self) -> QSize:
        return QSize(240, 80 + AXIS_HEIGHT)

    def set_log(self, log: bool) -> None:
        """Bar heights ``log(1 + count)`` (True) or counts (False)."""
        self.log = bool(log)
        self.update()

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
            self._paint_axis(painter)
            if self.threshold is not None:
                painter.setPen(QPen(LINE_COLOR, 2))
                x = self.x_of(self.threshold)
                painter.drawLine(x, 0, x, self.height() - 1 - AXIS_HEIGHT)
        finally:
            painter.end()

    def _paint_axis(self, painter: QPainter) -> None:
        painter.setPen(QPen(self.palette().text().color()))
        font = painter.font()
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.8))
        painter.setFont(font)
        top, width = self.height() - AXIS_HEIGHT, self.width()
        painter.drawLine(MARGIN, top, width - MARGIN, top)
        flags = Qt.AlignVCenter
        painter.drawText(MARGIN, top, width // 2, AXIS_HEIGHT, flags | Qt.AlignLeft, axis_text(self.edges[0]))
        painter.drawText(width // 2, top, width // 2 - MARGIN, AXIS_HEIGHT, flags | Qt.AlignRight, axis_text(self.edges[-1]))
        if self.threshold is not None:
            painter.setPen(QPen(LINE_COLOR))
            x = self.x_of(self.threshold)
            painter.drawText(x - 40, top, 80, AXIS_HEIGHT, flags | Qt.AlignHCenter, axis_text(self.threshold))

    def _paint_bars(self, painter: QPainter) -> None:
        counts = self.counts.astype(np.float64)
        heights = np.log1p(counts) if self.log else counts
        top = heights.max()
        if top == 0:
            return
        usable = self.height() - 2 * MARGIN - AXIS_HEIGHT
        bottom = self.height() - MARGIN - AXIS_HEIGHT
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
