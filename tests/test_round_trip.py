"""GUI → recipe → command line → the same mask.

A map is opened in a real viewer, masks are designed with the widgets, combined and saved
through the plugin's writer; the installed ``cryomask`` command then replays each saved recipe
into a new file, which must hold the same array (and, for MRC, the same bytes).
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
from gui_helpers import choose, type_into
from qtpy.QtCore import Qt

from napari_cryomask.io import read_volume
from napari_cryomask.recipes import METADATA_KEY

PLUGIN = "napari-cryomask"
CRYOMASK = str(Path(sys.executable).parent / "cryomask")


def replay(recipe_file, output):
    subprocess.run([CRYOMASK, "recipe", "apply", str(recipe_file), "-o", str(output)], check=True, capture_output=True)
    return read_volume(output)


def test_widget_masks_replay_on_the_command_line(make_napari_viewer, qtbot, sample_map_file, tmp_path):
    viewer = make_napari_viewer()
    [map_layer] = viewer.open(str(sample_map_file), plugin=PLUGIN)

    _, tight = viewer.window.add_plugin_dock_widget(PLUGIN, "Tight mask")
    qtbot.waitUntil(lambda: not tight.busy and tight.output is not None, timeout=60_000)
    type_into(qtbot, tight.editors["extend"].spin, "6")
    type_into(qtbot, tight.editors["edge_width"].spin, "12")
    qtbot.waitUntil(lambda: not tight.busy, timeout=60_000)

    _, shape = viewer.window.add_plugin_dock_widget(PLUGIN, "Shape mask")
    choose(qtbot, shape.editors["shape"].combo, "cylinder")
    type_into(qtbot, shape.editors["radius"].spin, "40")
    type_into(qtbot, shape.editors["height"].spin, "60")
    type_into(qtbot, shape.editors["theta"].spin, "90")
    type_into(qtbot, shape.editors["phi"].spin, "25")
    qtbot.waitUntil(lambda: not shape.busy, timeout=60_000)

    _, combine = viewer.window.add_plugin_dock_widget(PLUGIN, "Combine masks")
    combine.operation.setCurrentText("subtraction")
    for name in ("tight mask", "shape mask"):
        [item] = combine.masks.findItems(name, Qt.MatchExactly)
        item.setCheckState(Qt.Checked)
    qtbot.waitUntil(lambda: combine.output_layer is not None and not combine._worker.busy, timeout=60_000)

    for name in ("tight mask", "shape mask", "combined mask"):
        layer = viewer.layers[name]
        assert METADATA_KEY in layer.metadata
        viewer.layers.selection.active = layer
        saved = tmp_path / f"{name.replace(' ', '_')}.mrc"
        viewer.layers.save(str(saved), selected=True, plugin=PLUGIN)
        again = replay(Path(f"{saved}.json"), tmp_path / f"again_{saved.name}")
        assert np.array_equal(again.data, layer.data), name
        assert again.voxel_size == read_volume(saved).voxel_size == (4.0, 4.0, 4.0)
        assert (tmp_path / f"again_{saved.name}").read_bytes() == saved.read_bytes(), name

    combined = viewer.layers["combined mask"].data
    assert combined.max() == 1 and 0 < combined.sum() < viewer.layers["tight mask"].data.sum()
