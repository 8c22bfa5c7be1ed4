"""The Mask tools widget in a real viewer: symmetrize, helix, clip, apply to a map, resample; grid warnings."""

import math
import warnings

import numpy as np
import pytest
from gui_helpers import all_agree, choose, click, save_layer, settle, type_into
from qtpy.QtCore import Qt
from test_widget_edit import cryomask, replays_byte_for_byte

from napari_cryomask._napari.mask_layer import COLOUR_KEY
from napari_cryomask.core.shapes import sphere
from napari_cryomask.io import read_volume, write_volume
from napari_cryomask.recipes import METADATA_KEY


def dock(viewer):
    _, widget = viewer.window.add_plugin_dock_widget("napari-cryomask", "Mask tools")
    return widget


def shown(widget):
    return {name for name, editor in widget.editors.items() if not editor.field.isHidden()}


@pytest.fixture
def files(tmp_path):
    """An off-centre soft sphere (48³ of 2 Å) from the command line, a map on its grid and a binned map."""
    result = cryomask(tmp_path, "sphere", "--box", "48", "--radius", "5", "--soft-edge", "3", "--pixel-size", "2",
                      "--center", "24,24,36", "-o", "blob.mrc")
    assert result.returncode == 0, result.stderr
    rng = np.random.default_rng(1)
    density = (sphere(48, 10, edge="cosine", edge_width_px=4) + rng.normal(0, 0.1, (48, 48, 48))).astype(np.float32)
    write_volume(tmp_path / "map.mrc", density, voxel_size=2.0)
    write_volume(tmp_path / "bin2.mrc", density[::2, ::2, ::2], voxel_size=4.0)
    return tmp_path


@pytest.fixture
def tools(make_napari_viewer, files):
    viewer = make_napari_viewer()
    [map_layer] = viewer.open(files / "map.mrc", plugin="napari-cryomask")
    [mask] = viewer.open(files / "blob.mrc", plugin="napari-cryomask")
    widget = dock(viewer)
    return viewer, map_layer, mask, widget


