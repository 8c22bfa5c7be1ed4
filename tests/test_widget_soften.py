"""The Soften mask dock widget, driven through its controls in a real viewer."""

import numpy as np
import pytest
from gui_helpers import choose, type_into

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


def pick(qtbot, widget, layer):
    choose(qtbot, widget.editors["mask"].combo, layer.name)


def offered(widget):
    combo = widget.editors["mask"].combo
    return [combo.itemText(i) for i in range(combo.count())]


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
    assert widget.model["mask"] is None and len(viewer.layers) == 1  # nothing chosen, nothing made
    pick(qtbot, widget, layer)
    type_into(qtbot, widget.editors["width"].spin, "8")
    assert widget.editors["width"].note.text() == "= 4 vox"
    out = settle(qtbot, widget, layer)

    assert out.name == "ball softened" and out.scale.tolist() == list(VOXEL)
    soft = np.asarray(out.data)
    assert np.all(soft[mask == 1] == 1)
    outside = soft[mask == 0]
    assert ((outside > 0) & (outside < 1)).sum() > 1000
    assert soft[24, 24, 24 + 10 + 5] == 0  # beyond radius + width
    saved = out.metadata[METADATA_KEY]
    assert saved["operation"] == "soften" and saved["inputs"] == [recipe] and saved["origin"] == [0, 0, 0]
    assert saved["params"] == {"edge": "cosine", "edge_width_px": 4.0, "threshold": 0.5}
    assert np.array_equal(apply_recipe(saved)[0], soft)

    for name, value in (("width", "12"), ("edge", "gaussian"), ("threshold", "0.9")):
        before = np.array(out.data)
        if name == "edge":
            choose(qtbot, widget.editors[name].combo, value)
        else:
            type_into(qtbot, widget.editors[name].spin, value)
        settle(qtbot, widget, layer)
        names = [layer.name for layer in viewer.layers]
        assert names == ["ball", "ball softened"], f"setting {value!r} changed the layers to {names}"
        assert not np.array_equal(out.data, before) or name == "threshold"
        assert np.array_equal(apply_recipe(out.metadata[METADATA_KEY])[0], out.data)
    assert out.metadata[METADATA_KEY]["params"]["edge_width_px"] == pytest.approx(6.0)


def test_threshold_picks_what_counts_as_inside(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    ramp = np.zeros(BOX, np.float32)
    ramp[20:28, 20:28, 20:28] = 0.4
    ramp[22:26, 22:26, 22:26] = 0.8
    layer = viewer.add_image(ramp, name="ramp", scale=VOXEL)
    widget = dock(viewer)
    pick(qtbot, widget, layer)
    type_into(qtbot, widget.editors["width"].spin, "0")
    type_into(qtbot, widget.editors["threshold"].spin, "0.5")
    assert settle(qtbot, widget, layer).data.sum() == 4**3
    type_into(qtbot, widget.editors["threshold"].spin, "0.3")
    settle(qtbot, widget, layer)
    assert widget.output_of(layer).data.sum() == 8**3


def test_a_mask_read_from_a_file_gets_a_file_input(make_napari_viewer, qtbot, ball, tmp_path):
    mask, _ = ball
    path = tmp_path / "ball.mrc"
    write_volume(path, mask, voxel_size=VOXEL)
    viewer = make_napari_viewer()
    [layer] = viewer.open(path, plugin="napari-cryomask")
    widget = dock(viewer)
    pick(qtbot, widget, layer)
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
    pick(qtbot, widget, layer)
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
    pick(qtbot, widget, first)
    out_a = settle(qtbot, widget, first)
    pick(qtbot, widget, second)
    out_b = settle(qtbot, widget, second)
    pick(qtbot, widget, first)
    type_into(qtbot, widget.editors["width"].spin, "4")
    settle(qtbot, widget, first)
    assert [layer.name for layer in viewer.layers] == ["a", "b", "a softened", "b softened"]
    assert widget.output_of(first) is out_a and widget.output_of(second) is out_b
    assert offered(widget) == ["(choose a mask)", "a", "b"]


def test_lists_masks_only_and_computes_nothing_until_one_is_picked(make_napari_viewer, qtbot, ball):
    mask, recipe = ball
    viewer = make_napari_viewer()
    [map_layer] = viewer.open_sample("napari-cryomask", "sample")
    viewer.add_image(np.full(BOX, np.nan, np.float32), name="nan")
    viewer.add_image(mask, name="ball", scale=VOXEL, metadata={METADATA_KEY: recipe})
    widget = dock(viewer)
    qtbot.wait(200)
    assert offered(widget) == ["(choose a mask)", "ball"]
    assert widget.model["mask"] is None and [layer.name for layer in viewer.layers] == ["synthetic average", "nan", "ball"]
    assert widget.error.text() == ""
    for editor in widget.editors.values():
        assert editor.label.toolTip() and all(w.toolTip() for w in editor.widgets())


def test_softening_the_tight_mask_replays_on_the_map(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    [map_layer] = viewer.open_sample("napari-cryomask", "sample")
    tight = dock(viewer, "Tight mask")
    qtbot.waitUntil(lambda: tight.output is not None and not tight.busy, timeout=60_000)
    tight.editors["edge"].value = "none"
    widget = dock(viewer)
    pick(qtbot, widget, tight.output)
    choose(qtbot, widget.editors["edge"].combo, "gaussian")
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
    pick(qtbot, widget, layer)
    assert widget.busy and widget.output_of(layer) is None and widget.busy_indicator.isVisibleTo(widget)
    out = settle(qtbot, widget, layer)
    for width in ("2", "3", "5"):
        type_into(qtbot, widget.editors["width"].spin, width)
    settle(qtbot, widget, layer)
    assert out.metadata[METADATA_KEY]["params"]["edge_width_px"] == 5.0
    assert np.array_equal(apply_recipe(out.metadata[METADATA_KEY])[0], out.data)
