"""The Combine masks widget in a real viewer, driven through its controls."""

import numpy as np
import pytest
from napari.utils.notifications import notification_manager
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
    viewer.add_image(np.random.default_rng(0).random(BOX, dtype=np.float32), name="map")
    a = sphere_layer(viewer, "sphere A", (16, 16, 11))
    b = sphere_layer(viewer, "sphere B", (16, 16, 21))
    return viewer, a, b


def item_named(widget, name):
    [item] = widget.masks.findItems(name, Qt.MatchExactly)
    return item


def tick(widget, *names):
    for name in names:
        item_named(widget, name).setCheckState(Qt.Checked)


def output_layers(viewer):
    return [layer for layer in viewer.layers if layer.name.startswith(OUTPUT_NAME)]


def test_lists_image_layers_unticked_and_waits_for_two(two_spheres, qtbot):
    viewer, a, b = two_spheres
    widget = CombineMasksWidget(viewer)
    qtbot.addWidget(widget)
    assert [widget.masks.item(i).text() for i in range(widget.masks.count())] == ["map", "sphere A", "sphere B"]
    assert widget.inputs == []
    tick(widget, "sphere A")
    assert output_layers(viewer) == []
    assert "two or more" in widget.readout.text()


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
    widget.operation.setCurrentText(operation)
    tick(widget, "sphere A", "sphere B")

    [out] = output_layers(viewer)
    hard_a, hard_b = a.data > 0.5, b.data > 0.5
    assert hard_a.sum() > 0 and (hard_a & hard_b).sum() > 0 and (hard_a & ~hard_b).sum() > 0
    np.testing.assert_array_equal(out.data, expected(hard_a, hard_b).astype(np.float32))
    assert out.data.dtype == np.float32
    assert out.scale.tolist() == [4.0, 4.0, 4.0]
    recipe = out.metadata[METADATA_KEY]
    assert recipe["operation"] == "combine" and recipe["params"] == {"operation": operation}
    assert [r["params"]["center"] for r in recipe["inputs"]] == [[16, 16, 11], [16, 16, 21]]
    replayed, voxel_size = apply_recipe(recipe)
    assert replayed.tobytes() == out.data.tobytes() and voxel_size == (4.0, 4.0, 4.0)
    assert f"{operation} of 'sphere A', 'sphere B'" in widget.readout.text()
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
    expected = {"union": 1.0, "intersection": 0.375, "subtraction": 0.25, "difference": 0.625}
    for operation, value in expected.items():
        widget.operation.setCurrentText(operation)
        [out] = output_layers(viewer)
        np.testing.assert_array_equal(out.data, np.full(BOX, value, np.float32))


def test_order_matters_for_subtraction_and_move_buttons_reorder(two_spheres, qtbot):
    viewer, a, b = two_spheres
    widget = CombineMasksWidget(viewer)
    qtbot.addWidget(widget)
    widget.operation.setCurrentText("subtraction")
    tick(widget, "sphere A", "sphere B")
    [out] = output_layers(viewer)
    hard_a, hard_b = a.data > 0.5, b.data > 0.5
    np.testing.assert_array_equal(out.data, (hard_a & ~hard_b).astype(np.float32))

    widget.masks.setCurrentItem(item_named(widget, "sphere B"))
    qtbot.mouseClick(widget.up_button, Qt.LeftButton)
    assert widget.inputs == [b, a]
    assert output_layers(viewer) == [out]
    np.testing.assert_array_equal(out.data, (hard_b & ~hard_a).astype(np.float32))
    assert out.metadata[METADATA_KEY]["inputs"][0]["params"]["center"] == [16, 16, 21]

    qtbot.mouseClick(widget.down_button, Qt.LeftButton)
    assert widget.inputs == [a, b]
    np.testing.assert_array_equal(out.data, (hard_a & ~hard_b).astype(np.float32))


def test_one_output_layer_updated_in_place_and_follows_input_edits(two_spheres, qtbot):
    viewer, a, b = two_spheres
    widget = CombineMasksWidget(viewer)
    qtbot.addWidget(widget)
    tick(widget, "sphere A", "sphere B")
    [out] = output_layers(viewer)
    for operation in ("intersection", "difference", "union"):
        widget.operation.setCurrentText(operation)
    assert output_layers(viewer) == [out]
    assert [widget.masks.item(i).text() for i in range(widget.masks.count())] == ["map", "sphere A", "sphere B"]

    a.data = sphere(BOX, 4, center=(16, 16, 11))
    np.testing.assert_array_equal(out.data, ((a.data > 0.5) | (b.data > 0.5)).astype(np.float32))

    viewer.layers.remove(out)
    widget.operation.setCurrentText("intersection")
    [new_out] = output_layers(viewer)
    assert new_out is not out
    np.testing.assert_array_equal(new_out.data, ((a.data > 0.5) & (b.data > 0.5)).astype(np.float32))


def test_new_and_removed_layers_update_the_list(two_spheres, qtbot):
    viewer, a, b = two_spheres
    widget = CombineMasksWidget(viewer)
    qtbot.addWidget(widget)
    tick(widget, "sphere A", "sphere B")
    c = sphere_layer(viewer, "sphere C", (16, 16, 16), radius=3)
    assert widget.masks.item(widget.masks.count() - 1).text() == "sphere C"
    c.name = "small sphere"
    assert widget.masks.item(widget.masks.count() - 1).text() == "small sphere"
    viewer.layers.remove(b)
    assert widget.inputs == [a]
    assert widget.masks.findItems("sphere B", Qt.MatchExactly) == []
    assert "two or more" in widget.readout.text()


def test_different_shapes_show_an_error_naming_both_shapes(two_spheres, qtbot):
    viewer, a, b = two_spheres
    viewer.add_image(np.zeros((16, 32, 32), np.float32), name="small box")
    widget = CombineMasksWidget(viewer)
    qtbot.addWidget(widget)
    shown = []
    notification_manager.notification_ready.connect(shown.append)
    try:
        tick(widget, "sphere A", "small box")
    finally:
        notification_manager.notification_ready.disconnect(shown.append)
    assert output_layers(viewer) == []
    [message] = [str(n.message) for n in shown]
    for part in ("'sphere A'", "(32, 32, 32)", "'small box'", "(16, 32, 32)"):
        assert part in message
        assert part in widget.readout.text()


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
