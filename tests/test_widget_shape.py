"""The Shape mask dock widget, driven through its controls in a real viewer as a person would."""

import numpy as np
import pytest
from gui_helpers import all_agree, choose, click, drag, save_layer, settle, type_into
from qtpy.QtCore import Qt

from napari_cryomask._napari.mask_layer import COLOUR_KEY, STALE_KEY
from napari_cryomask._napari.shape_model import SHAPE_CHOICES
from napari_cryomask._napari.shape_widget import LAYER_NAME, ShapeMaskWidget
from napari_cryomask.core.centroid import enclosing_sphere
from napari_cryomask.core.thresholds import default_threshold
from napari_cryomask.io import read_volume
from napari_cryomask.recipes import METADATA_KEY, apply_recipe, sidecar_path


def blob_map(shape=(64, 64, 64), center=(20.0, 30.0, 40.0), sigma=3.0, seed=0):
    """A Gaussian blob at ``center`` (voxels) on a little noise."""
    grid = np.indices(shape, dtype=np.float32)
    r2 = sum((g - c) ** 2 for g, c in zip(grid, center))
    noise = np.random.default_rng(seed).normal(0, 0.01, shape)
    return (np.exp(-r2 / (2 * sigma**2)) + noise).astype(np.float32)


def dock(viewer):
    widget = ShapeMaskWidget(viewer)
    viewer.window.add_dock_widget(widget, name="Shape mask")
    return widget


def mask_layers(viewer):
    return [layer for layer in viewer.layers if METADATA_KEY in layer.metadata]


def spin(widget, name, axis=None):
    editor = widget.editors[name]
    return editor.spins[axis] if axis is not None else editor.spin


def shown(widget):
    """Names of the controls the user sees."""
    return {name for name, editor in widget.editors.items() if not editor.field.isHidden()}


@pytest.fixture
def blob(make_napari_viewer):
    viewer = make_napari_viewer()
    density = blob_map()
    map_layer = viewer.add_image(density, scale=(2.0, 2.0, 2.0), name="blob")
    return viewer, map_layer, density


def test_opens_on_a_map_with_a_fitted_sphere_and_a_soft_edge_of_a_few_voxels(blob, tmp_path):
    viewer, map_layer, density = blob
    widget = dock(viewer)
    assert widget.model["map"] is map_layer
    [layer] = mask_layers(viewer)
    assert layer.name == LAYER_NAME and tuple(layer.scale) == (2.0, 2.0, 2.0)
    params = layer.metadata[METADATA_KEY]["params"]
    assert params["shape"] == "sphere" and params["center"] == pytest.approx([20, 30, 40], abs=0.1)
    _, radius = enclosing_sphere(density)
    assert params["radius"] == pytest.approx(radius, abs=0.05)
    assert params["edge"] == "cosine" and params["edge_width_px"] == 3.0
    assert widget.editors["edge_width"].note.text() == "= 3 vox" and widget.editors["edge_width"].value == 6.0
    assert layer.data[density > default_threshold(density)].min() == 1.0
    assert "kDa" in widget.readout.text() and "map density inside" in widget.readout.text()
    assert {"radius", "box", "voxel_size"} & shown(widget) == {"radius"}
    all_agree(widget, tmp_path)


def test_other_lengths_start_from_the_fitted_sphere(blob, qtbot):
    viewer, _, _ = blob
    widget = dock(viewer)
    radius = widget.model["radius"]
    choose(qtbot, widget.editors["shape"].combo, "ellipsoid")
    settle(qtbot, widget)
    assert widget.editors["radii"].value == (radius,) * 3  # not 1.75 voxels
    choose(qtbot, widget.editors["shape"].combo, "cylinder")
    assert widget.editors["height"].value == pytest.approx(2 * radius, abs=0.15)


