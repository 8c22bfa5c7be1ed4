"""The Shape mask dock widget, driven through its controls in a real viewer."""

import json

import numpy as np
import pytest

from napari_cryomask._napari.shape_design import SHAPE_CHOICES
from napari_cryomask._napari.shape_widget import LAYER_NAME, ShapeMaskWidget
from napari_cryomask.core.centroid import enclosing_sphere
from napari_cryomask.core.thresholds import default_threshold
from napari_cryomask.recipes import METADATA_KEY, apply_recipe


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


def settle(qtbot, widget, timeout=30_000):
    qtbot.waitUntil(lambda: not widget.busy, timeout=timeout)


def mask_layers(viewer):
    return [layer for layer in viewer.layers if METADATA_KEY in layer.metadata]


def replayed(layer):
    return apply_recipe(layer.metadata[METADATA_KEY])[0]


def shown(widget):
    """Names of the length rows the user sees."""
    return {name for name, length in widget.lengths.items() if not length.row.native.isHidden()}


@pytest.fixture
def blob(make_napari_viewer):
    viewer = make_napari_viewer()
    density = blob_map()
    map_layer = viewer.add_image(density, scale=(2.0, 2.0, 2.0), name="blob")
    return viewer, map_layer, density


def test_opens_on_a_map_with_a_fitted_sphere(blob):
    viewer, map_layer, density = blob
    widget = dock(viewer)

    # no waiting: the sphere is there as soon as the widget is
    assert widget.map.value is map_layer
    [layer] = mask_layers(viewer)
    assert layer.name == LAYER_NAME and len(viewer.layers) == 2
    assert tuple(layer.scale) == (2.0, 2.0, 2.0)
    params = layer.metadata[METADATA_KEY]["params"]
    assert params["shape"] == "sphere"
    assert params["center"] == pytest.approx([20, 30, 40], abs=0.1)
    center, radius = enclosing_sphere(density)
    assert params["radius"] == pytest.approx(radius, abs=0.01)
    assert layer.data[density > default_threshold(density)].min() == 1.0
    assert np.array_equal(layer.data, replayed(layer))
    assert "kDa" in widget.readout.value and "map density inside" in widget.readout.value
    assert shown(widget) == {"radius"}
    assert widget.box_row.native.isHidden() and widget.voxel_size.native.isHidden()


def test_every_change_updates_the_same_layer(blob, qtbot):
    viewer, _, _ = blob
    widget = dock(viewer)
    [layer] = mask_layers(viewer)
    count = len(viewer.layers)

    def change(control, value):
        before = np.array(layer.data)
        control.value = value
        settle(qtbot, widget)
        assert len(viewer.layers) == count and mask_layers(viewer) == [layer]
        assert viewer.layers[LAYER_NAME] is layer
        assert not np.array_equal(layer.data, before), f"{value!r} left the mask as it was"
        assert np.array_equal(layer.data, replayed(layer))

    change(widget.lengths["radius"], 30.0)
    for shape in SHAPE_CHOICES:
        if shape != "sphere":
            change(widget.shape, shape)
            core_shape, uses = SHAPE_CHOICES[shape]
            assert shown(widget) == set(uses)
            assert layer.metadata[METADATA_KEY]["params"]["shape"] == core_shape
    change(widget.shape, "ellipsoid")
    change(widget.lengths["radii"], (16.0, 24.0, 40.0))
    change(widget.phi, 30.0)
    change(widget.theta, 50.0)
    change(widget.psi, -70.0)
    assert widget.edge_width.row.native.isHidden()
    change(widget.edge, "cosine")
    assert not widget.edge_width.row.native.isHidden()
    change(widget.edge_width, 10.0)
    change(widget.edge, "gaussian")
    params = layer.metadata[METADATA_KEY]["params"]
    assert params["angles"] == [30.0, 50.0, -70.0]
    assert params["edge"] == "gaussian" and params["edge_width_px"] == 5.0
    assert ((layer.data > 0) & (layer.data < 1)).any()


def test_bad_values_are_reported_and_leave_the_mask(blob, qtbot):
    viewer, _, _ = blob
    widget = dock(viewer)
    [layer] = mask_layers(viewer)
    widget.shape.value = "tube"
    settle(qtbot, widget)
    before = np.array(layer.data)
    widget.lengths["inner_radius"].value = 500.0
    settle(qtbot, widget)
    assert widget.readout.value.startswith("Cannot draw: inner_radius")
    assert np.array_equal(layer.data, before)


