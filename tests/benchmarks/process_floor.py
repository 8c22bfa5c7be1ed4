"""The least a command that makes an MRC-sized float32 box with NumPy and keeps the old file safe does.

Usage: ``python tests/benchmarks/process_floor.py N OUTPUT [INPUT]``.

It starts Python, imports NumPy, reads ``INPUT`` whole into an array when it is given (the map a
tight mask is made from), fills an ``N³`` float32 array with ones, writes 1024 bytes of header and
the array into a temporary file beside ``OUTPUT``, flushes it to the disk (fsync), renames it over
``OUTPUT`` and flushes the folder. That is what ``cryomask`` must do at the least to read a map
and write a mask durably, with nothing computed; the benchmark times it beside both tools, so that
"ttmask / floor" is the largest speed-up any such command could show on this machine.
"""

from __future__ import annotations

import os
import sys


def main(argv) -> int:
    import numpy as np

    n, output = int(argv[0]), os.path.abspath(argv[1])
    if len(argv) > 2:
        np.fromfile(argv[2], np.uint8)
    volume = np.full((n, n, n), 1.0, np.float32)
    temporary = output + ".floor-tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, bytes(1024))
        view = memoryview(volume).cast("B")
        written = 0
        while written < len(view):
            written += os.write(fd, view[written:written + (8 << 20)])
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, output)
    folder = os.open(os.path.dirname(output), os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
