"""The Combine masks widget in a real viewer, driven through its controls."""

import numpy as np
import pytest
from qtpy.QtCore import Qt

from napari_cryomask._napari.combine_widget import OUTPUT_NAME, CombineMasksWidget
from napari_cryomask.core.shapes import sphere
from napari_cryomask.io import write_volume
from napari_cryomask.recipes import METADATA_KEY, apply_recipe, make_recipe

BOX = (32, 32, 32)


def sphere_layer(viewer, name, center, radius=8):
    params = {"shape": "sphere", "radius": radius, "center": center}
    recipe = make_recipe("shape", params, box_shape=BOX, voxel_size=4.0)
    mask = sphere(BOX, radius, center=center)
    return viewer.add_image(mask, name=name, scale=(4.0, 4.0, 4.0), metadata={METADATA_KEY: recipe})


@pytest.fixture
def two_spheres(make_napari_viewer):
    viewer = make_napari_viewer()
    viewer.add_image(np.random.default_rng(0).normal(size=BOX).astype(np.float32), name="map")
    a = sphere_layer(viewer, "sphere A", (16, 16, 11))
    b = sphere_layer(viewer, "sphere B", (16, 16, 21))
    return viewer, a, b


def listed(widget):
    masks = widget.editors["masks"].list
    return [masks.item(i).text() for i in range(masks.count())]


def item_named(widget, name):
    [item] = widget.editors["masks"].list.findItems(name, Qt.MatchExactly)
    return item


def tick(widget, *names):
    for name in names:
        item_named(widget, name).setCheckState(Qt.Checked)


def operate(widget, operation):
    combo = widget.editors["operation"].combo
    combo.setCurrentIndex(combo.findText(operation))


def output_layers(viewer):
    return [layer for layer in viewer.layers if layer.name.startswith(OUTPUT_NAME)]


def test_lists_masks_only_topmost_first_unticked_and_waits_for_two(two_spheres, qtbot):
    viewer, a, b = two_spheres
    widget = CombineMasksWidget(viewer)
    qtbot.addWidget(widget)
    assert listed(widget) == ["sphere B", "sphere A"]  # not the map; napari's layer-list order
    assert widget.inputs == []
    tick(widget, "sphere A")
    assert output_layers(viewer) == []
    assert "two or more" in widget.notice.text()
    assert "topmost" in widget.editors["operation"].combo.toolTip()


@pytest.mark.parametrize(
    "operation, expected",
    [
        ("union", lambda a, b: a | b),
        ("intersection", lambda a, b: a & b),
        ("subtraction", lambda a, b: a & ~b),
        ("difference", lambda a, b: a ^ b),
    ],
)
def test_each_operation_gives_the_boolean_result_on_hard_spheres(two_spheres, qtbot, operation, expected):
    viewer, a, b = two_spheres
    widget = CombineMasksWidget(viewer)
    qtbot.addWidget(widget)
    operate(widget, operation)
    tick(widget, "sphere A", "sphere B")

    [out] = output_layers(viewer)
    hard_a, hard_b = a.data > 0.5, b.data > 0.5
    assert hard_a.sum() > 0 and (hard_a & hard_b).sum() > 0 and (hard_a & ~hard_b).sum() > 0
    # B lies above A in the layer list, so B comes first
    np.testing.assert_array_equal(out.data, expected(hard_b, hard_a).astype(np.float32))
    assert out.data.dtype == np.float32
    assert out.scale.tolist() == [4.0, 4.0, 4.0]
    recipe = out.metadata[METADATA_KEY]
    assert recipe["operation"] == "combine" and recipe["params"] == {"operation": operation}
    assert [r["params"]["center"] for r in recipe["inputs"]] == [[16, 16, 21], [16, 16, 11]]
    replayed, voxel_size = apply_recipe(recipe)
    assert replayed.tobytes() == out.data.tobytes() and voxel_size == (4.0, 4.0, 4.0)
    said = "subtraction: 'sphere B' minus 'sphere A'" if operation == "subtraction" else f"{operation} of 'sphere B', 'sphere A'"
    assert said in widget.readout.text()
    assert out.blending == "translucent"
    assert "nm³" in widget.readout.text()


