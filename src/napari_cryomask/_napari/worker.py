"""Run mask computations off the UI thread; a newer request supersedes an unfinished one."""

from __future__ import annotations

from typing import Callable

from napari.qt.threading import create_worker

# Work on fewer voxels than this takes well under 100 ms and runs on the UI thread.
SYNC_VOXELS = 96**3


class LatestOnly:
    """Computes in napari's worker threads and delivers only the newest request's result.

    Parameters
    ----------
    on_result : callable
        Called on the UI thread with the result of the newest request.
    on_error : callable, optional
        Called with the exception of the newest request.
    description : str
        Shown with the progress indicator in napari's activity dock.
    """

    def __init__(self, on_result: Callable, on_error: Callable | None = None, description: str = "Computing mask"):
        self._on_result = on_result
        self._on_error = on_error
        self._description = description
        self._generation = 0
        self.busy = False

    def submit(self, function: Callable, *args, voxels: int | None = None, **kwargs):
        """Compute ``function(*args, **kwargs)``; small jobs (``voxels`` below SYNC_VOXELS) at once."""
        self._generation += 1
        generation = self._generation
        if voxels is not None and voxels <= SYNC_VOXELS:
            self._finish(generation, function, args, kwargs)
            return None
        self.busy = True
        worker = create_worker(function, *args, _progress={"desc": self._description}, **kwargs)
        worker.returned.connect(lambda result: self._deliver(generation, result))
        worker.errored.connect(lambda error: self._fail(generation, error))
        worker.start()
        return worker

    def _finish(self, generation, function, args, kwargs):
        try:
            result = function(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - reported to the widget, as a worker would
            self._fail(generation, error)
            return
        self._deliver(generation, result)

    def _deliver(self, generation, result):
        if generation == self._generation:
            self.busy = False
            self._on_result(result)

    def _fail(self, generation, error):
        if generation != self._generation:
            return
        self.busy = False
        if self._on_error is None:
            raise error
        self._on_error(error)
