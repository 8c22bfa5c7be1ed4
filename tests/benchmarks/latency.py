"""How long the Shape mask widget takes from a slider move to the new mask on the canvas.

Opens a real napari window on a 256³ map, docks the Shape mask widget through the plugin menu
entry, and moves its controls 50 times in the 2D view and 50 times in the 3D view, like a
drag: each move follows the previous one as soon as it is drawn, so the values never rest.
A move counts as done at the first canvas draw that shows changed layer data, measured after
``glFinish`` so software GL rendering is included; the time until the layer's data changed is
recorded too. Prints the median and 95th percentile per view and writes them to
``tests/benchmarks/results/latency.json``.

Run it with a display, or under Xvfb::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python tests/benchmarks/latency.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import napari
import numpy as np
from qtpy.QtWidgets import QApplication
from vispy.gloo import gl

from napari_cryomask._napari.layer_data import image_layer_kwargs
from napari_cryomask._napari.shape_widget import LAYER_NAME
from napari_cryomask.core.sample import synthetic_average
from napari_cryomask.recipes import METADATA_KEY, apply_recipe

RESULTS = Path(__file__).resolve().parent / "results" / "latency.json"


def wait(app, condition, timeout_s, what):
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"waited {timeout_s} s for {what}")
        app.processEvents()
        time.sleep(0.001)


class DrawClock:
    """Notes the time of the first canvas draw at which a condition holds."""

    def __init__(self, canvas):
        self._canvas = canvas
        self._condition = None
        self.time = None
        self.renderer = None
        canvas.events.draw.connect(self._on_draw, position="last")

    def arm(self, condition):
        self._condition, self.time = condition, None

    def _on_draw(self, _event):
        if self.renderer is None:
            self.renderer = gl.glGetParameter(gl.GL_RENDERER)
        if self._condition is not None and self.time is None and self._condition():
            gl.glFinish()
            self.time = time.perf_counter()


def moves(widget, count):
    """``count`` drag steps that alternate turning the ellipsoid and stretching its x semi-axis."""
    phi, radii = widget.model["phi"], widget.model["radii"]
    for i in range(count):
        if i % 2:
            phi = phi + 3.0 if phi < 150 else -150.0
            yield widget.editors["phi"], phi
        else:
            rx = radii[2] + 3.0 if radii[2] < 150 else 90.0
            radii = (radii[0], radii[1], rx)
            yield widget.editors["radii"], radii


def run_view(app, viewer, widget, clock, count, warmup):
    """Per move: ms until the layer's data changed, and until that change was drawn."""
    layer = viewer.layers[LAYER_NAME]
    plane = viewer.dims.current_step[0]
    new_data = []
    layer.events.data.connect(lambda _event: new_data.append(time.perf_counter()))
    data_ms, drawn_ms = [], []
    for i, (control, value) in enumerate(moves(widget, count + warmup)):
        before_object, before_plane = layer.data, np.array(layer.data[plane])

        def changed(before_object=before_object, before_plane=before_plane):
            return layer.data is not before_object or not np.array_equal(layer.data[plane], before_plane)

        clock.arm(changed)
        new_data.clear()
        start = time.perf_counter()
        control.value = value
        # the 2D view writes the plane before the value setter returns; the 3D view sets new data later
        changed_at = time.perf_counter() if changed() else None
        wait(app, lambda: clock.time is not None, 120, f"move {i} to be drawn")
        if i >= warmup:
            data_ms.append(1000 * ((changed_at or new_data[0]) - start))
            drawn_ms.append(1000 * (clock.time - start))
    return data_ms, drawn_ms


def settle_time(app, viewer, widget):
    """From the last move to the layer holding exactly the recipe's full volume."""
    start = time.perf_counter()
    wait(app, lambda: not widget.busy, 120, "the full volume")
    elapsed = 1000 * (time.perf_counter() - start)
    layer = viewer.layers[LAYER_NAME]
    if not np.array_equal(layer.data, apply_recipe(layer.metadata[METADATA_KEY])[0]):
        raise AssertionError("after settling the layer does not equal its recipe")
    return elapsed


def summary(samples):
    return {
        "median_ms": round(float(np.median(samples)), 2),
        "p95_ms": round(float(np.percentile(samples, 95)), 2),
        "max_ms": round(float(np.max(samples)), 2),
        "samples_ms": [round(s, 2) for s in samples],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--box", type=int, default=256, help="map edge in voxels (default 256)")
    parser.add_argument("--moves", type=int, default=50, help="measured moves per view (default 50)")
    parser.add_argument("--warmup", type=int, default=3, help="moves made first and not counted")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS})")
    args = parser.parse_args(argv)

    density, voxel_size = synthetic_average(box=args.box, voxel_size_A=384.0 / args.box)
    viewer = napari.Viewer(show=True)
    app = QApplication.instance()
    viewer.add_image(density, **image_layer_kwargs(density, voxel_size, name="map"))
    _, widget = viewer.window.add_plugin_dock_widget("napari-cryomask", "Shape mask")
    clock = DrawClock(viewer.window._qt_viewer.canvas)

    widget.editors["shape"].value = "ellipsoid"
    widget.editors["radii"].value = (40.0, 70.0, 100.0)
    widget.editors["center"].value = tuple(float(c) for c in np.array(density.shape) // 2)
    wait(app, lambda: not widget.busy, 120, "the first mask")

    results = {
        "box": [args.box] * 3,
        "moves": args.moves,
        "shape": "ellipsoid, alternately turned (phi) and stretched (x semi-axis)",
        "gl_renderer": None,
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": os.getloadavg(),
            "python": platform.python_version(),
            "napari": napari.__version__,
        },
    }
    for ndisplay in (2, 3):
        viewer.dims.ndisplay = ndisplay
        wait(app, lambda: not widget.busy, 120, f"the {ndisplay}D view")
        data_ms, drawn_ms = run_view(app, viewer, widget, clock, args.moves, args.warmup)
        results[f"{ndisplay}d"] = {
            **summary(drawn_ms),
            "data_changed": summary(data_ms),
            "settle_ms": round(settle_time(app, viewer, widget), 2),
        }
        print(
            f"{ndisplay}D: median {results[f'{ndisplay}d']['median_ms']:.1f} ms, "
            f"95th percentile {results[f'{ndisplay}d']['p95_ms']:.1f} ms over {args.moves} moves "
            f"(data changed after a median {results[f'{ndisplay}d']['data_changed']['median_ms']:.1f} ms); "
            f"full volume {results[f'{ndisplay}d']['settle_ms']:.0f} ms after the last move"
        )
    results["gl_renderer"] = clock.renderer
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"GL renderer: {clock.renderer}; results written to {args.out}")
    viewer.close()


if __name__ == "__main__":
    main()
