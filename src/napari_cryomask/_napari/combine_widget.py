"""The Combine masks dock widget: union, intersection, subtraction or difference of mask layers.

The user ticks the image layers to combine in a list and orders them with Move up / Move down;
the order matters for subtraction (the first mask minus the others). The result goes to one
"combined mask" layer, recomputed whenever the operation, the ticked layers, their order or
their data change.
"""

from __future__ import annotations

import numpy as np
from napari.layers import Image
from napari.utils.notifications import show_error
from qtpy.QtCore import Qt
from qtpy.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core import ops
from .layer_combine import OPERATION_HELP, combine_layers
from .mask_layer import show_mask, voxel_size_of
from .readout import readout_text
from .worker import LatestOnly

OUTPUT_NAME = "combined mask"


class CombineMasksWidget(QWidget):
    """Combine ticked mask layers, in the listed order, into one "combined mask" layer.

    Parameters
    ----------
    napari_viewer : napari.viewer.Viewer
        The viewer whose image layers are offered and where the result is shown.
    """

    def __init__(self, napari_viewer):
        super().__init__()
        self._viewer = napari_viewer
        self._rows: list[list] = []  # [layer, ticked] in the order shown
        self.output_layer = None
        self._adding_output = False
        self._worker = LatestOnly(self._show, self._fail, description="Combining masks")

        self.operation = QComboBox()
        self.operation.addItems(list(ops.OPERATIONS))
        self.operation.setToolTip("\n".join(f"{op}: {text}" for op, text in OPERATION_HELP.items()))
        self.operation_help = QLabel()
        self.masks = QListWidget()
        self.masks.setToolTip("Tick the masks to combine. Subtraction keeps the first and removes the others.")
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.readout = QLabel("Tick two or more masks to combine.")
        self.readout.setWordWrap(True)
        self.readout.setTextInteractionFlags(Qt.TextSelectableByMouse)

        form = QFormLayout()
        form.addRow("Operation", self.operation)
        form.addRow("", self.operation_help)
        buttons = QHBoxLayout()
        buttons.addWidget(self.up_button)
        buttons.addWidget(self.down_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Masks, combined top to bottom:"))
        layout.addWidget(self.masks)
        layout.addLayout(buttons)
        layout.addWidget(self.readout)

        self.operation.currentTextChanged.connect(self._on_operation)
        self.masks.itemChanged.connect(self._on_tick)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(+1))
        napari_viewer.layers.events.inserted.connect(self._on_inserted)
        napari_viewer.layers.events.removed.connect(self._on_removed)
        for layer in napari_viewer.layers:
            self._track(layer)
        self._on_operation(self.operation.currentText())
        self._render()

    @property
    def inputs(self) -> list:
        """The ticked layers, in the order they are combined."""
        return [layer for layer, ticked in self._rows if ticked]

    def set_inputs(self, layers) -> None:
        """Tick exactly ``layers`` and list them first, in this order (for scripts)."""
        chosen = list(layers)
        missing = [layer.name for layer in chosen if all(layer is not row[0] for row in self._rows)]
        if missing:
            raise ValueError(f"not image layers of this viewer: {', '.join(map(repr, missing))}")
        others = [[row[0], False] for row in self._rows if all(row[0] is not layer for layer in chosen)]
        self._rows = [[layer, True] for layer in chosen] + others
        self._render()
        self._update()

    # layer list bookkeeping

    def _track(self, layer) -> None:
        if not isinstance(layer, Image) or self._adding_output or layer is self.output_layer:
            return
        self._rows.append([layer, False])
        layer.events.data.connect(self._on_layer_data)
        layer.events.name.connect(self._render)

    def _on_inserted(self, event) -> None:
        self._track(event.value)
        self._render()

    def _on_removed(self, event) -> None:
        layer = event.value
        if layer is self.output_layer:
            self.output_layer = None
            return
        kept = [row for row in self._rows if row[0] is not layer]
        if len(kept) == len(self._rows):
            return
        was_input = layer in self.inputs
        self._rows = kept
        layer.events.data.disconnect(self._on_layer_data)
        layer.events.name.disconnect(self._render)
        self._render()
        if was_input:
            self._update()

    def _on_layer_data(self, event) -> None:
        if any(event.source is layer for layer in self.inputs):
            self._update()

    # controls

    def _render(self, event=None) -> None:
        current = self.masks.currentRow()
        self.masks.blockSignals(True)
        self.masks.clear()
        for layer, ticked in self._rows:
            item = QListWidgetItem(layer.name)
            item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if ticked else Qt.Unchecked)
            self.masks.addItem(item)
        self.masks.setCurrentRow(min(current, len(self._rows) - 1))
        self.masks.blockSignals(False)

    def _on_tick(self, item) -> None:
        self._rows[self.masks.row(item)][1] = item.checkState() == Qt.Checked
        self._update()

    def _move(self, step: int) -> None:
        row = self.masks.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < len(self._rows):
            return
        self._rows[row], self._rows[target] = self._rows[target], self._rows[row]
        self._render()
        self.masks.setCurrentRow(target)
        if self._rows[row][1] and self._rows[target][1]:
            self._update()

    def _on_operation(self, operation: str) -> None:
        self.operation_help.setText(OPERATION_HELP[operation])
        self._update()

    # computing and showing

    def _update(self) -> None:
        inputs = self.inputs
        if len(inputs) < 2:
            self.readout.setText("Tick two or more masks to combine.")
            return
        operation = self.operation.currentText()
        try:
            compute, recipe = combine_layers(inputs, operation)
        except ValueError as error:
            self._fail(error)
            return
        names = [layer.name for layer in inputs]
        reference = inputs[0]
        self._worker.submit(
            lambda: (compute(), recipe, reference, names), voxels=int(np.prod(reference.data.shape))
        )

    def _show(self, result) -> None:
        mask, recipe, reference, names = result
        self._adding_output = True
        try:
            self.output_layer = show_mask(
                self._viewer, mask, name=OUTPUT_NAME, layer=self.output_layer, reference=reference, recipe=recipe
            )
        finally:
            self._adding_output = False
        lines = [f"{recipe['params']['operation']} of {', '.join(map(repr, names))}"]
        lines.append(readout_text(mask, voxel_size_of(reference)))
        lines += [f"note: {r['note']}" for r in recipe["inputs"] if "note" in r]
        self.readout.setText("\n".join(lines))

    def _fail(self, error) -> None:
        self.readout.setText(f"error: {error}")
        show_error(str(error))