def test_lengths_in_angstrom_show_voxels(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    viewer.add_image(blob_map(), scale=(2.0, 2.0, 4.0), name="anisotropic")
    widget = dock(viewer)
    [layer] = mask_layers(viewer)

    widget.lengths["radius"].value = 25.0
    settle(qtbot, widget)
    # an axis-free length converts with the mean voxel size, (2 + 2 + 4) / 3 Å
    assert widget.lengths["radius"].note.value == "= 9.375 vox"
    assert layer.metadata[METADATA_KEY]["params"]["radius"] == pytest.approx(25 / (8 / 3))

    widget.shape.value = "ellipsoid"
    widget.lengths["radii"].value = (20.0, 20.0, 20.0)
    settle(qtbot, widget)
    assert widget.lengths["radii"].note.value == "= 10, 10, 5 vox"
    recipe = layer.metadata[METADATA_KEY]
    assert recipe["params"]["radii"] == [10.0, 10.0, 5.0]
    assert recipe["voxel_size"] == [2.0, 2.0, 4.0]
    assert tuple(layer.scale) == (2.0, 2.0, 4.0)


def test_two_angstrom_map(blob, qtbot):
    viewer, _, _ = blob
    widget = dock(viewer)
    widget.lengths["radius"].value = 25.0
    widget.shape.value = "spherical shell"
    widget.lengths["thickness"].value = 6.0
    settle(qtbot, widget)
    assert widget.lengths["radius"].note.value == "= 12.5 vox"
    assert widget.lengths["thickness"].note.value == "= 3 vox"
    params = viewer.layers[LAYER_NAME].metadata[METADATA_KEY]["params"]
    assert (params["radius"], params["thickness"]) == (12.5, 3.0)


def test_typed_box_without_a_map(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    widget = dock(viewer)
    assert widget.map.value is None
    assert not widget.box_row.native.isHidden() and not widget.voxel_size.native.isHidden()
    assert not widget.on_density.enabled
    [layer] = mask_layers(viewer)
    assert layer.data.shape == (64, 64, 64)

    for spin, n in zip(widget.box, (40, 50, 60)):
        spin.value = n
    widget.voxel_size.value = 3.0
    widget.lengths["radius"].value = 30.0
    settle(qtbot, widget)
    assert mask_layers(viewer) == [layer]
    assert layer.data.shape == (40, 50, 60)
    assert tuple(layer.scale) == (3.0, 3.0, 3.0)
    recipe = layer.metadata[METADATA_KEY]
    assert recipe["box_shape"] == [40, 50, 60] and recipe["voxel_size"] == [3.0, 3.0, 3.0]
    assert recipe["params"]["radius"] == 10.0 and recipe["params"]["center"] == [20.0, 25.0, 30.0]
    assert np.array_equal(layer.data, replayed(layer))
    assert widget.lengths["radius"].note.value == "= 10 vox"


def test_removing_the_map_keeps_its_box(blob, qtbot):
    viewer, map_layer, _ = blob
    widget = dock(viewer)
    viewer.layers.remove(map_layer)
    settle(qtbot, widget)
    assert widget.map.value is None
    assert tuple(s.value for s in widget.box) == (64, 64, 64) and widget.voxel_size.value == 2.0
    assert np.array_equal(viewer.layers[LAYER_NAME].data, replayed(viewer.layers[LAYER_NAME]))


def test_picking_another_map_refits_in_the_same_layer(blob, qtbot):
    viewer, _, _ = blob
    widget = dock(viewer)
    [layer] = mask_layers(viewer)
    density = blob_map(shape=(48, 40, 56), center=(30.0, 10.0, 20.0))
    other = viewer.add_image(density, scale=(3.0, 3.0, 3.0), name="other")
    widget.map.value = other
    settle(qtbot, widget)
    assert mask_layers(viewer) == [layer] and len(viewer.layers) == 3
    assert layer.data.shape == (48, 40, 56) and tuple(layer.scale) == (3.0, 3.0, 3.0)
    assert layer.metadata[METADATA_KEY]["params"]["center"] == pytest.approx([30, 10, 20], abs=0.1)
    assert np.array_equal(layer.data, replayed(layer))


def test_centre_on_density_finds_the_blob(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    viewer.add_image(blob_map(center=(12.0, 44.0, 20.0)), scale=(2.0, 2.0, 2.0), name="blob")
    widget = dock(viewer)
    for spin in widget.center:
        spin.value = 32.0
    settle(qtbot, widget)
    layer = viewer.layers[LAYER_NAME]
    widget.lengths["radius"].value = 8.0
    settle(qtbot, widget)
    assert layer.data[12, 44, 20] == 0

    widget.on_density.native.click()
    settle(qtbot, widget)
    assert [s.value for s in widget.center] == pytest.approx([12.0, 44.0, 20.0], abs=0.2)
    assert layer.data[12, 44, 20] == 1.0
    assert np.array_equal(layer.data, replayed(layer))


def test_centre_on_cursor(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    viewer.add_image(blob_map(), scale=(2.0, 2.0, 2.0), translate=(10.0, 0.0, 0.0), name="blob")
    widget = dock(viewer)
    layer = viewer.layers[LAYER_NAME]
    assert tuple(layer.translate) == (10.0, 0.0, 0.0)

    viewer.cursor.position = (10.0 + 2 * 50, 2 * 12, 2 * 8)
    widget.on_cursor.native.click()
    settle(qtbot, widget)
    assert [s.value for s in widget.center] == [50.0, 12.0, 8.0]
    assert layer.metadata[METADATA_KEY]["params"]["center"] == [50.0, 12.0, 8.0]
    assert layer.data[50, 12, 8] == 1.0

    viewer.cursor.position = (10.0 + 2 * 500, -40.0, 2 * 8)  # beyond the box: kept on its faces
    widget.on_cursor.native.click()
    assert [s.value for s in widget.center] == [63.0, 0.0, 8.0]


def test_recipe_replays_exactly_after_json(blob, qtbot):
    viewer, _, _ = blob
    widget = dock(viewer)
    widget.shape.value = "ellipsoidal shell"
    widget.lengths["radii"].value = (21.3, 33.7, 18.1)
    widget.lengths["thickness"].value = 4.4
    widget.phi.value, widget.theta.value, widget.psi.value = 17.0, 63.0, -121.0
    widget.edge.value = "cosine"
    widget.edge_width.value = 5.5
    for spin, c in zip(widget.center, (30.37, 31.11, 29.9)):
        spin.value = c
    settle(qtbot, widget)
    layer = viewer.layers[LAYER_NAME]
    recipe = json.loads(json.dumps(layer.metadata[METADATA_KEY]))
    assert recipe["operation"] == "shape" and recipe["box_shape"] == [64, 64, 64]
    assert recipe["params"]["thickness"] == pytest.approx(2.2)
    mask, voxel_size = apply_recipe(recipe)
    assert voxel_size == (2.0, 2.0, 2.0)
    assert np.array_equal(layer.data, mask)
    assert 0 < mask.sum() and 0 < ((mask > 0) & (mask < 1)).sum()


def test_large_box_draws_the_plane_then_the_volume_off_the_ui_thread(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((200, 200, 200), np.float32), name="big")
    widget = dock(viewer)
    layer = viewer.layers[LAYER_NAME]
    assert viewer.dims.ndisplay == 2
    z = viewer.dims.current_step[0]
    old = np.array(layer.data)
    workers = []
    submit = widget._masks.submit
    widget._masks.submit = lambda *args, **kwargs: workers.append(submit(*args, **kwargs)) or workers[-1]

    widget.shape.value = "cuboid"
    widget.lengths["size"].value = (60.0, 90.0, 120.0)
    widget.psi.value = 30.0
    # the displayed plane is new at once; the rest of the volume follows from the worker
    assert widget.busy
    plane = apply_recipe(layer.metadata[METADATA_KEY])[0]
    assert np.array_equal(layer.data[z], plane[z])
    assert np.array_equal(layer.data[z + 40], old[z + 40])
    assert not np.array_equal(layer.data[z + 40], plane[z + 40])
    assert workers == []

    settle(qtbot, widget)
    assert len(workers) == 1 and workers[0] is not None  # one volume, computed in a worker thread
    assert np.array_equal(layer.data, plane)
    assert mask_layers(viewer) == [layer]


def test_3d_view_computes_the_whole_volume(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((200, 200, 200), np.float32), name="big")
    widget = dock(viewer)
    viewer.dims.ndisplay = 3
    layer = viewer.layers[LAYER_NAME]
    widget.shape.value = "cone"
    widget.theta.value = 90.0
    assert widget._masks.busy  # the full volume is on its way without waiting for rest
    settle(qtbot, widget)
    assert np.array_equal(layer.data, replayed(layer))
    assert layer.metadata[METADATA_KEY]["params"]["shape"] == "cone"


def test_found_in_the_plugin_menu(make_napari_viewer):
    from napari._app_model import get_app_model

    viewer = make_napari_viewer()
    viewer.open_sample("napari-cryomask", "sample")
    app = get_app_model()
    [item] = [
        item
        for item in app.menus.get_menu("napari/plugins/napari-cryomask")
        if item.command.title.startswith("Shape mask")
    ]
    app.commands.execute_command(item.command.id).result()  # as clicking Plugins > napari-cryomask > Shape mask

    [layer] = mask_layers(viewer)
    assert layer.name == LAYER_NAME
    assert np.array_equal(layer.data, replayed(layer))
    _, widget = viewer.window.add_plugin_dock_widget("napari-cryomask", "Shape mask")
    assert isinstance(widget, ShapeMaskWidget)
    assert mask_layers(viewer) == [layer]