def test_typing_30_applies_30_never_3_and_the_error_stays(blob, qtbot, tmp_path):
    viewer, _, _ = blob
    widget = dock(viewer)
    choose(qtbot, widget.editors["shape"].combo, "cuboid")
    settle(qtbot, widget)
    layer = widget.output
    for axis, value in enumerate(("40", "40", "40")):
        type_into(qtbot, spin(widget, "size", axis), value)
    settle(qtbot, widget)
    all_agree(widget, tmp_path)
    applied = []
    layer.events.data.connect(lambda event: applied.append(layer.metadata[METADATA_KEY]["params"].get("rounding")))

    type_into(qtbot, spin(widget, "rounding"), "30")
    settle(qtbot, widget)
    qtbot.wait(400)  # longer than any rest delay: nothing late may arrive
    assert applied == []  # 3 Å was never applied
    assert widget.editors["rounding"].value == 30.0 and widget.editors["rounding"].invalid
    assert "border" in spin(widget, "rounding").styleSheet()
    assert widget.error.text() == "rounding (30 Å) must be at most half the smallest size (40 Å)"
    assert layer.metadata[METADATA_KEY]["params"]["rounding"] == 0.0
    assert widget.model.stale and STALE_KEY in layer.metadata and "last valid values" in widget.status.text()

    type_into(qtbot, spin(widget, "rounding"), "8")
    settle(qtbot, widget)
    assert widget.error.text() == "" and not widget.editors["rounding"].invalid
    assert layer.metadata[METADATA_KEY]["params"]["rounding"] == 4.0
    all_agree(widget, tmp_path)


def test_errors_use_the_labels_and_the_units_typed(blob, qtbot):
    viewer, _, _ = blob
    widget = dock(viewer)
    choose(qtbot, widget.editors["shape"].combo, "tube")
    type_into(qtbot, spin(widget, "radius"), "40")
    type_into(qtbot, spin(widget, "inner_radius"), "60")
    settle(qtbot, widget)
    assert widget.error.text() == "inner radius (60 Å) must be smaller than the radius (40 Å)"
    assert widget.editors["inner_radius"].invalid and widget.editors["radius"].invalid
    assert "inner radius (60 Å)" in spin(widget, "inner_radius").toolTip()


def test_after_any_sequence_controls_layer_recipe_and_file_agree(blob, qtbot, tmp_path):
    viewer, _, _ = blob
    widget = dock(viewer)
    [layer] = mask_layers(viewer)
    for shape in SHAPE_CHOICES:
        choose(qtbot, widget.editors["shape"].combo, shape)
        settle(qtbot, widget)
        assert shown(widget) >= set(SHAPE_CHOICES[shape][1])
        all_agree(widget, tmp_path)
    choose(qtbot, widget.editors["shape"].combo, "ellipsoidal shell")
    for axis, value in enumerate(("21.3", "33.7", "18.1")):
        type_into(qtbot, spin(widget, "radii", axis), value)
    type_into(qtbot, spin(widget, "thickness"), "4.4")
    type_into(qtbot, widget.editors["phi"].spin, "17")
    drag(widget.editors["theta"].slider, [100, 200, 350])
    type_into(qtbot, widget.editors["psi"].spin, "-121")
    choose(qtbot, widget.editors["edge"].combo, "gaussian")
    type_into(qtbot, spin(widget, "edge_width"), "5.5")
    for axis, value in enumerate(("30.37", "31.11", "29.9")):
        type_into(qtbot, spin(widget, "center", axis), value)
    settle(qtbot, widget)
    assert mask_layers(viewer) == [layer]
    params = layer.metadata[METADATA_KEY]["params"]
    assert params["thickness"] == pytest.approx(2.2) and params["angles"][0] == 17.0 and params["angles"][2] == -121.0
    assert params["angles"][1] == pytest.approx(63.0) and params["edge_width_px"] == 2.75
    assert ((layer.data > 0) & (layer.data < 1)).any()
    all_agree(widget, tmp_path)


def test_the_cli_replays_the_saved_file_byte_for_byte_without_like(make_napari_viewer, qtbot, tmp_path):
    from napari_cryomask.cli import main

    viewer = make_napari_viewer()
    viewer.add_image(blob_map(), scale=(2.0, 2.0, 2.0), translate=(100.0, -20.0, 7.5), name="blob")
    widget = dock(viewer)
    choose(qtbot, widget.editors["shape"].combo, "cone")
    type_into(qtbot, widget.editors["theta"].spin, "40")
    settle(qtbot, widget)
    path = all_agree(widget, tmp_path)
    again = tmp_path / "again.mrc"
    assert main(["recipe", "apply", str(sidecar_path(path)), "-o", str(again)]) in (0, None)
    assert again.read_bytes() == path.read_bytes()
    assert read_volume(path).origin == (100.0, -20.0, 7.5)


