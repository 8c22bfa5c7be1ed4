"""The Qt runner: results of worker threads reach the UI thread, newest request wins, no deadlock."""

import time

import numpy as np
import pytest
from qtpy.QtCore import QThreadPool

from napari_cryomask._napari.worker import QtRunner


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
    runner = QtRunner()
    runner.submit(lambda: _slow(1), results.append, errors.append, voxels=10**9)
    assert runner.busy
    for value in (2, 3, 4):
        runner.submit(lambda value=value: _slow(value), results.append, errors.append, voxels=10**9)
    qtbot.waitUntil(lambda: not runner.busy, timeout=20_000)
    assert results == [1, 4] and errors == []
    runner.close()


def test_small_jobs_run_at_once_and_errors_reach_the_caller(make_napari_viewer, qtbot):
    make_napari_viewer()
    results, errors = [], []
    runner = QtRunner()
    runner.submit(lambda: sum([1, 2]), results.append, errors.append, voxels=2)
    assert results == [3] and not runner.busy
    runner.submit(lambda: 1 / 0, results.append, errors.append, voxels=10**9)
    qtbot.waitUntil(lambda: not runner.busy, timeout=20_000)
    assert results == [3] and isinstance(errors[0], ZeroDivisionError)
    runner.close()


def test_nothing_is_delivered_after_close(make_napari_viewer, qtbot):
    make_napari_viewer()
    results = []
    runner = QtRunner()
    runner.submit(lambda: _slow("late", 0.3), results.append, results.append, voxels=10**9)
    runner.close()
    qtbot.wait(600)
    assert results == [] and not runner.busy
