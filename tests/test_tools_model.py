"""The Mask tools model without Qt: each operation, its recipe replayed, its checks, its layers, its inputs followed."""

import math
import warnings

import numpy as np
import pytest
from manual_runner import ManualRunner
from napari.components import ViewerModel

from napari_cryomask._napari.mask_layer import STALE_KEY
from napari_cryomask._napari.reader import get_reader
from napari_cryomask._napari.shape_model import ShapeModel
from napari_cryomask._napari.tools_model import ToolsModel
from napari_cryomask.core.shapes import sphere
from napari_cryomask.io import write_volume
from napari_cryomask.recipes import METADATA_KEY, apply_recipe, data_digest


@pytest.fixture
def on_shape():
    """An off-centre soft sphere from the Shape mask model (48³ voxels of 2 Å, at an origin) over its map."""
    viewer = ViewerModel()
    viewer.add_image(np.random.default_rng(0).normal(size=(48, 48, 48)).astype(np.float32), scale=(2.0, 2.0, 2.0),
                     translate=(10.0, 20.0, 30.0), name="map")
    shape = ShapeModel(viewer)
    shape.update(radius=10.0, edge="cosine", edge_width=6.0, center=(24.0, 24.0, 36.0))
    return viewer, shape.layer, shape


def open_file(viewer, path):
    """What File > Open does with our reader (npe2 needs no Qt, but a ViewerModel knows no plugins)."""
    [(data, kwargs, kind)] = get_reader(str(path))(str(path))
    assert kind == "image"
    return viewer.add_image(data, **kwargs)


def replays(layer):
    """The layer holds what its recipe replays to, and the recipe says so."""
    recipe = layer.metadata[METADATA_KEY]
    return np.array_equal(apply_recipe(recipe)[0], layer.data) and recipe["data_sha256"] == data_digest(layer.data)


def test_c4_of_a_shape_is_exact_invariant_under_a_quarter_turn_and_replays(on_shape):
    viewer, mask, _ = on_shape
    model = ToolsModel(viewer)
    assert model["mask"] is mask and model["center"] == (24.0, 24.0, 24.0)
    assert (model["edge"], model["edge_width"]) == ("cosine", 6.0)  # from the mask's recipe
    model.set("group", "c4")
    out = model.layer
    assert out.name == "symmetrized mask" and tuple(out.translate) == (10.0, 20.0, 30.0)
    recipe = out.metadata[METADATA_KEY]
    assert recipe["operation"] == "symmetrize" and recipe["params"]["group"] == "C4" and recipe["params"]["center"] is None
    assert recipe["inputs"][0]["operation"] == "shape" and recipe["origin"] == [10.0, 20.0, 30.0]
    about_centre = out.data[:, 1:, 1:]  # y and x from 1 to 47: a quarter turn about 24 maps it onto itself
    assert out.data[:, 0, :].max() == 0 and np.allclose(np.rot90(about_centre, 1, axes=(1, 2)), about_centre, atol=1e-6)
    assert "C4: 4 copies, each copy the mask's shape moved exactly (union)" in model.readout
    assert replays(out) and not model.stale


def test_average_of_copies_keeps_what_enough_cover_and_rebuilds_the_edge(on_shape):
    viewer, mask, _ = on_shape
    model = ToolsModel(viewer)
    assert "threshold" not in model.visible()
    model.update(group="C2", mode="average")
    assert {"threshold", "edge", "edge_width"} <= model.visible()
    assert model.layer.data[24, 24, 36] == 1 and model.layer.data[24, 24, 12] == 1  # each copy covered by half
    model.set("threshold", 0.75)
    assert model.layer.data.max() < 0.5 and replays(model.layer)  # no voxel is in 3 of 4 of two copies
    assert model.layer.metadata[METADATA_KEY]["params"]["mode"] == "average"


def test_a_mask_from_a_file_is_resampled_and_its_recipe_pins_the_file(tmp_path):
    viewer = ViewerModel()
    path = tmp_path / "drawn.mrc"
    write_volume(path, sphere(40, 5, center=(20, 20, 30), edge="gaussian", edge_width_px=1.5), voxel_size=3.0)
    mask = open_file(viewer, path)
    model = ToolsModel(viewer)
    assert model["mask"] is mask and model["edge"] == "gaussian"  # estimated from the mask
    model.set("group", "C3")
    recipe = model.layer.metadata[METADATA_KEY]
    assert recipe["inputs"][0]["operation"] == "file" and recipe["inputs"][0]["params"]["path"] == str(path)
    assert "the mask resampled (linear interpolation)" in model.readout
    assert replays(model.layer)
    for k in range(3):
        angle = math.radians(120 * k)
        assert model.layer.data[20, round(20 + 10 * math.sin(angle)), round(20 + 10 * math.cos(angle))] > 0.9, k
    write_volume(path, np.zeros((40, 40, 40), np.float32), voxel_size=3.0, overwrite=True)
    with pytest.raises(Exception, match="drawn.mrc"):
        apply_recipe(recipe)


