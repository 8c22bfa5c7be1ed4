"""Fuzz the MRC and EM readers with hypothesis in a process whose memory is limited.

Run by tests/test_io_fuzz.py as ``python tests/fuzz_readers.py FOLDER [--examples N]``; exits 0
when every hostile file read gave a volume, or a ``ValueError`` / ``OSError`` naming the file,
using little memory and CPU time, and 1 with hypothesis' smallest failing file otherwise.

The address space is limited (``RLIMIT_AS``) to what the process has mapped after its imports
plus :data:`HEADROOM`, so a reader that tries to allocate gigabytes for a small file gets a
``MemoryError`` here instead of the machine's memory. Each read is also traced
(``tracemalloc``): a file under 1 MB may take at most :data:`PEAK_BYTES` beyond a few times its
size, and :data:`CPU_SECONDS` of CPU time.
"""

from __future__ import annotations

import argparse
import resource
import struct
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from napari_cryomask.io import read_volume, write_volume

HEADROOM = 256 << 20
PEAK_BYTES = 8 << 20
CPU_SECONDS = 1.0
# Sizes spread over every magnitude an int32 holds, small values and the special ones.
MAGNITUDES = st.builds(
    lambda bits, low, sign: sign * (2**bits - low), st.integers(0, 31), st.integers(0, 1), st.sampled_from([1, 1, 1, -1])
)
INT32 = st.one_of(
    st.sampled_from([0, 1, -1, 2, 3, 4, 6, 12, 101, 401, 630, 1000, 2**16, 2**24, 2**31 - 1, -(2**31)]),
    MAGNITUDES.filter(lambda v: -(2**31) <= v < 2**31),
    st.integers(-(2**31), 2**31 - 1),
)
# MRC header fields as (byte offset, struct format); all are 4 bytes.
MRC_FIELDS = {
    "nx": 0, "ny": 4, "nz": 8, "mode": 12, "nxstart": 16, "nystart": 20, "nzstart": 24,
    "mx": 28, "my": 32, "mz": 36, "mapc": 64, "mapr": 68, "maps": 72, "ispg": 88, "nsymbt": 92,
    "nversion": 108, "nlabl": 220,
}
MRC_FLOATS = {"cella_x": 40, "cella_y": 44, "cella_z": 48, "dmin": 76, "dmax": 80, "dmean": 84,
              "origin_x": 196, "origin_y": 200, "origin_z": 204, "rms": 216}
# The fields that say how much to read come up twice as often as the others.
SIZE_FIELDS = ["nx", "ny", "nz", "mode", "mz", "ispg", "nsymbt"]
FLOATS = st.one_of(st.floats(width=32, allow_nan=True, allow_infinity=True),
                   st.sampled_from([0.0, -1.0, 3e38, -3e38, float("nan"), float("inf")]))
EM_BYTES = {"machine": 0, "dtype": 3}
EM_INTS = {"nx": 4, "ny": 8, "nz": 12, "pixel": 96 + 4 * 6}


def limit_memory() -> int:
    """Limit the address space to what is mapped now plus HEADROOM; returns the limit."""
    with open("/proc/self/status", encoding="ascii") as stream:
        size = next(int(line.split()[1]) * 1024 for line in stream if line.startswith("VmSize:"))
    limit = size + HEADROOM
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    return limit


def valid_bytes(folder: Path, suffix: str, shape, byte: int) -> bytes:
    path = folder / f"valid{suffix}"
    data = np.random.default_rng(byte).random(shape, dtype=np.float32)
    write_volume(path, data, voxel_size=1.5, overwrite=True)
    return path.read_bytes()


@st.composite
def mrc_files(draw, folder):
    raw = bytearray(valid_bytes(folder, ".mrc", draw(st.tuples(*[st.integers(1, 5)] * 3)), draw(st.integers(0, 9))))
    order = draw(st.sampled_from("<>"))
    if order == ">":
        raw[212:216] = b"\x11\x11\x00\x00"
    for name in draw(st.lists(st.sampled_from(SIZE_FIELDS + sorted(MRC_FIELDS)), min_size=1, max_size=5)):
        struct.pack_into(order + "i", raw, MRC_FIELDS[name], draw(INT32))
    for name in draw(st.lists(st.sampled_from(sorted(MRC_FLOATS)), max_size=3)):
        struct.pack_into(order + "f", raw, MRC_FLOATS[name], draw(FLOATS))
    if draw(st.booleans()):
        raw[208:216] = draw(st.binary(min_size=8, max_size=8))  # map id and machine stamp
    return _cut_or_pad(draw, raw)


