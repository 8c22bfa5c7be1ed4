"""Run mask computations off the UI thread: one at a time, the newest request superseding.

Workers run on a thread pool of their own. Qt's global pool must stay free: napari's activity
indicator scales its animation there from the main thread while holding Python's GIL, and
mask jobs waiting for the GIL in that same pool would deadlock the application.
"""

from __future__ import annotations

from collections.abc import Callable

from napari.qt.threading import create_worker
from qtpy.QtCore import QThreadPool

# Work on fewer voxels than this takes well under 100 ms and runs on the UI thread.
SYNC_VOXELS = 96**3

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
        worker = create_worker(
            function, *args, _start_thread=False, _connect=handlers, _progress={"desc": self._description}, **kwargs
        )
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
