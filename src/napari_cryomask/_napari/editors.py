"""Qt editors for the controls of :mod:`.controls`: each shows one value and tells the model when it is set.

Typed values are applied when editing finishes (Enter, leaving the box, an arrow step), never on
each keystroke: spin boxes have keyboard tracking off, so typing ``30`` applies 30, never 3.
Sliders report :meth:`DesignModel.move` while dragged and :meth:`DesignModel.rest` on release.
An editor marked invalid gets a vermillion frame and the message as its tooltip.
"""

from __future__ import annotations

from qtpy.QtCore import Qt
from qtpy.QtWidgets import (
    QAbstractSpinBox,
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QWidget,
)

from . import controls as c

INVALID_STYLE = "border: 2px solid #D55E00; border-radius: 2px;"
SLIDER_STEPS = 1000
SPIN_MIN_WIDTH = 56


def _compact(widget: QWidget, minimum: int = SPIN_MIN_WIDTH) -> None:
    """Let a field shrink to ``minimum`` pixels: its text length never widens the dock.

    napari's theme gives spin boxes a minimum width of 70 px and wide padding; the widget's own
    style sheet replaces that for this field.
    """
    widget.setMinimumWidth(minimum)
    widget.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
    if isinstance(widget, QAbstractSpinBox):
        widget.setProperty("base_style", f"min-width: {minimum}px; padding: 1px 3px;")
        widget.setStyleSheet(widget.property("base_style"))


def _spin(control, whole: bool = False) -> QAbstractSpinBox:
    spin = QSpinBox() if whole else QDoubleSpinBox()
    spin.setKeyboardTracking(False)
    if not whole:
        spin.setDecimals(control.decimals)
    spin.setSingleStep(max(1, int(control.step)) if whole else float(control.step))
    spin.setAccelerated(True)
    _compact(spin)
    return spin


def _set_range(spin, low, high, whole: bool = False) -> None:
    big = 2**31 - 1 if whole else 1e9
    low = -big if low is None else low
    high = big if high is None else high
    if whole:
        spin.setRange(int(max(low, -big)), int(min(high, big)))
    else:
        spin.setRange(float(low), float(high))


class Editor:
    """A control's label, its input widget(s) and a note beside them (lengths in voxels).

    ``value`` reads what the editor shows; setting it (scripts, tests) shows the value and applies
    it, as a person editing the field would.
    """

    def __init__(self, control, model):
        self.control, self.model = control, model
        self.label = QLabel(control.heading(model))
        self.label.setToolTip(control.tooltip)
        self.field = QWidget()
        self.field.setToolTip(control.tooltip)
        self.layout = QHBoxLayout(self.field)
        self.layout.setContentsMargins(0, 0, 0, 0)
        self.layout.setSpacing(3)
        self.note = QLabel()
        self.note.setToolTip(control.tooltip)
        self.note.setVisible(False)
        self._quiet = False
        self.invalid = False

    @property
    def name(self) -> str:
        return self.control.name

    def widgets(self) -> list:
        """The input widgets (for marking)."""
        return []

    def show(self, value) -> None:
        """Display ``value`` without telling the model."""
        self._quiet = True
        try:
            self._show(value)
        finally:
            self._quiet = False

    def _show(self, value) -> None:
        raise NotImplementedError

    def read(self):
        raise NotImplementedError

    @property
    def value(self):
        return self.read()

    @value.setter
    def value(self, value) -> None:
        self.show(value)
        self.commit()

    def commit(self, *_) -> None:
        if not self._quiet:
            self.model.set(self.name, self.read())

    def mark(self, message: str | None) -> None:
        """Frame the inputs and put ``message`` in their tooltip (None clears)."""
        self.invalid = message is not None
        for widget in self.widgets():
            base = widget.property("base_style") or ""
            widget.setStyleSheet(base + (INVALID_STYLE if message else ""))
            widget.setToolTip(f"{message}\n\n{self.control.tooltip}" if message else self.control.tooltip)

    def refresh(self) -> None:
        """Update the label's unit, the note and ranges that follow the model."""
        self.label.setText(self.control.heading(self.model))
        note = self.model.voxel_note(self.name)
        self.note.setText(note)
        self.note.setVisible(bool(note))

    def set_visible(self, visible: bool) -> None:
        self.label.setVisible(visible)
        self.field.setVisible(visible)


