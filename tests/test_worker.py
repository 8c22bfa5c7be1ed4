"""The background runner: newest request wins, one computation at a time, no deadlock."""

import time

import numpy as np
import pytest
from qtpy.QtCore import QThreadPool

from napari_cryomask._napari.worker import LatestOnly


def _slow(value, seconds=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:  # holds the GIL most of the time, like NumPy-light Python work
        np.sqrt(np.arange(1000.0))
    return value


@pytest.fixture
def one_global_thread():
    pool = QThreadPool.globalInstance()
    before = pool.maxThreadCount()
    pool.setMaxThreadCount(1)
    yield
    pool.setMaxThreadCount(before)


def test_requests_during_a_computation_collapse_to_the_newest(make_napari_viewer, qtbot, one_global_thread):
    make_napari_viewer()  # the activity dock's progress animation runs while workers compute
    results, errors = [], []
    runner = LatestOnly(results.append, errors.append)
    first = runner.submit(_slow, 1)
    assert first is not None and runner.busy
    for value in (2, 3, 4):
        assert runner.submit(_slow, value) is None  # waits behind the running one
    qtbot.waitUntil(lambda: not runner.busy, timeout=20_000)
    assert results == [4] and errors == []


def test_small_jobs_run_at_once_and_errors_reach_the_widget(make_napari_viewer, qtbot):
    make_napari_viewer()
    results, errors = [], []
    runner = LatestOnly(results.append, errors.append)
    runner.submit(sum, [1, 2], voxels=2)
    assert results == [3] and not runner.busy
    runner.submit(_slow, "never", seconds=-1, voxels=10**9)
    runner.submit(lambda: 1 / 0, voxels=10**9)
    qtbot.waitUntil(lambda: not runner.busy, timeout=20_000)
    assert results == [3] and isinstance(errors[0], ZeroDivisionError)
