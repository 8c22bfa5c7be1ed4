"""Qt editors for the controls of :mod:`.controls`: each shows one value and tells the model when it is set.

Typed values are applied when editing finishes (Enter, leaving the box, an arrow step), never on
each keystroke: spin boxes have keyboard tracking off, so typing ``30`` applies 30, never 3.
Sliders report :meth:`DesignModel.move` while dragged and :meth:`DesignModel.rest` on release.
An editor marked invalid gets a vermillion frame and the message as its tooltip.
"""

from __future__ import annotations

from qtpy.QtCore import QEvent, QRect, Qt, QTimer
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
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QStyle,
    QStyleOptionFrame,
    QStyleOptionSpinBox,
    QToolButton,
    QWidget,
)

from . import controls as c

INVALID_STYLE = "border: 2px solid #D55E00; border-radius: 2px;"
SLIDER_STEPS = 1000
STEP_REST_MS = 250  # steps closer together than this are one move
TYPICAL = 9999  # the largest value a spin box is sized for (lengths of a few thousand Å)


def _compact(widget: QWidget, minimum: int | None = None) -> None:
    """Let a field shrink to ``minimum`` pixels, a spin box to the width :meth:`_Fitted.fit` measures:
    its text length never widens the dock.

    napari's theme gives spin boxes a minimum width of 70 px and wide padding; the widget's own
    style sheet replaces that for this field.
    """
    widget.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
    if isinstance(widget, QAbstractSpinBox):
        widget.setProperty("base_style", "min-width: 0px; padding: 1px 3px;")
        widget.setStyleSheet(widget.property("base_style"))
        widget.fit()
    else:
        widget.setMinimumWidth(minimum)


class _Stepping:
    """A spin box that remembers whether its last change was a step (an arrow, the wheel, Page Up)."""

    stepping = False

    def stepBy(self, steps):
        self.stepping = True
        try:
            super().stepBy(steps)
        finally:
            self.stepping = False


class _Fitted:
    """A spin box as wide as the text of its range's ends clipped to ±:data:`TYPICAL` needs (``9999.00``):
    a range up to 1e9 never widens the dock, and longer values scroll in the box."""

    def fit(self) -> None:
        ends = (min(max(end, -TYPICAL), TYPICAL) for end in (self.minimum(), self.maximum()))
        line = self.lineEdit()
        text = max(line.fontMetrics().horizontalAdvance(self.prefix() + self.textFromValue(end) + self.suffix()) for end in ends)
        # what the styles leave around the text (buttons, padding, frames), measured in a wide box
        spin = QStyleOptionSpinBox()
        self.initStyleOption(spin)
        spin.rect = QRect(0, 0, 1000, spin.rect.height())
        edit = self.style().subControlRect(QStyle.CC_SpinBox, spin, QStyle.SC_SpinBoxEditField, self)
        frame = QStyleOptionFrame()
        frame.initFrom(line)
        frame.rect = QRect(0, 0, 1000, line.height())
        contents = line.style().subElementRect(QStyle.SE_LineEditContents, frame, line)
        margins = line.textMargins()
        inner = 1000 - contents.width() + margins.left() + margins.right() + 2 * 2 + 1  # QLineEdit's 2 px a side, the cursor
        self.setMinimumWidth(1000 - edit.width() + inner + text)

    def setRange(self, low, high) -> None:
        if (low, high) != (self.minimum(), self.maximum()):
            super().setRange(low, high)
            self.fit()

    def setButtonSymbols(self, symbols) -> None:
        if symbols != self.buttonSymbols():
            super().setButtonSymbols(symbols)
            self.fit()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.StyleChange, QEvent.FontChange):
            self.fit()


class StepSpinBox(_Stepping, _Fitted, QSpinBox):
    pass


class StepDoubleSpinBox(_Stepping, _Fitted, QDoubleSpinBox):
    def setDecimals(self, decimals) -> None:
        if decimals != self.decimals():
            super().setDecimals(decimals)
            self.fit()


