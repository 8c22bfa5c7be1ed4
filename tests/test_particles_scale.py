"""Tomogram scale: slab-by-slab writing, bounded memory, dask (threads and a LocalCluster) giving the same mask and bytes."""

import os
import subprocess
import sys
import textwrap
import tracemalloc

import mrcfile
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from napari_cryomask.core.particles import placement, slab_regions
from napari_cryomask.core.shapes import shape_mask
from napari_cryomask.io import read_volume, write_volume
from napari_cryomask.io.particles_write import write_mask_file
from napari_cryomask.recipes import data_digest

BOX = (45, 62, 71)


def plan(n=60, box=BOX, **kwargs):
    rng = np.random.default_rng(2)
    positions = rng.uniform(-0.05, 1.05, (n, 3)) * np.array(box)
    rotations = Rotation.random(n, random_state=3).as_matrix()[:, ::-1, ::-1]
    kwargs = kwargs or dict(shape="cylinder", radius=3, height=12, edge="cosine", edge_width_px=2)
    return placement(box, (positions, rotations), **kwargs)


@pytest.mark.parametrize("dtype", [np.float32, np.uint8, np.uint16, np.int32])
@pytest.mark.parametrize("suffix", [".mrc", ".em"])
def test_every_dtype_reads_back_with_its_values_voxel_size_and_digest(tmp_path, dtype, suffix):
    top = {np.float32: 1, np.uint8: 2, np.uint16: 65535, np.int32: 70000}[dtype]
    data = (np.random.default_rng(1).random((9, 10, 11)) * top).astype(dtype)
    path = tmp_path / f"m{suffix}"
    digest = write_mask_file(path, data, voxel_size=6.5)
    volume = read_volume(path)
    np.testing.assert_array_equal(volume.data.astype(np.float64), data.astype(np.float64))
    assert volume.voxel_size == (6.5, 6.5, 6.5) and digest == data_digest(data)
    if suffix == ".mrc":
        with mrcfile.open(path) as mrc:
            assert mrc.header.dmax == data.max() and mrc.header.dmin == data.min()
            assert abs(float(mrc.header.dmean) - data.mean()) < 1e-5 * max(1, abs(data.mean()))
            assert abs(float(mrc.header.rms) - data.std()) < 1e-5 * max(1, data.std())
    assert sorted(os.listdir(tmp_path)) == [path.name]


def test_uint8_holds_small_numbers_only(tmp_path):
    with pytest.raises(ValueError, match="holds 0 and 1; found 200"):
        write_mask_file(tmp_path / "m.mrc", np.full((2, 2, 2), 200, np.uint8))
    assert os.listdir(tmp_path) == []


def test_a_float32_mask_has_the_header_io_writes_but_float64_statistics(tmp_path):
    data = shape_mask(BOX, "sphere", radius=12, edge="cosine", edge_width_px=4)
    write_mask_file(tmp_path / "ours.mrc", data, voxel_size=(4.0, 4.0, 4.0), origin=(8.0, -4.0, 2.0))
    write_volume(tmp_path / "io.mrc", data, voxel_size=(4.0, 4.0, 4.0), origin=(8.0, -4.0, 2.0))
    ours, theirs = (tmp_path / "ours.mrc").read_bytes(), (tmp_path / "io.mrc").read_bytes()
    assert ours[1024:] == theirs[1024:]
    differ = [i for i in range(1024) if ours[i] != theirs[i]]
    assert set(differ) <= set(range(76, 88)) | set(range(216, 220))  # dmin, dmax, dmean, rms


def test_a_placement_streams_to_the_bytes_of_its_rendered_array(tmp_path):
    p = plan()
    whole = p.render()
    a = write_mask_file(tmp_path / "streamed.mrc", p, voxel_size=10)
    b = write_mask_file(tmp_path / "array.mrc", whole, voxel_size=10)
    assert a == b == data_digest(whole)
    assert (tmp_path / "streamed.mrc").read_bytes() == (tmp_path / "array.mrc").read_bytes()


class _Failing:
    """Computes the first slab, then fails: a write interrupted half way."""

    def __init__(self, box):
        self.box_shape, self.dtype, self.calls = box, np.dtype(np.float32), 0

    def block(self, region):
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError("disk full")
        return np.ones(tuple(s.stop - s.start for s in region), np.float32)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    import napari_cryomask.io.particles_write as writer

    monkeypatch.setattr(writer, "slab_regions", lambda shape, dtype: slab_regions(shape, dtype, slab_bytes=4 * 62 * 71 * 5))
    path = tmp_path / "m.mrc"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="disk full"):
        write_mask_file(path, _Failing(BOX), overwrite=True)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["m.mrc"]
    with pytest.raises(FileExistsError):
        write_mask_file(path, np.zeros((2, 2, 2), np.float32))