def test_new_mask_keeps_the_previous_one_in_its_own_colour(blob, qtbot, tmp_path):
    viewer, _, _ = blob
    widget = dock(viewer)
    first = widget.output
    kept = np.array(first.data)
    click(qtbot, widget.buttons["new_mask"])
    settle(qtbot, widget)
    second = widget.output
    assert second is not first and second.name == "shape mask [1]"
    type_into(qtbot, spin(widget, "radius"), "12")
    settle(qtbot, widget)
    assert np.array_equal(first.data, kept)
    assert first.metadata[COLOUR_KEY] != second.metadata[COLOUR_KEY]
    assert first.blending == second.blending == "translucent"
    first.name = "the old one"
    type_into(qtbot, spin(widget, "radius"), "14")
    settle(qtbot, widget)
    assert widget.output is second and np.array_equal(first.data, kept)
    all_agree(widget, tmp_path)


def test_the_edge_band_display(blob, qtbot):
    viewer, _, _ = blob
    widget = dock(viewer)
    layer = widget.output
    choose(qtbot, widget.editors["display"].combo, "edge band")
    alphas = layer.colormap.map(np.array([0.0, 0.25, 0.75, 1.0]))[:, 3]
    assert alphas[0] == 0 and alphas[1] < alphas[2] and alphas[3] < alphas[2]
    click(qtbot, widget.buttons["new_mask"])
    settle(qtbot, widget)
    assert widget.output.colormap.map(np.array([0.25]))[0, 3] == alphas[1]  # the next mask too
    choose(qtbot, widget.editors["display"].combo, "fill")
    assert widget.output.colormap.map(np.array([0.5]))[0, 3] == pytest.approx(0.5, abs=0.01)


def test_a_mask_edited_elsewhere_is_kept_and_the_design_moves_on(blob, qtbot, tmp_path):
    viewer, _, _ = blob
    widget = dock(viewer)
    layer = widget.output
    layer.data = np.clip(layer.data * 2, 0, 1)  # a script
    edited = np.array(layer.data)
    type_into(qtbot, spin(widget, "radius"), "10")
    settle(qtbot, widget)
    assert np.array_equal(layer.data, edited) and widget.output is not layer
    assert "changed outside" in widget.notice.text()
    saved = tmp_path / "edited.mrc"
    with pytest.warns(UserWarning, match="no longer reproduces"):
        save_layer(layer, saved)
    assert saved.exists() and not sidecar_path(saved).exists()


def test_saving_a_stale_layer_says_so(blob, qtbot, tmp_path):
    viewer, _, _ = blob
    widget = dock(viewer)
    choose(qtbot, widget.editors["shape"].combo, "tube")
    type_into(qtbot, spin(widget, "inner_radius"), "500")
    settle(qtbot, widget)
    path = tmp_path / "stale.mrc"
    with pytest.warns(UserWarning, match="stale"):
        save_layer(widget.output, path)
    recipe = read_volume(path)  # the mask as last computed, with the recipe that made it
    assert np.array_equal(recipe.data, widget.output.data)
    assert np.array_equal(apply_recipe(widget.output.metadata[METADATA_KEY])[0], widget.output.data)


