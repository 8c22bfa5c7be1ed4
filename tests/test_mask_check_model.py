"""The Mask check's model without Qt: layers in, the check out, following the mask as it changes."""

import numpy as np
import pytest
from napari.components import ViewerModel

from napari_cryomask._napari.mask_check_model import MaskCheckModel
from napari_cryomask._napari.mask_layer import STALE_KEY
from napari_cryomask.core.fsc import fsc
from napari_cryomask.core.sample import synthetic_average, synthetic_half_maps
from napari_cryomask.core.shapes import shape_mask
from napari_cryomask.core.soft_edge import extend_and_soften
from napari_cryomask.core.tight import tight_mask
from napari_cryomask.recipes import METADATA_KEY, apply_recipe, make_recipe

SPHERE = {"shape": "sphere", "radius": 14.0, "edge": "cosine", "edge_width_px": 3.0}


@pytest.fixture(scope="module")
def data():
    half1, half2, voxel_size = synthetic_half_maps(box=48, voxel_size_A=6.0)
    density = synthetic_average(48, 6.0)[0]
    mask = shape_mask((48, 48, 48), **SPHERE)
    return half1, half2, voxel_size, density, mask


def viewer_with(data, mask=True):
    half1, half2, voxel_size, _, m = data
    viewer = ViewerModel()
    viewer.add_image(half1, scale=voxel_size, name="run_half1_class001")
    viewer.add_image(half2, scale=voxel_size, name="run_half2_class001")
    if mask:
        recipe = make_recipe("shape", SPHERE, box_shape=m.shape, voxel_size=voxel_size)
        viewer.add_image(m.copy(), scale=voxel_size, name="tight mask", metadata={METADATA_KEY: recipe})
    return viewer


def test_takes_the_half_maps_and_mask_and_checks_them(data):
    half1, half2, voxel_size, _, mask = data
    viewer = viewer_with(data)
    model = MaskCheckModel(viewer)
    assert (model["half1"].name, model["half2"].name, model["mask"].name) == ("run_half1_class001", "run_half2_class001", "tight mask")
    expected = fsc(half1, half2, voxel_size, mask)
    assert np.array_equal(model.result.corrected, expected.corrected)
    assert model.result.warnings == expected.warnings
    assert model.layer is None  # the mask is checked as it is: no layer of its own
    assert model.verdict().startswith(expected.verdict())


def test_follows_the_mask_once_it_rests(data):
    viewer = viewer_with(data)
    model = MaskCheckModel(viewer)
    layer, first = model["mask"], model.results
    layer.metadata[STALE_KEY] = "a preview"  # another widget previews a plane
    layer.data = np.zeros_like(layer.data)
    assert model.results == first and "is changing" in model.notice
    del layer.metadata[STALE_KEY]
    sharp = tight_mask(data[3], 0.3)
    layer.data = sharp
    assert model.results == first + 1
    assert np.array_equal(model.result.masked, fsc(data[0], data[1], data[2], sharp).masked)


def test_adjusting_the_mask_makes_a_layer_with_a_recipe_that_replays(data):
    viewer = viewer_with(data)
    model = MaskCheckModel(viewer)
    model.update(extend=12.0, edge_width=18.0)  # 2 and 3 voxels of 6 Å
    layer = model.layer
    assert layer is not None and layer.name == "checked mask"
    expected = extend_and_soften(data[4], 2.0, "cosine", 3.0)
    assert np.array_equal(layer.data, expected)
    replayed, _ = apply_recipe(layer.metadata[METADATA_KEY])
    assert np.array_equal(replayed, layer.data)
    assert np.array_equal(model.result.masked, fsc(data[0], data[1], data[2], expected).masked)
    model.update(extend=0.0, edge_width=0.0)
    assert model.layer is None and layer in viewer.layers  # the adjusted layer stays as it was


def test_apply_suggestion_sets_extend_and_edge_from_the_corrected_resolution(data):
    viewer = viewer_with(data)
    model = MaskCheckModel(viewer)
    resolution = model.result.reported_resolution_A
    edge = model.suggestion()
    model.act("apply_suggestion")
    assert model["extend"] == pytest.approx(edge.extend_px * 6.0) and model["edge_width"] == pytest.approx(edge.edge_width_px * 6.0)
    assert f"applied for {resolution:.1f} Å: extend {edge.extend_px}" in model.notice
    assert model.layer is not None


def test_without_a_mask_only_the_unmasked_fsc(data):
    viewer = viewer_with(data, mask=False)
    model = MaskCheckModel(viewer)
    assert model["mask"] is None and model.result.masked is None
    assert "extend" not in model.visible()
    model.act("apply_suggestion")
    assert "choose a mask first" in model.notice


def test_mismatched_inputs_are_errors_on_their_controls(data):
    half1, half2, voxel_size, _, mask = data
    viewer = viewer_with(data)
    coarse = viewer.add_image(half2, scale=(6.5, 6.5, 6.5), name="other half")
    cropped = viewer.add_image(mask[:40], scale=voxel_size, name="small mask")
    model = MaskCheckModel(viewer)
    model.set("half2", coarse)
    assert set(model.errors) == {"half1", "half2"}
    assert "'other half' has voxels of 6.5, 6.5, 6.5 Å but 'run_half1_class001' has 6, 6, 6 Å" in model.errors["half2"]
    model.set("half2", viewer.layers["run_half2_class001"])
    assert not model.errors
    model.set("mask", cropped)
    assert "'small mask' has shape (40, 48, 48) but the half maps ('run_half1_class001') have (48, 48, 48)" in model.errors["mask"]
    model.set("mask", viewer.layers["tight mask"])
    model.set("randomize_at", 8.0)
    assert "beyond Nyquist (12 Å)" in model.errors["randomize_at"]
    model.set("randomize_at", 40.0)
    assert not model.errors and model.result.randomised_from_shell == int(48 * 6 / 40)


def test_a_mask_of_another_voxel_size_is_checked_with_a_warning(data):
    viewer = viewer_with(data)
    other = viewer.add_image(data[4], scale=(5.0, 5.0, 5.0), name="resampled mask")
    model = MaskCheckModel(viewer)
    model.set("mask", other)
    assert not model.errors
    assert any("'resampled mask' has voxels of 5, 5, 5 Å" in w for w in model.result.warnings)


@pytest.mark.parametrize(("names", "picked"), [
    (["average", "run_it025_half2_class001", "run_it025_half1_class001"], ("run_it025_half1_class001", "run_it025_half2_class001")),
    (["synthetic average", "half map 2", "half map 1"], ("half map 1", "half map 2")),
    (["J42_map_sharp", "J42_map_half_B", "J42_map_half_A"], ("J42_map_half_A", "J42_map_half_B")),
    (["first", "second", "third"], ("first", "second")),
])
def test_picks_the_half_maps_by_their_names(data, names, picked):
    viewer = ViewerModel()
    for name in names:
        viewer.add_image(data[0], scale=data[2], name=name)
    model = MaskCheckModel(viewer)
    assert (model["half1"].name, model["half2"].name) == picked
