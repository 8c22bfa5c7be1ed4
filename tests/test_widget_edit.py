"""Edit by hand in a real viewer: painted with the mouse through napari's Labels layer, applied, saved and replayed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import all_agree, choose, click, settle, type_into
from napari.utils._proxies import ReadOnlyWrapper
from napari.utils.interactions import mouse_move_callbacks, mouse_press_callbacks, mouse_release_callbacks
from qtpy.QtCore import Qt

from napari_cryomask.core.shapes import sphere
from napari_cryomask.recipes import METADATA_KEY, sidecar_path

CRYOMASK = Path(sys.executable).parent / "cryomask"


def cryomask(cwd, *args):
    """The installed console script, in a subprocess."""
    assert CRYOMASK.is_file(), f"console script not installed at {CRYOMASK}"
    return subprocess.run([str(CRYOMASK), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ))


def replays_byte_for_byte(path):
    """``cryomask recipe apply`` of a saved file's sidecar writes the very same file."""
    again = path.with_name("again_" + path.name)
    result = cryomask(path.parent, "recipe", "apply", sidecar_path(path), "-o", again)
    assert result.returncode == 0, result.stderr
    assert again.read_bytes() == path.read_bytes()


def world(layer, voxel):
    return tuple(float(v) * s + t for v, s, t in zip(voxel, layer.scale, layer.translate))


def stroke(viewer, layer, MouseEvent, voxels, view_direction=None):
    """Press, drag through ``voxels`` (of ``layer``) and release, as napari's own mouse tests do."""
    positions = [world(layer, v) for v in voxels]
    steps = [("mouse_press", positions[0], False)] + [("mouse_move", p, True) for p in positions[1:]]
    steps.append(("mouse_release", positions[-1], False))
    callbacks = {"mouse_press": mouse_press_callbacks, "mouse_move": mouse_move_callbacks, "mouse_release": mouse_release_callbacks}
    for kind, position, dragging in steps:
        event = MouseEvent(type=kind, is_dragging=dragging, position=position, view_direction=view_direction,
                           dims_displayed=tuple(viewer.dims.displayed), dims_point=tuple(viewer.dims.point))
        callbacks[kind](layer, ReadOnlyWrapper(event))


def press(qtbot, viewer, key, modifier=Qt.KeyboardModifier.NoModifier):
    """A key pressed over the canvas: napari's own key bindings (P, E, F, R, Ctrl+Z...) handle it."""
    qtbot.keyClick(viewer.window._qt_viewer, key, modifier)


def show_plane(viewer, layer, z):
    viewer.dims.set_point(0, world(layer, (z, 0, 0))[0])


@pytest.fixture
def sphere_file(tmp_path):
    """A soft sphere written by the command line: 48³ voxels of 2 Å, radius 8 voxels, cosine edge of 3, off the origin."""
    result = cryomask(tmp_path, "sphere", "--box", "48", "--radius", "8", "--soft-edge", "3", "--pixel-size", "2",
                      "--center", "24,24,20", "-o", "sphere.mrc")
    assert result.returncode == 0, result.stderr
    return tmp_path / "sphere.mrc"


@pytest.fixture
def editing(make_napari_viewer, qtbot, sphere_file):
    viewer = make_napari_viewer()
    [mask] = viewer.open(sphere_file, plugin="napari-cryomask")
    _, widget = viewer.window.add_plugin_dock_widget("napari-cryomask", "Edit by hand")
    assert widget.model["mask"] is mask
    click(qtbot, widget.buttons["edit"])
    labels = viewer.layers[f"{mask.name} edit"]
    return viewer, mask, labels, widget


