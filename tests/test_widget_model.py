"""The Model mask dock widget, driven as a person does, on maps and models the tests write (gemmi)."""

import gzip
import shutil

import numpy as np
import pytest
from atomic_models import helix_atoms, write
from gui_helpers import all_agree, choose, settle, type_into
from qtpy.QtCore import Qt
from test_cli import data_of, ok

from napari_cryomask._napari.mask_layer import STALE_KEY
from napari_cryomask._napari.model_mask_model import ModelMaskModel
from napari_cryomask._napari.model_mask_widget import OUTPUT_NAME
from napari_cryomask._napari.model_reader import load_model, model_layers
from napari_cryomask.core.model_density import model_density
from napari_cryomask.core.model_mask import model_mask
from napari_cryomask.io import read_model, read_volume, write_volume
from napari_cryomask.recipes import METADATA_KEY, sidecar_path

# An odd, non-cubic box with a non-zero origin; 1.6 Å is not a float32 number, as in real headers.
BOX, VOXEL, ORIGIN = (29, 34, 31), 1.6, (-8.0, 12.0, 4.0)
HELIX = helix_atoms(14, start=(6.0, 38.0, 28.0))


def dock(viewer):
    _, widget = viewer.window.add_plugin_dock_widget("napari-cryomask", "Model mask")
    return widget


def mask_layers(viewer):
    return [layer for layer in viewer.layers if METADATA_KEY in layer.metadata]


def spin(widget, name):
    return widget.editors[name].spin


def type_line(qtbot, line, text):
    """Type into a line edit and press Enter."""
    qtbot.keyClick(line, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key_Return)


@pytest.fixture
def files(tmp_path):
    """A helix (mmCIF) and a map of its density at 9 Å plus noise, in a frame away from 0."""
    model = write(tmp_path / "helix.cif", HELIX)
    density = model_density(read_model(model), resolution_A=9, box_shape=BOX, voxel_size=VOXEL, origin=ORIGIN)
    noise = np.random.default_rng(0).normal(0, 0.1 * density.max(), BOX)
    path = tmp_path / "map.mrc"
    write_volume(path, (density + noise).astype(np.float32), voxel_size=VOXEL, origin=ORIGIN)
    return model, path


@pytest.fixture
def opened(make_napari_viewer, files, qtbot):
    """The map and the model opened with File > Open's readers, and the widget docked."""
    model, map_path = files
    viewer = make_napari_viewer()
    [map_layer] = viewer.open(str(map_path), plugin=None)
    [atoms] = viewer.open(str(model), plugin=None)
    widget = dock(viewer)
    settle(qtbot, widget)
    return viewer, map_layer, atoms, widget


def core_mask(files, resolution, **kwargs):
    model, map_path = files
    return model_mask(model_density(read_model(model), read_volume(map_path), resolution_A=resolution), **kwargs)


def test_it_makes_the_mask_of_the_core_and_of_the_command_line_and_the_file_replays(opened, files, qtbot, tmp_path):
    viewer, map_layer, atoms, widget = opened
    assert widget.model["map"] is map_layer and widget.model["model"] is atoms
    assert widget.editors["model_file"].value == str(files[0].resolve())
    [layer] = mask_layers(viewer)
    assert layer.name == OUTPUT_NAME and layer is widget.output
    assert layer.scale.tolist() == map_layer.scale.tolist() and layer.translate.tolist() == list(ORIGIN)
    type_into(qtbot, spin(widget, "resolution"), "7")
    type_into(qtbot, spin(widget, "enclose"), "90")
    type_into(qtbot, spin(widget, "extend"), "3.2")
    type_into(qtbot, spin(widget, "edge_width"), "4.8")
    settle(qtbot, widget)
    assert widget.editors["extend"].note.text() == "= 2 vox" and widget.editors["edge_width"].note.text() == "= 3 vox"
    saved = all_agree(widget, tmp_path)
    params = layer.metadata[METADATA_KEY]["params"]
    assert params["extend_px"] == pytest.approx(2.0) and params["edge_width_px"] == pytest.approx(3.0)
    extend, width = params["extend_px"], params["edge_width_px"]
    expected = core_mask(files, 7, enclose_percent=90, extend_px=extend, edge="cosine", edge_width_px=width)
    assert layer.data.tobytes() == expected.tobytes() and 0 < layer.data.mean() < 0.5
    # the command line makes the same mask from the same values (lengths in the voxels the widget shows beside them)
    ok(tmp_path, "model", files[0], "--like", files[1], "--resolution", "7", "--enclose", "90",
       "--extend", repr(extend), "--soft-edge", repr(width), "-o", "cli.mrc")
    assert data_of(tmp_path / "cli.mrc").tobytes() == layer.data.tobytes()
    # and the saved file replays byte for byte, header included
    ok(tmp_path, "recipe", "apply", sidecar_path(saved), "-o", "again.mrc")
    assert (tmp_path / "again.mrc").read_bytes() == saved.read_bytes()
    assert read_volume(saved).origin == ORIGIN


