"""Run one command and print its wall time, CPU time and peak resident memory as one JSON line.

Usage: ``python tests/benchmarks/child.py -- COMMAND [ARGS...]``.

A process that a large process starts inherits that process's peak resident memory on Linux
(``exec`` records the old address space's high-water mark), so the benchmark runner starts
commands through this small launcher: what ``wait4`` reports for the command is then its own peak
(at least this launcher's few MB). Exits with the command's status; on failure the command's
error output is passed on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time


def main(argv) -> int:
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print("usage: child.py -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        code = process.returncode = os.waitstatus_to_exitcode(status)
        if code != 0:
            errors.seek(0)
            sys.stderr.write(errors.read().decode(errors="replace")[-2000:])
            return code or 1
    print(json.dumps({
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "max_rss_bytes": usage.ru_maxrss * 1024,  # Linux reports KiB
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
