"""The ``particles`` recipe operation: schema, replay to the same array, files pinned by their digests."""

import numpy as np
import pytest
from test_io_particles import motl_file

from napari_cryomask.core.particles import particle_mask
from napari_cryomask.core.shapes import shape_mask
from napari_cryomask.io import Volume, write_volume
from napari_cryomask.io.particles import read_particles
from napari_cryomask.recipes import apply_recipe, data_digest, make_recipe, recipe_with_like
from napari_cryomask.recipes.particles import file_sha256

BOX = (30, 36, 40)
POSES = [((10.0, 12.0, 14.0), (0, 90, 0)), ((20.5, 25.0, 30.0), (45, 30, 60))]


@pytest.fixture
def listed(tmp_path):
    return motl_file(tmp_path / "motl.em", POSES, classes=[2, 5])


def test_a_shape_recipe_replays_to_the_core_mask(listed):
    params = {"list": str(listed), "list_sha256": file_sha256(listed), "shape": "ellipsoid", "radii": [2, 3, 5],
              "edge": "cosine", "edge_width_px": 2.0, "offset": [1, 0, 0], "labels": None, "dtype": "float32"}
    recipe = make_recipe("particles", params, box_shape=BOX, voxel_size=8.0)
    mask, voxel_size = apply_recipe(recipe)
    expected = particle_mask(BOX, read_particles(listed), shape="ellipsoid", radii=(2, 3, 5), edge="cosine", edge_width_px=2,
                             offset=(1, 0, 0))
    assert voxel_size == (8.0, 8.0, 8.0)
    np.testing.assert_array_equal(mask, expected)
    assert data_digest(apply_recipe(recipe)[0]) == data_digest(mask)


def test_a_mask_recipe_is_pinned_to_its_file(tmp_path, listed):
    volume = shape_mask(21, "cone", radius=4, height=12)
    write_volume(tmp_path / "cone.mrc", volume, voxel_size=4.0)
    params = {"list": str(listed), "mask": str(tmp_path / "cone.mrc"), "mask_sha256": data_digest(volume), "mask_voxel_size": 4.0,
              "labels": "class"}
    recipe = make_recipe("particles", params, box_shape=BOX, voxel_size=8.0)
    labels, _ = apply_recipe(recipe)
    assert labels.dtype == np.uint16 and set(np.unique(labels)) == {0, 2, 5}
    expected = particle_mask(BOX, read_particles(listed), mask=volume, mask_scale=2.0, labels="class")
    np.testing.assert_array_equal(labels, expected)
    write_volume(tmp_path / "cone.mrc", volume * 0.5, voxel_size=4.0, overwrite=True)
    with pytest.raises(ValueError, match="has changed since the recipe was made"):
        apply_recipe(recipe)


def test_retargeting_onto_another_tomogram_keeps_the_list(listed):
    recipe = make_recipe("particles", {"list": str(listed), "shape": "sphere", "radius": 2}, box_shape=BOX, voxel_size=8.0)
    like = Volume(np.zeros((20, 20, 20), np.float32), (4.0, 4.0, 4.0), (0.0, 0.0, 0.0))
    moved = recipe_with_like(recipe, like, "other.mrc")
    assert moved["box_shape"] == [20, 20, 20] and moved["voxel_size"] == [4.0, 4.0, 4.0]
    assert moved["params"]["list"] == str(listed)
    assert apply_recipe(moved)[0].shape == (20, 20, 20)


@pytest.mark.parametrize("params, needle", [
    ({"shape": "sphere", "radius": 2, "colour": 1}, "unknown parameter 'colour'"),
    ({"shape": "sphere", "radius": 2, "dtype": "int16"}, "params.dtype must be one of float32, uint8"),
    ({"shape": "blob", "radius": 2}, "params.shape must be one of"),
    ({"shape": "sphere", "radius": -2}, "params.radius must be ≥ 0"),
    ({"shape": "sphere", "radius": 2, "labels": "all"}, "params.labels must be one of particle, class"),
    ({"mask_voxel_size": 0, "mask": "m.mrc"}, "params.mask_voxel_size must be > 0"),
])
def test_the_schema_refuses_bad_params(listed, params, needle):
    with pytest.raises(ValueError, match=needle):
        make_recipe("particles", {"list": str(listed), **params}, box_shape=BOX)


def test_a_recipe_without_shape_or_mask_or_box_is_refused(listed):
    with pytest.raises(ValueError, match="needs a shape or a mask"):
        apply_recipe(make_recipe("particles", {"list": str(listed)}, box_shape=BOX))
    with pytest.raises(ValueError, match="needs box_shape"):
        apply_recipe(make_recipe("particles", {"list": str(listed), "shape": "sphere", "radius": 2}))
