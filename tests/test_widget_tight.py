"""The Tight mask dock widget, driven through its controls in a real viewer as a person would."""

import numpy as np
import pytest
from gui_helpers import all_agree, choose, click, settle, type_into
from qtpy.QtCore import QPoint, Qt

from napari_cryomask._napari.histogram import LINE_COLOR
from napari_cryomask._napari.mask_layer import voxel_size_of
from napari_cryomask._napari.tight_widget import OUTPUT_NAME
from napari_cryomask.core.measure import mask_stats
from napari_cryomask.core.sample import synthetic_average
from napari_cryomask.core.thresholds import mass_threshold, otsu_threshold, sigma_threshold
from napari_cryomask.core.tight import lowpass
from napari_cryomask.io import Volume
from napari_cryomask.recipes import METADATA_KEY, apply_recipe


def dock(viewer):
    _, widget = viewer.window.add_plugin_dock_widget("napari-cryomask", "Tight mask")
    return widget


def mask_layers(viewer):
    return [layer for layer in viewer.layers if METADATA_KEY in layer.metadata]


def like(map_layer):
    return Volume(np.asarray(map_layer.data), voxel_size_of(map_layer), tuple(map_layer.translate))


def spin(widget, name):
    return widget.editors[name].spin


@pytest.fixture
def sample(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    [map_layer] = viewer.open_sample("napari-cryomask", "sample")
    widget = dock(viewer)
    settle(qtbot, widget)
    return viewer, map_layer, widget


def test_one_layer_updated_in_place_and_everything_agrees(sample, qtbot, tmp_path):
    viewer, map_layer, widget = sample
    assert widget.model["map"] == map_layer
    [layer] = mask_layers(viewer)
    assert layer.name == OUTPUT_NAME and layer is widget.output
    assert layer.scale.tolist() == map_layer.scale.tolist()
    all_agree(widget, tmp_path, like=like(map_layer))
    type_into(qtbot, widget.editors["threshold"].spin, "0.62")
    type_into(qtbot, spin(widget, "extend"), "8")
    choose(qtbot, widget.editors["edge"].combo, "gaussian")
    type_into(qtbot, spin(widget, "edge_width"), "4")
    type_into(qtbot, spin(widget, "n_regions"), "3")
    type_into(qtbot, spin(widget, "lowpass"), "20")
    qtbot.keyClick(widget.editors["invert"].box, Qt.Key_Space)
    settle(qtbot, widget)
    assert mask_layers(viewer) == [layer]
    params = layer.metadata[METADATA_KEY]["params"]
    assert params["extend_px"] == pytest.approx(2.0) and params["edge_width_px"] == pytest.approx(1.0)
    assert params["lowpass_A"] == 20.0 and params["invert"] is True and params["threshold"] == 0.62
    assert widget.editors["extend"].note.text() == "= 2 vox"
    all_agree(widget, tmp_path, like=like(map_layer))


def test_soft_edge_starts_at_a_few_voxels_shown_in_angstrom(sample):
    viewer, map_layer, widget = sample
    assert widget.model["edge"] == "cosine"
    assert widget.editors["edge_width"].value == 12.0 and widget.editors["edge_width"].note.text() == "= 3 vox"


def test_extend_edge_and_invert_reuse_the_distance_map(sample, qtbot):
    viewer, map_layer, widget = sample
    model = widget.model
    transforms = model.distance_transforms
    for step in (
        lambda: type_into(qtbot, spin(widget, "extend"), "12"),
        lambda: type_into(qtbot, spin(widget, "edge_width"), "16"),
        lambda: choose(qtbot, widget.editors["edge"].combo, "gaussian"),
        lambda: qtbot.keyClick(widget.editors["invert"].box, Qt.Key_Space),
    ):
        before = np.array(widget.output.data)
        step()
        settle(qtbot, widget)
        assert not np.array_equal(widget.output.data, before)
    assert model.distance_transforms == transforms
    type_into(qtbot, widget.editors["threshold"].spin, "0.6")
    settle(qtbot, widget)
    assert model.distance_transforms == transforms + 1


def test_sigma_and_otsu_buttons(sample, qtbot):
    viewer, map_layer, widget = sample
    type_into(qtbot, spin(widget, "k"), "2")
    click(qtbot, widget.buttons["suggest_sigma"])
    settle(qtbot, widget)
    assert widget.model["threshold"] == widget.model.rounded("threshold", sigma_threshold(map_layer.data, 2.0))
    assert widget.output.metadata[METADATA_KEY]["params"]["threshold"] == widget.model["threshold"]
    assert "mean + 2σ of the map" in widget.notice.text()
    click(qtbot, widget.buttons["suggest_otsu"])
    settle(qtbot, widget)
    assert widget.model["threshold"] == widget.model.rounded("threshold", otsu_threshold(map_layer.data))
    assert widget.output.data[55, 41, 45] == 1 and widget.output.data[-1, 0, 0] == 0


def test_a_suggestion_outside_the_range_says_so(sample, qtbot):
    viewer, map_layer, widget = sample
    before = widget.model["threshold"]
    type_into(qtbot, spin(widget, "k"), "40")
    click(qtbot, widget.buttons["suggest_sigma"])
    settle(qtbot, widget)
    value = sigma_threshold(map_layer.data, 40.0)
    assert widget.notice.text() == (
        f"mean + 40σ = {value:.4g} is above the maximum of the map ({float(map_layer.data.max()):.4g}); the threshold stays"
    )
    assert widget.model["threshold"] == before


@pytest.mark.parametrize("mass_kda", [100.0, 200.0])
def test_mass_button_encloses_that_mass(sample, qtbot, mass_kda):
    viewer, map_layer, widget = sample
    choose(qtbot, widget.editors["edge"].combo, "none")
    type_into(qtbot, spin(widget, "n_regions"), "10")  # noise specks above the threshold count too
    type_into(qtbot, spin(widget, "mass"), f"{mass_kda:g}")
    click(qtbot, widget.buttons["suggest_mass"])
    settle(qtbot, widget)
    stats = mask_stats(widget.output.data, voxel_size_of(map_layer))
    assert stats.mass_kda == pytest.approx(mass_kda, rel=0.03)
    assert f"{stats.mass_kda:,.0f} kDa" in widget.readout.text()


def test_suggestions_and_histogram_follow_the_low_pass(sample, qtbot, tmp_path):
    viewer, map_layer, widget = sample
    counts_before = widget.histogram.counts.copy()
    type_into(qtbot, spin(widget, "lowpass"), "30")
    settle(qtbot, widget)
    filtered = lowpass(map_layer.data, 30.0, voxel_size_of(map_layer))
    assert widget.histogram.edges[-1] == pytest.approx(float(filtered.max()), rel=1e-5)
    assert not np.array_equal(widget.histogram.counts, counts_before)
    assert widget.editors["threshold"].spin.maximum() == pytest.approx(float(filtered.max()), rel=1e-3)
    choose(qtbot, widget.editors["edge"].combo, "none")
    type_into(qtbot, spin(widget, "mass"), "150")
    click(qtbot, widget.buttons["suggest_mass"])
    settle(qtbot, widget)
    assert widget.model["threshold"] == widget.model.rounded("threshold", mass_threshold(filtered, 150.0, voxel_size_of(map_layer)))
    stats = mask_stats(widget.output.data, voxel_size_of(map_layer))
    assert stats.mass_kda == pytest.approx(150.0, rel=0.03)  # not an empty mask
    assert "of the low-passed map" in widget.notice.text()
    all_agree(widget, tmp_path, like=like(map_layer))


def test_a_threshold_above_the_low_passed_maximum_is_an_error_not_an_empty_mask(sample, qtbot):
    viewer, map_layer, widget = sample
    type_into(qtbot, widget.editors["threshold"].spin, "0.9")
    settle(qtbot, widget)
    type_into(qtbot, spin(widget, "lowpass"), "60")
    settle(qtbot, widget)
    assert "is above the low-passed map's maximum" in widget.error.text()
    assert widget.editors["threshold"].invalid


@pytest.mark.parametrize("scale", [1e-4, 3e5])
def test_maps_of_any_scale_give_the_same_masks(make_napari_viewer, qtbot, scale):
    viewer = make_napari_viewer()
    data, voxel_size = synthetic_average()
    plain = viewer.add_image(data, scale=voxel_size, name="plain")
    scaled = viewer.add_image(data * np.float32(scale), scale=voxel_size, name="scaled")
    widget = dock(viewer)
    masks = {}
    for layer in (plain, scaled):
        choose(qtbot, widget.editors["map"].combo, layer.name)
        for button in ("suggest_otsu", "suggest_mass"):
            click(qtbot, widget.buttons[button])
            settle(qtbot, widget)
            masks[layer.name, button] = np.array(widget.output.data)
            assert np.array_equal(apply_recipe(widget.output.metadata[METADATA_KEY], like=like(layer))[0], widget.output.data)
        assert widget.editors["threshold"].spin.maximum() == pytest.approx(float(layer.data.max()), rel=1e-3)
    for button in ("suggest_otsu", "suggest_mass"):
        assert np.array_equal(masks["plain", button], masks["scaled", button]), button


def test_switching_the_map_keeps_the_mask_made_for_the_other(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    data, voxel_size = synthetic_average()
    first = viewer.add_image(data, scale=voxel_size, name="first")
    second = viewer.add_image(data[::-1].copy(), scale=voxel_size, name="second")
    widget = dock(viewer)
    settle(qtbot, widget)
    mask_of_first = widget.output
    kept = np.array(mask_of_first.data)
    choose(qtbot, widget.editors["map"].combo, "second")
    settle(qtbot, widget)
    assert widget.output is not mask_of_first and widget.output.name == "tight mask [1]"
    assert np.array_equal(mask_of_first.data, kept) and mask_of_first in viewer.layers
    choose(qtbot, widget.editors["map"].combo, "first")
    settle(qtbot, widget)
    assert widget.output is mask_of_first
    assert first is not second


def test_readout_reports_volume_mass_share_and_edge(sample, qtbot):
    viewer, map_layer, widget = sample
    type_into(qtbot, widget.editors["threshold"].spin, "0.5")
    settle(qtbot, widget)
    text = widget.readout.text()
    assert "voxels" in text and "nm³" in text and "kDa" in text and "map density inside" in text
    assert "touches the box edge" not in text
    type_into(qtbot, widget.editors["threshold"].spin, "0.05")
    settle(qtbot, widget)
    assert "warning: the mask touches the box edge" in widget.readout.text()


def line_at(view, value):
    """Whether the rendered histogram has the threshold line's colour in the column of ``value``."""
    image = view.grab().toImage()
    x = view.x_of(value)
    return all(image.pixelColor(x, y).name() == LINE_COLOR.name() for y in (5, view.height() // 3))


def test_histogram_shows_the_map_the_threshold_and_its_axis(sample, qtbot):
    viewer, map_layer, widget = sample
    view = widget.histogram
    assert view.counts.sum() == map_layer.data.size
    assert view.edges[0] == pytest.approx(float(map_layer.data.min()))
    assert view.edges[-1] == pytest.approx(float(map_layer.data.max()))
    type_into(qtbot, widget.editors["threshold"].spin, "0.2")
    assert view.threshold == 0.2 and line_at(view, 0.2)
    type_into(qtbot, widget.editors["threshold"].spin, "0.9")
    assert line_at(view, 0.9) and not line_at(view, 0.2)
    x = view.x_of(0.2)
    qtbot.mouseClick(view, Qt.LeftButton, pos=QPoint(x, view.height() // 3))
    settle(qtbot, widget)
    assert widget.model["threshold"] == pytest.approx(view.value_at(x), abs=1e-4)
    assert widget.output.metadata[METADATA_KEY]["params"]["threshold"] == widget.model["threshold"]
    assert view.log
    choose(qtbot, widget.editors["histogram"].combo, "linear")
    assert not view.log


def test_nan_in_the_map_still_gives_a_clean_mask(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    data, voxel_size = synthetic_average()
    data[:, :, :6] = np.nan
    data[48, 40:44, 40:44] = np.nan
    map_layer = viewer.add_image(data, scale=voxel_size, name="holey")
    widget = dock(viewer)
    settle(qtbot, widget)
    assert np.isfinite(widget.histogram.edges).all()
    for cut in ("0", "20"):
        type_into(qtbot, spin(widget, "lowpass"), cut)
        settle(qtbot, widget)
        mask = widget.output.data
        assert np.isfinite(mask).all() and mask.min() == 0 and mask.max() == 1
        assert mask[:, :, :3].max() == 0 and widget.error.text() == ""
        assert np.array_equal(apply_recipe(widget.output.metadata[METADATA_KEY], like=like(map_layer))[0], mask)


def test_recipe_names_the_map_file_and_replays_from_it(make_napari_viewer, qtbot, sample_map_file, tmp_path):
    viewer = make_napari_viewer()
    [map_layer] = viewer.open(sample_map_file, plugin="napari-cryomask")
    widget = dock(viewer)
    settle(qtbot, widget)
    type_into(qtbot, spin(widget, "extend"), "6")
    settle(qtbot, widget)
    recipe = widget.output.metadata[METADATA_KEY]
    assert recipe["operation"] == "tight" and recipe["map"] == str(sample_map_file)
    assert recipe["box_shape"] == [96, 96, 96] and recipe["voxel_size"] == [4.0, 4.0, 4.0] and recipe["origin"] == [0, 0, 0]
    all_agree(widget, tmp_path)


def test_masks_are_not_offered_as_maps_and_a_deleted_output_comes_back(sample, qtbot):
    viewer, map_layer, widget = sample
    combo = widget.editors["map"].combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["(no map)", map_layer.name]
    viewer.layers.remove(widget.output)
    type_into(qtbot, widget.editors["threshold"].spin, "0.7")
    settle(qtbot, widget)
    [layer] = mask_layers(viewer)
    assert layer.name == OUTPUT_NAME


def test_after_its_map_is_deleted(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    data, voxel_size = synthetic_average(box=160, voxel_size_A=2.4)
    map_layer = viewer.add_image(data, scale=voxel_size, name="big")
    widget = dock(viewer)
    settle(qtbot, widget)
    mask = widget.output
    kept = np.array(mask.data)
    type_into(qtbot, widget.editors["threshold"].spin, "0.5")
    assert widget.busy
    viewer.layers.remove(map_layer)  # while its mask computes
    settle(qtbot, widget)
    qtbot.waitUntil(lambda: not widget.model.runner.busy, timeout=60_000)  # the late result came, and went
    assert widget.notice.text().startswith("no map") and widget.histogram.counts.size == 0
    assert widget.editors["map"].combo.currentText() == "(no map)"
    assert np.array_equal(mask.data, kept) and widget.model.dropped >= 1


def test_large_map_computes_off_the_ui_thread_and_shows_only_the_newest(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    data, voxel_size = synthetic_average(box=192, voxel_size_A=2.0)
    map_layer = viewer.add_image(data, scale=voxel_size, name="big")
    widget = dock(viewer)
    assert widget.busy and widget.output is None and widget.busy_indicator.isVisibleTo(widget)
    settle(qtbot, widget)
    transforms = widget.model.distance_transforms
    before = np.array(widget.output.data)
    type_into(qtbot, spin(widget, "extend"), "6")
    assert widget.busy and np.array_equal(widget.output.data, before)
    settle(qtbot, widget)
    assert not np.array_equal(widget.output.data, before) and widget.model.distance_transforms == transforms
    shown = []
    widget.output.events.data.connect(lambda event: shown.append(widget.model["threshold"]))
    for value in ("0.3", "0.4", "0.5", "0.55"):
        type_into(qtbot, widget.editors["threshold"].spin, value)
    settle(qtbot, widget)
    assert shown == [0.55]
    assert np.array_equal(apply_recipe(widget.output.metadata[METADATA_KEY], like=like(map_layer))[0], widget.output.data)
    assert len(mask_layers(viewer)) == 1
