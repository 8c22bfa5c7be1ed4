"""MRC headers that lie about the file: checked against it before anything is allocated."""

import struct
import tracemalloc
import warnings

import mrcfile
import numpy as np
import pytest

from napari_cryomask.core import limits
from napari_cryomask.io import read_volume, write_volume

FIELDS = {"nx": 0, "ny": 4, "nz": 8, "mode": 12, "mx": 28, "my": 32, "mz": 36, "ispg": 88, "nsymbt": 92}


def small_mrc(tmp_path, name="map", shape=(2, 3, 4), **fields):
    path = tmp_path / f"{name}.mrc"
    write_volume(path, np.arange(np.prod(shape), dtype=np.float32).reshape(shape), voxel_size=2.0)
    raw = bytearray(path.read_bytes())
    for field, value in fields.items():
        struct.pack_into("<i", raw, FIELDS[field], value)
    path.write_bytes(bytes(raw))
    return path


def read_cheaply(path):
    """read_volume(path), failing if it allocates more than 4 MB on the way."""
    tracemalloc.start()
    try:
        return read_volume(path)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 4 << 20, f"reading {path.name} allocated {peak / 2**20:.0f} MiB"


def test_extended_header_larger_than_the_file(tmp_path):
    # mrcfile allocates NSYMBT bytes before it reads them: 2 GiB for this 1 KB file
    path = small_mrc(tmp_path, "ext", nsymbt=2**31 - 1)
    with pytest.raises(ValueError, match=r"ext\.mrc: NSYMBT = 2147483647 bytes of extended header, but the file has 96"):
        read_cheaply(path)


def test_negative_extended_header(tmp_path):
    with pytest.raises(ValueError, match=r"neg\.mrc: NSYMBT = -8"):
        read_cheaply(small_mrc(tmp_path, "neg", nsymbt=-8))


def test_data_size_is_checked_even_when_the_extended_header_passes_the_end(tmp_path):
    # header + NSYMBT beyond the end switched mrcfile's size check off: a zero-filled 30 GB read
    path = small_mrc(tmp_path, "huge", nx=2000, ny=2000, nz=2000, nsymbt=50)
    with pytest.raises(ValueError, match=r"huge\.mrc: truncated MRC file: NX, NY, NZ = 2000, 2000, 2000 .* need 32000000000 bytes"):
        read_cheaply(path)


def test_sizes_beyond_any_index_do_not_overflow(tmp_path):
    path = small_mrc(tmp_path, "over", nx=2**31 - 1, ny=2**31 - 1, nz=2**31 - 1, nsymbt=50, mode=2)
    with pytest.raises(ValueError, match=r"over\.mrc: truncated"):
        read_cheaply(path)


@pytest.mark.parametrize("mz", [0, -3])
def test_volume_stack_without_sections_per_volume(tmp_path, mz):
    # mrcfile divides NZ by MZ: ZeroDivisionError
    path = small_mrc(tmp_path, "stack", ispg=401, mz=mz)
    with pytest.raises(ValueError, match=rf"stack\.mrc: ISPG = 401 marks a stack of volumes, but MZ = {mz}"):
        read_cheaply(path)


def test_volume_stack_whose_sections_do_not_divide(tmp_path):
    with pytest.raises(ValueError, match=r"ISPG = 630 .* NZ = 2 is not a multiple of MZ"):
        read_cheaply(small_mrc(tmp_path, "odd", ispg=630, mz=3))


def test_stack_of_several_volumes_is_refused_and_one_volume_reads(tmp_path):
    path = tmp_path / "stack.mrc"
    with mrcfile.new(path) as mrc:
        mrc.set_data(np.arange(2 * 2 * 3 * 4, dtype=np.float32).reshape(2, 2, 3, 4))
    with pytest.raises(ValueError, match=r"stack\.mrc: a stack of 2 volumes \(ISPG = 401, NZ = 4, MZ = 2\)"):
        read_cheaply(path)
    with mrcfile.new(path, overwrite=True) as mrc:
        mrc.set_data(np.arange(2 * 3 * 4, dtype=np.float32).reshape(1, 2, 3, 4))
    volume = read_cheaply(path)
    assert volume.data.shape == (2, 3, 4)
    np.testing.assert_array_equal(volume.data.ravel(), np.arange(24))


@pytest.mark.parametrize("mode, what", [(3, "complex int16"), (4, "complex float32"), (101, "MODE = 101"), (7, "MODE = 7")])
def test_unreadable_modes_name_the_mode(tmp_path, mode, what):
    with pytest.raises(ValueError, match=rf"mode\.mrc: .*{what}"):
        read_cheaply(small_mrc(tmp_path, "mode", mode=mode))


def test_wrong_machine_stamp_is_read_in_the_byte_order_the_mode_shows(tmp_path):
    path = small_mrc(tmp_path, "stamp")
    raw = bytearray(path.read_bytes())
    raw[212:214] = b"\x11\x11"  # says big-endian; the file is little-endian
    path.write_bytes(bytes(raw))
    with pytest.warns(UserWarning, match=r"stamp\.mrc: Machine stamp .* does not match"):
        volume = read_volume(path)
    np.testing.assert_array_equal(volume.data.ravel(), np.arange(24))


def test_data_too_large_for_memory_is_refused_before_allocating(tmp_path, monkeypatch):
    path = small_mrc(tmp_path, "big", nx=1024, ny=1024, nz=512)
    with open(path, "r+b") as stream:
        stream.truncate(1024 + 1024 * 1024 * 512 * 4)  # sparse: 2 GiB on paper, nothing on disk
    monkeypatch.setattr(limits, "available_bytes", lambda: 1 << 30)
    with pytest.raises(ValueError, match=r"big\.mrc: its data, 512 x 1024 x 1024 float32 voxels, need 2.0 GiB, but only 1.0 GiB"):
        read_cheaply(path)


def test_em_data_too_large_for_memory_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "big.em"
    write_volume(path, np.zeros((2, 2, 2)))
    raw = bytearray(path.read_bytes()[:512])
    struct.pack_into("<3i", raw, 4, 1024, 1024, 512)
    path.write_bytes(bytes(raw))
    with open(path, "r+b") as stream:
        stream.truncate(512 + 1024 * 1024 * 512 * 4)
    monkeypatch.setattr(limits, "available_bytes", lambda: 1 << 30)
    with pytest.raises(ValueError, match=r"big\.em: its data, 512 x 1024 x 1024 float32 voxels, need 2.0 GiB"):
        read_cheaply(path)


@pytest.mark.parametrize("dtype", ["<f4", ">f4", ">i2", "<u2", "<f2"])
@pytest.mark.parametrize("axes", [(1, 2, 3), (3, 1, 2), (2, 3, 1)])
def test_reading_allocates_the_map_once(tmp_path, dtype, axes):
    stored = np.arange(40 * 30 * 20).reshape(40, 30, 20).astype(dtype)
    path = tmp_path / "m.mrc"
    with mrcfile.new(path) as mrc:
        mrc.set_data(stored)
        mrc.header.mapc, mrc.header.mapr, mrc.header.maps = axes
    tracemalloc.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        volume = read_volume(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < volume.data.nbytes + 64 * 1024
    assert volume.data.dtype == np.dtype(dtype).newbyteorder("=")
    order = [axes[::-1].index(a) for a in (3, 2, 1)]
    np.testing.assert_array_equal(volume.data, stored.transpose(order))
