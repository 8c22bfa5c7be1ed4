"""All widgets open fit a 1920×1080 screen with a task bar; `cryomask gui` opens within the screen."""

import numpy as np
from qtpy.QtGui import QGuiApplication
from qtpy.QtWidgets import QApplication

from napari_cryomask._napari.launch import fit_to_screen

PLUGIN = "napari-cryomask"
# a 1920×1080 screen less a 48 px task bar and a 32 px title bar
FREE = (1920, 1080 - 48 - 32)


def test_every_widget_docked_fits_1920_by_1080_with_a_task_bar(make_napari_viewer, qtbot):
    from npe2 import PluginManager

    viewer = make_napari_viewer(show=True)
    viewer.add_image(np.random.default_rng(0).normal(size=(64, 64, 64)).astype(np.float32), scale=(4.0, 4.0, 4.0), name="map")
    names = [w.display_name for w in PluginManager.instance().get_manifest(PLUGIN).contributions.widgets]
    assert {"Shape mask", "Tight mask", "Combine masks", "Soften mask"} <= set(names)
    widgets = [viewer.window.add_plugin_dock_widget(PLUGIN, name)[1] for name in names]
    window = viewer.window._qt_window
    window.resize(*FREE)
    qtbot.wait(200)
    hint = window.minimumSizeHint()
    assert hint.width() <= FREE[0] and hint.height() <= FREE[1], hint
    assert window.width() <= FREE[0] and window.height() <= FREE[1]
    canvas = viewer.window._qt_viewer.canvas.native
    assert canvas.width() >= 800 and canvas.height() >= 500, (canvas.width(), canvas.height())
    for widget in widgets:
        assert widget.height() >= 60, f"{type(widget).__name__} is squeezed to {widget.height()} px"

    # a long message wraps: the canvas keeps its width
    width = canvas.width()
    widgets[0].model.say("this is a very long message that must wrap inside the dock " * 10)
    qtbot.wait(100)
    assert canvas.width() == width


def test_the_launcher_opens_within_the_screen(make_napari_viewer):
    viewer = make_napari_viewer(show=True)
    free = QGuiApplication.primaryScreen().availableGeometry()
    width, height = fit_to_screen(viewer, size=(5000, 4000))
    QApplication.processEvents()
    frame = viewer.window._qt_window.frameGeometry()
    assert width <= free.width() and height <= free.height()
    assert free.contains(frame.topLeft()) and frame.width() <= free.width() and frame.height() <= free.height()


def test_every_control_of_every_widget_has_a_tooltip(make_napari_viewer):
    from npe2 import PluginManager

    viewer = make_napari_viewer()
    viewer.add_image(np.random.default_rng(0).normal(size=(32, 32, 32)).astype(np.float32), name="map")
    for contribution in PluginManager.instance().get_manifest(PLUGIN).contributions.widgets:
        _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, contribution.display_name)
        if not hasattr(widget, "editors"):  # not built on DesignWidget: its own tests check its tooltips
            continue
        for name, editor in widget.editors.items():
            assert editor.label.toolTip(), f"{contribution.display_name}: {name}"
            assert all(w.toolTip() for w in editor.widgets()), f"{contribution.display_name}: {name}"
        assert all(button.toolTip() for button in widget.buttons.values()), contribution.display_name
        assert widget.busy_indicator.toolTip() and widget.readout.toolTip()
