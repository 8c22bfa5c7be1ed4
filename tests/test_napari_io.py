"""The napari reader and writers, driven through a real viewer and real files."""

import json

import mrcfile
import numpy as np
import pytest

from napari_cryomask._napari.layer_data import robust_contrast_limits
from napari_cryomask._napari.reader import get_reader
from napari_cryomask.io import read_volume, write_volume
from napari_cryomask.recipes import data_digest

PLUGIN = "napari-cryomask"


def _ramp(shape=(6, 7, 8)):
    return np.arange(np.prod(shape), dtype=np.float32).reshape(shape) / 10.0


def _cause_chain(error):
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


# ---- reader ---------------------------------------------------------------


def test_reader_refuses_what_it_does_not_handle(tmp_path):
    tif = tmp_path / "cells.tif"
    tif.write_bytes(b"II*\x00")
    folder = tmp_path / "stack.mrc"
    folder.mkdir()
    mrc = tmp_path / "a.mrc"
    write_volume(mrc, _ramp())

    assert get_reader(str(tif)) is None
    assert get_reader(str(tmp_path / "missing" / "cells.tif")) is None
    assert get_reader(str(folder)) is None
    assert get_reader([str(mrc), str(tif)]) is None
    assert get_reader([]) is None
    assert callable(get_reader(str(mrc)))


def test_reader_accepts_upper_case_suffix_and_lists(tmp_path):
    upper = tmp_path / "A.MRC"
    lower = tmp_path / "b.em"
    write_volume(upper, _ramp(), voxel_size=2.0)
    write_volume(lower, _ramp() * 2, voxel_size=3.0)

    layers = get_reader([str(upper), str(lower)])([str(upper), str(lower)])

    assert [kw["name"] for _, kw, _ in layers] == ["A", "b"]
    assert [kind for *_, kind in layers] == ["image", "image"]
    np.testing.assert_allclose(layers[1][0], _ramp() * 2)
    np.testing.assert_allclose(layers[1][1]["scale"], (3.0, 3.0, 3.0), rtol=1e-6)


@pytest.mark.parametrize(
    ("suffix", "voxel_size"),
    [(".mrc", (2.0, 3.0, 4.0)), (".em", (2.5, 2.5, 2.5))],  # EM stores one voxel size
)
def test_viewer_open_keeps_data_and_scale(make_napari_viewer, tmp_path, suffix, voxel_size):
    data = _ramp()
    path = tmp_path / f"tomo_part{suffix}"
    write_volume(path, data, voxel_size=voxel_size)
    viewer = make_napari_viewer()

    [layer] = viewer.open(str(path), plugin=PLUGIN)

    assert layer.name == "tomo_part"
    assert layer.colormap.name == "gray"
    np.testing.assert_array_equal(np.asarray(layer.data), data)
    np.testing.assert_allclose(layer.scale, voxel_size, rtol=1e-6)
    np.testing.assert_allclose(layer.translate, (0.0, 0.0, 0.0))
    assert layer.metadata["path"] == str(path)
    np.testing.assert_allclose(layer.metadata["voxel_size"], voxel_size, rtol=1e-6)
    assert layer.metadata["header"] == read_volume(path).header


def test_mrc_origin_becomes_translate(make_napari_viewer, tmp_path):
    path = tmp_path / "shifted.mrc"
    write_volume(path, _ramp(), voxel_size=2.0, origin=(10.0, 20.0, 30.0))
    viewer = make_napari_viewer()

    [layer] = viewer.open(str(path), plugin=PLUGIN)

    np.testing.assert_allclose(layer.translate, (10.0, 20.0, 30.0), rtol=1e-6)


def test_contrast_limits_ignore_outliers(make_napari_viewer, tmp_path):
    data = _ramp((10, 10, 10))
    data[0, 0, 0] = 1e6
    data[9, 9, 9] = np.nan
    path = tmp_path / "hot_pixel.mrc"
    with mrcfile.new(path) as mrc:  # write_volume refuses NaN; real maps may hold some
        mrc.set_data(data)
    viewer = make_napari_viewer()

    [layer] = viewer.open(str(path), plugin=PLUGIN)

    low, high = layer.contrast_limits
    assert 0.0 <= low < 1.0
    assert 98.0 < high < 100.0


def test_contrast_limits_of_flat_and_empty_maps():
    assert robust_contrast_limits(np.full((3, 3, 3), 2.5)) == (2.5, 3.5)
    assert robust_contrast_limits(np.full((3, 3), np.nan)) == (0.0, 1.0)


def test_opening_a_corrupt_map_names_the_file(make_napari_viewer, tmp_path):
    path = tmp_path / "broken_average.mrc"
    path.write_bytes(b"this is not an MRC file" * 10)
    viewer = make_napari_viewer()

    with pytest.raises(Exception) as info:
        viewer.open(str(path), plugin=PLUGIN)

    chain = list(_cause_chain(info.value))
    assert any(isinstance(error, ValueError) for error in chain)
    assert any("broken_average.mrc" in str(error) for error in chain)
    assert len(viewer.layers) == 0


# ---- writers ---------------------------------------------------------------