def test_a_threshold_starts_where_the_share_was_and_replays_like_the_command_line(opened, files, qtbot, tmp_path):
    viewer, map_layer, atoms, widget = opened
    model = widget.model
    enclosed = model.layer.data.copy()
    assert "encloses" not in widget.readout.text() and "hold 95.0 % of the model's density" in widget.readout.text()
    choose(qtbot, widget.editors["level"].combo, "threshold")
    settle(qtbot, widget)
    assert widget.editors["threshold"].field.isVisibleTo(widget) and not widget.editors["enclose"].field.isVisibleTo(widget)
    started = model["threshold"]
    assert started > 0 and np.abs(model.layer.data - enclosed).max() < 0.05  # the mask does not jump
    type_into(qtbot, widget.editors["threshold"].spin, "0.05")
    choose(qtbot, widget.editors["edge"].combo, "gaussian")
    type_into(qtbot, spin(widget, "edge_width"), "3.2")
    settle(qtbot, widget)
    assert model.layer.metadata[METADATA_KEY]["params"]["threshold"] == 0.05
    assert "threshold 0.05 (given)" in widget.readout.text()
    saved = all_agree(widget, tmp_path)
    width = model.layer.metadata[METADATA_KEY]["params"]["edge_width_px"]
    assert width == pytest.approx(2.0)
    ok(tmp_path, "model", files[0], "--like", files[1], "--resolution", str(model["resolution"]), "--threshold", "0.05",
       "--edge", "gaussian", "--soft-edge", repr(width), "-o", "cli.mrc")
    assert data_of(tmp_path / "cli.mrc").tobytes() == data_of(saved).tobytes()


def test_moving_threshold_extension_or_edge_reuses_the_density(opened, qtbot):
    viewer, map_layer, atoms, widget = opened
    model = widget.model
    assert model.densities_computed == 1
    for step in (
        lambda: type_into(qtbot, spin(widget, "enclose"), "80"),
        lambda: type_into(qtbot, spin(widget, "extend"), "4"),
        lambda: choose(qtbot, widget.editors["edge"].combo, "none"),
        lambda: (choose(qtbot, widget.editors["level"].combo, "threshold"), type_into(qtbot, widget.editors["threshold"].spin, "0.1")),
    ):
        before = np.array(widget.output.data)
        step()
        settle(qtbot, widget)
        assert not np.array_equal(widget.output.data, before)
    assert model.densities_computed == 1
    type_into(qtbot, spin(widget, "resolution"), "12")
    settle(qtbot, widget)
    assert model.densities_computed == 2


def test_the_model_file_field_opens_a_gzipped_pdb_as_atoms_over_the_map(make_napari_viewer, files, qtbot, tmp_path):
    pdb = write(tmp_path / "fit.pdb", HELIX)
    with open(pdb, "rb") as source, gzip.open(tmp_path / "fit.pdb.gz", "wb") as target:
        shutil.copyfileobj(source, target)
    viewer = make_napari_viewer()
    [map_layer] = viewer.open(str(files[1]), plugin=None)
    widget = dock(viewer)
    settle(qtbot, widget)
    assert widget.output is None and widget.notice.text().startswith("no model")
    type_line(qtbot, widget.editors["model_file"].line, str(tmp_path / "fit.pdb.gz"))
    settle(qtbot, widget)
    [atoms] = model_layers(viewer)
    assert atoms.name == "fit" and widget.model["model"] is atoms and widget.editors["model"].combo.currentText() == "fit"
    np.testing.assert_allclose(atoms.data, [p for _, p in HELIX], atol=1e-3)
    assert widget.output is not None and widget.notice.text() == ""
    all_agree(widget, tmp_path)
    # the same file again: the open layer is used, not a second copy
    type_line(qtbot, widget.editors["model_file"].line, str(tmp_path / "x" / ".." / "fit.pdb.gz"))
    settle(qtbot, widget)
    assert model_layers(viewer) == [atoms]