@st.composite
def em_files(draw, folder):
    raw = bytearray(valid_bytes(folder, ".em", draw(st.tuples(*[st.integers(1, 5)] * 3)), draw(st.integers(0, 9))))
    for name in draw(st.lists(st.sampled_from(sorted(EM_BYTES)), max_size=2)):
        raw[EM_BYTES[name]] = draw(st.integers(0, 255))
    order = "<" if raw[0] in (1, 6) else ">"
    for name in draw(st.lists(st.sampled_from(sorted(EM_INTS)), min_size=1, max_size=4)):
        struct.pack_into(order + "i", raw, EM_INTS[name], draw(INT32))
    return _cut_or_pad(draw, raw)


def _cut_or_pad(draw, raw: bytearray) -> bytes:
    what = draw(st.sampled_from(["keep", "keep", "cut", "cut header", "pad"]))
    if what == "cut":
        raw = raw[: draw(st.integers(min(1024, len(raw)), len(raw)))]
    elif what == "cut header":
        raw = raw[: draw(st.integers(0, len(raw)))]
    elif what == "pad":
        raw += draw(st.binary(max_size=2000))
    return bytes(raw)


def patched(raw: bytes, fields: dict) -> bytes:
    out = bytearray(raw)
    for name, value in fields.items():
        struct.pack_into("<i", out, MRC_FIELDS[name], value)
    return bytes(out)


def known_mrc_attacks(folder: Path) -> list[bytes]:
    """Headers that broke the reader once: each must give a clear error, whatever the fuzzing finds."""
    raw = valid_bytes(folder, ".mrc", (2, 3, 4), 0)
    return [
        patched(raw, {"nsymbt": 2**31 - 1}),  # an extended header of 2 GiB in a 1 KB file
        patched(raw, {"ispg": 401, "mz": 0}),  # a volume stack with no sections per volume
        patched(raw, {"ispg": 630, "mz": -3}),
        patched(raw, {"nx": 2000, "ny": 2000, "nz": 2000, "nsymbt": 5000}),  # data size unchecked past the file's end
        patched(raw, {"nx": 2**31 - 1, "ny": 2**31 - 1, "nz": 2**31 - 1, "nsymbt": 5000}),  # beyond any index
        patched(raw, {"nx": 2**31 - 1, "ny": 2**31 - 1, "nz": 2**31 - 1, "mode": 4}),
        patched(raw, {"nx": 1 << 15, "ny": 1 << 15, "nz": 1}),
    ]


def check_read(path: Path, raw: bytes) -> None:
    """Read a hostile file; fail on anything but a volume or a clear error, or on a costly read."""
    path.write_bytes(raw)
    tracemalloc.start()
    start = time.process_time()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            volume = read_volume(path)
    except (ValueError, OSError) as error:
        assert str(path) in str(error) or getattr(error, "filename", None) == str(path), f"error does not name the file: {error!r}"
    else:
        assert volume.data.ndim == 3 and volume.data.nbytes <= len(raw), volume.data.shape
    finally:
        seconds = time.process_time() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert seconds < CPU_SECONDS, f"reading a {len(raw)}-byte file took {seconds:.2f} s of CPU time"
    assert peak < PEAK_BYTES + 4 * len(raw), f"reading a {len(raw)}-byte file allocated {peak} bytes"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--examples", type=int, default=300, help="examples per strategy (default 300)")
    args = parser.parse_args(argv)
    folder = args.folder
    limit = limit_memory()
    chosen = settings(max_examples=args.examples, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck), print_blob=True)
    for raw in known_mrc_attacks(folder):
        check_read(folder / "known.mrc", raw)
    runs = {
        "mrc": given(mrc_files(folder))(lambda raw: check_read(folder / "hostile.mrc", raw)),
        "em": given(em_files(folder))(lambda raw: check_read(folder / "hostile.em", raw)),
        "random bytes as MRC": given(st.binary(max_size=4096))(lambda raw: check_read(folder / "noise.mrc", raw)),
        "random bytes as EM": given(st.binary(max_size=4096))(lambda raw: check_read(folder / "noise.em", raw)),
    }
    failed = False
    for name, run in runs.items():
        start = time.perf_counter()
        try:
            chosen(run)()
        except Exception as error:  # hypothesis re-raises the smallest failing example's error
            failed = True
            print(f"{name}: FAILED: {type(error).__name__}: {error}", file=sys.stderr)
        print(f"{name}: {args.examples} examples in {time.perf_counter() - start:.1f} s")
    print(f"address space limit {limit / 2**20:.0f} MiB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
