"""Qt's side of the runners: results of worker threads delivered through the Qt event loop.

:class:`QtRunner` is a :class:`~napari_cryomask._napari.runner.ThreadRunner` whose ``post`` queues
the call on the UI thread through a signal of one long-lived relay object. Its worker threads are
its own, never Qt's global pool: napari's activity indicator animates from the main thread while
holding Python's GIL, and jobs waiting for the GIL in that pool deadlocked the application. No
napari ``progress`` is used either: it would print a tqdm line to the terminal for every job; each
widget shows its own busy indicator instead.
"""

from __future__ import annotations

from qtpy.QtCore import QCoreApplication, QObject, Qt, Signal

from .runner import SYNC_VOXELS, ThreadRunner


class _Relay(QObject):
    """Lives on the UI thread; ``call.emit(fn)`` from any thread runs ``fn()`` there."""

    call = Signal(object)

    def __init__(self):
        super().__init__()
        self.call.connect(self._run, Qt.QueuedConnection)

    def _run(self, function):
        function()  # runner callbacks never raise (see runner._call)


_RELAY = None


def _relay() -> _Relay:
    global _RELAY
    if _RELAY is None:
        app = QCoreApplication.instance()
        if app is None:
            raise RuntimeError("a QtRunner needs a Qt application")
        _RELAY = _Relay()
        _RELAY.moveToThread(app.thread())
    return _RELAY


def _post(function) -> None:
    _relay().call.emit(function)


class QtRunner(ThreadRunner):
    """A :class:`~napari_cryomask._napari.runner.ThreadRunner` delivering on the Qt UI thread.

    Create it on the UI thread (a widget's ``__init__``).
    """

    def __init__(self, sync_voxels: int = SYNC_VOXELS):
        _relay()
        super().__init__(_post, sync_voxels=sync_voxels)