def test_a_model_outside_the_map_is_an_error_and_makes_no_mask(make_napari_viewer, files, qtbot, tmp_path):
    far = write(tmp_path / "far.pdb", [("C", (900.0, 900.0, 900.0)), ("N", (901.0, 905.0, 910.0))])
    viewer = make_napari_viewer()
    [map_layer] = viewer.open(str(files[1]), plugin=None)
    viewer.open(str(far), plugin=None)
    widget = dock(viewer)
    settle(qtbot, widget)
    assert widget.error.text() == (
        "the model 'far' lies outside the map 'map': its atoms span (900.0..901.0, 900.0..905.0, 900.0..910.0) Å, "
        "the map (-8.0..36.8, 12.0..64.8, 4.0..52.0) Å (z, y, x); is it fitted in this map's frame?"
    )
    assert widget.editors["model"].invalid and widget.editors["map"].invalid
    assert widget.output is None and mask_layers(viewer) == []
    # the right model gives a mask; the far one again leaves it as it was, marked stale
    [helix] = viewer.open(str(files[0]), plugin=None)
    choose(qtbot, widget.editors["model"].combo, "helix")
    settle(qtbot, widget)
    assert widget.error.text() == "" and widget.output is not None
    layer, kept = widget.output, np.array(widget.output.data)
    choose(qtbot, widget.editors["model"].combo, "far")
    settle(qtbot, widget)
    assert "lies outside the map 'map'" in widget.error.text()
    assert mask_layers(viewer) == [layer] and np.array_equal(layer.data, kept)


def test_atoms_partly_outside_the_box_are_counted_in_the_readout(make_napari_viewer, files, qtbot, tmp_path):
    partly = write(tmp_path / "partly.cif", [*HELIX, ("C", (400.0, 40.0, 30.0)), ("O", (-300.0, 40.0, 30.0))])
    viewer = make_napari_viewer()
    viewer.open(str(files[1]), plugin=None)
    viewer.open(str(partly), plugin=None)
    widget = dock(viewer)
    settle(qtbot, widget)
    assert widget.error.text() == ""
    assert f"model: {len(HELIX) + 2} atoms of partly.cif; warning: 2 of them lie outside the map's box" in widget.readout.text()


def test_a_bad_or_missing_file_is_named_and_nothing_changes(opened, qtbot, tmp_path):
    viewer, map_layer, atoms, widget = opened
    layer, kept = widget.output, np.array(widget.output.data)
    type_line(qtbot, widget.editors["model_file"].line, str(tmp_path / "nope.pdb"))
    settle(qtbot, widget)
    assert widget.error.text() == f"{tmp_path / 'nope.pdb'}: no such file" and widget.editors["model_file"].invalid
    (tmp_path / "bad.cif").write_text("this is no mmCIF {")
    type_line(qtbot, widget.editors["model_file"].line, str(tmp_path / "bad.cif"))
    settle(qtbot, widget)
    assert widget.error.text().startswith(f"{tmp_path / 'bad.cif'}: cannot read it as PDB or mmCIF")
    assert len(widget.error.text().splitlines()) == 1
    assert model_layers(viewer) == [atoms] and np.array_equal(layer.data, kept) and layer.metadata[STALE_KEY]
    # choosing the model layer again puts everything right
    choose(qtbot, widget.editors["model"].combo, "(no model)")
    choose(qtbot, widget.editors["model"].combo, "helix")
    settle(qtbot, widget)
    assert widget.error.text() == "" and STALE_KEY not in layer.metadata


