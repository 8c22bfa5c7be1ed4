"""The Qt form of a :class:`~napari_cryomask._napari.design_model.DesignModel`: editors wired to the model.

:class:`DesignWidget` builds one editor per control of its model (:mod:`.editors`), one button per
action, a *New mask* button, a busy indicator and three wrapping lines: errors (in vermillion),
notices and the readout of the mask. Everything lives in a scroll area, so that the dock can be
shorter than the form (all widgets open fit a 1920×1080 screen) and long messages wrap instead of
widening the dock. The widget owns nothing but Qt objects: every decision is the model's.
"""

from __future__ import annotations

import weakref

from qtpy.QtCore import QEvent, QObject, Qt, QTimer
from qtpy.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .editors import editor_for
from .worker import QtRunner

ERROR_COLOUR = "#D55E00"


def wrapping_label(text: str = "", *, selectable: bool = False) -> QLabel:
    """A label that wraps and never asks for more width than the dock has."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
    label.setMinimumWidth(1)
    if selectable:
        label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return label


class _CloseWatcher(QObject):
    """Closes the model when the viewer's window closes (before Qt deletes the widgets)."""

    def __init__(self, window, model):
        super().__init__(window)
        # weak: the window must not outlive napari's own clean-up because of us
        self._window, self._model = weakref.ref(window), weakref.ref(model)

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Close:
            QTimer.singleShot(0, self._check)
        return False

    def _check(self):
        window, model = self._window(), self._model()
        try:
            visible = window is not None and window.isVisible()
        except RuntimeError:
            visible = False
        if not visible and model is not None:
            model.close()