def _spin(control, whole: bool = False) -> QAbstractSpinBox:
    spin = StepSpinBox() if whole else StepDoubleSpinBox()
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
        """Apply the value shown: at once, or, for steps in quick succession, as a move that rests
        :data:`STEP_REST_MS` after the last step (a held arrow key computes one volume, not each step)."""
        if self._quiet:
            return
        if any(getattr(w, "stepping", False) for w in self.widgets()):
            self.model.move(self.name, self.read())
            self._rest_timer().start()
        else:
            self.model.set(self.name, self.read())

    def _rest_timer(self) -> QTimer:
        timer = getattr(self, "_timer", None)
        if timer is None:
            timer = self._timer = QTimer(self.field)
            timer.setSingleShot(True)
            timer.setInterval(STEP_REST_MS)
            timer.timeout.connect(self.model.rest)
        return timer

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
        self.spin.setButtonSymbols(QAbstractSpinBox.NoButtons)  # the slider is beside it; arrow keys still step
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
        """The slider's range: the control's, widened to hold the value the model has (never clamped
        on screen, so that the box shows what is applied, even a value the model refuses)."""
        low, high = self.control.limits(self.model)
        value = self.model[self.name]
        if not isinstance(value, (int, float)):
            value = low if low is not None else 0.0
        low = -1.0 if low is None else min(low, value)
        high = low + 1.0 if high is None or high <= low else max(high, value)
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


class LayerListEditor(Editor):
    """Layers with a tick box each, in an order that Move up / Move down change; the value is the ticked ones."""

    def __init__(self, control, model):
        super().__init__(control, model)
        self.layout.setDirection(QBoxLayout.TopToBottom)
        self.list = QListWidget()
        self.list.setToolTip(control.tooltip)
        self.list.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.list.setMinimumWidth(80)
        self.list.setMaximumHeight(160)
        self.up = QPushButton("Move up")
        self.down = QPushButton("Move down")
        self.up.setToolTip("Move the selected mask one place up (earlier)")
        self.down.setToolTip("Move the selected mask one place down (later)")
        buttons = QHBoxLayout()
        buttons.addWidget(self.up)
        buttons.addWidget(self.down)
        self.layout.addWidget(self.list)
        self.layout.addLayout(buttons)
        self._rows = []  # [layer, ticked] in the order shown
        self.update_choices()
        self.list.itemChanged.connect(self._ticked)
        self.up.clicked.connect(lambda: self._move(-1))
        self.down.clicked.connect(lambda: self._move(+1))

    def widgets(self):
        return [self.list]

    def update_choices(self) -> None:
        offered = self.model.choices(self.name)
        known = [row for row in self._rows if any(row[0] is layer for layer in offered)]
        new = [[layer, False] for layer in offered if all(row[0] is not layer for row in known)]
        ticked = self.model[self.name]
        self._rows = new + known
        for row in self._rows:
            row[1] = any(row[0] is layer for layer in ticked)
        self._render()

    def _render(self) -> None:
        current = self.list.currentRow()
        self.list.blockSignals(True)
        self.list.clear()
        for layer, ticked in self._rows:
            item = QListWidgetItem(layer.name)
            item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if ticked else Qt.Unchecked)
            self.list.addItem(item)
        self.list.setCurrentRow(min(current, len(self._rows) - 1))
        self.list.blockSignals(False)

    def _show(self, value) -> None:
        chosen = list(value)
        for row in self._rows:
            row[1] = any(row[0] is layer for layer in chosen)
        if tuple(self.read()) != tuple(chosen):  # another order: the chosen ones first, in it
            others = [row for row in self._rows if not row[1]]
            self._rows = [[layer, True] for layer in chosen] + others
        self._render()

    def read(self):
        return tuple(layer for layer, ticked in self._rows if ticked)

    def _ticked(self, item) -> None:
        self._rows[self.list.row(item)][1] = item.checkState() == Qt.Checked
        self.commit()

    def _move(self, step: int) -> None:
        row = self.list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < len(self._rows):
            return
        self._rows[row], self._rows[target] = self._rows[target], self._rows[row]
        self._render()
        self.list.setCurrentRow(target)
        self.commit()


def editor_for(control, model) -> Editor:
    """The editor of one control."""
    if isinstance(control, c.LayerInput):
        return LayerEditor(control, model)
    if isinstance(control, c.LayerList):
        return LayerListEditor(control, model)
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
