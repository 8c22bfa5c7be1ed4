"""Particles in napari: lists open as Points and Vectors aligned with the tomogram; the Particle mask model and widget."""

from pathlib import Path

import numpy as np
import pytest
from gui_helpers import all_agree, choose, settle, type_into
from napari.components import ViewerModel
from test_io_particles import dynamo_file, motl_file

from napari_cryomask._napari.particle_model import MASK_LAYER, ParticleModel
from napari_cryomask._napari.particle_widget import OUTPUT_NAME, ParticleMaskWidget
from napari_cryomask._napari.particles_reader import get_particle_reader, read_particle_lists
from napari_cryomask.core.particles import particle_mask
from napari_cryomask.core.shapes import shape_mask
from napari_cryomask.io import read_volume, write_volume
from napari_cryomask.io.em import write_em
from napari_cryomask.io.particles import read_particles
from napari_cryomask.recipes import METADATA_KEY, apply_recipe, sidecar_path

PLUGIN = "napari-cryomask"
BOX = (30, 36, 40)
POSES = [((10.0, 12.0, 14.0), (0, 90, 0)), ((20.5, 25.0, 30.0), (45, 30, 60))]


@pytest.fixture
def tomogram_file(tmp_path):
    path = tmp_path / "tomo_1.mrc"
    write_volume(path, np.random.default_rng(0).normal(size=BOX).astype(np.float32), voxel_size=8.0, origin=(0.0, 16.0, -8.0))
    return path


@pytest.fixture
def listed(tmp_path):
    return motl_file(tmp_path / "particles.em", POSES)


# ---- the reader


def test_the_reader_takes_particle_lists_and_leaves_maps(tmp_path, listed, tomogram_file):
    assert get_particle_reader(str(listed)) is not None
    write_em(tmp_path / "map.em", np.zeros((4, 5, 6)))
    assert get_particle_reader(str(tmp_path / "map.em")) is None  # an EM map goes to the map reader
    assert get_particle_reader(str(tomogram_file)) is None
    assert get_particle_reader([str(listed), str(tomogram_file)]) is None


def test_a_list_opens_on_its_tomogram_with_the_same_scale_and_translate(make_napari_viewer, listed, tomogram_file):
    viewer = make_napari_viewer()
    [tomogram] = viewer.open(str(tomogram_file), plugin=PLUGIN)
    points, vectors = viewer.open(str(listed), plugin=PLUGIN)
    assert type(points).__name__ == "Points" and type(vectors).__name__ == "Vectors"
    for layer in (points, vectors):
        np.testing.assert_array_equal(layer.scale, tomogram.scale)
        np.testing.assert_array_equal(layer.translate, tomogram.translate)
    expected = read_particles(listed, voxel_size=8.0)
    np.testing.assert_allclose(points.data, expected.positions)
    np.testing.assert_allclose(vectors.data[:, 0], expected.positions)
    np.testing.assert_allclose(vectors.data[:, 1], expected.rotations[:, :, 0] * 12)
    # the first particle's z axis turns to -y (theta 90): in world coordinates, -y
    assert vectors.data[0, 1, 1] < -11
    # a point lies where the tomogram's voxel is in the world
    np.testing.assert_allclose(points.data_to_world(points.data[0]), tomogram.data_to_world(expected.positions[0]))
    em_map = listed.with_name("density.em")
    write_em(em_map, np.ones((4, 5, 6)))
    [image] = viewer.open(str(em_map), plugin=PLUGIN)
    assert type(image).__name__ == "Image"


def test_a_list_of_several_tomograms_opens_one_pair_each_and_shows_the_tomograms_own(make_napari_viewer, tmp_path, tomogram_file):
    table = dynamo_file(tmp_path / "two.tbl", [((5.0, 5, 5), (0, 0, 0)), ((20.0, 20, 20), (0, 0, 0))])
    lines = table.read_text().splitlines()
    fields = lines[0].split()
    fields[19] = "7"
    table.write_text(" ".join(fields) + "\n" + lines[1] + "\n")
    viewer = make_napari_viewer()
    viewer.open(str(tomogram_file), plugin=PLUGIN)
    layers = viewer.open(str(table), plugin=PLUGIN)
    assert [layer.name for layer in layers] == ["two 7", "two 7 z axes", "two 1", "two 1 z axes"]
    assert [layer.visible for layer in layers] == [False, False, True, True]  # tomo_1.mrc is tomogram 1


