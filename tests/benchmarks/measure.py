"""Measurements: wall time, traced peak memory, the time to write an output once, child processes.

Timings are wall-clock seconds from ``time.perf_counter``. Peak memory in the process comes from
``tracemalloc``, which sees every NumPy array (NumPy reports its data buffers to it) but not
scratch memory that C extensions take with plain ``malloc`` (SciPy's line buffers, edt's work
arrays). Child processes are measured by :mod:`child`, which reports their own peak resident
memory.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

CHILD = Path(__file__).resolve().parent / "child.py"


@dataclass
class Samples:
    """Timed runs of one side of a case, and the peak memory of its traced run."""

    seconds: list = field(default_factory=list)
    peak_bytes: int | None = None
    output_bytes: int | None = None
    traced_seconds: float | None = None

    @property
    def median(self) -> float:
        """Median of the timed runs."""
        return statistics.median(self.seconds)

    def as_dict(self) -> dict:
        return {
            "median_s": self.median,
            "seconds": self.seconds,
            "traced_seconds": self.traced_seconds,
            "peak_bytes": self.peak_bytes,
            "output_bytes": self.output_bytes,
        }


def timed(run, argument) -> float:
    """Seconds one call of ``run(argument)`` takes; its result is dropped before returning."""
    gc.collect()
    start = time.perf_counter()
    result = run(argument)
    seconds = time.perf_counter() - start
    del result
    return seconds


def traced(run, argument) -> tuple[float, int, int]:
    """One call under ``tracemalloc``: (seconds, peak traced bytes, bytes of the returned array).

    Memory allocated before the call (its input) is not counted; the returned array is.
    """
    gc.collect()
    tracemalloc.start()
    try:
        start = time.perf_counter()
        result = run(argument)
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    output = int(result.nbytes) if isinstance(result, np.ndarray) else 0
    del result
    return seconds, peak, output


def write_floor(shape, repeats: int = 5) -> float:
    """Median seconds to allocate a float32 array of ``shape`` and write it once: the floor."""
    seconds = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        out = np.empty(shape, np.float32)
        out.fill(1.0)
        seconds.append(time.perf_counter() - start)
        del out
    return statistics.median(seconds)


def child_environment() -> dict:
    """This process's environment, but letting Python cache compiled modules, as installed packages have.

    With ``PYTHONDONTWRITEBYTECODE`` set, an editable install compiles every module of the
    project at every start while the reference, installed from a wheel, loads its bytecode.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_child(command, cwd, timeout_s: float = 900.0) -> dict:
    """Run ``command`` through :mod:`child`; returns its wall time, CPU time and peak RSS.

    Raises RuntimeError with the end of the command's error output when it fails.
    """
    done = subprocess.run(
        [sys.executable, str(CHILD), "--", *map(str, command)],
        cwd=cwd, capture_output=True, text=True, timeout=timeout_s, env=child_environment(),
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed: {done.stdout[-600:]}{done.stderr[-600:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