def test_save_image_layer_to_mrc(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    data = _ramp().astype(np.float64)
    viewer.add_image(data, scale=(2.0, 3.0, 4.0), translate=(8.0, 6.0, 4.0), name="avg")
    out = tmp_path / "avg_out.mrc"

    written = viewer.layers.save(str(out), selected=True, plugin=PLUGIN)

    assert written == [str(out)]
    with mrcfile.open(out, permissive=False) as mrc:
        assert mrc.data.dtype == np.float32
        size = mrc.voxel_size
        np.testing.assert_allclose((size.z, size.y, size.x), (2.0, 3.0, 4.0), rtol=1e-6)
        np.testing.assert_array_equal(mrc.data, data.astype(np.float32))
    volume = read_volume(out)
    np.testing.assert_array_equal(volume.data, data.astype(np.float32))
    np.testing.assert_allclose(volume.voxel_size, (2.0, 3.0, 4.0), rtol=1e-6)
    np.testing.assert_allclose(volume.origin, (8.0, 6.0, 4.0), rtol=1e-6)


def test_save_labels_layer_to_em_and_open_again(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    labels = np.zeros((5, 6, 7), dtype=np.uint8)
    labels[1:4, 2:5, 3:6] = 1
    viewer.add_labels(labels, scale=(5.0, 5.0, 5.0), name="mask")
    out = tmp_path / "mask.em"

    assert viewer.layers.save(str(out), selected=True, plugin=PLUGIN) == [str(out)]

    volume = read_volume(out)
    assert volume.data.dtype == np.float32
    np.testing.assert_array_equal(volume.data, labels.astype(np.float32))
    [reopened] = viewer.open(str(out), plugin=PLUGIN)
    np.testing.assert_array_equal(np.asarray(reopened.data), labels.astype(np.float32))
    np.testing.assert_allclose(reopened.scale, (5.0, 5.0, 5.0), rtol=1e-6)


def test_save_replaces_an_existing_file(make_napari_viewer, tmp_path):
    out = tmp_path / "again.mrc"
    write_volume(out, np.zeros((2, 2, 2), np.float32))
    viewer = make_napari_viewer()
    viewer.add_image(_ramp(), name="new")

    viewer.layers.save(str(out), selected=True, plugin=PLUGIN)

    np.testing.assert_array_equal(read_volume(out).data, _ramp())


def test_save_2d_layer_as_one_slice(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    plane = _ramp((1, 9, 11))[0]
    viewer.add_image(plane, scale=(3.0, 2.0), name="plane")
    out = tmp_path / "plane.mrc"

    viewer.layers.save(str(out), selected=True, plugin=PLUGIN)

    volume = read_volume(out)
    assert volume.data.shape == (1, 9, 11)
    np.testing.assert_array_equal(volume.data[0], plane)
    np.testing.assert_allclose(volume.voxel_size[1:], (3.0, 2.0), rtol=1e-6)


def test_recipe_metadata_travels_as_sidecar(make_napari_viewer, tmp_path):
    recipe = {"cryomask_recipe": 1, "operation": "shape", "params": {"shape": "sphere", "radius": 12.5}}
    viewer = make_napari_viewer()
    viewer.add_labels(
        np.ones((4, 4, 4), np.uint8), name="ball", metadata={"cryomask_recipe": recipe}
    )
    out = tmp_path / "ball.mrc"

    viewer.layers.save(str(out), selected=True, plugin=PLUGIN)

    sidecar = tmp_path / "ball.mrc.json"
    saved = json.loads(sidecar.read_text())
    assert saved.pop("data_sha256") == data_digest(np.ones((4, 4, 4)))
    assert saved == recipe
    [reopened] = viewer.open(str(out), plugin=PLUGIN)
    assert {k: v for k, v in reopened.metadata["cryomask_recipe"].items() if k != "data_sha256"} == recipe

    # Saving a layer without a recipe over it drops the now stale recipe.
    viewer.layers.selection.active = viewer.add_image(np.zeros((4, 4, 4)), name="plain")
    viewer.layers.save(str(out), selected=True, plugin=PLUGIN)
    assert not sidecar.exists()


def test_unrelated_json_beside_the_map_is_kept(make_napari_viewer, tmp_path):
    notes = tmp_path / "map.mrc.json"
    notes.write_text('{"comment": "not a recipe"}')
    viewer = make_napari_viewer()
    viewer.add_image(_ramp(), name="map")

    viewer.layers.save(str(tmp_path / "map.mrc"), selected=True, plugin=PLUGIN)

    assert json.loads(notes.read_text()) == {"comment": "not a recipe"}


# ---- real maps --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shape", "scale"),
    [
        ("EMD-3001.map", (73, 25, 43), (0.459, 0.3925, 0.448)),
        ("EMD-3197.map", (20, 20, 20), (11.4, 11.4, 11.4)),
    ],
)
def test_real_maps_open_with_shape_and_scale(shared_data, make_napari_viewer, name, shape, scale):
    viewer = make_napari_viewer()

    [layer] = viewer.open(str(shared_data / name), plugin=PLUGIN)

    assert layer.data.shape == shape
    # The README's voxel sizes are rounded to 0.001 Å (EMD-3001 z is 0.45875).
    np.testing.assert_allclose(layer.scale, scale, atol=5e-4)
    low, high = layer.contrast_limits
    assert low < high