def test_the_real_relion5_list_opens_with_its_tomograms_file(shared_data):
    layers = read_particle_lists(str(shared_data / "particles" / "R5_tutorial_run_data.star"), maps=[])
    assert len(layers) == 10 and [kwargs["visible"] for _, kwargs, _ in layers].count(True) == 2
    data, kwargs, kind = layers[0]
    assert kind == "points" and kwargs["scale"] == (10.0, 10.0, 10.0) and kwargs["name"].startswith("R5_tutorial_run_data TS_")
    assert data.max(axis=0)[0] < 270 and data.min() > 0


# ---- the model, without Qt


@pytest.fixture
def on_tomogram():
    viewer = ViewerModel()
    tomogram = viewer.add_image(np.zeros(BOX, np.float32), scale=(8, 8, 8), translate=(0, 16, -8), name="tomo_1")
    return viewer, tomogram


def test_the_model_places_a_shape_at_every_particle_and_shows_them(on_tomogram, listed):
    viewer, tomogram = on_tomogram
    model = ParticleModel(viewer)
    assert model["tomogram"] is tomogram and model.errors == {"particles": "choose a particle list"}
    model.update(particles=str(listed), object="cylinder", radius=16.0, height=64.0, edge_width=16.0)
    assert model.errors == {}
    layer = model.layer
    expected = particle_mask(BOX, read_particles(listed, voxel_size=8.0), shape="cylinder", radius=2, height=8, edge="cosine",
                             edge_width_px=2)
    np.testing.assert_array_equal(layer.data, expected)
    assert layer.name == OUTPUT_NAME and tuple(layer.scale) == (8, 8, 8) and tuple(layer.translate) == (0, 16, -8)
    recipe = layer.metadata[METADATA_KEY]
    assert recipe["operation"] == "particles" and recipe["origin"] == [0.0, 16.0, -8.0]
    np.testing.assert_array_equal(apply_recipe(recipe)[0], layer.data)
    points = viewer.layers["particles particles"]
    np.testing.assert_array_equal(points.scale, tomogram.scale)
    np.testing.assert_allclose(points.data, read_particles(listed, voxel_size=8.0).positions)


def test_the_model_names_what_is_wrong(on_tomogram, tmp_path, listed):
    viewer, _ = on_tomogram
    model = ParticleModel(viewer)
    model.update(particles=str(tmp_path / "none.star"))
    assert "no such file" in model.errors["particles"]
    bad = tmp_path / "bad.tbl"
    bad.write_text("1 2 3\n")
    model.update(particles=str(bad))
    assert "needs at least 26" in model.errors["particles"]
    table = dynamo_file(tmp_path / "two.tbl", [((5.0, 5, 5), (0, 0, 0)), ((20.0, 20, 20), (0, 0, 0))])
    lines = table.read_text().splitlines()
    second = lines[1].split()
    second[19] = "2"
    table.write_text(lines[0] + "\n" + " ".join(second) + "\n")
    viewer.layers["tomo_1"].name = "tomogram"
    model.update(particles=str(table))
    assert "holds particles of 2 tomograms (1, 2)" in model.errors["tomo"]
    model.update(tomo="2")
    assert model.errors == {} and model.layer.data[20, 20, 20] > 0 and model.layer.data[5, 5, 5] == 0
    model.update(tomo="9")
    assert "no particles of tomogram '9'" in model.errors["tomo"]
    model.update(tomo="", particles=str(listed), object="tube", radius=20.0, inner_radius=30.0)
    assert model.errors["inner_radius"] == "inner radius (30 Å) must be smaller than the radius (20 Å)"