def test_atoms_moved_in_the_viewer_are_refused(opened, qtbot, tmp_path):
    viewer, map_layer, atoms, widget = opened
    original = np.array(atoms.data)
    moved = original.copy()
    moved[0] += 2.0
    atoms.data = moved
    settle(qtbot, widget)
    assert widget.error.text().startswith("the atoms of layer 'helix' differ from its file helix.cif")
    atoms.data = original
    settle(qtbot, widget)
    assert widget.error.text() == ""
    atoms.translate = (0.0, 5.0, 0.0)
    settle(qtbot, widget)
    assert widget.error.text().startswith("the model layer 'helix' was moved in the viewer")
    atoms.translate = (0.0, 0.0, 0.0)
    settle(qtbot, widget)
    all_agree(widget, tmp_path)


def test_no_threshold_can_leave_the_mask_empty(opened, qtbot):
    viewer, map_layer, atoms, widget = opened
    choose(qtbot, widget.editors["level"].combo, "threshold")
    settle(qtbot, widget)
    model, field = widget.model, widget.editors["threshold"].spin
    peak = model.density_range()[1]
    assert field.maximum() < peak
    type_into(qtbot, field, "9")  # more than the density holds: the field stops at its maximum
    type_into(qtbot, field, f"{field.maximum():.{field.decimals()}f}")
    settle(qtbot, widget)
    assert widget.error.text() == "" and model["threshold"] == field.maximum() and widget.output.data.max() == 1
    kept = np.array(widget.output.data)
    model.set("threshold", 2 * peak)  # as a script might
    settle(qtbot, widget)
    assert widget.error.text().startswith("threshold (") and "must be at most" in widget.error.text()
    assert np.array_equal(widget.output.data, kept) and STALE_KEY in widget.output.metadata


def test_deleting_the_model_keeps_the_mask_and_says_what_is_missing(opened, qtbot):
    viewer, map_layer, atoms, widget = opened
    layer, kept = widget.output, np.array(widget.output.data)
    viewer.layers.remove(atoms)
    settle(qtbot, widget)
    assert widget.notice.text().startswith("no model") and widget.editors["model"].combo.currentText() == "(no model)"
    assert layer in viewer.layers and np.array_equal(layer.data, kept)


def test_a_large_model_computes_off_the_ui_thread(make_napari_viewer, qtbot, tmp_path):
    rng = np.random.default_rng(3)
    atoms = [("C", tuple(p)) for p in rng.uniform(30, 100, size=(6000, 3))]
    model = write(tmp_path / "many.pdb", atoms)
    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((64, 64, 64), np.float32), scale=(2.0, 2.0, 2.0), name="box")
    widget = dock(viewer)
    type_line(qtbot, widget.editors["model_file"].line, str(model))
    assert widget.busy and widget.output is None and widget.busy_indicator.isVisibleTo(widget)
    settle(qtbot, widget)
    assert widget.output is not None and widget.model.densities_computed == 1


def test_anisotropic_voxels_take_single_lengths_in_voxels(files, tmp_path):
    """Qt-free: the model on a plain ViewerModel, as the design model's tests drive it."""
    from napari.components import ViewerModel

    from napari_cryomask._napari.model_reader import read_models
    from napari_cryomask.recipes import apply_recipe

    viewer = ViewerModel()
    viewer.add_image(np.zeros(BOX, np.float32), scale=(2.0, 1.5, 1.75), translate=ORIGIN, name="aniso")
    model = ModelMaskModel(viewer)
    data, kwargs, _ = read_models(str(files[0]))[0]
    viewer.add_points(data, **kwargs)
    assert model["model"] is not None and model.layer is not None
    assert model.control("extend").unit(model) == "vox"
    model.update(extend=2.0, edge_width=3.0)
    params = model.layer.metadata[METADATA_KEY]["params"]
    assert params["extend_px"] == 2.0 and params["edge_width_px"] == 3.0
    assert np.array_equal(apply_recipe(model.layer.metadata[METADATA_KEY])[0], model.layer.data)


