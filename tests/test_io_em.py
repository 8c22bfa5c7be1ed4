"""EM reading and writing: header layout, voxel size rules, emfile and cryoCAT compatibility."""

import json
import struct
import warnings

import numpy as np
import pytest

from napari_cryomask.io import read_volume, write_volume


def test_written_header_layout(tmp_path):
    path = tmp_path / "mask.em"
    data = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    write_volume(path, data, voxel_size=11.4)
    raw = path.read_bytes()
    assert len(raw) == 512 + 24 * 4
    assert raw[0] == 6  # PC
    assert raw[3] == 5  # float32
    assert struct.unpack_from("<3i", raw, 4) == (4, 3, 2)  # nx, ny, nz
    assert struct.unpack_from("<i", raw, 120) == (11400,)  # objectpixelsize, milli-Å
    # x fastest, little-endian float32
    np.testing.assert_array_equal(np.frombuffer(raw[512:], "<f4"), data.ravel())


def test_round_trip_keeps_data_and_voxel_size(tmp_path):
    path = tmp_path / "map.EM"
    data = np.random.default_rng(0).normal(size=(5, 6, 7)).astype(np.float32)
    write_volume(path, data, voxel_size=2.62)
    vol = read_volume(path)
    np.testing.assert_array_equal(vol.data, data)
    assert vol.voxel_size == (2.62, 2.62, 2.62)
    assert vol.origin == (0.0, 0.0, 0.0)
    assert vol.header["voxel_size_known"] is True
    assert json.loads(json.dumps(vol.header, allow_nan=False)) == vol.header


def test_voxel_size_is_kept_to_a_thousandth_of_an_angstrom(tmp_path):
    path = tmp_path / "fine.em"
    write_volume(path, np.ones((2, 2, 2)), voxel_size=1.23449)
    assert read_volume(path).voxel_size == (1.234, 1.234, 1.234)


def test_no_voxel_size_reads_back_as_unknown(tmp_path):
    path = tmp_path / "plain.em"
    write_volume(path, np.ones((2, 2, 2)))
    vol = read_volume(path)
    assert vol.voxel_size == (1.0, 1.0, 1.0)
    assert vol.header["voxel_size_known"] is False
    assert vol.header["objectpixelsize"] == 0


def test_anisotropic_voxel_size_stores_x_with_a_warning(tmp_path):
    path = tmp_path / "aniso.em"
    with pytest.warns(UserWarning, match=r"aniso\.em.*one voxel size"):
        write_volume(path, np.ones((2, 2, 2)), voxel_size=(5.0, 4.0, 3.0))
    assert read_volume(path).voxel_size == (3.0, 3.0, 3.0)


def test_isotropic_after_rounding_gives_no_warning(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_volume(tmp_path / "iso.em", np.ones((2, 2, 2)), voxel_size=(2.0, 2.0001, 2.0))


@pytest.mark.parametrize("voxel_size", [1e-5, 3e6])
def test_voxel_size_outside_the_header_field_is_refused(tmp_path, voxel_size):
    path = tmp_path / "odd.em"
    with pytest.raises(ValueError, match=r"odd\.em.*voxel size"):
        write_volume(path, np.ones((2, 2, 2)), voxel_size=voxel_size)
    assert not path.exists()


def test_non_zero_origin_is_dropped_with_a_warning(tmp_path):
    path = tmp_path / "shifted.em"
    with pytest.warns(UserWarning, match=r"shifted\.em.*no origin"):
        write_volume(path, np.ones((2, 2, 2)), origin=(1.0, 0.0, 0.0))
    assert read_volume(path).origin == (0.0, 0.0, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_volume(path, np.ones((2, 2, 2)), origin=(0, 0, 0), overwrite=True)


def test_bytes_after_the_data_are_ignored_with_a_warning(tmp_path):
    path = tmp_path / "padded.em"
    write_volume(path, np.ones((2, 2, 2)))
    path.write_bytes(path.read_bytes() + b"\0" * 7)
    with pytest.warns(UserWarning, match=r"padded\.em.*7 bytes"):
        vol = read_volume(path)
    np.testing.assert_array_equal(vol.data, np.ones((2, 2, 2)))


@pytest.mark.parametrize("code", [8, 10])
def test_complex_data_is_refused(tmp_path, code):
    path = tmp_path / "complex.em"
    write_volume(path, np.ones((2, 2, 2)))
    raw = bytearray(path.read_bytes())
    raw[3] = code
    path.write_bytes(bytes(raw) + bytes(8 * 16))
    with pytest.raises(ValueError, match=r"complex\.em: complex EM data not supported"):
        read_volume(path)


def test_emfile_reads_our_file(tmp_path):
    emfile = pytest.importorskip("emfile")
    path = tmp_path / "ours.em"
    data = np.random.default_rng(1).random((3, 4, 5)).astype(np.float32)
    write_volume(path, data, voxel_size=3.5)
    header, theirs = emfile.read(path)
    assert (header["machine"], header["dtype"], header["OBJ"]) == (6, 5, 3500)
    np.testing.assert_array_equal(theirs, data)


def test_we_read_emfile_output(tmp_path):
    emfile = pytest.importorskip("emfile")
    path = tmp_path / "theirs.em"
    for dtype in (np.int8, np.int16, np.int32, np.float32, np.float64):
        data = (np.arange(60) - 30).reshape(3, 4, 5).astype(dtype)
        emfile.write(path, data, overwrite=True)
        vol = read_volume(path)
        assert vol.data.dtype == dtype
        np.testing.assert_array_equal(vol.data, data)


def test_cryocat_reads_our_file_and_we_read_cryocat_output(tmp_path):
    cryomap = pytest.importorskip("cryocat.cryomap")
    ours = tmp_path / "ours.em"
    data = np.random.default_rng(2).random((3, 4, 5)).astype(np.float32)
    write_volume(ours, data, voxel_size=2.0)
    np.testing.assert_array_equal(cryomap.read(str(ours)), data.transpose(2, 1, 0))

    theirs = tmp_path / "theirs.em"
    xyz = np.random.default_rng(3).random((5, 4, 3)).astype(np.float32)
    cryomap.write(xyz, str(theirs))
    vol = read_volume(theirs)
    np.testing.assert_array_equal(vol.data, xyz.transpose(2, 1, 0))
    assert vol.header["voxel_size_known"] is False
