"""MRC reading and writing: real EMDB maps, axis order, voxel size, origin, compatibility."""

import io
import itertools
import json
import os
import warnings
from pathlib import Path

import mrcfile
import numpy as np
import pytest

from napari_cryomask.io import read_volume, write_volume

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_map(name):
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"{path} not available (shared test data is not part of the project)")
    return path


def test_emd_3197_matches_readme():
    vol = read_volume(shared_map("EMD-3197.map"))
    assert vol.data.shape == (20, 20, 20)
    assert vol.data.dtype == np.float32
    assert vol.voxel_size == pytest.approx((11.4, 11.4, 11.4))
    assert vol.header["mapc_mapr_maps"] == [1, 2, 3]
    assert vol.header["voxel_size_known"] is True


def test_emd_3001_is_reordered_to_zyx():
    path = shared_map("EMD-3001.map")
    vol = read_volume(path)
    # README: voxel size (x, y, z) = 0.448, 0.3925, 0.459; axes 3/1/2; (z, y, x) shape (73, 25, 43)
    assert vol.data.shape == (73, 25, 43)
    assert vol.voxel_size == pytest.approx((0.459, 0.3925, 0.448), abs=1e-3)
    assert vol.header["mapc_mapr_maps"] == [3, 1, 2]
    assert vol.header["stored_shape"] == [25, 43, 73]
    with mrcfile.open(path) as mrc:
        stored = np.array(mrc.data)
    # README: the stored array is [y][x][z]
    np.testing.assert_array_equal(vol.data, np.einsum("yxz->zyx", stored))


def test_emd_3001_origin_comes_from_start_indices():
    vol = read_volume(shared_map("EMD-3001.map"))
    # ORIGIN is zero; NXSTART (columns = z) 0, NYSTART (rows = x) -21, NZSTART (sections = y) -12;
    # voxel size y = 4.71 Å / 12, x = 17.93 Å / 40
    assert vol.header["origin_source"] == "start indices"
    assert vol.origin == pytest.approx((0.0, -12 * 0.3925, -21 * 0.44825))


def coded(z, y, x):
    return 10000 * z + 100 * y + x


@pytest.mark.parametrize("axes", list(itertools.permutations((1, 2, 3))))
def test_every_axis_order_reads_as_zyx(tmp_path, axes):
    mapc, mapr, maps = axes
    length = {1: 4, 2: 3, 3: 2}  # real X, Y, Z sizes, all different
    spacing = {1: 1.5, 2: 2.0, 3: 3.25}
    start = {1: -5, 2: 7, 3: 11}
    stored = np.zeros((length[maps], length[mapr], length[mapc]), np.float32)
    for s, r, c in np.ndindex(stored.shape):
        position = {maps: s, mapr: r, mapc: c}
        stored[s, r, c] = coded(position[3], position[2], position[1])
    path = tmp_path / "permuted.mrc"
    with mrcfile.new(path) as mrc:
        mrc.set_data(stored)
        h = mrc.header
        h.mapc, h.mapr, h.maps = axes
        h.mx, h.my, h.mz = length[1], length[2], length[3]
        h.cella = tuple(length[a] * spacing[a] for a in (1, 2, 3))
        h.nxstart, h.nystart, h.nzstart = start[mapc], start[mapr], start[maps]

    vol = read_volume(path)

    z, y, x = np.indices((2, 3, 4))
    np.testing.assert_array_equal(vol.data, coded(z, y, x))
    assert vol.voxel_size == pytest.approx((3.25, 2.0, 1.5))
    assert vol.origin == pytest.approx((11 * 3.25, 7 * 2.0, -5 * 1.5))


def test_origin_field_wins_over_start_indices(tmp_path):
    path = tmp_path / "shifted.mrc"
    with mrcfile.new(path) as mrc:
        mrc.set_data(np.zeros((2, 3, 4), np.float32))
        mrc.voxel_size = 2.0
        mrc.header.nxstart = 9
        mrc.header.origin = (10.5, -20.0, 30.0)
    vol = read_volume(path)
    assert vol.origin == (30.0, -20.0, 10.5)
    assert vol.header["origin_source"] == "origin field"


def test_written_file_is_float32_mode_2_with_voxel_size_and_origin(tmp_path):
    path = tmp_path / "mask.mrc"
    data = np.arange(60, dtype=np.float64).reshape(3, 4, 5)
    write_volume(path, data, voxel_size=(3.0, 2.0, 1.0), origin=(30.0, 20.0, 10.0))
    assert mrcfile.validate(str(path), print_file=io.StringIO())
    with mrcfile.open(path) as mrc:
        h = mrc.header
        assert int(h.mode) == 2
        assert (int(h.mapc), int(h.mapr), int(h.maps)) == (1, 2, 3)
        assert (int(h.nxstart), int(h.nystart), int(h.nzstart)) == (0, 0, 0)
        assert mrc.voxel_size.item() == pytest.approx((1.0, 2.0, 3.0))
        assert h.origin.item() == pytest.approx((10.0, 20.0, 30.0))
        assert mrc.data.dtype == np.float32
        np.testing.assert_array_equal(mrc.data, data)
    vol = read_volume(path)
    assert vol.voxel_size == (3.0, 2.0, 1.0)
    assert vol.origin == (30.0, 20.0, 10.0)