def test_opening_a_model_or_a_map_while_the_widget_has_none_chooses_it(files):
    """Qt-free: the widget opened first, then the files, in any order."""
    from napari.components import ViewerModel

    from napari_cryomask._napari.model_reader import read_models
    from napari_cryomask._napari.reader import read_maps

    viewer = ViewerModel()
    model = ModelMaskModel(viewer)
    assert model.notice.startswith("no map") and model.layer is None
    data, kwargs, _ = read_models(str(files[0]))[0]
    atoms = viewer.add_points(data, **kwargs)
    assert model["model"] is atoms and model.notice.startswith("no map") and model.layer is None
    data, kwargs, _ = read_maps(str(files[1]))[0]
    coarse = viewer.add_image(data, **{**kwargs, "scale": (4.0, 4.0, 4.0)})
    assert model["map"] is coarse and model.notice == "" and model.layer is not None
    assert model["resolution"] == 12.0 and model["edge_width"] == 12.0  # three voxels of 4 Å, coarser than 8 Å
    fine = viewer.add_image(data, **{**kwargs, "name": "fine"})
    assert model["map"] is coarse  # a map is chosen, the new one is only offered
    assert fine in model.choices("map") and model.layer not in model.choices("map")
    model.set("map", fine)
    assert model["resolution"] == 8.0 and model["edge_width"] == pytest.approx(4.8)
    model.set("resolution", 10.0)
    model.set("map", coarse)
    assert model["resolution"] == 10.0  # typed once, kept
    model.set("edge_width", 20.0)
    data, kwargs, _ = read_models(str(files[0]))[0]
    other = viewer.add_points(data, **{**kwargs, "name": "other"})
    model.set("model", other)
    assert model["edge_width"] == 20.0  # another model on the same map keeps the lengths
    assert model.layer.metadata[METADATA_KEY]["params"]["edge_width_px"] == 5.0


def test_on_a_real_emdb_map_with_axes_stored_out_of_order_atoms_sit_on_its_peaks_and_are_masked(
        shared_data, make_napari_viewer, qtbot, tmp_path):  # shared_data first: it skips before a viewer is made
    """EMD-3001 (MicroED, 0.46 x 0.39 x 0.45 Å voxels, origin off 0, columns along z): atoms on its density peaks."""
    from scipy import ndimage

    map_path = shared_data / "EMD-3001.map"
    volume = read_volume(map_path)
    data, voxel, origin = volume.data, np.array(volume.voxel_size), np.array(volume.origin)
    assert data.shape == (73, 25, 43) and len(set(volume.voxel_size)) == 3 and any(origin)
    peaks = np.argwhere((data == ndimage.maximum_filter(data, size=5)) & (data > 0.5 * data.max()))
    peaks = peaks[np.all((peaks >= 3) & (peaks <= np.array(data.shape) - 4), axis=1)][:12]
    assert len(peaks) >= 8
    model_path = write(tmp_path / "peaks.pdb", [("C", tuple(origin + index * voxel)) for index in peaks])
    viewer = make_napari_viewer()
    [map_layer] = viewer.open(str(map_path), plugin=None)
    [atoms] = viewer.open(str(model_path), plugin=None)
    # each atom is drawn on its peak: the status bar shows the peak's value under it, on the atom's plane
    for index, position in zip(peaks, atoms.data):
        np.testing.assert_allclose(map_layer.world_to_data(atoms.data_to_world(position)), index, atol=2e-3)  # PDB: 3 decimals
        viewer.dims.set_point(0, position[0])
        assert map_layer.get_value(position, world=True) == data[tuple(index)]
    widget = dock(viewer)
    settle(qtbot, widget)
    assert widget.model["map"] is map_layer and widget.model["model"] is atoms and widget.error.text() == ""
    assert widget.model.control("extend").unit(widget.model) == "vox"  # one length cannot be in Å on such voxels
    assert widget.editors["extend"].note.text() == "voxels differ between axes"
    type_into(qtbot, spin(widget, "resolution"), "2")
    type_into(qtbot, spin(widget, "extend"), "1")
    settle(qtbot, widget)
    layer = widget.output
    assert layer.data.shape == data.shape and np.allclose(layer.scale, voxel) and np.allclose(layer.translate, origin)
    assert np.all(layer.data[tuple(peaks.T)] == 1) and 0 < layer.data.mean() < 0.5
    saved = all_agree(widget, tmp_path)
    params = layer.metadata[METADATA_KEY]["params"]
    ok(tmp_path, "model", model_path, "--like", map_path, "--resolution", "2", "--enclose", repr(params["enclose_percent"]),
       "--extend", "1", "--soft-edge", repr(params["edge_width_px"]), "-o", "cli.mrc")
    assert data_of(tmp_path / "cli.mrc").tobytes() == data_of(saved).tobytes()


