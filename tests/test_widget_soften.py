"""The Soften mask dock widget, driven through its controls in a real viewer."""

import numpy as np
import pytest

from napari_cryomask._napari.mask_layer import voxel_size_of
from napari_cryomask._napari.soften_widget import NOT_REPLAYABLE
from napari_cryomask.io import Volume, write_volume
from napari_cryomask.recipes import METADATA_KEY, apply_recipe, make_recipe

BOX = (48, 48, 48)
VOXEL = (2.0, 2.0, 2.0)


def dock(viewer, name="Soften mask"):
    _, widget = viewer.window.add_plugin_dock_widget("napari-cryomask", name)
    return widget


def settle(qtbot, widget, layer):
    qtbot.waitUntil(lambda: not widget.busy and widget.output_of(layer) is not None, timeout=60_000)
    return widget.output_of(layer)


@pytest.fixture
def ball():
    """A hard sphere of radius 10 voxels and the recipe that makes it."""
    recipe = make_recipe("shape", {"shape": "sphere", "radius": 10.0}, box_shape=BOX, voxel_size=VOXEL)
    return apply_recipe(recipe)[0], recipe


def test_softens_a_hard_sphere_outside_and_replays(make_napari_viewer, qtbot, ball):
    mask, recipe = ball
    viewer = make_napari_viewer()
    layer = viewer.add_image(mask, name="ball", scale=VOXEL, metadata={METADATA_KEY: recipe})
    widget = dock(viewer)
    assert widget.mask.value == layer
    widget.width.angstrom = 8.0
    assert widget.width.in_voxels.value == "= 4 vox"
    out = settle(qtbot, widget, layer)

    assert out.name == "ball softened" and out.scale.tolist() == list(VOXEL)
    soft = np.asarray(out.data)
    assert np.all(soft[mask == 1] == 1)
    outside = soft[mask == 0]
    assert ((outside > 0) & (outside < 1)).sum() > 1000
    assert soft[24, 24, 24 + 10 + 5] == 0  # beyond radius + width
    saved = out.metadata[METADATA_KEY]
    assert saved["operation"] == "soften" and saved["inputs"] == [recipe]
    assert saved["params"] == {"edge": "cosine", "edge_width_px": 4.0, "threshold": 0.5}
    assert np.array_equal(apply_recipe(saved)[0], soft)

    for control, value in ((widget.width.spin, 12.0), (widget.edge, "gaussian"), (widget.threshold, 0.9)):
        before = np.array(out.data)
        control.value = value
        settle(qtbot, widget, layer)
        names = [layer.name for layer in viewer.layers]
        assert names == ["ball", "ball softened"], f"setting {value!r} changed the layers to {names}"
        assert not np.array_equal(out.data, before) or control is widget.threshold
        assert np.array_equal(apply_recipe(out.metadata[METADATA_KEY])[0], out.data)
    assert out.metadata[METADATA_KEY]["params"]["edge_width_px"] == pytest.approx(6.0)