class NumberEditor(Editor):
    def __init__(self, control, model):
        super().__init__(control, model)
        self.whole = isinstance(control, c.Whole)
        self.spin = _spin(control, self.whole)
        self.spin.setToolTip(control.tooltip)
        self.layout.addWidget(self.spin, 1)
        self.layout.addWidget(self.note)
        self.refresh()
        self.show(model[control.name])
        self.spin.valueChanged.connect(self.commit)

    def widgets(self):
        return [self.spin]

    def refresh(self):
        super().refresh()
        self.spin.blockSignals(True)
        _set_range(self.spin, *self.control.limits(self.model), whole=self.whole)
        self.spin.blockSignals(False)

    def _show(self, value):
        self.spin.blockSignals(True)
        self.spin.setValue(int(value) if self.whole else float(value))
        self.spin.blockSignals(False)

    def read(self):
        return int(self.spin.value()) if self.whole else float(self.spin.value())


class TripleEditor(Editor):
    def __init__(self, control, model):
        super().__init__(control, model)
        self.spins = [_spin(control, control.whole) for _ in c.AXES]
        for axis, spin in zip(c.AXES, self.spins):
            spin.setButtonSymbols(QAbstractSpinBox.NoButtons)  # arrow keys and the wheel still step
            _compact(spin, 36)
            spin.setToolTip(f"{control.tooltip}\n({axis})")
            _set_range(spin, control.minimum, control.maximum, whole=control.whole)
            self.layout.addWidget(spin, 1)
        # the voxel note goes under the three boxes, so that it never widens the row
        self.layout.setDirection(QBoxLayout.TopToBottom)
        row = QHBoxLayout()
        row.setSpacing(3)
        for spin in self.spins:
            self.layout.removeWidget(spin)
            row.addWidget(spin, 1)
        self.layout.addLayout(row)
        self.layout.addWidget(self.note)
        self.refresh()
        self.show(model[control.name])
        for spin in self.spins:
            spin.valueChanged.connect(self.commit)

    def widgets(self):
        return list(self.spins)

    def _show(self, value):
        for spin, v in zip(self.spins, value):
            spin.blockSignals(True)
            spin.setValue(int(v) if self.control.whole else float(v))
            spin.blockSignals(False)

    def read(self):
        return tuple(int(s.value()) if self.control.whole else float(s.value()) for s in self.spins)


class SliderEditor(Editor):
    """A slider over the control's range with a box to type an exact value."""

    def __init__(self, control, model):
        super().__init__(control, model)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setToolTip(control.tooltip)
        self.slider.setMinimumWidth(60)
        self.slider.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.spin = _spin(control)
        self.spin.setToolTip(control.tooltip)
        self.layout.addWidget(self.slider, 3)
        self.layout.addWidget(self.spin, 2)
        self.refresh()
        self.show(model[control.name])
        self.spin.valueChanged.connect(self._typed)
        self.slider.valueChanged.connect(self._slid)
        self.slider.sliderReleased.connect(self._released)

    def widgets(self):
        return [self.spin, self.slider]

    def _range(self):
        low, high = self.control.limits(self.model)
        low = -1.0 if low is None else low
        high = low + 1.0 if high is None or high <= low else high
        return low, high

    def refresh(self):
        super().refresh()
        low, high = self._range()
        self.spin.blockSignals(True)
        self.spin.setRange(low, high)
        span = high - low
        self.spin.setDecimals(self.model.decimals(self.control))
        self.spin.setSingleStep(self.control.step if isinstance(self.control, c.Angle) else span / 100)
        self.spin.blockSignals(False)
        self._place_slider(self.spin.value())

    def _place_slider(self, value):
        low, high = self._range()
        self.slider.blockSignals(True)
        self.slider.setValue(round((min(max(value, low), high) - low) / (high - low) * SLIDER_STEPS))
        self.slider.blockSignals(False)

    def _slider_value(self) -> float:
        low, high = self._range()
        value = low + self.slider.value() / SLIDER_STEPS * (high - low)
        return round(value, self.spin.decimals())

    def _show(self, value):
        self.spin.blockSignals(True)
        self.spin.setValue(float(value))
        self.spin.blockSignals(False)
        self._place_slider(float(value))

    def read(self):
        return float(self.spin.value())

    def _typed(self, value):
        self._place_slider(value)
        self.commit()

    def _slid(self, _position):
        value = self._slider_value()
        self.spin.blockSignals(True)
        self.spin.setValue(value)
        self.spin.blockSignals(False)
        if self._quiet:
            return
        if self.slider.isSliderDown():
            self.model.move(self.name, self.read())
        else:
            self.model.set(self.name, self.read())

    def _released(self):
        if not self._quiet:
            self.model.rest()