def test_paint_outline_fill_and_erase_with_the_mouse_then_apply_and_replay_the_saved_file(editing, qtbot, tmp_path, MouseEvent):
    viewer, mask, labels, widget = editing
    assert viewer.layers.selection.active is labels and labels.mode == "paint"
    assert widget.editors["edge"].value == "cosine" and widget.editors["edge_width"].value == 6.0  # 3 voxels of 2 Å
    type_into(qtbot, widget.editors["brush_size"].spin, "4")
    assert labels.brush_size == 2 and widget.editors["brush_size"].note.text() == "= 2 vox"

    show_plane(viewer, labels, 24)
    square = [(24, 8, 32), (24, 8, 42), (24, 18, 42), (24, 18, 32), (24, 8, 32)]  # an outline beside the sphere
    stroke(viewer, labels, MouseEvent, square)
    assert labels.data[24, 8, 36] == 1 and labels.data[24, 13, 37] == 0
    press(qtbot, viewer, Qt.Key.Key_F)
    assert labels.mode == "fill"
    stroke(viewer, labels, MouseEvent, [(24, 13, 37)])  # the bucket fills the inside of the outline
    assert labels.data[24, 13, 37] == 1 and labels.data[23, 13, 37] == 0
    press(qtbot, viewer, Qt.Key.Key_E)
    assert labels.mode == "erase"
    stroke(viewer, labels, MouseEvent, [(24, 24, 14), (24, 24, 26)])  # a cut through the sphere
    assert labels.data[24, 24, 20] == 0 and labels.data[22, 24, 20] == 1
    press(qtbot, viewer, Qt.Key.Key_P)
    assert labels.mode == "paint"

    click(qtbot, widget.buttons["apply"])
    settle(qtbot, widget)
    edited = widget.output
    assert edited.name == "edited mask" and widget.error.text() == ""
    assert np.array_equal(edited.data >= 0.5, labels.data != 0)
    assert "voxels added" in widget.notice.text()
    recipe = edited.metadata[METADATA_KEY]
    assert recipe["operation"] == "edit" and recipe["inputs"][0]["operation"] == "shape"
    assert (recipe["params"]["edge"], recipe["params"]["edge_width_px"]) == ("cosine", 3.0)
    path = all_agree(widget, tmp_path)
    replays_byte_for_byte(path)

    # an edit replayed on another mask than the one it was drawn on is refused, saying why
    sidecar = json.loads(sidecar_path(path).read_text())
    sidecar["inputs"][0]["params"]["radius"] = 9.0
    sidecar_path(path).write_text(json.dumps(sidecar))
    result = cryomask(tmp_path, "recipe", "apply", sidecar_path(path), "-o", "stale.mrc")
    assert result.returncode != 0 and "edits are stale" in result.stderr and not (tmp_path / "stale.mrc").exists()