class DesignWidget(QWidget):
    """A dock widget made from a model: subclasses set ``model_class`` (and maybe add widgets).

    Parameters
    ----------
    napari_viewer : napari.viewer.Viewer
    model : DesignModel, optional
        Made from ``model_class`` with a :class:`~napari_cryomask._napari.worker.QtRunner` when omitted.

    Attributes
    ----------
    model : DesignModel
    editors : dict
        Editor of each control by name (``editors["radius"].spin`` is its spin box).
    buttons : dict
        Button of each action by name, and ``"new_mask"``.
    """

    model_class = None

    def __init__(self, napari_viewer, model=None):
        super().__init__()
        self.viewer = getattr(napari_viewer, "__wrapped__", napari_viewer)
        self.model = model if model is not None else self.model_class(napari_viewer, runner=QtRunner())
        self.editors = {control.name: editor_for(control, self.model) for control in self.model.controls}
        self.buttons = {}
        self._watcher = None
        self._docked = False

        self.form = QWidget()
        self.grid = QGridLayout(self.form)
        self.grid.setContentsMargins(4, 4, 4, 4)
        self.grid.setVerticalSpacing(3)
        self.grid.setColumnStretch(1, 1)
        self._row = 0
        for control in self.model.controls:
            self.add_row(self.editors[control.name])
            self.after(control.name)
        self.after(None)

        self.buttons["new_mask"] = QPushButton("New mask")
        self.buttons["new_mask"].setToolTip(
            "Keep the current mask layer as it is: the design continues in a new layer, in the next colour"
        )
        self.buttons["new_mask"].clicked.connect(self.model.new_mask)
        self.busy_indicator = QProgressBar()
        self.busy_indicator.setRange(0, 0)
        self.busy_indicator.setTextVisible(False)
        self.busy_indicator.setMaximumHeight(6)
        self.busy_indicator.setToolTip("Computing the mask")
        self.busy_indicator.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.status = wrapping_label()
        self.status.setToolTip("Whether the mask layer holds the values shown")
        self.error = wrapping_label(selectable=True)
        self.error.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.error.setToolTip("What is wrong with the values; the mask updates once they are valid")
        self.notice = wrapping_label(selectable=True)
        self.notice.setToolTip("Notes about the last action")
        self.readout = wrapping_label(selectable=True)
        self.readout.setToolTip("What the mask in the layer holds")

        bottom = QHBoxLayout()
        bottom.addWidget(self.buttons["new_mask"])
        bottom.addStretch(1)
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.form)
        column.addLayout(bottom)
        for part in (self.busy_indicator, self.status, self.error, self.notice, self.readout):
            column.addWidget(part)
        column.addStretch(1)
        self.content = content
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)

        events = self.model.events
        events.values.connect(self._on_values)
        events.errors.connect(self._on_errors)
        events.state.connect(self._on_state)
        events.choices.connect(self._on_choices)
        events.visible.connect(self._on_visible)
        events.limits.connect(self._on_limits)
        model_ref = self.model
        self.destroyed.connect(lambda *_: model_ref.close())
        self._on_visible(frozenset(self.model.visible()))
        self._on_errors(self.model.errors)
        self._on_state()

    # -- layout ------------------------------------------------------------------------------

    def sizeHint(self):
        """The form's own size, so that docks share the window's height in proportion to their content."""
        hint = self.content.sizeHint()
        return hint.expandedTo(self.minimumSizeHint())

    def minimumSizeHint(self):
        hint = self.content.minimumSizeHint()
        hint.setHeight(min(hint.height(), 120))
        return hint

    def add_row(self, editor) -> None:
        """Put an editor's label and field on the next row of the form."""
        self.grid.addWidget(editor.label, self._row, 0)
        self.grid.addWidget(editor.field, self._row, 1)
        self._row += 1

    def add_widget(self, widget: QWidget) -> None:
        """Put a widget across the next row of the form."""
        self.grid.addWidget(widget, self._row, 0, 1, 2)
        self._row += 1

    def after(self, name: str | None) -> None:
        """Add what follows the control ``name`` (None: the end of the form): its action buttons."""
        actions = [action for action in self.model.actions if action.after == name]
        if not actions:
            return
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        for action in actions:
            button = QPushButton(action.label)
            button.setToolTip(action.tooltip)
            button.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
            button.setMinimumWidth(60)
            button.clicked.connect(lambda _=False, name=action.name: self.model.act(name))
            self.buttons[action.name] = button
            layout.addWidget(button)
        self.add_widget(row)

    # -- the model's events -----------------------------------------------------------------------

    def _on_values(self, values: dict) -> None:
        for name, value in values.items():
            self.editors[name].show(value)

    def _on_errors(self, errors: dict) -> None:
        for name, editor in self.editors.items():
            editor.mark(errors.get(name))
        messages = list(dict.fromkeys(errors.values()))
        self.error.setText("\n".join(messages))
        self.error.setVisible(bool(messages))

    def _on_state(self) -> None:
        model = self.model
        self.busy_indicator.setVisible(model.busy)
        self.status.setText(model.status())
        self.status.setVisible(bool(self.status.text()))
        self.notice.setText(model.notice)
        self.notice.setVisible(bool(model.notice))
        self.readout.setText(model.readout if model.layer is not None else "")
        for editor in self.editors.values():
            editor.refresh()

    def _on_choices(self) -> None:
        for editor in self.editors.values():
            if hasattr(editor, "update_choices"):
                editor.update_choices()

    def _on_visible(self, names) -> None:
        for name, editor in self.editors.items():
            editor.set_visible(name in names)

    def _on_limits(self) -> None:
        for editor in self.editors.values():
            editor.refresh()

    # -- life ------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """True until the mask layer holds the mask of the values shown."""
        return self.model.busy

    @property
    def output(self):
        """The mask layer the design goes to."""
        return self.model.layer

    def event(self, event) -> bool:
        if event.type() == QEvent.ParentChange:
            if self.parent() is not None:
                self._docked = True
            elif self._docked:
                # taken out of its dock (napari's close button): this widget is done
                self.model.close()
        if event.type() in (QEvent.ParentChange, QEvent.Show):
            self._watch_window()
        return super().event(event)

    def _watch_window(self) -> None:
        window = self.window()
        if isinstance(window, QMainWindow) and self._watcher is None:
            self._watcher = _CloseWatcher(window, self.model)
            window.installEventFilter(self._watcher)
