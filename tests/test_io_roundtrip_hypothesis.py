"""Property tests: EM files of every readable dtype and byte order, MRC round trips, fuzzing."""

import struct
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from napari_cryomask.io import read_volume, write_volume

EM_CODES = {1: "i1", 2: "i2", 4: "i4", 5: "f4", 9: "f8"}
LITTLE_ENDIAN_MACHINES = (1, 6)  # VAX, PC
BIG_ENDIAN_MACHINES = (0, 2, 3, 4, 5)  # OS-9, Convex, SGI, Sun, Mac

shapes = st.tuples(*[st.integers(1, 6)] * 3)
settings_io = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def em_file_bytes(machine, code, data, pixel_milli):
    """An EM file built by hand: header fields by struct, data x fastest."""
    order = "<" if machine in LITTLE_ENDIAN_MACHINES else ">"
    nz, ny, nx = data.shape
    params = [0] * 40
    params[6] = pixel_milli
    header = struct.pack(
        f"{order}4B3i80s40i256s", machine, 0, 0, code, nx, ny, nz, b"test", *params, b""
    )
    return header + data.astype(np.dtype(EM_CODES[code]).newbyteorder(order)).tobytes()


@st.composite
def em_cases(draw):
    code = draw(st.sampled_from(sorted(EM_CODES)))
    machine = draw(st.sampled_from(LITTLE_ENDIAN_MACHINES + BIG_ENDIAN_MACHINES))
    data = draw(arrays(np.dtype(EM_CODES[code]), shapes))
    pixel_milli = draw(st.integers(0, 2**31 - 1))
    return machine, code, data, pixel_milli


@settings_io
@given(case=em_cases())
def test_em_every_dtype_and_byte_order_reads_back(tmp_path, case):
    machine, code, data, pixel_milli = case
    path = tmp_path / "fixture.em"
    path.write_bytes(em_file_bytes(machine, code, data, pixel_milli))

    vol = read_volume(path)

    assert vol.data.dtype == np.dtype(EM_CODES[code])
    assert vol.data.dtype.isnative
    np.testing.assert_array_equal(vol.data, data)
    spacing = pixel_milli / 1000 if pixel_milli else 1.0
    assert vol.voxel_size == (spacing,) * 3
    assert vol.header["voxel_size_known"] is (pixel_milli > 0)
    assert vol.header["machine"] == machine
    assert vol.header["byte_order"] == ("little" if machine in LITTLE_ENDIAN_MACHINES else "big")
    assert vol.header["comment"] == "test"


finite_float32 = st.floats(width=32, allow_nan=False, allow_infinity=False)


@settings_io
@given(
    data=arrays(np.float32, shapes, elements=finite_float32),
    voxel=st.floats(0.001, 1000.0),
)
def test_em_float32_write_read_round_trip(tmp_path, data, voxel):
    path = tmp_path / "round.em"
    write_volume(path, data, voxel_size=voxel, overwrite=True)
    vol = read_volume(path)
    np.testing.assert_array_equal(vol.data, data)
    assert vol.voxel_size == (round(voxel * 1000) / 1000,) * 3


@settings_io
@given(
    data=arrays(np.float32, shapes, elements=finite_float32),
    voxel=st.tuples(*[st.floats(0.01, 1000.0)] * 3),
    origin=st.tuples(*[st.floats(-1e5, 1e5)] * 3),
    suffix=st.sampled_from([".mrc", ".map", ".rec", ".MRC"]),
)
def test_mrc_float32_write_read_round_trip(tmp_path, data, voxel, origin, suffix):
    path = tmp_path / f"round{suffix}"
    write_volume(path, data, voxel_size=voxel, origin=origin, overwrite=True)
    vol = read_volume(path)
    np.testing.assert_array_equal(vol.data, data)
    assert vol.data.dtype == np.float32
    assert vol.voxel_size == pytest.approx(voxel, rel=1e-6)
    assert vol.origin == pytest.approx(np.float32(origin).tolist(), rel=1e-6)


@settings_io
@given(
    suffix=st.sampled_from([".mrc", ".em"]),
    edits=st.lists(st.tuples(st.integers(0, 1023), st.integers(0, 255)), min_size=1, max_size=8),
    cut=st.integers(0, 64),
)
def test_damaged_files_raise_value_error_or_read(tmp_path, suffix, edits, cut):
    path = tmp_path / f"damaged{suffix}"
    write_volume(path, np.ones((4, 4, 4)), voxel_size=2.0, overwrite=True)
    raw = bytearray(path.read_bytes())
    for offset, value in edits:
        raw[offset % len(raw)] = value
    path.write_bytes(bytes(raw[: len(raw) - cut]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            vol = read_volume(path)
        except ValueError as error:
            assert str(path) in str(error)
        else:
            assert vol.data.ndim == 3


@settings_io
@given(suffix=st.sampled_from([".mrc", ".em"]), raw=st.binary(min_size=1, max_size=3000))
def test_arbitrary_bytes_raise_value_error_naming_the_file(tmp_path, suffix, raw):
    path = tmp_path / f"junk{suffix}"
    path.write_bytes(raw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=f"junk{suffix}"):
            read_volume(path)
