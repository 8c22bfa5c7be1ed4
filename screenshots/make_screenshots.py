"""Drive the real plugin on the synthetic sample and save the README screenshots as PNGs.

Run under a display or Xvfb (``make screenshots``)::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python screenshots/make_screenshots.py [OUT_DIR]

Writes ``shape_2d.png``, ``shape_3d.png``, ``tight.png``, ``combine.png`` and ``edit.png`` (Edit
by hand; default folder: the one this script is in). Every mask is made by the plugin's widgets, set as a user would.
"""

from __future__ import annotations

import sys
from pathlib import Path

import napari
import numpy as np

from napari_cryomask._napari.launch import PLUGIN, WINDOW_SIZE, open_map, save_window, settle

# The sample's bilayer lies 70 Å below the box centre (z = 48 voxels at 4 Å), normal to z.
MEMBRANE_Z_VOXELS = 48 - 70 / 4
SIDE_VIEW = (1, 0, 2)  # show z (vertical, pointing up) against x, slicing through y


def new_viewer():
    """A window of the screenshot size showing the synthetic sample, seen from the side."""
    viewer = napari.Viewer(title="napari-cryomask")
    viewer.window.resize(*WINDOW_SIZE)
    open_map(viewer)
    viewer.dims.order = SIDE_VIEW
    viewer.scene.camera.orientation = ("towards", "up", "right")
    return viewer


def frame(viewer, widgets):
    """Fit the map to the canvas once the docked widgets have taken their room."""
    settle(widgets)
    viewer.reset_view()


def dock(viewer, name):
    return viewer.window.add_plugin_dock_widget(PLUGIN, name)[1]


def design_shape(viewer):
    """A soft-edged ellipsoid around the soluble part of the complex, from the Shape mask widget."""
    shape = dock(viewer, "Shape mask")
    shape.shape.value = "ellipsoid"
    shape.lengths["radii"].value = (60.0, 85.0, 75.0)
    for spin, value in zip(shape.center, (52.0, 48.0, 48.0)):
        spin.value = value
    shape.edge.value = "cosine"
    shape.edge_width.value = 12.0
    settle([shape])
    return shape


def design_tight(viewer):
    """A tight mask of the whole map (complex and bilayer) from the Tight mask widget."""
    tight = dock(viewer, "Tight mask")
    tight.set_threshold(0.35)
    tight.fill_holes.value = True
    tight.extend.angstrom = 4.0
    tight.edge_width.angstrom = 8.0
    settle([tight])
    return tight


def shape_2d(out: Path):
    viewer = new_viewer()
    shape = design_shape(viewer)
    frame(viewer, [shape])
    save_window(viewer, out / "shape_2d.png", [shape])
    viewer.close()


def shape_3d(out: Path):
    viewer = new_viewer()
    shape = design_shape(viewer)
    viewer.dims.ndisplay = 3
    density = viewer.layers["synthetic average"]
    density.rendering, density.iso_threshold = "iso", 0.35
    viewer.layers["shape mask"].opacity = 0.45
    frame(viewer, [shape])
    viewer.scene.camera.angles = (15.0, -25.0, 0.0)  # a little from above the bilayer
    viewer.scene.camera.zoom *= 1.5
    save_window(viewer, out / "shape_3d.png", [shape])
    viewer.close()


def tight(out: Path):
    viewer = new_viewer()
    widget = design_tight(viewer)
    frame(viewer, [widget])
    save_window(viewer, out / "tight.png", [widget])
    viewer.close()


def combine(out: Path):
    """The tight mask minus a slab over the bilayer: a mask of the complex without the membrane."""
    viewer = new_viewer()
    design_tight(viewer)
    viewer.window.remove_dock_widget("all")  # one widget at a time keeps the window small
    shape = dock(viewer, "Shape mask")
    shape.shape.value = "cuboid"
    shape.lengths["size"].value = (88.0, 1000.0, 1000.0)
    for spin, value in zip(shape.center, (MEMBRANE_Z_VOXELS, 48.0, 48.0)):
        spin.value = value
    settle([shape])
    viewer.window.remove_dock_widget("all")
    combine_widget = dock(viewer, "Combine masks")
    combine_widget.operation.setCurrentText("subtraction")
    combine_widget.set_inputs([viewer.layers["tight mask"], viewer.layers["shape mask"]])
    viewer.layers["tight mask"].visible = False
    viewer.layers["shape mask"].visible = False
    frame(viewer, [combine_widget])
    save_window(viewer, out / "combine.png", [combine_widget])
    viewer.close()


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    for scene in (shape_2d, shape_3d, tight, combine, edit):
        scene(out)
        print(f"wrote {scene.__name__}")
    return 0


def edit(out: Path):
    """Edit by hand: the slab over the bilayer cut out of a tight mask between outlines on two planes, then Apply."""
    viewer = new_viewer()
    tight_widget = dock(viewer, "Tight mask")
    tight_widget.editors["threshold"].value = 0.35
    tight_widget.editors["fill_holes"].value = True
    settle([tight_widget])
    viewer.window.remove_dock_widget("all")
    widget = dock(viewer, "Edit by hand")
    widget.editors["mask"].value = viewer.layers["tight mask"]
    widget.buttons["edit"].click()
    widget.buttons["draw_outlines"].click()
    outlines = viewer.layers["tight mask outlines"]
    # the side view slices through y: one rectangle over the bilayer (z 21-40 voxels) on two y planes
    slab = [np.array([[21.0, y, 0.0], [21.0, y, 95.0], [40.0, y, 95.0], [40.0, y, 0.0]]) for y in (30.0, 66.0)]
    outlines.add_rectangles(slab)
    widget.editors["fill_mode"].value = "remove"
    widget.buttons["fill"].click()
    widget.buttons["apply"].click()
    settle([widget])
    for name in ("tight mask", "tight mask edit"):
        viewer.layers[name].visible = False
    viewer.dims.set_point(1, 30 * 4.0)  # the plane of the first outline
    frame(viewer, [widget])
    save_window(viewer, out / "edit.png", [widget])
    viewer.close()


if __name__ == "__main__":
    sys.exit(main())