def test_a_saved_mask_layer_goes_into_the_recipe_and_an_unsaved_one_says_so(on_tomogram, tmp_path, listed):
    viewer, _ = on_tomogram
    cone = shape_mask(17, "cone", radius=5, height=12)
    write_volume(tmp_path / "cone.mrc", cone, voxel_size=4.0)
    saved = viewer.add_image(read_volume(tmp_path / "cone.mrc").data, scale=(4, 4, 4), name="cone",
                             metadata={"path": str(tmp_path / "cone.mrc")})
    model = ParticleModel(viewer)
    model.update(particles=str(listed), object=MASK_LAYER, mask=saved)
    assert model.errors == {}
    recipe = model.layer.metadata[METADATA_KEY]
    assert recipe["params"]["mask"] == str((tmp_path / "cone.mrc").resolve()) and recipe["params"]["mask_voxel_size"] == 4.0
    expected = particle_mask(BOX, read_particles(listed, voxel_size=8.0), mask=cone, mask_scale=2.0)
    np.testing.assert_array_equal(model.layer.data, expected)
    unsaved = viewer.add_image(cone * 0.5, scale=(4, 4, 4), name="half cone")
    model.update(mask=unsaved)
    assert "is not a saved file" in model.notice and METADATA_KEY not in model.layer.metadata
    np.testing.assert_array_equal(model.layer.data, particle_mask(BOX, read_particles(listed, voxel_size=8.0), mask=cone * 0.5,
                                                                  mask_scale=2.0))


def test_moving_previews_the_plane_shown(on_tomogram, listed):
    viewer, _ = on_tomogram
    model = ParticleModel(viewer)
    model.update(particles=str(listed), object="sphere", radius=24.0, edge="none")
    viewer.dims.set_current_step(0, 10)
    model.move("radius", 40.0)
    assert model.stale and model.layer.data[10, 12, 18] == 1 and model.layer.data[11, 12, 18] == 0  # only plane 10 redrawn
    model.rest()
    assert not model.stale and model.layer.data[11, 12, 18] == 1


def test_a_typed_box_without_a_tomogram(listed):
    viewer = ViewerModel()
    model = ParticleModel(viewer)
    model.update(particles=str(listed), box=BOX, voxel_size=8.0, object="sphere", radius=16.0, edge="none")
    assert model.errors == {} and model.layer.data.shape == BOX and model.layer.data[10, 12, 14] == 1


# ---- the widget, driven as a person would


def test_the_widget_makes_the_mask_and_everything_agrees(make_napari_viewer, qtbot, tmp_path, listed, tomogram_file):
    from napari_cryomask.cli import main

    viewer = make_napari_viewer()
    viewer.open(str(tomogram_file), plugin=PLUGIN)
    _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, "Particle mask")
    assert isinstance(widget, ParticleMaskWidget)
    line = widget.editors["particles"].line
    qtbot.keyClicks(line, str(listed))
    qtbot.keyClick(line, "\r")
    choose(qtbot, widget.editors["object"].combo, "spherical shell")
    type_into(qtbot, widget.editors["radius"].spin, "40")
    type_into(qtbot, widget.editors["thickness"].spin, "16")
    type_into(qtbot, widget.editors["edge_width"].spin, "8")
    settle(qtbot, widget)
    layer = widget.output
    assert layer.name == OUTPUT_NAME and widget.model.errors == {}
    params = layer.metadata[METADATA_KEY]["params"]
    assert params["shape"] == "sphere" and params["radius"] == 5.0 and params["thickness"] == 2.0 and params["edge_width_px"] == 1.0
    assert any(type(lay).__name__ == "Points" for lay in viewer.layers)
    path = all_agree(widget, tmp_path)
    again = tmp_path / "again.mrc"
    assert main(["recipe", "apply", str(sidecar_path(path)), "-o", str(again)]) in (0, None)
    assert again.read_bytes() == Path(path).read_bytes()
