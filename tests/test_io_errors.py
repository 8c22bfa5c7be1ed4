"""Bad files, bad arguments and failed writes: clear errors, no damage, no temp files."""

import errno
import os
import struct
import subprocess
import sys

import mrcfile
import numpy as np
import pytest

import napari_cryomask.io.em as em
import napari_cryomask.io.mrc as mrc_module
from napari_cryomask.io import EM_SUFFIXES, MRC_SUFFIXES, is_supported, read_volume, write_volume

HEADER = {".mrc": 1024, ".em": 512}
DIMS_OFFSET = {".mrc": 0, ".em": 4}  # nx, ny, nz as int32
DTYPE_FIELD = {".mrc": ("<i", 12, 77), ".em": ("B", 3, 7)}  # format, offset, unknown code


def valid_file(folder, suffix, name="map"):
    path = folder / f"{name}{suffix}"
    write_volume(path, np.arange(24, dtype=np.float32).reshape(2, 3, 4), voxel_size=2.0)
    return path


def patched(path, fmt, offset, *values):
    raw = bytearray(path.read_bytes())
    struct.pack_into(fmt, raw, offset, *values)
    path.write_bytes(bytes(raw))
    return path


suffixes = pytest.mark.parametrize("suffix", [".mrc", ".em"])


@suffixes
def test_missing_file(tmp_path, suffix):
    with pytest.raises(FileNotFoundError, match="nothing"):
        read_volume(tmp_path / f"nothing{suffix}")


@suffixes
def test_empty_file(tmp_path, suffix):
    path = tmp_path / f"empty{suffix}"
    path.touch()
    with pytest.raises(ValueError, match=rf"empty{suffix}: empty file"):
        read_volume(path)


@suffixes
def test_random_bytes(tmp_path, suffix):
    path = tmp_path / f"noise{suffix}"
    path.write_bytes(np.random.default_rng(7).bytes(5000))
    with pytest.raises(ValueError, match=f"noise{suffix}"):
        read_volume(path)


@suffixes
def test_shorter_than_header(tmp_path, suffix):
    path = valid_file(tmp_path, suffix, "short")
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match=f"short{suffix}"):
        read_volume(path)


@suffixes
def test_header_only(tmp_path, suffix):
    path = valid_file(tmp_path, suffix, "bare")
    path.write_bytes(path.read_bytes()[: HEADER[suffix]])
    with pytest.raises(ValueError, match=rf"bare{suffix}: .*truncated"):
        read_volume(path)


@suffixes
def test_truncated_data(tmp_path, suffix):
    path = valid_file(tmp_path, suffix, "cut")
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match=rf"cut{suffix}: .*truncated"):
        read_volume(path)


@suffixes
@pytest.mark.parametrize("nx", [0, -4])
def test_zero_or_negative_dimensions(tmp_path, suffix, nx):
    path = patched(valid_file(tmp_path, suffix, "flat"), "<i", DIMS_OFFSET[suffix], nx)
    with pytest.raises(ValueError, match=f"flat{suffix}"):
        read_volume(path)


@suffixes
def test_unknown_dtype_code(tmp_path, suffix):
    fmt, offset, code = DTYPE_FIELD[suffix]
    path = patched(valid_file(tmp_path, suffix, "odd"), fmt, offset, code)
    with pytest.raises(ValueError, match=rf"odd{suffix}: .*{code}"):
        read_volume(path)


def test_unknown_em_machine_code(tmp_path):
    path = patched(valid_file(tmp_path, ".em", "alien"), "B", 0, 9)
    with pytest.raises(ValueError, match=r"alien\.em: unknown EM machine code 9"):
        read_volume(path)


def test_mrc_axis_order_that_is_not_a_permutation(tmp_path):
    path = patched(valid_file(tmp_path, ".mrc", "axes"), "<3i", 64, 1, 1, 2)
    with pytest.raises(ValueError, match=r"axes\.mrc: MAPC/MAPR/MAPS"):
        read_volume(path)


def test_complex_mrc_is_refused(tmp_path):
    path = tmp_path / "wave.mrc"
    with mrcfile.new(path) as mrc:
        mrc.set_data(np.ones((2, 2, 2), np.complex64))
    with pytest.raises(ValueError, match=r"wave\.mrc: complex"):
        read_volume(path)


def test_mrc_header_oddities_warn_with_the_file_name(tmp_path):
    path = valid_file(tmp_path, ".mrc", "old")
    raw = bytearray(path.read_bytes())
    raw[208:212] = b"    "  # no "MAP " id
    path.write_bytes(bytes(raw))
    with pytest.warns(UserWarning, match=r"old\.mrc: Map ID"):
        vol = read_volume(path)
    assert vol.data.shape == (2, 3, 4)


def test_directory_with_a_map_suffix(tmp_path):
    folder = tmp_path / "folder.mrc"
    folder.mkdir()
    with pytest.raises(ValueError, match=r"folder\.mrc: not a regular file"):
        read_volume(folder)


@pytest.mark.parametrize("name", ["cells.tif", "notes", "map.mrc.gz"])
def test_unsupported_suffix(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"something")
    assert not is_supported(path)
    with pytest.raises(ValueError, match=rf"{name}: unsupported file type"):
        read_volume(path)
    with pytest.raises(ValueError, match=rf"{name}: unsupported file type"):
        write_volume(path, np.ones((2, 2, 2)), overwrite=True)
    assert path.read_bytes() == b"something"


def test_supported_suffixes():
    assert MRC_SUFFIXES == (".mrc", ".map", ".rec", ".mrcs", ".st", ".ali")
    assert EM_SUFFIXES == (".em",)
    for suffix in MRC_SUFFIXES + EM_SUFFIXES:
        assert is_supported(f"a{suffix}") and is_supported(f"dir/A{suffix.upper()}")