def test_streaming_holds_a_slab_not_the_mask(tmp_path):
    box = (192, 512, 512)  # 192 MiB of float32; slabs of 64 MiB
    p = plan(n=80, box=box, shape="sphere", radius=10, thickness=3)
    tracemalloc.start()
    write_mask_file(tmp_path / "big.mrc", p)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 0.5 * p.nbytes, peak / p.nbytes
    assert read_volume(tmp_path / "big.mrc").data.shape == box


def test_a_mask_larger_than_the_memory_allowed_is_written(tmp_path):
    """The process may allocate 300 MB more than it holds at the start (RLIMIT_DATA); the mask is 512 MiB."""
    code = textwrap.dedent(f"""
        import resource, numpy as np
        from napari_cryomask.core.particles import placement
        from napari_cryomask.io.particles_write import write_mask_file
        box = (128, 1024, 1024)
        positions = np.random.default_rng(0).uniform(0, 1, (200, 3)) * box
        p = placement(box, positions, shape="sphere", radius=12, thickness=3)
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
        used = int(status["VmData"].split()[0]) * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (used + (300 << 20), resource.RLIM_INFINITY))
        try:
            np.ones(box, np.float32)
        except MemoryError:
            pass
        else:
            raise SystemExit("the limit did not hold")
        write_mask_file({str(tmp_path / 'huge.mrc')!r}, p)
        print("written")
    """)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0 and "written" in done.stdout, done.stderr[-2000:]
    positions = np.random.default_rng(0).uniform(0, 1, (200, 3)) * (128, 1024, 1024)
    with mrcfile.mmap(tmp_path / "huge.mrc") as mrc:
        assert mrc.data.shape == (128, 1024, 1024) and float(mrc.header.dmax) == 1.0
        z, y, x = np.round(positions[0]).astype(int)
        assert mrc.data[z, y, x] == 0 and mrc.data[z, y, min(x + 11, 1023)] == 1  # the hollow and the shell
    (tmp_path / "huge.mrc").unlink()


# ---- dask


def _chunks(box):
    return (17, 25, 40)


@pytest.mark.parametrize("kwargs", [
    dict(shape="cylinder", radius=3, height=12, edge="cosine", edge_width_px=2),
    dict(shape="ellipsoid", radii=(3, 4, 6), labels="particle"),
    dict(mask=shape_mask(15, "cone", radius=5, height=11, edge="cosine", edge_width_px=2), mask_scale=1.3),
], ids=["shape", "labels", "mask"])
def test_dask_threads_give_the_same_mask(kwargs):
    da = pytest.importorskip("dask.array")
    p = plan(**kwargs)
    expected = p.render()
    np.testing.assert_array_equal(p.to_dask(_chunks(BOX)).compute(scheduler="threads"), expected)
    # map_blocks calls the placement itself
    lazy = da.map_blocks(p, chunks=da.core.normalize_chunks((20, 31, 36), BOX), dtype=p.dtype, meta=np.empty((0, 0, 0), p.dtype))
    np.testing.assert_array_equal(lazy.compute(scheduler="threads"), expected)


def test_dask_writes_the_same_bytes(tmp_path):
    pytest.importorskip("dask")
    p = plan()
    write_mask_file(tmp_path / "serial.mrc", p)
    write_mask_file(tmp_path / "threads.mrc", p, scheduler="threads")
    assert (tmp_path / "serial.mrc").read_bytes() == (tmp_path / "threads.mrc").read_bytes()


def test_a_local_cluster_computes_and_writes_the_same(tmp_path):
    pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    p = plan(shape="sphere", radius=5, thickness=2, edge="gaussian", edge_width_px=1)
    expected = p.render()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            np.testing.assert_array_equal(p.to_dask(_chunks(BOX)).compute(), expected)
            write_mask_file(tmp_path / "cluster.mrc", p, voxel_size=7.0, scheduler=client)
    write_mask_file(tmp_path / "serial.mrc", p, voxel_size=7.0)
    assert (tmp_path / "cluster.mrc").read_bytes() == (tmp_path / "serial.mrc").read_bytes()
