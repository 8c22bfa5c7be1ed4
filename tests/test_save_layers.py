"""File > Save Selected Layers with several masks: one file per layer, each with its recipe."""

import json

import numpy as np
import pytest

from napari_cryomask._napari.shape_model import ShapeModel
from napari_cryomask.io import read_volume
from napari_cryomask.recipes import METADATA_KEY, apply_recipe, sidecar_path


@pytest.fixture
def two_masks(make_napari_viewer):
    viewer = make_napari_viewer()
    viewer.add_image(np.random.default_rng(1).normal(size=(32, 32, 32)).astype(np.float32), scale=(2.0, 2.0, 2.0), name="map")
    model = ShapeModel(viewer)
    model.set("radius", 10.0)
    model.new_mask()
    model.update(shape="cuboid", size=(20.0, 30.0, 40.0))
    first, second = viewer.layers["shape mask"], viewer.layers["shape mask [1]"]
    viewer.layers.selection = {first, second}
    return viewer, first, second


def test_several_selected_masks_are_saved_one_file_each(two_masks, tmp_path):
    viewer, first, second = two_masks
    written = viewer.layers.save(str(tmp_path / "masks.mrc"), selected=True, plugin="napari-cryomask")
    assert sorted(written) == sorted([str(tmp_path / "masks_shape_mask.mrc"), str(tmp_path / "masks_shape_mask_1.mrc")])
    for layer, path in ((first, tmp_path / "masks_shape_mask.mrc"), (second, tmp_path / "masks_shape_mask_1.mrc")):
        volume = read_volume(path)
        assert np.array_equal(volume.data, layer.data) and volume.voxel_size == (2.0, 2.0, 2.0)
        recipe = json.loads(sidecar_path(path).read_text())
        assert recipe["params"] == layer.metadata[METADATA_KEY]["params"]
        assert np.array_equal(apply_recipe(recipe)[0], layer.data)


def test_names_that_would_collide_are_refused_before_writing(two_masks, tmp_path):
    viewer, first, second = two_masks
    second.name = "shape mask?"  # both become shape_mask.mrc
    first.name = "shape mask!"
    with pytest.warns(UserWarning, match="would both be written to masks_shape_mask.mrc; rename one"):
        viewer.layers.save(str(tmp_path / "masks.mrc"), selected=True, plugin="napari-cryomask")
    assert not (tmp_path / "masks_shape_mask.mrc").exists()