def test_header_statistics_stay_finite_for_large_values(tmp_path):
    path = tmp_path / "bright.mrc"
    big = np.finfo(np.float32).max
    data = np.array([[[big, -big], [big, big]]], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_volume(path, data)
    with mrcfile.open(path) as mrc:
        h = mrc.header
        stats = (float(h.dmin), float(h.dmax), float(h.dmean), float(h.rms))
    assert stats == pytest.approx((-big, big, big / 2, np.std(data, dtype=np.float64)), rel=1e-6)


def test_no_voxel_size_reads_back_as_unknown(tmp_path):
    path = tmp_path / "plain.mrc"
    write_volume(path, np.ones((2, 2, 2)))
    vol = read_volume(path)
    assert vol.voxel_size == (1.0, 1.0, 1.0)
    assert vol.header["voxel_size_known"] is False
    assert vol.origin == (0.0, 0.0, 0.0)


def test_two_d_data_is_written_as_one_z_slice(tmp_path):
    path = tmp_path / "slice.mrc"
    image = np.arange(12).reshape(3, 4)
    write_volume(path, image, voxel_size=5.0)
    vol = read_volume(path)
    assert vol.data.shape == (1, 3, 4)
    np.testing.assert_array_equal(vol.data[0], image)


def test_boolean_and_integer_data_become_float32(tmp_path):
    for data in (np.eye(3, dtype=bool)[None], np.full((1, 2, 2), 7, np.int64)):
        path = tmp_path / f"{data.dtype}.mrc"
        write_volume(path, data)
        vol = read_volume(path)
        assert vol.data.dtype == np.float32
        np.testing.assert_array_equal(vol.data, data)


@pytest.mark.parametrize("suffix", [".mrc", ".MAP", ".Rec", ".mrcs", ".st", ".ALI"])
def test_all_mrc_suffixes_in_any_case(tmp_path, suffix):
    path = tmp_path / f"volume{suffix}"
    data = np.random.default_rng(1).random((3, 4, 5))
    write_volume(path, data, voxel_size=1.2)
    with mrcfile.open(path) as mrc:
        np.testing.assert_array_equal(mrc.data, data.astype(np.float32))
    np.testing.assert_array_equal(read_volume(path).data, data.astype(np.float32))


@pytest.mark.parametrize("dtype", ["int8", ">i2", "uint16", "float16", ">f4"])
def test_other_modes_and_big_endian_keep_their_values(tmp_path, dtype):
    path = tmp_path / "typed.mrc"
    data = (np.arange(24) % 100).reshape(2, 3, 4).astype(dtype)
    with mrcfile.new(path) as mrc:
        mrc.set_data(data)
    vol = read_volume(path)
    assert vol.data.dtype == np.dtype(dtype).newbyteorder("=")
    assert vol.header["byte_order"] == ("big" if dtype.startswith(">") else "little")
    np.testing.assert_array_equal(vol.data, data)


def test_image_stack_reads_as_z_slices(tmp_path):
    path = tmp_path / "particles.mrcs"
    stack = np.random.default_rng(2).random((5, 6, 7)).astype(np.float32)
    with mrcfile.new(path) as mrc:
        mrc.set_data(stack)
        mrc.set_image_stack()
    vol = read_volume(path)
    assert vol.header["space_group"] == 0
    np.testing.assert_array_equal(vol.data, stack)


def test_header_facts_are_strict_json(tmp_path):
    path = tmp_path / "facts.mrc"
    write_volume(path, np.zeros((2, 3, 4)), voxel_size=2.5, origin=(1, 2, 3))
    header = read_volume(path).header
    assert json.loads(json.dumps(header, allow_nan=False)) == header
    assert header["format"] == "MRC"
    assert header["shape"] == [2, 3, 4]
    assert header["dtype"] == "float32"


def test_data_is_an_independent_writable_native_array(tmp_path):
    path = tmp_path / "free.mrc"
    write_volume(path, np.ones((2, 3, 4)))
    vol = read_volume(path)
    vol.data[0, 0, 0] = 5.0
    assert vol.data.flags.c_contiguous
    fd_dir = Path("/proc/self/fd")
    if fd_dir.is_dir():
        open_files = {os.path.realpath(fd_dir / fd) for fd in os.listdir(fd_dir)}
        assert str(path.resolve()) not in open_files
    # the file can be replaced right after reading (no handle or memory map left open)
    write_volume(path, np.zeros((2, 3, 4)), overwrite=True)
    assert read_volume(path).data.max() == 0.0


def test_mrcfile_written_file_reads_equal(tmp_path):
    path = tmp_path / "theirs.mrc"
    data = np.random.default_rng(3).normal(size=(4, 5, 6)).astype(np.float32)
    with mrcfile.new(path) as mrc:
        mrc.set_data(data)
        mrc.voxel_size = (1.0, 2.0, 3.0)
    vol = read_volume(path)
    np.testing.assert_array_equal(vol.data, data)
    assert vol.voxel_size == (3.0, 2.0, 1.0)


def test_cryocat_reads_our_mrc_and_we_read_cryocat_mrc(tmp_path):
    cryomap = pytest.importorskip("cryocat.cryomap")
    ours = tmp_path / "ours.mrc"
    data = np.random.default_rng(4).random((4, 5, 6)).astype(np.float32)
    write_volume(ours, data, voxel_size=4.0)
    np.testing.assert_array_equal(cryomap.read(str(ours)), data.transpose(2, 1, 0))

    theirs = tmp_path / "theirs.mrc"
    xyz = np.random.default_rng(5).random((6, 5, 4)).astype(np.float32)
    cryomap.write(xyz, str(theirs))
    np.testing.assert_array_equal(read_volume(theirs).data, xyz.transpose(2, 1, 0))