def test_soft_values_follow_the_operation_arithmetic(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    first = np.full(BOX, 0.75, np.float32)
    second = np.full(BOX, 0.5, np.float32)
    viewer.add_image(first, name="first")
    viewer.add_image(second, name="second")
    widget = CombineMasksWidget(viewer)
    qtbot.addWidget(widget)
    tick(widget, "first", "second")
    editor = widget.editors["masks"]
    editor.list.setCurrentItem(item_named(widget, "first"))
    qtbot.mouseClick(editor.up, Qt.LeftButton)  # "second" is on top; subtract it from "first"
    assert [layer.name for layer in widget.inputs] == ["first", "second"]
    expected = {"union": 1.0, "intersection": 0.375, "subtraction": 0.25, "difference": 0.625}
    for operation, value in expected.items():
        operate(widget, operation)
        [out] = output_layers(viewer)
        np.testing.assert_array_equal(out.data, np.full(BOX, value, np.float32))


def test_order_matters_for_subtraction_and_move_buttons_reorder(two_spheres, qtbot):
    viewer, a, b = two_spheres
    widget = CombineMasksWidget(viewer)
    qtbot.addWidget(widget)
    operate(widget, "subtraction")
    tick(widget, "sphere A", "sphere B")
    [out] = output_layers(viewer)
    hard_a, hard_b = a.data > 0.5, b.data > 0.5
    assert widget.inputs == [b, a]  # the topmost first, as in the layer list
    np.testing.assert_array_equal(out.data, (hard_b & ~hard_a).astype(np.float32))

    editor = widget.editors["masks"]
    editor.list.setCurrentItem(item_named(widget, "sphere A"))
    qtbot.mouseClick(editor.up, Qt.LeftButton)
    assert widget.inputs == [a, b]
    assert output_layers(viewer) == [out]
    np.testing.assert_array_equal(out.data, (hard_a & ~hard_b).astype(np.float32))
    assert out.metadata[METADATA_KEY]["inputs"][0]["params"]["center"] == [16, 16, 11]

    qtbot.mouseClick(editor.down, Qt.LeftButton)
    assert widget.inputs == [b, a]
    np.testing.assert_array_equal(out.data, (hard_b & ~hard_a).astype(np.float32))


def test_one_output_layer_updated_in_place_and_follows_input_edits(two_spheres, qtbot):
    viewer, a, b = two_spheres
    widget = CombineMasksWidget(viewer)
    qtbot.addWidget(widget)
    tick(widget, "sphere A", "sphere B")
    [out] = output_layers(viewer)
    for operation in ("intersection", "difference", "union"):
        operate(widget, operation)
    assert output_layers(viewer) == [out]
    assert listed(widget) == ["sphere B", "sphere A"]

    a.data = sphere(BOX, 4, center=(16, 16, 11))
    np.testing.assert_array_equal(out.data, ((a.data > 0.5) | (b.data > 0.5)).astype(np.float32))

    viewer.layers.remove(out)
    operate(widget, "intersection")
    [new_out] = output_layers(viewer)
    assert new_out is not out
    np.testing.assert_array_equal(new_out.data, ((a.data > 0.5) & (b.data > 0.5)).astype(np.float32))


def test_new_and_removed_layers_update_the_list(two_spheres, qtbot):
    viewer, a, b = two_spheres
    widget = CombineMasksWidget(viewer)
    qtbot.addWidget(widget)
    tick(widget, "sphere A", "sphere B")
    c = sphere_layer(viewer, "sphere C", (16, 16, 16), radius=3)
    assert listed(widget)[0] == "sphere C"
    c.name = "small sphere"
    assert listed(widget)[0] == "small sphere"
    viewer.layers.remove(b)
    assert widget.inputs == [a]
    assert "sphere B" not in listed(widget)
    assert "two or more" in widget.notice.text()


def test_different_shapes_show_an_error_naming_both_shapes(two_spheres, qtbot):
    viewer, a, b = two_spheres
    viewer.add_image(np.zeros((16, 32, 32), np.float32), name="small box")
    widget = CombineMasksWidget(viewer)
    qtbot.addWidget(widget)
    tick(widget, "sphere A", "small box")
    assert output_layers(viewer) == []
    message = widget.error.text()
    for part in ("'sphere A'", "(32, 32, 32)", "'small box'", "(16, 32, 32)"):
        assert part in message
    assert widget.editors["masks"].invalid


def test_a_mask_that_stops_being_one_is_refused(two_spheres, qtbot):
    viewer, a, b = two_spheres
    widget = CombineMasksWidget(viewer)
    qtbot.addWidget(widget)
    tick(widget, "sphere A", "sphere B")
    [out] = output_layers(viewer)
    kept = np.array(out.data)
    b.data = b.data * 5  # no longer in [0, 1]
    assert "layer 'sphere B' is not a mask" in widget.error.text()
    np.testing.assert_array_equal(out.data, kept)


def test_input_read_from_a_file_gets_a_file_recipe(make_napari_viewer, qtbot, tmp_path):
    viewer = make_napari_viewer()
    path = tmp_path / "sphere.mrc"
    write_volume(path, sphere(BOX, 6), voxel_size=2.0)
    [from_file] = viewer.open(path, plugin="napari-cryomask")
    drawn = viewer.add_image(sphere(BOX, 3, center=(16, 16, 20)), name="drawn", scale=(2.0, 2.0, 2.0))
    widget = CombineMasksWidget(viewer)
    qtbot.addWidget(widget)
    widget.set_inputs([from_file, drawn])
    [out] = output_layers(viewer)
    file_recipe, drawn_recipe = out.metadata[METADATA_KEY]["inputs"]
    assert file_recipe["operation"] == "file" and file_recipe["params"]["path"] == str(path)
    assert drawn_recipe["params"] == {"path": None, "layer": "drawn"}
    assert "cannot be replayed" in drawn_recipe["note"]
    assert "note: layer 'drawn'" in widget.readout.text()
    np.testing.assert_array_equal(out.data, ((from_file.data > 0.5) | (drawn.data > 0.5)).astype(np.float32))


def test_docked_from_the_plugin_menu_entry(make_napari_viewer):
    viewer = make_napari_viewer()
    _, widget = viewer.window.add_plugin_dock_widget("napari-cryomask", "Combine masks")
    assert isinstance(widget, CombineMasksWidget)