class ChoiceEditor(Editor):
    def __init__(self, control, model):
        super().__init__(control, model)
        self.combo = QComboBox()
        self.combo.addItems(list(control.options))
        self.combo.setToolTip(control.tooltip)
        _compact(self.combo, 80)
        self.layout.addWidget(self.combo, 1)
        self.show(model[control.name])
        self.combo.currentIndexChanged.connect(self.commit)

    def widgets(self):
        return [self.combo]

    def _show(self, value):
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(list(self.control.options).index(value))
        self.combo.blockSignals(False)

    def read(self):
        return self.control.options[self.combo.currentIndex()]


class FlagEditor(Editor):
    def __init__(self, control, model):
        super().__init__(control, model)
        self.box = QCheckBox()
        self.box.setToolTip(control.tooltip)
        self.layout.addWidget(self.box, 1)
        self.show(model[control.name])
        self.box.toggled.connect(self.commit)

    def widgets(self):
        return [self.box]

    def _show(self, value):
        self.box.blockSignals(True)
        self.box.setChecked(bool(value))
        self.box.blockSignals(False)

    def read(self):
        return self.box.isChecked()


class TextEditor(Editor):
    """A line edit applied when editing finishes; a file path also gets a button that opens a dialog."""

    def __init__(self, control, model):
        super().__init__(control, model)
        self.line = QLineEdit()
        self.line.setToolTip(control.tooltip)
        _compact(self.line, 80)
        self.layout.addWidget(self.line, 1)
        self.browse = None
        if isinstance(control, c.FilePath):
            self.browse = QToolButton()
            self.browse.setText("…")
            self.browse.setToolTip(f"Choose the file: {control.tooltip}")
            self.browse.clicked.connect(self._pick)
            self.layout.addWidget(self.browse)
        self.show(model[control.name])
        self.line.editingFinished.connect(self._finished)
        self._last = self.read()

    def widgets(self):
        return [self.line]

    def _show(self, value):
        self.line.setText("" if value is None else str(value))
        self._last = self.read()

    def read(self):
        return self.line.text()

    def _finished(self):
        if self.read() != self._last:  # editingFinished also fires on a focus change without an edit
            self._last = self.read()
            self.commit()

    def _pick(self):
        path, _ = QFileDialog.getOpenFileName(self.field, self.control.label, self.read(), self.control.filter)
        if path:
            self.value = path


class LayerEditor(Editor):
    """A list of the layers the model offers, and the empty choice first."""

    def __init__(self, control, model):
        super().__init__(control, model)
        self.combo = QComboBox()
        self.combo.setToolTip(control.tooltip)
        _compact(self.combo, 80)
        self.layout.addWidget(self.combo, 1)
        self._layers = []
        self.update_choices()
        self.combo.currentIndexChanged.connect(self.commit)

    def widgets(self):
        return [self.combo]

    def update_choices(self) -> None:
        """Refill the list from the model; the chosen layer stays chosen."""
        self._layers = [None, *self.model.choices(self.name)]
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItems([self.control.none_text if layer is None else layer.name for layer in self._layers])
        self.combo.blockSignals(False)
        self.show(self.model[self.name])

    def _show(self, value):
        index = next((i for i, layer in enumerate(self._layers) if layer is value), 0)
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)

    def read(self):
        index = self.combo.currentIndex()
        return self._layers[index] if 0 <= index < len(self._layers) else None


def editor_for(control, model) -> Editor:
    """The editor of one control."""
    if isinstance(control, c.LayerInput):
        return LayerEditor(control, model)
    if isinstance(control, (c.Angle, c.Level)):
        return SliderEditor(control, model)
    if isinstance(control, c.Triple):
        return TripleEditor(control, model)
    if isinstance(control, c.Number):
        return NumberEditor(control, model)
    if isinstance(control, c.Choice):
        return ChoiceEditor(control, model)
    if isinstance(control, c.Flag):
        return FlagEditor(control, model)
    if isinstance(control, c.Text):
        return TextEditor(control, model)
    raise TypeError(f"no editor for {type(control).__name__}")
