"""Where a model's computations run, without Qt: at once, or one at a time on a worker thread.

A runner takes a job (a function of no arguments) and two callbacks, and calls exactly one of
them later on the thread that owns the model (the UI thread): ``done(result)`` or
``failed(error)``. Runners never raise out of a callback: an error in ``done`` is passed to
``failed``, an error in ``failed`` is logged.

- :class:`SyncRunner` runs every job at once, in the caller's thread (tests, scripts).
- :class:`ThreadRunner` runs large jobs on one worker thread of its own, one at a time: a job
  submitted while another runs waits, and a later one replaces a waiting one, which is then never
  run (its callbacks are never called). Results reach the owner's thread through ``post``, a
  function that schedules a call there (Qt's event loop in the widgets, see
  :mod:`napari_cryomask._napari.worker`; a queue in tests). :meth:`ThreadRunner.close` drops the
  waiting job, cancels what has not started and shuts the thread down; nothing is delivered after.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

# Work on fewer voxels than this takes well under 100 ms and runs on the caller's thread.
SYNC_VOXELS = 96**3

log = logging.getLogger(__name__)


def _call(done: Callable, failed: Callable, function: Callable):
    """``done(function())``; any error, in the job or in ``done``, goes to ``failed``."""
    try:
        result = function()
    except Exception as error:  # noqa: BLE001 - a job's error is reported, never raised
        _fail(failed, error)
        return
    try:
        done(result)
    except Exception as error:  # noqa: BLE001
        _fail(failed, error)


def _fail(failed: Callable, error: BaseException):
    try:
        failed(error)
    except Exception:  # noqa: BLE001 - never out of a callback
        log.exception("error while reporting an error of a mask computation")


class SyncRunner:
    """Runs each job at once, in the caller's thread.

    Examples
    --------
    >>> got = []
    >>> SyncRunner().submit(lambda: 2 + 2, got.append, got.append)
    >>> got
    [4]
    """

    busy = False
    closed = False

    def runs_here(self, voxels: int | None) -> bool:
        return True

    def submit(self, function: Callable, done: Callable, failed: Callable, *, voxels: int | None = None) -> None:
        if not self.closed:
            _call(done, failed, function)

    def close(self) -> None:
        self.closed = True


class ThreadRunner:
    """One worker thread; the newest waiting job replaces older waiting ones.

    Parameters
    ----------
    post : callable
        ``post(fn)`` makes the owner's thread call ``fn()`` soon; called from the worker thread.
    sync_voxels : int
        Jobs on at most this many voxels (``submit(..., voxels=n)``) run at once on the caller's
        thread when no job is running.

    Examples
    --------
    >>> import queue
    >>> calls = queue.Queue()
    >>> runner, got = ThreadRunner(calls.put), []
    >>> runner.submit(lambda: 6 * 7, got.append, got.append, voxels=10**9)
    >>> calls.get(timeout=10)()  # what the owner's event loop does
    >>> got, runner.busy
    ([42], False)
    >>> runner.close()
    """

    def __init__(self, post: Callable[[Callable], None], sync_voxels: int = SYNC_VOXELS):
        self._post = post
        self._sync_voxels = sync_voxels
        self._executor = None
        self._running = None  # the job on the worker thread
        self._waiting = None  # the job to start when it is done
        self._lock = threading.Lock()
        self.closed = False

    @property
    def busy(self) -> bool:
        """True while a job runs on the worker thread or waits for it."""
        return self._running is not None or self._waiting is not None

    def runs_here(self, voxels: int | None) -> bool:
        """Whether a job on ``voxels`` voxels would run at once on the caller's thread."""
        return voxels is not None and voxels <= self._sync_voxels and self._running is None

    def submit(self, function: Callable, done: Callable, failed: Callable, *, voxels: int | None = None) -> None:
        """Run ``function`` and later call ``done(result)`` or ``failed(error)`` on the owner's thread."""
        if self.closed:
            return
        job = (function, done, failed)
        if self._running is not None:
            self._waiting = job
            return
        if self.runs_here(voxels):
            _call(done, failed, function)
            return
        self._start(job)

    def _start(self, job) -> None:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cryomask-worker")
        self._running = job
        function = job[0]
        future = self._executor.submit(function)
        future.add_done_callback(lambda f: self._deliver(job, f))

    def _deliver(self, job, future) -> None:
        """On the worker thread: hand the outcome to the owner's thread."""
        with self._lock:
            if self.closed:
                return
            try:
                self._post(lambda: self._finished(job, future))
            except Exception:  # noqa: BLE001 - the owner is gone (its event loop deleted)
                log.debug("a mask computation finished after its owner was deleted", exc_info=True)

    def _finished(self, job, future) -> None:
        """On the owner's thread: start the waiting job, then report this one."""
        if self.closed or future.cancelled():
            return
        self._running = None
        _, done, failed = job
        if self._waiting is not None:
            waiting, self._waiting = self._waiting, None
            try:
                self._start(waiting)
            except Exception as error:  # noqa: BLE001 - e.g. the interpreter shutting down
                self._running = None
                _fail(waiting[2], error)
        error = future.exception()
        if error is not None:
            _fail(failed, error)
        else:
            _call(done, failed, future.result)

    def close(self) -> None:
        """Drop the waiting job, cancel what has not started, shut the thread down; deliver nothing more.

        A job already computing finishes on its thread (NumPy cannot be interrupted) and its result
        is dropped; the thread then exits.
        """
        with self._lock:
            self.closed = True
        self._waiting = None
        self._running = None
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