def test_single_lengths_are_in_voxels_on_anisotropic_maps(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    viewer.add_image(blob_map(), scale=(2.0, 2.0, 4.0), name="anisotropic")
    widget = dock(viewer)
    assert widget.editors["radius"].label.text() == "radius (vox)"
    type_into(qtbot, spin(widget, "radius"), "9")
    settle(qtbot, widget)
    assert widget.output.metadata[METADATA_KEY]["params"]["radius"] == 9.0
    choose(qtbot, widget.editors["shape"].combo, "ellipsoid")
    for axis in range(3):
        type_into(qtbot, spin(widget, "radii", axis), "20")
    settle(qtbot, widget)
    assert widget.editors["radii"].note.text() == "= 10, 10, 5 vox"
    assert widget.output.metadata[METADATA_KEY]["params"]["radii"] == [10.0, 10.0, 5.0]


def test_typed_box_without_a_map(make_napari_viewer, qtbot, tmp_path):
    viewer = make_napari_viewer()
    widget = dock(viewer)
    assert widget.model["map"] is None and {"box", "voxel_size"} <= shown(widget)
    assert not widget.buttons["centre_on_density"].isHidden()
    layer = widget.output
    for axis, n in enumerate(("40", "50", "60")):
        type_into(qtbot, spin(widget, "box", axis), n)
    type_into(qtbot, spin(widget, "voxel_size"), "3")
    type_into(qtbot, spin(widget, "radius"), "30")
    settle(qtbot, widget)
    assert mask_layers(viewer) == [layer] and layer.data.shape == (40, 50, 60) and tuple(layer.scale) == (3.0, 3.0, 3.0)
    assert tuple(viewer.camera.center[-2:]) == pytest.approx((49 * 3 / 2, 59 * 3 / 2))  # the view follows the new box
    recipe = layer.metadata[METADATA_KEY]
    assert recipe["params"]["radius"] == 10.0 and recipe["params"]["center"] == [20.0, 25.0, 30.0]
    assert widget.editors["radius"].note.text() == "= 10 vox"
    all_agree(widget, tmp_path)
    viewer.add_image(blob_map(), name="opened later")
    assert "opened later" in widget.notice.text()
    assert widget.editors["map"].combo.findText("opened later") >= 0


def test_removing_the_map_keeps_its_box(blob, qtbot, tmp_path):
    viewer, map_layer, _ = blob
    widget = dock(viewer)
    viewer.layers.remove(map_layer)
    settle(qtbot, widget)
    assert widget.model["map"] is None and widget.editors["map"].combo.currentIndex() == 0
    assert widget.editors["box"].value == (64, 64, 64) and widget.editors["voxel_size"].value == 2.0
    all_agree(widget, tmp_path)


def test_centre_offset_in_angstrom_from_the_box_centre(blob, qtbot, tmp_path):
    viewer, _, _ = blob
    widget = dock(viewer)
    for axis, value in enumerate(("0", "10", "-8")):
        type_into(qtbot, spin(widget, "offset", axis), value)
    settle(qtbot, widget)
    assert widget.editors["center"].value == (32.0, 37.0, 28.0)
    all_agree(widget, tmp_path)


def test_centre_on_density_finds_the_blob(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    viewer.add_image(blob_map(center=(12.0, 44.0, 20.0)), scale=(2.0, 2.0, 2.0), name="blob")
    widget = dock(viewer)
    for axis in range(3):
        type_into(qtbot, spin(widget, "center", axis), "32")
    type_into(qtbot, spin(widget, "radius"), "8")
    settle(qtbot, widget)
    layer = widget.output
    assert layer.data[12, 44, 20] == 0
    click(qtbot, widget.buttons["centre_on_density"])
    settle(qtbot, widget)
    assert widget.editors["center"].value == pytest.approx((12.0, 44.0, 20.0), abs=0.2)
    assert layer.data[12, 44, 20] == 1.0


def test_centre_on_cursor(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    viewer.add_image(blob_map(), scale=(2.0, 2.0, 2.0), translate=(10.0, 0.0, 0.0), name="blob")
    widget = dock(viewer)
    layer = widget.output
    viewer.cursor.position = (10.0 + 2 * 50, 2 * 12, 2 * 8)
    click(qtbot, widget.buttons["centre_on_cursor"])
    settle(qtbot, widget)
    assert widget.editors["center"].value == (50.0, 12.0, 8.0) and layer.data[50, 12, 8] == 1.0
    viewer.cursor.position = (10.0 + 2 * 500, -40.0, 2 * 8)  # beyond the box: kept on its faces
    click(qtbot, widget.buttons["centre_on_cursor"])
    assert widget.editors["center"].value == (63.0, 0.0, 8.0)


def test_rgb_and_4d_layers_are_not_offered_and_multiscale_maps_work(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((32, 32, 3), np.uint8), rgb=True, name="photo")
    viewer.add_image(np.zeros((2, 16, 16, 16), np.float32), name="4d")
    big = blob_map((64, 64, 64))
    viewer.add_image([big, big[::2, ::2, ::2]], multiscale=True, scale=(2.0, 2.0, 2.0), name="pyramid")
    widget = dock(viewer)
    combo = widget.editors["map"].combo
    offered = [combo.itemText(i) for i in range(combo.count())]
    assert offered == ["(no map: typed box)", "pyramid"]
    settle(qtbot, widget)
    assert widget.output.data.shape == (64, 64, 64) and widget.model.errors == {}


def test_every_control_has_a_tooltip_that_says_the_conventions(blob):
    viewer, _, _ = blob
    widget = dock(viewer)
    for name, editor in widget.editors.items():
        assert editor.label.toolTip(), name
        for field in editor.widgets():
            assert field.toolTip(), name
    for button in widget.buttons.values():
        assert button.toolTip()
    assert "ZXZ" in widget.editors["phi"].spin.toolTip() and "cryoCAT" in widget.editors["theta"].slider.toolTip()
    assert "inward" in widget.editors["thickness"].spin.toolTip()
    assert "apex" in widget.editors["height"].spin.toolTip()


def test_long_messages_wrap_and_never_widen_the_dock(blob, qtbot):
    viewer, _, _ = blob
    widget = dock(viewer)
    width = widget.sizeHint().width()
    choose(qtbot, widget.editors["shape"].combo, "tube")
    type_into(qtbot, spin(widget, "inner_radius"), "99999")
    for axis in range(3):  # long numbers in a per-axis triple
        type_into(qtbot, spin(widget, "offset", axis), "-12345.67")
    widget.model.say("a very long notice " * 40)
    assert widget.error.text() and widget.notice.text()
    assert widget.sizeHint().width() == width
    assert widget.minimumSizeHint().width() < 420


def shows_in_full(box) -> bool:
    """Whether a spin box shows all its text: the text fits its line edit, which so never scrolls it
    (the text cursor goes from before the first character to after the last by the text's whole width)."""
    line = box.lineEdit()
    width = line.fontMetrics().horizontalAdvance(box.text())

    def cursor_x():
        line.repaint()  # the line edit scrolls to the cursor as it paints
        return line.inputMethodQuery(Qt.ImCursorRectangle).left()

    line.home(False)
    start = cursor_x()
    line.end(False)
    return width <= line.contentsRect().width() and cursor_x() - start >= width


def test_spin_boxes_show_their_values_in_full_in_the_narrowest_dock(blob, qtbot):
    viewer, map_layer, _ = blob
    widget = ShapeMaskWidget(viewer)
    window = viewer.window._qt_window
    docked = viewer.window.add_dock_widget(widget, name="Shape mask")
    window.show()
    qtbot.waitExposed(window)
    type_into(qtbot, spin(widget, "radius"), "140.92")
    settle(qtbot, widget)
    assert spin(widget, "radius").text() == "140.92"
    assert shows_in_full(spin(widget, "radius")), spin(widget, "radius").lineEdit().width()
    window.resizeDocks([docked], [1], Qt.Horizontal)  # as narrow as the dock goes
    qtbot.waitUntil(lambda: widget.width() <= widget.minimumSizeHint().width())
    for name, text in (("radius", "8888.88"), ("edge_width", "8888.88"), ("offset", "-8888.88")):
        box = spin(widget, name, 0 if name == "offset" else None)
        type_into(qtbot, box, text)
        assert box.text() == text and shows_in_full(box), (name, box.lineEdit().width())
    assert all(shows_in_full(spin(widget, name)) for name in ("phi", "theta", "psi"))
    viewer.layers.remove(map_layer)  # the box (whole voxels) shows
    type_into(qtbot, spin(widget, "box", 2), "1024")
    settle(qtbot, widget)
    assert all(shows_in_full(spin(widget, "box", axis)) for axis in range(3)), spin(widget, "box", 2).text()
    assert widget.minimumSizeHint().width() < 420


def test_large_box_draws_the_plane_then_the_volume_off_the_ui_thread(make_napari_viewer, qtbot, capfd):
    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((200, 200, 200), np.float32), name="big")
    widget = dock(viewer)
    settle(qtbot, widget)
    layer = widget.output
    z = viewer.dims.current_step[0]
    old = np.array(layer.data)
    choose(qtbot, widget.editors["shape"].combo, "cuboid")
    for axis, value in enumerate(("60", "90", "120")):
        type_into(qtbot, spin(widget, "size", axis), value)
    assert widget.busy and widget.model.stale and widget.busy_indicator.isVisibleTo(widget)
    plane = apply_recipe(widget.model.recipe())[0]
    assert np.array_equal(layer.data[z], plane[z])  # the displayed plane at once
    assert not np.array_equal(layer.data[z + 40], plane[z + 40]) or np.array_equal(old[z + 40], plane[z + 40])
    settle(qtbot, widget)
    assert np.array_equal(layer.data, plane) and not widget.busy_indicator.isVisibleTo(widget)
    assert mask_layers(viewer) == [layer]
    err = capfd.readouterr().err
    assert "it/s" not in err and "%|" not in err  # no tqdm line per job


def test_a_dragged_slider_previews_and_computes_once_at_rest(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((160, 160, 160), np.float32), name="big")
    widget = dock(viewer)
    settle(qtbot, widget)
    choose(qtbot, widget.editors["shape"].combo, "cylinder")
    settle(qtbot, widget)
    layer = widget.output
    full = []
    layer.events.data.connect(lambda event: full.append(widget.model["phi"]))
    slider = widget.editors["phi"].slider
    slider.setSliderDown(True)
    for position in (550, 600, 650, 700):
        slider.setValue(position)
        assert widget.model.moving
    slider.setSliderDown(False)
    settle(qtbot, widget)
    assert full == [widget.model["phi"]] and widget.model["phi"] == pytest.approx(72.0)
    assert np.array_equal(layer.data, apply_recipe(layer.metadata[METADATA_KEY])[0])


def test_found_in_the_plugin_menu(make_napari_viewer, qtbot):
    from napari._app_model import get_app_model

    viewer = make_napari_viewer()
    viewer.open_sample("napari-cryomask", "sample")
    app = get_app_model()
    [item] = [
        item for item in app.menus.get_menu("napari/plugins/napari-cryomask") if item.command.title.startswith("Shape mask")
    ]
    app.commands.execute_command(item.command.id).result()
    [layer] = mask_layers(viewer)
    assert layer.name == LAYER_NAME
    _, widget = viewer.window.add_plugin_dock_widget("napari-cryomask", "Shape mask")
    assert isinstance(widget, ShapeMaskWidget)
    settle(qtbot, widget)
    assert mask_layers(viewer) == [layer] and np.array_equal(layer.data, apply_recipe(layer.metadata[METADATA_KEY])[0])


def test_arrow_steps_preview_and_apply_once_they_rest(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((160, 160, 160), np.float32), scale=(2.0, 2.0, 2.0), name="big")
    widget = dock(viewer)
    settle(qtbot, widget)
    layer = widget.output
    full = []
    layer.events.data.connect(lambda event: full.append(widget.model["radius"]))
    before = widget.model["radius"]
    for _ in range(5):  # a held arrow key
        qtbot.keyClick(spin(widget, "radius"), Qt.Key_Up)
    assert widget.model.moving and widget.model.stale
    settle(qtbot, widget)
    assert full == [before + 5]  # one volume, for the value the steps came to
    assert layer.metadata[METADATA_KEY]["params"]["radius"] == pytest.approx((before + 5) / 2)


def test_a_typed_value_applies_when_focus_leaves_the_box(blob, qtbot, tmp_path):
    viewer, _, _ = blob
    widget = dock(viewer)
    window = viewer.window._qt_window
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    box = spin(widget, "radius")
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    type_into(qtbot, box, "25", finish=None)
    settle(qtbot, widget)
    assert widget.output.metadata[METADATA_KEY]["params"]["radius"] != 12.5  # nothing applied while typing
    qtbot.keyClick(box, Qt.Key_Tab)  # on to the next field
    qtbot.waitUntil(lambda: not box.hasFocus())
    settle(qtbot, widget)
    assert widget.output.metadata[METADATA_KEY]["params"]["radius"] == 12.5
    all_agree(widget, tmp_path)


def test_a_late_worker_result_never_hides_an_error_typed_after_it(make_napari_viewer, qtbot, tmp_path):
    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((200, 200, 200), np.float32), scale=(2.0, 2.0, 2.0), name="big")
    widget = dock(viewer)
    choose(qtbot, widget.editors["shape"].combo, "cuboid")
    for axis in range(3):
        type_into(qtbot, spin(widget, "size", axis), "40")
    settle(qtbot, widget)
    layer = widget.output
    before = layer.metadata[METADATA_KEY]
    type_into(qtbot, spin(widget, "rounding"), "8")  # valid: computed on the worker
    assert widget.model.runner.busy
    type_into(qtbot, spin(widget, "rounding"), "30")  # invalid, while 8 still computes
    qtbot.waitUntil(lambda: not widget.model.runner.busy, timeout=60_000)  # the result for 8 arrives late
    qtbot.wait(100)
    assert widget.error.text() == "rounding (30 Å) must be at most half the smallest size (40 Å)"
    assert widget.editors["rounding"].invalid and widget.editors["rounding"].value == 30.0
    assert layer.metadata[METADATA_KEY]["params"] == before["params"]  # 8 was never shown
    assert widget.model.stale and STALE_KEY in layer.metadata
    type_into(qtbot, spin(widget, "rounding"), "4")
    settle(qtbot, widget)
    assert layer.metadata[METADATA_KEY]["params"]["rounding"] == 2.0 and not widget.error.text()
    all_agree(widget, tmp_path)