def test_import_needs_no_qt_napari_or_scipy():
    code = (
        "import sys, napari_cryomask.io; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('napari', 'qtpy', 'PyQt5', 'PyQt6', 'PySide2', 'PySide6', 'scipy', 'emfile', 'cryocat')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# --- writing -------------------------------------------------------------------------------


@suffixes
def test_existing_file_is_not_overwritten_by_default(tmp_path, suffix):
    path = valid_file(tmp_path, suffix)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match=f"map{suffix}"):
        write_volume(path, np.zeros((2, 2, 2)))
    assert path.read_bytes() == before


@suffixes
def test_overwrite_replaces_and_leaves_no_temp_file(tmp_path, suffix):
    path = valid_file(tmp_path, suffix)
    write_volume(path, np.zeros((3, 3, 3)), overwrite=True)
    assert read_volume(path).data.shape == (3, 3, 3)
    assert os.listdir(tmp_path) == [path.name]


def test_failure_while_writing_mrc_keeps_old_file_and_removes_temp(tmp_path, monkeypatch):
    path = valid_file(tmp_path, ".mrc")
    before = path.read_bytes()
    seen = []

    def fail_while_the_data_are_written(volume):
        seen.append(os.listdir(tmp_path))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(mrc_module, "header_stats", fail_while_the_data_are_written)
    with pytest.raises(OSError, match="No space left") as raised:
        write_volume(path, np.ones((6, 6, 6)), overwrite=True)
    assert raised.value.filename == str(path), "the error names the target, not the temporary file"
    assert ".cryomask-tmp" not in str(raised.value)
    assert len(seen[0]) == 2, "a temporary file should exist during the write"
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == [path.name]


def test_interrupted_em_write_keeps_old_file_and_removes_temp(tmp_path, monkeypatch):
    path = valid_file(tmp_path, ".em")
    before = path.read_bytes()
    original = em._write_data
    seen = []

    def write_one_plane_then_stop(stream, volume):
        original(stream, volume[:1])
        stream.flush()
        seen.append(os.listdir(tmp_path))
        raise KeyboardInterrupt

    monkeypatch.setattr(em, "_write_data", write_one_plane_then_stop)
    with pytest.raises(KeyboardInterrupt):
        write_volume(path, np.ones((6, 6, 6)), overwrite=True)
    assert len(seen[0]) == 2, "a temporary file should exist during the write"
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == [path.name]


@suffixes
@pytest.mark.parametrize(
    "data, problem",
    [
        (np.ones((2, 2, 2, 2)), "2D or 3D"),
        (np.ones(5), "2D or 3D"),
        (np.ones((0, 3, 3)), "empty"),
        (np.ones((2, 2, 2), complex), "real numbers"),
        (np.array([[["a"]]]), "real numbers"),
        (np.full((2, 2, 2), np.nan), "NaN"),
        (np.full((2, 2, 2), -np.inf), "NaN, infinite"),
        (np.full((2, 2, 2), 1e39), "float32 range"),
    ],
)
def test_bad_data_leaves_existing_file_intact(tmp_path, suffix, data, problem):
    path = valid_file(tmp_path, suffix)
    before = path.read_bytes()
    with pytest.raises(ValueError, match=rf"map{suffix}: .*{problem}"):
        write_volume(path, data, overwrite=True)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == [path.name]


@suffixes
@pytest.mark.parametrize("voxel_size", [0, -1.0, np.nan, (1.0, 2.0), "abc", (1, 1, np.inf)])
def test_bad_voxel_size(tmp_path, suffix, voxel_size):
    path = tmp_path / f"bad{suffix}"
    with pytest.raises(ValueError, match=rf"bad{suffix}: voxel_size"):
        write_volume(path, np.ones((2, 2, 2)), voxel_size=voxel_size)
    assert not path.exists()


@suffixes
@pytest.mark.parametrize("origin", [(0.0, np.nan, 0.0), (1.0, 2.0), "left"])
def test_bad_origin(tmp_path, suffix, origin):
    path = tmp_path / f"bad{suffix}"
    with pytest.raises(ValueError, match=rf"bad{suffix}: origin"):
        write_volume(path, np.ones((2, 2, 2)), origin=origin)
    assert not path.exists()


@suffixes
def test_missing_folder(tmp_path, suffix):
    with pytest.raises(FileNotFoundError, match="missing"):
        write_volume(tmp_path / "missing" / f"map{suffix}", np.ones((2, 2, 2)))


@suffixes
def test_target_that_is_a_folder_leaves_no_temp_file(tmp_path, suffix):
    folder = tmp_path / f"folder{suffix}"
    folder.mkdir()
    with pytest.raises(OSError):
        write_volume(folder, np.ones((2, 2, 2)), overwrite=True)
    assert folder.is_dir()
    assert os.listdir(tmp_path) == [folder.name]


@pytest.mark.parametrize("voxel_size", [1e-300, 3e38, (1.0, 1.0, 1e-45)])
def test_voxel_size_that_an_mrc_header_cannot_hold_is_refused_not_lost(tmp_path, voxel_size):
    path = tmp_path / "tiny.mrc"
    with pytest.raises(ValueError, match=r"tiny\.mrc: voxel_size .* cannot be stored in an MRC header"):
        write_volume(path, np.ones((2, 2, 2)), voxel_size=voxel_size)
    assert not path.exists()


def test_origin_beyond_float32_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"far\.mrc: origin .* cannot be stored"):
        write_volume(tmp_path / "far.mrc", np.ones((2, 2, 2)), origin=(0.0, 1e39, 0.0))
