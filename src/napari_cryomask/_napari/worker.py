"""Qt's side of the runners: results of worker threads delivered through the Qt event loop.

:class:`QtRunner` is a :class:`~napari_cryomask._napari.runner.ThreadRunner` whose ``post`` queues
the call on the UI thread through a signal of one long-lived relay object. Its worker threads are
its own, never Qt's global pool: napari's activity indicator animates from the main thread while
holding Python's GIL, and jobs waiting for the GIL in that pool deadlocked the application. No
napari ``progress`` is used either: it would print a tqdm line to the terminal for every job; each
widget shows its own busy indicator instead.
"""

from __future__ import annotations

from collections.abc import Callable

from napari.qt.threading import create_worker
from qtpy.QtCore import QCoreApplication, QObject, Qt, QThreadPool, Signal

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


# -- the runner of the Soften and Combine widgets until they use the design model ---------------

_POOL = None


def _pool() -> QThreadPool:
    global _POOL
    if _POOL is None:
        _POOL = QThreadPool()
    return _POOL


class LatestOnly:
    """Computes one request at a time in a worker thread and shows only the newest result.

    A request made while another computes waits; a later request replaces a waiting one, so
    dragging a slider costs at most one computation behind the newest value.

    Parameters
    ----------
    on_result : callable
        Called on the UI thread with the result of the newest request.
    on_error : callable, optional
        Called on the UI thread with the exception of the newest request; raised when None.
    description : str
        Shown with the progress indicator in napari's activity dock.
    """

    def __init__(self, on_result: Callable, on_error: Callable | None = None, description: str = "Computing mask"):
        self._on_result = on_result
        self._on_error = on_error
        self._description = description
        self._running = None
        self._waiting = None

    @property
    def busy(self) -> bool:
        """True while a request computes in a worker or waits for one."""
        return self._running is not None or self._waiting is not None

    def submit(self, function: Callable, *args, voxels: int | None = None, **kwargs):
        """Compute ``function(*args, **kwargs)``; small jobs (``voxels`` ≤ SYNC_VOXELS) at once.

        Small jobs run on the UI thread unless a worker is still busy, in which case they wait
        their turn like any other request. Returns the worker started for this request, if any.
        """
        job = (function, args, kwargs)
        if self._running is not None:
            self._waiting = job
            return None
        if voxels is not None and voxels <= SYNC_VOXELS:
            self._run_here(job)
            return None
        return self._start(job)

    def _run_here(self, job):
        function, args, kwargs = job
        try:
            result = function(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - reported to the widget, as a worker would
            self._report(error)
            return
        self._on_result(result)

    def _start(self, job):
        function, args, kwargs = job
        # Handlers given through _connect, so that napari does not also re-raise worker errors.
        handlers = {"returned": self._returned, "errored": self._errored}
        worker = create_worker(function, *args, _start_thread=False, _connect=handlers, **kwargs)
        self._running = worker
        _pool().start(worker)
        return worker

    def _next(self) -> bool:
        """Start the waiting request, if any; True when one was started."""
        self._running = None
        if self._waiting is None:
            return False
        job, self._waiting = self._waiting, None
        self._start(job)
        return True

    def _returned(self, result):
        if not self._next():
            self._on_result(result)

    def _errored(self, error):
        if not self._next():
            self._report(error)

    def _report(self, error):
        if self._on_error is None:
            raise error
        self._on_error(error)
