"""MRC writes: the same header bytes as mrcfile writes, without a temporary the size of the map."""

import os
import tracemalloc

import mrcfile
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from napari_cryomask.io import write_volume
from napari_cryomask.io.stats import LEAF, header_stats


def mrcfile_bytes(path, volume, voxel_size=None, origin=(0.0, 0.0, 0.0)):
    """The file napari-cryomask wrote through mrcfile before its own writer (the reference)."""
    with mrcfile.new(path, overwrite=True) as mrc:
        with np.errstate(over="ignore", invalid="ignore"):
            mrc.set_data(volume)
        if not (np.isfinite(mrc.header.dmean) and np.isfinite(mrc.header.rms)):
            mrc.header.dmean = volume.mean(dtype=np.float64)
            mrc.header.rms = volume.std(dtype=np.float64)
        if voxel_size is not None:
            mrc.voxel_size = tuple(voxel_size)[::-1]
        mrc.header.origin = tuple(origin)[::-1]
        mrc.header.label[0] = b"napari-cryomask"
        mrc.header.nlabl = 1
    return path.read_bytes()


def kinds(rng, shape, kind):
    if kind == "mask":
        return (rng.random(shape) > 0.6).astype(np.float32)
    if kind == "soft":
        return np.clip(rng.normal(0.5, 0.4, shape), 0, 1).astype(np.float32)
    if kind == "density":
        return rng.normal(-3.0, 7.5, shape).astype(np.float32)
    if kind == "extreme":  # float32 sums overflow: the float64 statistics
        return (rng.choice([-3.3e38, 3.3e38, 1.0], shape)).astype(np.float32)
    if kind == "constant":
        return np.full(shape, -0.0, np.float32)
    raise AssertionError(kind)


@settings(max_examples=60, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 24), st.integers(1, 24), st.integers(1, 24)),
    kind=st.sampled_from(["mask", "soft", "density", "extreme", "constant"]),
    voxel_size=st.one_of(st.none(), st.floats(0.1, 50), st.tuples(*[st.floats(0.1, 50)] * 3)),
    origin=st.tuples(*[st.floats(-1e4, 1e4)] * 3),
    seed=st.integers(0, 2**16),
)
def test_file_is_byte_identical_to_mrcfile_output(tmp_path_factory, shape, kind, voxel_size, origin, seed):
    folder = tmp_path_factory.mktemp("same")
    volume = kinds(np.random.default_rng(seed), shape, kind)
    write_volume(folder / "ours.mrc", volume, voxel_size=voxel_size, origin=origin)
    triple = None if voxel_size is None else (voxel_size,) * 3 if np.ndim(voxel_size) == 0 else voxel_size
    assert (folder / "ours.mrc").read_bytes() == mrcfile_bytes(folder / "ref.mrc", volume, triple, origin)


@pytest.mark.parametrize("shape", [(1, 1, LEAF), (1, 1, LEAF + 1), (2, 3, LEAF + 7), (67, 71, 73), (1, 256, 1031)])
@pytest.mark.parametrize("kind", ["soft", "density", "extreme"])
def test_large_maps_are_byte_identical_too(tmp_path, shape, kind):
    volume = kinds(np.random.default_rng(5), shape, kind)
    write_volume(tmp_path / "ours.mrc", volume, voxel_size=1.7)
    assert (tmp_path / "ours.mrc").read_bytes() == mrcfile_bytes(tmp_path / "ref.mrc", volume, (1.7,) * 3)


def test_two_d_and_integer_data_match_too(tmp_path):
    plane = np.arange(35, dtype=np.int16).reshape(5, 7)
    write_volume(tmp_path / "ours.mrc", plane)
    assert (tmp_path / "ours.mrc").read_bytes() == mrcfile_bytes(tmp_path / "ref.mrc", plane[np.newaxis].astype(np.float32))


def test_statistics_equal_numpy_bit_for_bit():
    rng = np.random.default_rng(3)
    for n in (1, 7, 8, 129, LEAF - 1, LEAF, LEAF + 8, 3 * LEAF + 5):
        data = rng.normal(2, 3, n).astype(np.float32).reshape(1, 1, n)
        s = header_stats(data)
        expected = (data.min(), data.max(), data.mean(dtype=np.float32), data.std(dtype=np.float32))
        assert [np.float32(v).tobytes() for v in (s.min, s.max, s.mean, s.rms)] == [v.tobytes() for v in expected]


def test_non_finite_data_are_found():
    data = np.zeros((3, 4, LEAF // 2), np.float32)
    data[2, 3, -1] = np.nan
    assert not header_stats(data).finite


def test_writing_needs_no_temporary_the_size_of_the_map(tmp_path):
    volume = np.random.default_rng(0).random((256, 256, 256), dtype=np.float32)  # 64 MiB
    write_volume(tmp_path / "warm.mrc", volume[:2])
    tracemalloc.start()
    write_volume(tmp_path / "m.mrc", volume)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < volume.nbytes / 8, f"writing a {volume.nbytes >> 20} MiB map allocated {peak >> 10} KiB"
    assert os.path.getsize(tmp_path / "m.mrc") == 1024 + volume.nbytes
