"""Open napari ready for mask design: a map plus the Shape mask and Tight mask widgets.

``cryomask gui [MAP] [--screenshot out.png]`` calls :func:`launch`.
"""

from __future__ import annotations

import time
from pathlib import Path

PLUGIN = "napari-cryomask"
DOCKED_WIDGETS = ("Shape mask", "Tight mask")
WINDOW_SIZE = (1400, 900)
SETTLE_TIMEOUT_S = 60.0


def fit_to_screen(viewer, size=WINDOW_SIZE) -> tuple[int, int]:
    """Resize the window to ``size``, or to the screen's free area (without task bars) if smaller,
    and move it onto that area. Returns the size set."""
    from qtpy.QtGui import QGuiApplication

    window = viewer.window._qt_window
    screen = window.screen() or QGuiApplication.primaryScreen()
    free = screen.availableGeometry()
    frame = window.frameGeometry().size() - window.geometry().size()  # title bar and borders
    width = min(size[0], free.width() - frame.width())
    height = min(size[1], free.height() - frame.height())
    window.resize(width, height)
    window.move(free.left(), free.top())
    return width, height


def open_map(viewer, map_path=None):
    """Add a map to ``viewer``: the file ``map_path`` or, without one, the synthetic sample.

    Returns the map layer.
    """
    if map_path is None:
        return viewer.open_sample(PLUGIN, "sample")[0]
    return viewer.open(Path(map_path), plugin=PLUGIN)[0]


def settle(widgets=(), timeout_s: float = SETTLE_TIMEOUT_S) -> None:
    """Process Qt events until no widget reports ``busy`` (a mask still computing) and the
    canvas has drawn; gives up after ``timeout_s`` seconds."""
    from qtpy.QtWidgets import QApplication

    deadline = time.monotonic() + timeout_s
    while True:
        QApplication.processEvents()
        if not any(getattr(w, "busy", False) for w in widgets) or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    for _ in range(5):
        QApplication.processEvents()
        time.sleep(0.02)


def save_window(viewer, path, widgets=()) -> None:
    """Wait for ``widgets`` to finish, close napari's pop-up notices, and save the window as PNG."""
    from qtpy.QtWidgets import QDialog

    settle(widgets)
    # napari's toasts (e.g. its PyQt5 deprecation notice) would cover the canvas
    for notice in viewer.window._qt_window.findChildren(QDialog):
        if type(notice).__name__ == "NapariQtNotification":
            notice.close()
    settle()
    viewer.screenshot(str(path), canvas_only=False, flash=False)


def launch(map_path=None, screenshot=None) -> int:
    """Open napari with a map and the Shape mask and Tight mask widgets docked.

    Parameters
    ----------
    map_path : str or os.PathLike, optional
        Map to open (MRC family or EM); the synthetic sample when omitted.
    screenshot : str or os.PathLike, optional
        Save a PNG of the whole window here once the masks are drawn, close napari and return,
        without entering the event loop (for machines without a screen, under Xvfb).

    Returns
    -------
    int
        0 once the window was closed or the screenshot written.

    Raises
    ------
    FileNotFoundError
        ``map_path`` is not a file, or the folder for ``screenshot`` does not exist.
    """
    import napari

    if map_path is not None and not Path(map_path).is_file():
        raise FileNotFoundError(f"map file {map_path} does not exist")
    if screenshot is not None and not Path(screenshot).parent.is_dir():
        raise FileNotFoundError(f"screenshot folder {Path(screenshot).parent} does not exist")
    viewer = napari.Viewer(title="napari-cryomask")
    try:
        fit_to_screen(viewer)
        open_map(viewer, map_path)
        widgets = [viewer.window.add_plugin_dock_widget(PLUGIN, name)[1] for name in DOCKED_WIDGETS]
        settle(widgets)
        viewer.reset_view()  # fit the map to the canvas left beside the docked widgets
    except BaseException:
        viewer.close()
        raise
    if screenshot is None:
        napari.run()
        return 0
    try:
        save_window(viewer, screenshot, widgets)
    finally:
        viewer.close()
    return 0