def test_dragging_the_threshold_slider_redraws_the_plane_on_screen_exactly_and_the_whole_mask_at_rest(opened, files, qtbot):
    viewer, map_layer, atoms, widget = opened
    type_into(qtbot, spin(widget, "extend"), "3.2")
    choose(qtbot, widget.editors["level"].combo, "threshold")
    settle(qtbot, widget)
    model, layer = widget.model, widget.output
    density = model._densities.get(model._key(load_model(files[0])))  # the atoms the widget read
    assert density is not None and model.densities_computed == 1
    plane = 14
    viewer.dims.set_point(0, ORIGIN[0] + plane * VOXEL)
    before = np.array(layer.data)
    slider = widget.editors["threshold"].slider
    params = model.params()
    slider.setSliderDown(True)
    for position in (300, 500, 700):
        slider.setValue(position)
        assert model.moving and model.stale
        whole = model_mask(density, threshold=model["threshold"], extend_px=params["extend_px"], edge=params["edge"],
                           edge_width_px=params["edge_width_px"])
        assert layer.data[plane].tobytes() == whole[plane].tobytes()  # the plane on screen is exact
        assert np.array_equal(np.delete(layer.data, plane, 0), np.delete(before, plane, 0))  # the others wait
    assert not np.array_equal(layer.data[plane], before[plane])
    slider.setSliderDown(False)
    settle(qtbot, widget)
    assert not model.stale and layer.data.tobytes() == whole.tobytes() and model.densities_computed == 1
    # seen from the side (slicing through x), the preview is that plane
    viewer.dims.order = (2, 0, 1)
    viewer.dims.set_point(2, ORIGIN[2] + 20 * VOXEL)
    slider.setSliderDown(True)
    slider.setValue(200)
    whole = model_mask(density, threshold=model["threshold"], extend_px=params["extend_px"], edge=params["edge"],
                       edge_width_px=params["edge_width_px"])
    assert layer.data[:, :, 20].tobytes() == whole[:, :, 20].tobytes()
    slider.setSliderDown(False)
    settle(qtbot, widget)
    assert layer.data.tobytes() == whole.tobytes()


@pytest.mark.parametrize("edge, width, extend", [("gaussian", 4.0, 1.6), ("none", 4.8, 4.8), ("cosine", 9.6, 0.0)])
def test_the_plane_preview_is_the_plane_of_the_whole_mask_on_every_axis_and_at_the_box_faces(files, edge, width, extend):
    """Qt-free: the preview thresholds a slab around the plane; it must equal the whole mask's plane."""
    from napari.components import ViewerModel

    from napari_cryomask._napari.model_reader import read_models

    viewer = ViewerModel()
    viewer.add_image(np.zeros(BOX, np.float32), scale=(VOXEL,) * 3, translate=ORIGIN, name="map")
    model = ModelMaskModel(viewer)
    data, kwargs, _ = read_models(str(files[0]))[0]
    viewer.add_points(data, **kwargs)
    model.update(level="threshold", edge=edge, edge_width=width, extend=extend)
    model.update(threshold=0.02)
    density, params = model._densities.get(model._key(load_model(files[0]))), model.params()
    assert params["threshold"] == 0.02 and model.preview_box() == BOX
    assert np.array_equal(model.layer.data, model_mask(density, threshold=0.02, extend_px=params["extend_px"], edge=edge,
                                                       edge_width_px=params["edge_width_px"]))
    for axis, index in ((0, 0), (0, 9), (1, 20), (2, 30)):
        region = [slice(0, n) for n in BOX]
        region[axis] = slice(index, index + 1)
        assert model.preview(tuple(region)).tobytes() == model.layer.data[tuple(region)].tobytes()
    model.update(level="enclose")
    assert model.preview(tuple(region)) is None  # a share needs the whole density: no preview