def test_threshold_picks_what_counts_as_inside(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    ramp = np.zeros(BOX, np.float32)
    ramp[20:28, 20:28, 20:28] = 0.4
    ramp[22:26, 22:26, 22:26] = 0.8
    layer = viewer.add_image(ramp, name="ramp", scale=VOXEL)
    widget = dock(viewer)
    widget.width.angstrom = 0.0
    widget.threshold.value = 0.5
    assert settle(qtbot, widget, layer).data.sum() == 4**3
    widget.threshold.value = 0.3
    settle(qtbot, widget, layer)
    assert widget.output_of(layer).data.sum() == 8**3


def test_a_mask_read_from_a_file_gets_a_file_input(make_napari_viewer, qtbot, ball, tmp_path):
    mask, _ = ball
    path = tmp_path / "ball.mrc"
    write_volume(path, mask, voxel_size=VOXEL)
    viewer = make_napari_viewer()
    [layer] = viewer.open(path, plugin="napari-cryomask")
    widget = dock(viewer)
    out = settle(qtbot, widget, layer)
    recipe = out.metadata[METADATA_KEY]
    [source] = recipe["inputs"]
    assert source["operation"] == "file" and source["params"] == {"path": str(path)}
    assert np.array_equal(apply_recipe(recipe)[0], out.data)


def test_a_mask_without_recipe_or_file_is_marked_not_replayable(make_napari_viewer, qtbot, ball):
    mask, _ = ball
    viewer = make_napari_viewer()
    layer = viewer.add_image(mask, name="drawn", scale=VOXEL)
    widget = dock(viewer)
    out = settle(qtbot, widget, layer)
    recipe = out.metadata[METADATA_KEY]
    assert recipe["inputs"] == [] and recipe["replayable"] is False and recipe["note"] == NOT_REPLAYABLE
    with pytest.raises(ValueError, match="needs inputs"):
        apply_recipe(recipe)


def test_outputs_are_not_offered_and_each_input_has_its_own(make_napari_viewer, qtbot, ball):
    mask, recipe = ball
    viewer = make_napari_viewer()
    first = viewer.add_image(mask, name="a", scale=VOXEL, metadata={METADATA_KEY: recipe})
    second = viewer.add_image(mask[::-1].copy(), name="b", scale=VOXEL)
    widget = dock(viewer)
    widget.mask.value = first
    out_a = settle(qtbot, widget, first)
    widget.mask.value = second
    out_b = settle(qtbot, widget, second)
    widget.mask.value = first
    widget.width.angstrom = 4.0
    settle(qtbot, widget, first)
    assert [layer.name for layer in viewer.layers] == ["a", "b", "a softened", "b softened"]
    assert widget.output_of(first) == out_a and widget.output_of(second) == out_b
    assert list(widget.mask.choices) == [first, second]


def test_softening_the_tight_mask_replays_on_the_map(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    [map_layer] = viewer.open_sample("napari-cryomask", "sample")
    tight = dock(viewer, "Tight mask")
    qtbot.waitUntil(lambda: tight.output is not None and not tight.busy, timeout=60_000)
    tight.editors["edge"].value = "none"
    widget = dock(viewer)
    widget.mask.value = tight.output
    widget.edge.value = "gaussian"
    out = settle(qtbot, widget, tight.output)
    like = Volume(np.asarray(map_layer.data), voxel_size_of(map_layer), (0.0, 0.0, 0.0))
    recipe = out.metadata[METADATA_KEY]
    assert recipe["inputs"][0]["operation"] == "tight"
    assert np.array_equal(apply_recipe(recipe, like=like)[0], out.data)

    # moving the tight mask's threshold softens the new tight mask
    before = np.array(out.data)
    tight.editors["threshold"].value = 0.6
    qtbot.waitUntil(lambda: out.metadata[METADATA_KEY]["inputs"][0]["params"]["threshold"] == 0.6, timeout=10_000)
    settle(qtbot, widget, tight.output)
    recipe = out.metadata[METADATA_KEY]
    assert not np.array_equal(out.data, before)
    assert np.array_equal(apply_recipe(recipe, like=like)[0], out.data)


def test_a_large_mask_is_softened_off_the_ui_thread(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    box = (128, 128, 128)
    recipe = make_recipe("shape", {"shape": "sphere", "radius": 40.0}, box_shape=box, voxel_size=1.0)
    layer = viewer.add_image(apply_recipe(recipe)[0], name="big", metadata={METADATA_KEY: recipe})
    widget = dock(viewer)
    assert widget.busy and widget.output_of(layer) is None
    out = settle(qtbot, widget, layer)
    for width in (2.0, 3.0, 5.0):
        widget.width.angstrom = width
    settle(qtbot, widget, layer)
    assert out.metadata[METADATA_KEY]["params"]["edge_width_px"] == 5.0
    assert np.array_equal(apply_recipe(out.metadata[METADATA_KEY])[0], out.data)