def test_a_mask_with_neither_recipe_nor_file_works_and_says_it_cannot_replay():
    viewer = ViewerModel()
    viewer.add_image(sphere(32, 4, center=(16, 16, 24)), name="drawn")
    model = ToolsModel(viewer)
    model.set("operation", "clip")
    assert model.layer.name == "clipped mask" and "cannot be replayed" in model.notice


def test_a_layer_changed_by_hand_is_taken_from_its_data_not_its_old_recipe(on_shape, tmp_path):
    viewer, mask, _ = on_shape
    mask.data = np.where(np.arange(48)[None, None, :] < 40, mask.data, 0).astype(np.float32)  # cut, recipe untouched
    mask.metadata[STALE_KEY] = "changed by hand"
    model = ToolsModel(viewer)
    model.set("group", "C2")
    assert model.layer.metadata[METADATA_KEY]["inputs"][0]["params"]["path"] is None
    assert "cannot be replayed" in model.notice


def test_helix_clip_and_their_checks_in_angstrom(on_shape):
    viewer, mask, _ = on_shape
    model = ToolsModel(viewer)
    model.update(operation="helix", z_fraction=0.5)
    params = model.layer.metadata[METADATA_KEY]["params"]
    assert model.layer.name == "helical mask" and params["z_edge_px"] == 5.0 and "twist_deg" not in params
    assert "central 50 % along z" in model.readout and replays(model.layer)
    model.update(helical=True, twist=60.0, rise=4.0, units=0)
    params = model.layer.metadata[METADATA_KEY]["params"]
    assert params["rise_px"] == 2.0 and params["units"] > 1 and replays(model.layer)

    model.update(operation="clip", clip_by="sphere", radius=20.0, taper=20.0)
    assert "taper (20 Å) must be smaller than the radius (20 Å)" in model.errors["taper"] and model.layer is None
    model.set("taper", 4.0)
    clipped = model.layer
    assert clipped.name == "clipped mask" and not model.errors and clipped.metadata[METADATA_KEY]["params"]["radius"] == 10.0
    assert mask.data[24, 24, 36] == 1 and clipped.data[24, 24, 36] == 0 and clipped.data[24, 24, 32] == 1
    model.update(clip_by="box", size=(20.0, 20.0, 30.0), taper=0.0)
    assert clipped.metadata[METADATA_KEY]["params"]["size"] == [10.0, 10.0, 15.0] and replays(clipped)
    assert clipped.data[24, 24, 31] == 1 and clipped.data[24, 24, 32] == 0  # 24 + 15 // 2


def test_bad_values_are_named_and_nothing_is_computed(on_shape):
    viewer, mask, _ = on_shape
    model = ToolsModel(viewer)
    before = np.array(model.layer.data)
    model.set("group", "X5")
    assert "symmetry ('X5') is not a symmetry group" in model.errors["group"] and np.array_equal(model.layer.data, before)
    model.update(group="C2", operation="resample", map=None)
    assert "choose the map whose grid the mask goes onto" in model.errors["map"]


def test_apply_to_map_gives_a_map_with_a_replayable_recipe_when_the_map_has_a_file(tmp_path):
    viewer = ViewerModel()
    density = np.random.default_rng(2).normal(1.0, 0.2, (32, 32, 32)).astype(np.float32)
    write_volume(tmp_path / "map.mrc", density, voxel_size=2.0)
    write_volume(tmp_path / "mask.mrc", sphere(32, 8, edge="cosine", edge_width_px=3), voxel_size=2.0)
    map_layer = open_file(viewer, tmp_path / "map.mrc")
    mask = open_file(viewer, tmp_path / "mask.mrc")
    model = ToolsModel(viewer)
    model.update(operation="apply to map", outside="mean")
    out = model.layer
    assert model["map"] is map_layer and out.name == "masked map" and "display" not in model.visible()
    inside, outside = mask.data == 1, mask.data == 0
    assert np.array_equal(out.data[inside], density[inside])
    weights = 1.0 - mask.data.astype(np.float64)  # the outside mean, weighted by 1 - m
    assert np.allclose(out.data[outside], (density * weights).sum() / weights.sum(), atol=1e-5)
    assert replays(out) and "outside the mask: mean" in model.readout
    viewer.layers.remove(map_layer)
    assert model["map"] is None and "choose the map to apply the mask to" in model.errors["map"]