def test_an_off_centre_sphere_under_c6_becomes_six_spheres_at_their_angles(tools, qtbot, tmp_path):
    viewer, map_layer, mask, widget = tools
    assert widget.model["mask"] is mask and shown(widget) >= {"group", "center", "mode"}
    line = widget.editors["group"].line
    qtbot.keyClick(line, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(line, "c6")
    qtbot.keyClick(line, Qt.Key_Return)
    settle(qtbot, widget)
    layer = widget.output
    assert layer.name == "symmetrized mask" and layer.metadata[METADATA_KEY]["params"]["group"] == "C6"
    for k in range(6):  # about z, from the centre (24, 24, 24): the sphere 12 voxels out along x turned by k·60°
        angle = math.radians(60 * k)
        y, x = 24 + 12 * math.sin(angle), 24 + 12 * math.cos(angle)
        assert layer.data[24, round(y), round(x)] == 1, k
    assert layer.data[24, 24, 24] == 0
    assert "C6: 6 copies, each copy the mask's shape moved exactly" in widget.readout.text()
    replays_byte_for_byte(all_agree(widget, tmp_path))


def test_a_bad_group_is_named_and_the_layer_waits(tools, qtbot):
    viewer, map_layer, mask, widget = tools
    settle(qtbot, widget)
    before = np.array(widget.output.data)
    widget.editors["group"].value = "C0"
    assert "symmetry ('C0') is not a symmetry group" in widget.error.text() and widget.editors["group"].invalid
    assert np.array_equal(widget.output.data, before)


def test_helix_keeps_the_central_part_and_twists(tools, qtbot, tmp_path):
    viewer, map_layer, mask, widget = tools
    choose(qtbot, widget.editors["operation"].combo, "helix")
    assert "helical symmetry" in shown(widget) or "helical" in shown(widget)
    assert "twist" not in shown(widget)
    type_into(qtbot, widget.editors["z_fraction"].spin, "0.5")
    qtbot.keyClick(widget.editors["helical"].box, Qt.Key_Space)
    assert {"twist", "rise", "units"} <= shown(widget)
    type_into(qtbot, widget.editors["twist"].spin, "90")
    type_into(qtbot, widget.editors["rise"].spin, "8")
    assert widget.editors["rise"].note.text() == "= 4 vox"
    type_into(qtbot, widget.editors["units"].spin, "3")
    settle(qtbot, widget)
    layer = widget.output
    params = layer.metadata[METADATA_KEY]["params"]
    assert layer.name == "helical mask" and params["rise_px"] == 4.0 and params["units"] == 3 and params["z_fraction"] == 0.5
    # units -1, 0, 1: turned by -90°, 0, 90° about z and raised by -4, 0, 4 voxels
    assert layer.data[24, 24, 36] == 1 and layer.data[28, 36, 24] == 1 and layer.data[20, 12, 24] == 1
    replays_byte_for_byte(all_agree(widget, tmp_path))


def test_clip_by_a_sphere_then_a_box_in_angstrom(tools, qtbot, tmp_path):
    viewer, map_layer, mask, widget = tools
    choose(qtbot, widget.editors["operation"].combo, "clip")
    type_into(qtbot, widget.editors["radius"].spin, "24")
    assert widget.editors["radius"].note.text() == "= 12 vox"
    settle(qtbot, widget)
    layer = widget.output
    assert layer.name == "clipped mask" and layer.metadata[METADATA_KEY]["params"]["radius"] == 12.0
    assert mask.data[24, 24, 38] == 1 and layer.data[24, 24, 38] == 0 and layer.data[24, 24, 34] == 1  # 12 voxels out
    type_into(qtbot, widget.editors["taper"].spin, "30")
    assert "taper (30 Å) must be smaller than the radius (24 Å)" in widget.error.text()
    type_into(qtbot, widget.editors["taper"].spin, "4")
    choose(qtbot, widget.editors["clip_by"].combo, "box")
    assert "size" in shown(widget) and "radius" not in shown(widget)
    settle(qtbot, widget)
    all_agree(widget, tmp_path)


def test_apply_to_the_map_shows_a_map_and_the_cli_replays_it(tools, qtbot, tmp_path):
    viewer, map_layer, mask, widget = tools
    choose(qtbot, widget.editors["operation"].combo, "apply to map")
    assert widget.model["map"] is map_layer and "display" not in shown(widget)
    choose(qtbot, widget.editors["outside"].combo, "mean")
    settle(qtbot, widget)
    layer = widget.output
    assert layer.name == "masked map" and COLOUR_KEY not in layer.metadata
    assert layer.colormap.name == map_layer.colormap.name and tuple(layer.contrast_limits) == tuple(map_layer.contrast_limits)
    recipe = layer.metadata[METADATA_KEY]
    assert recipe["operation"] == "apply" and recipe["map"] == str(tmp_path / "map.mrc")
    inside = mask.data == 1
    assert np.array_equal(layer.data[inside], map_layer.data[inside])
    assert "masked map of 'map'" in widget.readout.text()
    choose(qtbot, widget.editors["outside"].combo, "lowpass")
    assert "lowpass" in shown(widget)
    type_into(qtbot, widget.editors["lowpass"].spin, "15")
    settle(qtbot, widget)
    assert widget.output is layer and layer.metadata[METADATA_KEY]["params"]["lowpass_A"] == 15.0
    replays_byte_for_byte(all_agree(widget, tmp_path))


def test_apply_needs_the_maps_box_and_warns_on_another_voxel_size(tools, qtbot, files):
    viewer, map_layer, mask, widget = tools
    [binned] = viewer.open(files / "bin2.mrc", plugin="napari-cryomask")
    choose(qtbot, widget.editors["operation"].combo, "apply to map")
    choose(qtbot, widget.editors["map"].combo, "bin2")
    assert "is 48×48×48 voxels but the map 'bin2' is 24×24×24: resample the mask onto the map's grid first" in widget.error.text()
    other = viewer.add_image(np.asarray(map_layer.data), scale=(2.5, 2.5, 2.5), name="other pixel")
    with pytest.warns(UserWarning, match="voxels of 2 Å but 'other pixel' is 48×48×48 voxels of 2.5 Å"):
        choose(qtbot, widget.editors["map"].combo, other.name)
        settle(qtbot, widget)
    assert "warning:" in widget.notice.text() and "RELION 3.1+, M and pytom refuse" in widget.notice.text()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        choose(qtbot, widget.editors["outside"].combo, "mean")  # the same pair of grids warns once
        settle(qtbot, widget)


def test_resample_onto_a_binned_map_keeps_radius_and_edge_in_angstrom(tools, qtbot, tmp_path, files):
    viewer, map_layer, mask, widget = tools
    [binned] = viewer.open(files / "bin2.mrc", plugin="napari-cryomask")
    choose(qtbot, widget.editors["operation"].combo, "resample")
    choose(qtbot, widget.editors["map"].combo, "bin2")
    assert widget.editors["edge"].value == "cosine" and widget.editors["edge_width"].value == 6.0  # from the recipe
    settle(qtbot, widget)
    layer = widget.output
    assert layer.name.startswith("resampled mask") and layer.data.shape == (24, 24, 24) and tuple(layer.scale) == (4.0, 4.0, 4.0)
    params = layer.metadata[METADATA_KEY]["params"]
    assert params["edge_width_A"] == 6.0 and params["from_voxel_size"] == [2.0, 2.0, 2.0]

    def radius_A(data, voxel_A):  # of the sphere as large as the 0.5 contour
        return (3 * np.count_nonzero(data >= 0.5) * voxel_A**3 / (4 * math.pi)) ** (1 / 3)

    assert radius_A(layer.data, 4.0) == pytest.approx(radius_A(mask.data, 2.0), abs=2.0)  # within half a voxel of 4 Å
    assert np.count_nonzero((layer.data > 0) & (layer.data < 1)) > 50  # its soft edge, rebuilt 1.5 voxels of 4 Å wide
    path = all_agree(widget, tmp_path)
    replays_byte_for_byte(path)
    assert read_volume(path).voxel_size == (4.0, 4.0, 4.0)


def test_results_of_each_operation_go_to_their_own_layers(tools, qtbot):
    viewer, map_layer, mask, widget = tools
    settle(qtbot, widget)
    symmetrized = widget.output
    choose(qtbot, widget.editors["operation"].combo, "clip")
    settle(qtbot, widget)
    clipped = widget.output
    choose(qtbot, widget.editors["operation"].combo, "symmetrize")
    settle(qtbot, widget)
    assert widget.output is symmetrized and clipped is not symmetrized and clipped in viewer.layers
    assert mask.name not in {layer.name for layer in widget.model.choices("map")}
    assert symmetrized not in widget.model.choices("mask")


def test_saving_a_mask_that_fits_no_open_map_warns(tools, qtbot, tmp_path, files):
    viewer, map_layer, mask, widget = tools
    settle(qtbot, widget)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        save_layer(widget.output, tmp_path / "fits.mrc")  # the map open has its grid
    viewer.layers.remove(map_layer)
    viewer.open(files / "bin2.mrc", plugin="napari-cryomask")
    with pytest.warns(UserWarning, match=r"fits_not\.mrc is 48×48×48 voxels of 2 Å but .*bin2\.mrc is 24×24×24 voxels of 4 Å"):
        save_layer(widget.output, tmp_path / "fits_not.mrc")


def test_combining_masks_of_two_voxel_sizes_warns(tools, qtbot):
    viewer, map_layer, mask, widget = tools
    other = viewer.add_image(sphere(48, 6), scale=(2.5, 2.5, 2.5), name="coarser")
    viewer.layers.selection = {mask, other}
    from napari_cryomask._napari.menu_commands import union_selected

    with pytest.warns(UserWarning, match="'coarser' is 48×48×48 voxels of 2.5 Å but .*blob.mrc is 48×48×48 voxels of 2 Å"):
        union_selected(viewer)


def test_both_widgets_are_in_the_plugin_menu(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    for name in ("Edit by hand", "Mask tools"):
        _, widget = viewer.window.add_plugin_dock_widget("napari-cryomask", name)
        assert widget.model.title == name
    click(qtbot, widget.buttons["new_mask"])  # nothing to compute without a mask; no error either
    assert widget.error.text() == "" and "choose the mask" in widget.notice.text()


def test_the_result_follows_a_mask_its_shape_widget_recomputes(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((48, 48, 48), np.float32), scale=(2.0, 2.0, 2.0), name="map")
    _, shape = viewer.window.add_plugin_dock_widget("napari-cryomask", "Shape mask")
    type_into(qtbot, shape.editors["radius"].spin, "10")
    settle(qtbot, shape)
    tools = dock(viewer)
    assert tools.model["mask"] is shape.output and tools.model["map"].name == "map"
    choose(qtbot, tools.editors["operation"].combo, "clip")
    type_into(qtbot, tools.editors["radius"].spin, "30")
    settle(qtbot, tools)
    clipped = tools.output
    type_into(qtbot, shape.editors["radius"].spin, "40")  # the sphere grows past the clip
    settle(qtbot, shape)
    settle(qtbot, tools)
    assert tools.output is clipped and clipped.metadata[METADATA_KEY]["inputs"][0]["params"]["radius"] == 20.0
    assert np.count_nonzero(shape.output.data[24, 24] >= 0.5) > np.count_nonzero(clipped.data[24, 24] >= 0.5)
    assert clipped.data[24, 24, 24 + 16] == 0 and clipped.data[24, 24, 24 + 13] == 1 and shape.output.data[24, 24, 24 + 16] == 1

