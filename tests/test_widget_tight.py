"""The Tight mask dock widget, driven through its controls in a real viewer."""

import numpy as np
import pytest
from qtpy.QtCore import QPoint, Qt

from napari_cryomask._napari.histogram import LINE_COLOR
from napari_cryomask._napari.mask_layer import voxel_size_of
from napari_cryomask._napari.tight_widget import OUTPUT_NAME
from napari_cryomask.core.measure import mask_stats
from napari_cryomask.core.sample import synthetic_average
from napari_cryomask.core.thresholds import otsu_threshold, sigma_threshold
from napari_cryomask.io import Volume
from napari_cryomask.recipes import METADATA_KEY, apply_recipe


def dock(viewer):
    _, widget = viewer.window.add_plugin_dock_widget("napari-cryomask", "Tight mask")
    return widget


def settle(qtbot, widget):
    qtbot.waitUntil(lambda: not widget.busy and widget.output is not None, timeout=60_000)


def mask_layers(viewer):
    return [layer for layer in viewer.layers if METADATA_KEY in layer.metadata]


def replays(mask_layer, map_layer):
    """The mask layer's recipe, replayed on the map, gives exactly the layer's data."""
    recipe = mask_layer.metadata[METADATA_KEY]
    like = Volume(np.asarray(map_layer.data), voxel_size_of(map_layer), tuple(map_layer.translate))
    replayed, voxel_size = apply_recipe(recipe, like=like)
    return np.array_equal(replayed, mask_layer.data) and tuple(voxel_size) == voxel_size_of(map_layer)


