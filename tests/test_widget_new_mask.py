"""Every design widget, in a real viewer: *New mask* leaves the current mask untouched and starts the
next one in a new layer of its own colour; renaming the current layer keeps it the widget's layer."""

import numpy as np
import pytest
from gui_helpers import all_agree, choose, click, settle, type_into

from napari_cryomask._napari.mask_layer import COLOUR_KEY
from napari_cryomask.core.sample import synthetic_average
from napari_cryomask.core.shapes import sphere
from napari_cryomask.io import Volume
from napari_cryomask.recipes import METADATA_KEY, make_recipe

PLUGIN = "napari-cryomask"
BOX = (48, 48, 48)
VOXEL = (4.0, 4.0, 4.0)


def ball_layer(viewer, name, center, radius=8):
    recipe = make_recipe("shape", {"shape": "sphere", "radius": radius, "center": center}, box_shape=BOX, voxel_size=VOXEL)
    return viewer.add_image(sphere(BOX, radius, center=center), name=name, scale=VOXEL, metadata={METADATA_KEY: recipe})


def shape_widget(viewer, qtbot):
    data, voxel_size = synthetic_average()
    viewer.add_image(data, scale=voxel_size, name="average")
    _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, "Shape mask")
    return widget, lambda value: type_into(qtbot, widget.editors["radius"].spin, value), None


def tight_widget(viewer, qtbot):
    data, voxel_size = synthetic_average()
    viewer.add_image(data, scale=voxel_size, name="average")
    _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, "Tight mask")
    like = Volume(data, tuple(voxel_size), (0.0, 0.0, 0.0))  # the map is in no file: the replay is given it
    return widget, lambda value: type_into(qtbot, widget.editors["extend"].spin, value), like


def soften_widget(viewer, qtbot):
    ball_layer(viewer, "ball", (24, 24, 24))
    _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, "Soften mask")
    choose(qtbot, widget.editors["mask"].combo, "ball")
    return widget, lambda value: type_into(qtbot, widget.editors["width"].spin, value), None


def combine_widget(viewer, qtbot):
    from qtpy.QtCore import Qt

    ball_layer(viewer, "ball A", (24, 24, 20))
    ball_layer(viewer, "ball B", (24, 24, 28))
    _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, "Combine masks")
    masks = widget.editors["masks"].list
    for name in ("ball A", "ball B"):
        [item] = masks.findItems(name, Qt.MatchExactly)
        item.setCheckState(Qt.Checked)
    operations = ["union", "intersection", "subtraction", "difference"]
    return widget, lambda value: choose(qtbot, widget.editors["operation"].combo, operations[int(value) % 4]), None


@pytest.mark.parametrize(
    "make, values",
    [
        (shape_widget, ("30", "26")),
        (tight_widget, ("4", "8")),
        (soften_widget, ("8", "12")),
        (combine_widget, ("1", "2")),
    ],
    ids=["shape", "tight", "soften", "combine"],
)
def test_new_mask_and_renaming_in_every_widget(make_napari_viewer, qtbot, tmp_path, make, values):
    viewer = make_napari_viewer()
    widget, edit, like = make(viewer, qtbot)
    settle(qtbot, widget)
    first = widget.output
    assert first is not None
    base = first.name

    click(qtbot, widget.buttons["new_mask"])
    settle(qtbot, widget)
    kept = np.array(first.data)
    kept_recipe = first.metadata[METADATA_KEY]
    second = widget.output
    assert second is not first and second.name == f"{base} [1]"
    assert second.metadata[COLOUR_KEY] != first.metadata[COLOUR_KEY]

    edit(values[0])
    settle(qtbot, widget)
    assert widget.output is second
    assert np.array_equal(first.data, kept) and first.metadata[METADATA_KEY] == kept_recipe
    assert not np.array_equal(second.data, kept), "the edit changed nothing: the test would not see a mix-up"

    second.name = "my mask"  # renaming the current layer keeps it the widget's
    edit(values[1])
    settle(qtbot, widget)
    assert widget.output is second and second.name == "my mask"
    assert sum(layer is second for layer in viewer.layers) == 1 and np.array_equal(first.data, kept)
    all_agree(widget, tmp_path, like=like)