def test_apply_refuses_another_box_and_warns_once_on_another_voxel_size(on_shape):
    viewer, mask, _ = on_shape
    model = ToolsModel(viewer)
    small = viewer.add_image(np.ones((24, 24, 24), np.float32), scale=(4.0, 4.0, 4.0), name="binned")
    model.update(operation="apply to map", map=small)
    assert "resample the mask onto the map's grid first" in model.errors["map"]
    coarse = viewer.add_image(np.ones((48, 48, 48), np.float32), scale=(2.5, 2.5, 2.5), name="coarse")
    with pytest.warns(UserWarning, match="voxels of 2 Å but 'coarse' is 48×48×48 voxels of 2.5 Å"):
        model.set("map", coarse)
    assert "warning:" in model.notice
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.set("outside", "lowpass")


def test_resample_onto_a_binned_map_keeps_the_radius_and_edge_in_angstrom(on_shape):
    viewer, mask, _ = on_shape
    binned = viewer.add_image(np.ones((24, 24, 24), np.float32), scale=(4.0, 4.0, 4.0), translate=(10.0, 20.0, 30.0),
                              name="binned")
    model = ToolsModel(viewer)
    assert model["mask"] is binned  # ones are a mask too: the last one is chosen
    model.update(mask=mask, operation="resample", map=binned)
    out = model.layer
    assert out.data.shape == (24, 24, 24) and tuple(out.scale) == (4.0, 4.0, 4.0) and tuple(out.translate) == (10.0, 20.0, 30.0)
    params = out.metadata[METADATA_KEY]["params"]
    assert (params["edge"], params["edge_width_A"]) == ("cosine", 6.0) and replays(out)

    def radius_A(data, voxel_A):
        return (3 * np.count_nonzero(data >= 0.5) * voxel_A**3 / (4 * math.pi)) ** (1 / 3)

    assert radius_A(out.data, 4.0) == pytest.approx(radius_A(mask.data, 2.0), abs=2.0)
    assert "resampled onto 24×24×24 voxels of 4 Å; its cosine edge of 6 Å rebuilt" in model.readout


def test_each_operation_mask_and_map_has_its_own_layer(on_shape):
    viewer, mask, _ = on_shape
    other = viewer.add_image(sphere(48, 6, center=(24, 24, 12)), scale=(2.0, 2.0, 2.0), name="other")
    model = ToolsModel(viewer)
    assert model["mask"] is other
    model.set("mask", mask)
    symmetrized = model.layer
    model.set("operation", "clip")
    clipped = model.layer
    model.set("mask", other)
    other_clipped = model.layer
    model.update(mask=mask, operation="symmetrize")
    assert model.layer is symmetrized and len({id(symmetrized), id(clipped), id(other_clipped)}) == 3
    assert symmetrized not in model.choices("mask") and other_clipped not in model.choices("mask")


def test_a_result_of_the_operation_left_is_dropped(on_shape):
    viewer, mask, _ = on_shape
    runner = ManualRunner()
    model = ToolsModel(viewer, runner=runner)
    runner.finish()
    symmetrized = model.layer
    before = np.array(symmetrized.data)
    model.set("group", "C6")  # its job waits
    model.set("operation", "clip")
    runner.finish(0)  # the late C6 result
    assert model.dropped == 1 and np.array_equal(symmetrized.data, before) and model.layer is None
    runner.finish(0)
    assert model.layer.name == "clipped mask" and replays(model.layer) and np.array_equal(symmetrized.data, before)


def test_the_result_follows_the_mask_when_its_widget_recomputes_it(on_shape):
    viewer, mask, shape = on_shape
    model = ToolsModel(viewer)
    model.set("group", "C2")
    out = model.layer
    shape.update(radius=14.0, edge_width=8.0)  # the Shape mask widget recomputes the mask
    assert model.layer is out and replays(out)
    assert out.metadata[METADATA_KEY]["inputs"][0]["params"]["radius"] == 7.0
    assert model["edge_width"] == 8.0  # the mask's new edge: it was not changed here
    model.set("edge_width", 5.0)
    shape.set("edge_width", 4.0)
    assert model["edge_width"] == 5.0  # a value changed here stays
    model.set("center", (24.0, 24.0, 30.0))
    shape.set("radius", 12.0)
    assert model["center"] == (24.0, 24.0, 30.0) and replays(out)
    viewer.layers.remove(mask)
    assert model["mask"] is None or model["mask"] is not mask
    shape.close()
    model.close()