@pytest.fixture
def sample(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    [map_layer] = viewer.open_sample("napari-cryomask", "sample")
    widget = dock(viewer)
    settle(qtbot, widget)
    return viewer, map_layer, widget


def test_one_layer_updated_in_place(sample, qtbot):
    viewer, map_layer, widget = sample
    assert widget.map.value == map_layer  # plugins get proxies of layers
    [layer] = mask_layers(viewer)
    assert layer.name == OUTPUT_NAME and layer == widget.output
    assert layer.scale.tolist() == map_layer.scale.tolist()
    assert replays(layer, map_layer)

    widget.threshold.setValue(0.62)
    settle(qtbot, widget)
    assert mask_layers(viewer) == [layer] and replays(layer, map_layer)
    changes = [
        (widget.extend, "angstrom", 8.0),
        (widget.edge, "value", "gaussian"),
        (widget.edge_width, "angstrom", 4.0),
        (widget.n_regions, "value", 3),
        (widget.lowpass, "value", 20.0),
        (widget.invert, "value", True),
    ]
    for control, attribute, value in changes:
        before = np.array(layer.data)
        setattr(control, attribute, value)
        settle(qtbot, widget)
        assert mask_layers(viewer) == [layer], f"{attribute} of {control} made a new layer"
        assert not np.array_equal(layer.data, before), f"setting {value!r} did not change the mask"
        assert replays(layer, map_layer)

    params = layer.metadata[METADATA_KEY]["params"]
    assert params["extend_px"] == pytest.approx(2.0)  # 8 Å at 4 Å per voxel
    assert params["edge_width_px"] == pytest.approx(1.0)
    assert params["lowpass_A"] == 20.0 and params["invert"] is True
    assert widget.extend.in_voxels.value == "= 2 vox"


def test_extend_edge_and_invert_reuse_the_distance_map(sample, qtbot):
    viewer, map_layer, widget = sample
    model = widget.model
    transforms = model.distance_transforms
    for set_value in (
        lambda: setattr(widget.extend, "angstrom", 12.0),
        lambda: setattr(widget.edge_width, "angstrom", 16.0),
        lambda: setattr(widget.edge, "value", "gaussian"),
        lambda: setattr(widget.invert, "value", True),
    ):
        before = np.array(widget.output.data)
        set_value()
        settle(qtbot, widget)
        assert not np.array_equal(widget.output.data, before)
    assert widget.model is model
    assert model.distance_transforms == transforms

    widget.threshold.setValue(0.6)
    settle(qtbot, widget)
    assert model.distance_transforms == transforms + 1


def test_sigma_button(sample, qtbot):
    viewer, map_layer, widget = sample
    widget.k.value = 2.0
    qtbot.mouseClick(widget.sigma_button.native, Qt.LeftButton)
    settle(qtbot, widget)
    expected = sigma_threshold(map_layer.data, 2.0)
    assert widget.threshold.value() == expected
    assert widget.output.metadata[METADATA_KEY]["params"]["threshold"] == widget.threshold.value()


def test_otsu_button_splits_background_from_protein(sample, qtbot):
    viewer, map_layer, widget = sample
    qtbot.mouseClick(widget.otsu_button.native, Qt.LeftButton)
    settle(qtbot, widget)
    threshold = widget.threshold.value()
    assert threshold == otsu_threshold(map_layer.data)
    density = np.asarray(map_layer.data)
    solvent = density[-12:, :12, :12]  # a corner far from the complex and the membrane
    head = density[48 + 7, 48 - 7, 48 - 3]  # centre of a head lobe (offset in Å / 4 Å per voxel)
    assert solvent.max() < threshold < head
    assert widget.output.data[55, 41, 45] == 1 and widget.output.data[-1, 0, 0] == 0


@pytest.mark.parametrize("mass_kda", [100.0, 200.0])
def test_mass_button_encloses_that_mass(sample, qtbot, mass_kda):
    viewer, map_layer, widget = sample
    widget.edge.value = "none"
    widget.n_regions.value = 10  # noise specks above the threshold count too
    widget.mass.value = mass_kda
    qtbot.mouseClick(widget.mass_button.native, Qt.LeftButton)
    settle(qtbot, widget)
    stats = mask_stats(widget.output.data, voxel_size_of(map_layer))
    assert stats.mass_kda == pytest.approx(mass_kda, rel=0.03)
    assert f"{stats.mass_kda:,.0f} kDa" in widget.readout.value


@pytest.mark.parametrize("scale", [1e-4, 3e5])
def test_maps_of_any_scale_give_the_same_masks(make_napari_viewer, qtbot, scale):
    viewer = make_napari_viewer()
    data, voxel_size = synthetic_average()
    plain = viewer.add_image(data, scale=voxel_size, name="plain")
    scaled = viewer.add_image(data * np.float32(scale), scale=voxel_size, name="scaled")
    widget = dock(viewer)
    masks = {}
    for layer in (plain, scaled):
        widget.map.value = layer
        for button in (widget.otsu_button, widget.mass_button):
            qtbot.mouseClick(button.native, Qt.LeftButton)
            settle(qtbot, widget)
            masks[layer.name, button.text] = np.array(widget.output.data)
            assert replays(widget.output, layer)
        assert widget.threshold.maximum() == pytest.approx(float(layer.data.max()), rel=1e-6)
    for text in (widget.otsu_button.text, widget.mass_button.text):
        assert np.array_equal(masks["plain", text], masks["scaled", text]), text


def test_readout_reports_volume_mass_share_and_edge(sample, qtbot):
    viewer, map_layer, widget = sample
    widget.threshold.setValue(0.5)  # the complex alone, clear of the box faces
    settle(qtbot, widget)
    text = widget.readout.value
    assert "voxels" in text and "nm³" in text and "kDa" in text and "map density inside" in text
    assert "touches the box edge" not in text
    widget.threshold.setValue(0.05)  # solvent noise and membrane reach the faces of the box
    settle(qtbot, widget)
    assert "warning: the mask touches the box edge" in widget.readout.value


def line_at(view, value):
    """Whether the rendered histogram has the threshold line's colour in the column of ``value``."""
    image = view.grab().toImage()
    x = view.x_of(value)
    return all(image.pixelColor(x, y).name() == LINE_COLOR.name() for y in (5, view.height() // 2))


def test_histogram_shows_the_map_and_the_threshold(sample, qtbot):
    viewer, map_layer, widget = sample
    view = widget.histogram
    assert view.counts.sum() == map_layer.data.size
    assert view.edges[0] == pytest.approx(float(map_layer.data.min()))
    assert view.edges[-1] == pytest.approx(float(map_layer.data.max()))

    widget.threshold.setValue(0.2)
    assert view.threshold == widget.threshold.value()
    assert line_at(view, 0.2)
    widget.threshold.setValue(0.9)
    assert view.threshold == widget.threshold.value()
    assert line_at(view, 0.9) and not line_at(view, 0.2)
    assert view.x_of(0.9) > view.x_of(0.2) + 20

    x = view.x_of(0.2)
    qtbot.mouseClick(view, Qt.LeftButton, pos=QPoint(x, view.height() // 2))
    settle(qtbot, widget)
    assert widget.threshold.value() == view.value_at(x)
    assert widget.threshold.value() == pytest.approx(0.2, abs=0.02)
    assert widget.output.metadata[METADATA_KEY]["params"]["threshold"] == widget.threshold.value()


def test_nan_in_the_map_still_gives_a_clean_mask(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    data, voxel_size = synthetic_average()
    data[:, :, :6] = np.nan  # a slab of missing values
    data[48, 40:44, 40:44] = np.nan  # and a hole inside the protein
    map_layer = viewer.add_image(data, scale=voxel_size, name="holey")
    widget = dock(viewer)
    settle(qtbot, widget)
    assert np.isfinite([widget.threshold.minimum(), widget.threshold.maximum()]).all()
    assert np.isfinite(widget.histogram.edges).all()
    for lowpass in (0.0, 20.0):
        widget.lowpass.value = lowpass
        settle(qtbot, widget)
        mask = widget.output.data
        assert np.isfinite(mask).all() and mask.min() == 0 and mask.max() == 1
        assert mask[:, :, :3].max() == 0
        assert "error" not in widget.readout.value
        assert replays(widget.output, map_layer)


def test_recipe_names_the_map_file_and_replays_from_it(make_napari_viewer, qtbot, sample_map_file):
    viewer = make_napari_viewer()
    [map_layer] = viewer.open(sample_map_file, plugin="napari-cryomask")
    widget = dock(viewer)
    settle(qtbot, widget)
    widget.extend.angstrom = 6.0
    settle(qtbot, widget)
    recipe = widget.output.metadata[METADATA_KEY]
    assert recipe["operation"] == "tight" and recipe["map"] == str(sample_map_file)
    assert recipe["box_shape"] == [96, 96, 96] and recipe["voxel_size"] == [4.0, 4.0, 4.0]
    replayed, _ = apply_recipe(recipe)
    assert np.array_equal(replayed, widget.output.data)


def test_masks_are_not_offered_as_maps_and_a_deleted_output_comes_back(sample, qtbot):
    viewer, map_layer, widget = sample
    assert list(widget.map.choices) == [map_layer]
    viewer.layers.remove(widget.output)
    widget.threshold.setValue(0.7)
    settle(qtbot, widget)
    [layer] = mask_layers(viewer)
    assert layer.name == OUTPUT_NAME and replays(layer, map_layer)


def test_large_map_computes_off_the_ui_thread(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    data, voxel_size = synthetic_average(box=192, voxel_size_A=2.0)
    map_layer = viewer.add_image(data, scale=voxel_size, name="big")
    widget = dock(viewer)
    assert widget.busy and widget.output is None  # the first mask is still on its way
    settle(qtbot, widget)
    assert replays(widget.output, map_layer)

    transforms = widget.model.distance_transforms
    before = np.array(widget.output.data)
    widget.extend.angstrom = 6.0
    assert widget.busy and np.array_equal(widget.output.data, before)
    settle(qtbot, widget)
    assert not np.array_equal(widget.output.data, before)
    assert widget.model.distance_transforms == transforms

    # a newer request supersedes an unfinished one: only the last threshold is shown
    shown = []
    widget.output.events.data.connect(lambda event: shown.append(widget.threshold.value()))
    for value in (0.3, 0.4, 0.5, 0.55):  # a slider drag
        widget.threshold.setValue(value)
    settle(qtbot, widget)
    assert shown == [widget.threshold.value()]
    assert widget.output.metadata[METADATA_KEY]["params"]["threshold"] == widget.threshold.value()
    assert replays(widget.output, map_layer)
    assert len(mask_layers(viewer)) == 1