def test_undo_after_apply_shows_the_result_is_behind_until_applied_again(editing, qtbot, tmp_path, MouseEvent):
    viewer, mask, labels, widget = editing
    show_plane(viewer, labels, 24)
    stroke(viewer, labels, MouseEvent, [(24, 24, 34), (24, 24, 40)])
    click(qtbot, widget.buttons["apply"])
    settle(qtbot, widget)
    assert widget.status.isHidden()
    press(qtbot, viewer, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # napari's undo
    assert labels.data[24, 24, 37] == 0
    assert "click Apply" in widget.status.text() and not widget.status.isHidden()
    click(qtbot, widget.buttons["apply"])
    settle(qtbot, widget)
    assert np.array_equal(widget.output.data, mask.data) and widget.status.isHidden()
    all_agree(widget, tmp_path)


def test_the_brush_size_follows_naparis_layer_controls_both_ways(editing, qtbot):
    viewer, mask, labels, widget = editing
    slider = viewer.window._qt_viewer.controls.widgets[labels]._brush_size_slider_control.brush_size_slider
    slider.setValue(7)  # the brush size slider of napari's layer controls, in voxels
    assert labels.brush_size == 7 and widget.editors["brush_size"].value == 14.0  # 7 voxels of 2 Å
    assert widget.editors["brush_size"].note.text() == "= 7 vox"
    type_into(qtbot, widget.editors["brush_size"].spin, "6")
    assert labels.brush_size == 3 and slider.value() == 3


def test_a_ball_brush_in_the_3d_view(editing, qtbot, tmp_path, MouseEvent):
    viewer, mask, labels, widget = editing
    choose(qtbot, widget.editors["brush"].combo, "ball")
    type_into(qtbot, widget.editors["brush_size"].spin, "10")
    assert labels.n_edit_dimensions == 3 and labels.brush_size == 5
    viewer.dims.ndisplay = 3
    before = int(np.count_nonzero(labels.data))
    # a click on the sphere's surface seen along +x: the ball is painted where the ray meets the label
    stroke(viewer, labels, MouseEvent, [(24, 24, 0)], view_direction=(0.0, 0.0, 1.0))
    grown = labels.data != 0
    assert np.count_nonzero(grown) > before
    assert grown[24, 24, 10] and grown[26, 24, 10] and not (mask.data[:, :, 10] >= 0.5).any()
    click(qtbot, widget.buttons["apply"])
    settle(qtbot, widget)
    assert np.array_equal(widget.output.data >= 0.5, grown)
    replays_byte_for_byte(all_agree(widget, tmp_path))


def test_two_drawn_discs_filled_in_between_give_a_cylinder(editing, qtbot, tmp_path, MouseEvent):
    viewer, mask, labels, widget = editing
    click(qtbot, widget.buttons["draw_planes"])
    planes = viewer.layers[f"{mask.name} planes"]
    assert widget.model["planes"] is planes and widget.editors["planes"].combo.currentText() == planes.name
    assert viewer.layers.selection.active is planes and planes.mode == "paint"
    type_into(qtbot, widget.editors["brush_size"].spin, "18")  # a disc of 9 voxels across
    for z in (8, 40):
        show_plane(viewer, planes, z)
        stroke(viewer, planes, MouseEvent, [(z, 24, 36)])
    assert planes.data[8].any() and planes.data[40].any() and not planes.data[9:40].any()
    before = labels.data != 0
    click(qtbot, widget.buttons["fill"])
    assert "filled 31 planes between the 2 drawn along z" in widget.notice.text()
    solid = (labels.data != 0) & ~before
    disc = planes.data[8] != 0
    for z in range(8, 41):
        plane = solid[z] | (before[z] & disc)
        assert np.array_equal(plane & disc, disc) and np.count_nonzero(plane & ~disc & ~before[z]) == 0, z
    assert not solid[:8].any() and not solid[41:].any()
    labels_ptp = np.ptp(np.nonzero(solid)[0])
    assert labels_ptp == 32  # from plane 8 to plane 40
    click(qtbot, widget.buttons["apply"])
    settle(qtbot, widget)
    replays_byte_for_byte(all_agree(widget, tmp_path))


def test_outlines_drawn_with_the_mouse_as_shapes_filled_in_between(editing, qtbot, MouseEvent):
    viewer, mask, labels, widget = editing
    click(qtbot, widget.buttons["draw_outlines"])
    outlines = viewer.layers[f"{mask.name} outlines"]
    assert outlines.mode == "add_polygon" and widget.model["planes"] is outlines
    press(qtbot, viewer, Qt.Key.Key_R)
    assert outlines.mode == "add_rectangle"
    for z in (10, 30):  # a rectangle dragged from corner to corner on two planes
        show_plane(viewer, outlines, z)
        stroke(viewer, outlines, MouseEvent, [(z, 20, 34), (z, 24, 38), (z, 28, 42)])
    assert len(outlines.data) == 2 and list(outlines.shape_type) == ["rectangle", "rectangle"]
    choose(qtbot, widget.editors["fill_mode"].combo, "add")
    click(qtbot, widget.buttons["fill"])
    assert "filled 19 planes between the 2 drawn along z" in widget.notice.text()
    for z in (10, 20, 30):
        assert labels.data[z, 20:29, 34:43].all() and labels.data[z, 24, 44] == 0 and labels.data[z, 30, 38] == 0, z
    assert labels.data[9, 24, 38] == 0 and labels.data[31, 24, 38] == 0
    press(qtbot, viewer, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the fill is one step of napari's undo
    assert viewer.layers.selection.active is labels and np.array_equal(labels.data != 0, mask.data >= 0.5)


def test_ellipses_outlined_on_two_planes_fill_an_elliptic_cylinder(editing, qtbot):
    viewer, mask, labels, widget = editing
    click(qtbot, widget.buttons["draw_outlines"])
    outlines = viewer.layers[f"{mask.name} outlines"]

    def ellipse(z, y, x, ry, rx):
        return np.array([[z, y - ry, x - rx], [z, y - ry, x + rx], [z, y + ry, x + rx], [z, y + ry, x - rx]], float)

    outlines.add_ellipses([ellipse(10, 24, 38, 4, 6), ellipse(30, 24, 38, 4, 6)])
    click(qtbot, widget.buttons["fill"])
    assert "filled 19 planes" in widget.notice.text()
    for z in (10, 20, 30):
        assert labels.data[z, 24, 38] == 1 and labels.data[z, 24, 43] == 1 and labels.data[z, 24, 45] == 0
        assert labels.data[z, 27, 38] == 1 and labels.data[z, 29, 38] == 0
    assert labels.data[9, 24, 38] == 0 and labels.data[31, 24, 38] == 0


def test_a_second_mask_gets_its_own_edit(editing, qtbot):
    viewer, mask, labels, widget = editing
    other = viewer.add_image(sphere(48, 6, edge="gaussian", edge_width_px=2.0), scale=(2.0, 2.0, 2.0), name="other")
    choose(qtbot, widget.editors["mask"].combo, "other")
    click(qtbot, widget.buttons["edit"])
    assert f"{other.name} edit" in viewer.layers and widget.editors["edge"].value == "gaussian"
    assert "estimated from the mask" in widget.notice.text()
    choose(qtbot, widget.editors["mask"].combo, mask.name)
    assert widget.editors["edge"].value == "cosine" and widget.editors["edge_width"].value == 6.0
