"""How long the Shape mask widget takes from a control change to the new frame, in 2D and 3D, against plain napari.

Opens a real napari window on a 256³ map with napari's settings in a temporary folder (nothing
of an earlier session is restored, nothing is saved), the window, the canvas and the 3D camera
pinned, and docks the Shape mask widget through the plugin's menu entry. Then, ``--repeats``
times, in alternating order:

- **2D drag**: the phi slider is dragged, each step as soon as the previous one is drawn; per
  step, the time from the slider's new value to the first frame showing the changed plane; after
  letting go, the time to the frame showing the full volume.
- **3D drag**, with the mask drawn as its surface and as a volume: the same drag in the 3D view,
  to the frame showing the moved proxy; after letting go, to the frame showing the
  full-resolution result (the mesh of the full mask, or the full volume).
- **3D typed change**, surface and volume display (3D with and without meshes): a new phi typed
  at rest, to the first frame showing it (the proxy) and to the full-resolution frame.
- **The floor**: plain napari, in a second window pinned alike, redrawing the same scene at full
  resolution (the map, and a mask layer drawn as an iso-surface volume as the plugin styles it)
  after the mask layer's data are replaced by the next mask (computed beforehand, untimed); and
  plain napari drawing the map and a mesh of that mask, replaced likewise.

A frame counts when its draw has finished (after ``glFinish``, so software GL is included).
Results, with the sizes, the GL renderer, napari's settings and the load, go to
``tests/benchmarks/results/latency.json``; a Markdown table is printed. Targets (issue 8):
2D median ≤ 50 ms; 3D median while moving ≤ 0.5× the floor; the full-resolution result on screen
within floor + 0.5 s after the last move.

Run it with a display, or under Xvfb::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python tests/benchmarks/latency.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results" / "latency.json"
WINDOW = (1560, 900)  # main window, pixels (wide enough for the docked widget)
CANVAS = (800, 600)  # the canvas inside it, pixels
ANGLES_3D = (0.0, 30.0, 60.0)  # camera angles of the 3D view (napari's order)
RADII_A = (40.0, 70.0, 100.0)  # the ellipsoid's semi-axes, Å (the map's voxels are 384 Å / box)
SLIDER_STEP = 10  # slider positions per drag step (the slider has 1000 over 360°)


# -- waiting and clocks ----------------------------------------------------------------------------


def wait(app, condition, timeout_s, what):
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"waited {timeout_s} s for {what}")
        app.processEvents()
        time.sleep(0.001)


class DrawClock:
    """Notes when the first draw of a canvas finishes at which each of some conditions holds."""

    def __init__(self, canvas):
        from vispy.gloo import gl

        self._gl = gl
        self._canvas = canvas
        self._conditions = []
        self.times = []
        self.gl = None
        canvas.events.draw.connect(self._on_draw, position="last")

    def arm(self, *conditions):
        self._conditions, self.times = list(conditions), [None] * len(conditions)

    @property
    def done(self) -> bool:
        return all(t is not None for t in self.times)

    def _on_draw(self, _event):
        gl = self._gl
        if self.gl is None:
            self.gl = {
                "renderer": gl.glGetParameter(gl.GL_RENDERER),
                "vendor": gl.glGetParameter(gl.GL_VENDOR),
                "version": gl.glGetParameter(gl.GL_VERSION),
            }
        pending = [i for i, t in enumerate(self.times) if t is None]
        hits = [i for i in pending if self._conditions[i]()]
        if hits:
            gl.glFinish()
            now = time.perf_counter()
            for i in hits:
                self.times[i] = now


def drawn_once(app, clock, canvas, what):
    """Wait for one complete frame (after a change of view, before timing the next thing)."""
    clock.arm(lambda: True)
    canvas.native.update()
    wait(app, lambda: clock.done, 600, what)


def summary(samples) -> dict:
    samples = [float(s) for s in samples]
    return {
        "median_ms": round(float(np.median(samples)), 1),
        "p95_ms": round(float(np.percentile(samples, 95)), 1),
        "min_ms": round(min(samples), 1),
        "max_ms": round(max(samples), 1),
        "n": len(samples),
    }


# -- the window -------------------------------------------------------------------------------------


def pinned_viewer(title):
    """A shown napari viewer with the window and canvas at the pinned sizes."""
    import napari

    viewer = napari.Viewer(show=True, title=title)
    window = viewer.window._qt_window
    window.resize(*WINDOW)
    canvas = viewer.window._qt_viewer.canvas
    canvas.native.setFixedSize(*CANVAS)
    return viewer, canvas


def sizes(viewer, canvas) -> dict:
    window = viewer.window._qt_window
    scene = canvas._scene_canvas
    return {
        "window_px": [window.width(), window.height()],
        "canvas_px": list(scene.size),
        "canvas_physical_px": list(scene.physical_size),
        "device_pixel_ratio": canvas.native.devicePixelRatioF(),
    }


def camera(viewer):
    scene = getattr(viewer, "scene", None)  # napari 0.9 moved the camera to viewer.scene
    return viewer.camera if scene is None else scene.camera


def into_view(app, viewer, canvas, clock, ndisplay):
    viewer.dims.ndisplay = ndisplay
    viewer.reset_view()
    if ndisplay == 3:
        camera(viewer).angles = ANGLES_3D
    drawn_once(app, clock, canvas, f"the {ndisplay}D view")


# -- the plugin -------------------------------------------------------------------------------------


class Bench:
    def __init__(self, app, viewer, canvas, widget):
        self.app, self.viewer, self.canvas, self.widget = app, viewer, canvas, widget
        self.model = widget.model
        self.clock = DrawClock(canvas)
        self.slider = widget.editors["phi"].slider

    @property
    def layer(self):
        return self.model.layer

    def settled(self, what):
        wait(self.app, lambda: not self.widget.busy, 600, what)
        drawn_once(self.app, self.clock, self.canvas, what)

    def positions(self, count):
        """Slider positions of a drag of ``count`` steps from where the slider is, turning back at its end."""
        position, step = self.slider.value(), SLIDER_STEP
        if position + step * count > self.slider.maximum():
            step = -step
        return [position + step * (i + 1) for i in range(count)]

    def drag(self, count, ndisplay, display):
        """Per step, ms to the frame showing it; then ms from letting go to the full-resolution frame."""
        from napari_cryomask._napari.design_model import displayed_region
        from napari_cryomask._napari.surface import surface_of, surface_state

        layer, app, clock = self.layer, self.app, self.clock
        plane = displayed_region(self.viewer, layer, layer.data.shape)
        frames = []
        self.slider.setSliderDown(True)
        for position in self.positions(count):
            if ndisplay == 2:
                before, before_plane = layer.data, np.array(layer.data[plane])

                def moved(before=before, before_plane=before_plane):
                    return layer.data is not before or not np.array_equal(layer.data[plane], before_plane)
            else:
                surface = surface_of(layer)
                before = None if surface is None else surface.data[0]

                def moved(before=before):
                    surface = surface_of(layer)
                    return surface is not None and surface.visible and surface.data[0] is not before

            clock.arm(moved)
            start = time.perf_counter()
            self.slider.setValue(position)
            wait(app, lambda: clock.done, 600, "a drag step to be drawn")
            frames.append(1000 * (clock.times[0] - start))
        before = layer.data
        if ndisplay == 2:
            full = lambda: layer.data is not before  # noqa: E731
        elif display == "surface":
            full = lambda: layer.data is not before and surface_state(layer) == "full"  # noqa: E731
        else:
            full = lambda: layer.data is not before and layer.visible  # noqa: E731
        clock.arm(full)
        start = time.perf_counter()
        self.slider.setSliderDown(False)
        wait(app, lambda: clock.done, 600, "the full-resolution result")
        settle = 1000 * (clock.times[0] - start)
        self.check()
        return frames, settle

    def typed(self, count, display):
        """Per typed value at rest: ms to the first frame showing it and to the full-resolution frame."""
        from napari_cryomask._napari.surface import surface_of, surface_state

        layer, app, clock = self.layer, self.app, self.clock
        editor = self.widget.editors["phi"]
        first, full = [], []
        for position in self.positions(count):
            value = -180.0 + 360.0 * position / self.slider.maximum()
            surface, before = surface_of(layer), layer.data
            vertices = None if surface is None else surface.data[0]

            def shown(vertices=vertices):
                surface = surface_of(layer)
                return surface is not None and surface.visible and surface.data[0] is not vertices

            if display == "surface":
                done = lambda before=before: layer.data is not before and surface_state(layer) == "full"  # noqa: E731
            else:
                done = lambda before=before: layer.data is not before and layer.visible  # noqa: E731
            clock.arm(lambda shown=shown, done=done: shown() or done(), done)
            start = time.perf_counter()
            editor.value = round(value, 1)
            wait(app, lambda: clock.done, 600, "a typed value's full-resolution frame")
            first.append(1000 * (clock.times[0] - start))
            full.append(1000 * (clock.times[1] - start))
            self.settled("the typed value")
            self.check()
        return first, full

    def check(self):
        from napari_cryomask.recipes import METADATA_KEY, apply_recipe

        wait(self.app, lambda: not self.widget.busy, 600, "the widget")
        layer = self.layer
        if not np.array_equal(layer.data, apply_recipe(layer.metadata[METADATA_KEY])[0]):
            raise AssertionError("after settling the layer does not equal its recipe")


# -- plain napari -----------------------------------------------------------------------------------


class Floor:
    """Plain napari drawing the same scene at full resolution, in its own pinned window."""

    def __init__(self, app, density, voxel_size, params, angles):
        from napari_cryomask._napari.layer_data import image_layer_kwargs
        from napari_cryomask._napari.mask_layer import MASK_STYLE, mask_colormap
        from napari_cryomask._napari.surface import SURFACE_STYLE

        self.app = app
        self.viewer, self.canvas = pinned_viewer("plain napari")
        self.clock = DrawClock(self.canvas)
        self.params, self.angles = params, list(angles)
        kwargs = image_layer_kwargs(density, voxel_size, name="map")
        self.viewer.add_image(density, **kwargs)
        place = {"scale": kwargs["scale"], "translate": kwargs["translate"]}
        self.mask = self.viewer.add_image(self.next_mask(), name="mask", colormap=mask_colormap("orange"), **place, **MASK_STYLE)
        vertices, faces = self.next_mesh()
        self.mesh = self.viewer.add_surface(
            (vertices, faces, np.ones(len(vertices), np.float32)), name="mesh", colormap="orange",
            contrast_limits=(0.0, 1.0), visible=False, **place, **SURFACE_STYLE,
        )
        into_view(app, self.viewer, self.canvas, self.clock, 3)

    def next_mask(self):
        from napari_cryomask.core.shapes import shape_mask

        phi = self.angles.pop(0)
        self.angles.append(phi)
        return shape_mask(**self.params, angles=(phi, 0.0, 0.0))

    def next_mesh(self):
        from napari_cryomask._napari.surface_mesh import mask_mesh

        return mask_mesh(self.next_mask())

    def volume(self, count):
        self.mask.visible, self.mesh.visible = True, False
        drawn_once(self.app, self.clock, self.canvas, "the plain volume")
        times = []
        for _ in range(count):
            mask = self.next_mask()
            self.clock.arm(lambda mask=mask: self.mask.data is mask)
            start = time.perf_counter()
            self.mask.data = mask
            wait(self.app, lambda: self.clock.done, 600, "plain napari's frame")
            times.append(1000 * (self.clock.times[0] - start))
        return times

    def meshes(self, count):
        self.mask.visible, self.mesh.visible = False, True
        drawn_once(self.app, self.clock, self.canvas, "the plain mesh")
        times = []
        for _ in range(count):
            vertices, faces = self.next_mesh()
            self.clock.arm(lambda vertices=vertices: self.mesh.data[0] is vertices)
            start = time.perf_counter()
            self.mesh.data = (vertices, faces, np.ones(len(vertices), np.float32))
            wait(self.app, lambda: self.clock.done, 600, "plain napari's mesh frame")
            times.append(1000 * (self.clock.times[0] - start))
        return times


# -- the run ----------------------------------------------------------------------------------------


def run(args) -> dict:
    import napari
    from napari.settings import get_settings
    from qtpy.QtWidgets import QApplication

    from napari_cryomask._napari.layer_data import image_layer_kwargs
    from napari_cryomask._napari.surface import set_display_3d
    from napari_cryomask.core.sample import synthetic_average

    settings = get_settings()
    settings.application.save_window_geometry = False
    settings.application.save_window_state = False
    density, voxel_size = synthetic_average(box=args.box, voxel_size_A=384.0 / args.box)
    viewer, canvas = pinned_viewer("napari-cryomask latency")
    app = QApplication.instance()
    viewer.add_image(density, **image_layer_kwargs(density, voxel_size, name="map"))
    _, widget = viewer.window.add_plugin_dock_widget("napari-cryomask", "Shape mask")
    bench = Bench(app, viewer, canvas, widget)
    widget.model.update(shape="ellipsoid", radii=RADII_A, center=tuple(float(n // 2) for n in density.shape))
    bench.settled("the first mask")
    into_view(app, viewer, canvas, bench.clock, 2)

    mask_params = widget.model.params()
    mask_params.pop("angles")
    angles = [float(widget.model["phi"]) + 3.6 * (i + 1) for i in range(args.changes + 1)]
    floor = Floor(app, density, voxel_size, {"box_shape": density.shape, **mask_params}, angles)

    samples: dict = {}

    def add(key, values):
        entry = samples.setdefault(key, {"all": [], "repeats": []})
        values = values if isinstance(values, list) else [values]
        entry["all"] += values
        entry["repeats"].append(float(np.median(values)))

    def plugin_2d():
        into_view(app, viewer, canvas, bench.clock, 2)
        frames, settle = bench.drag(args.moves_2d, 2, None)
        add("2d_drag", frames)
        add("2d_settle", settle)

    def plugin_3d(display):
        def scenario():
            set_display_3d(bench.layer, display)
            into_view(app, viewer, canvas, bench.clock, 3)
            bench.settled(f"the 3D {display}")
            frames, settle = bench.drag(args.moves_3d, 3, display)
            add(f"3d_{display}_drag", frames)
            add(f"3d_{display}_settle", settle)
            first, full = bench.typed(args.changes, display)
            add(f"3d_{display}_typed_first", first)
            add(f"3d_{display}_typed_full", full)

        scenario.__name__ = f"plugin_3d_{display}"
        return scenario

    def plain():
        add("floor_volume", floor.volume(args.changes))
        add("floor_mesh", floor.meshes(args.changes))

    scenarios = [plugin_2d, plugin_3d("surface"), plugin_3d("volume"), plain]
    load, cpu = [os.getloadavg()], {}
    for repeat in range(args.repeats):
        order = scenarios if repeat % 2 == 0 else scenarios[::-1]
        for scenario in order:
            wall, used = time.perf_counter(), time.process_time()
            scenario()
            key = scenario.__name__
            cpu.setdefault(key, []).append((time.process_time() - used) / (time.perf_counter() - wall))
        load.append(os.getloadavg())
        print(f"repeat {repeat + 1} of {args.repeats} done; load average {load[-1][0]:.1f}", flush=True)

    results = {
        "box": [args.box] * 3,
        "repeats": args.repeats,
        "moves": {"2d_drag": args.moves_2d, "3d_drag": args.moves_3d, "typed_and_floor": args.changes},
        "scene": f"synthetic average {args.box}³ ({384.0 / args.box:g} Å voxels, drawn as napari's default MIP in 3D); "
        f"ellipsoid mask, semi-axes {RADII_A} Å, cosine edge; drags of the phi slider, "
        f"{SLIDER_STEP * 0.36:g}° a step",
        "gl": bench.clock.gl,
        "window": sizes(viewer, canvas),
        "floor_window": sizes(floor.viewer, floor.canvas),
        "camera_3d": {"angles": list(ANGLES_3D), "zoom": float(camera(viewer).zoom), "floor_zoom": float(camera(floor.viewer).zoom)},
        "napari_settings": {
            "folder": "a temporary folder, removed after the run",
            "save_window_geometry": settings.application.save_window_geometry,
            "experimental": settings.experimental.model_dump(mode="json"),
        },
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": {"start": load[0], "after_each_repeat": load[1:]},
            "cpu_share_of_this_process": {k: [round(v, 2) for v in vs] for k, vs in cpu.items()},
            "python": platform.python_version(),
            "napari": napari.__version__,
        },
        "measurements": {},
    }
    for key, entry in samples.items():
        repeats = entry["repeats"]
        middle = float(np.median(repeats))
        results["measurements"][key] = {
            **summary(entry["all"]),
            "repeat_medians_ms": [round(r, 1) for r in repeats],
            "spread": round((max(repeats) - min(repeats)) / middle, 3) if middle else None,
        }
    results["targets"] = targets(results["measurements"])
    results["markdown"] = markdown(results)
    floor.viewer.close()
    viewer.close()
    return results


def repeat_ratios(m, key, reference) -> dict:
    """``key`` over ``reference`` in each repeat (both measured minutes apart, under the same load), and their spread."""
    ratios = [a / b for a, b in zip(m[key]["repeat_medians_ms"], m[reference]["repeat_medians_ms"]) if b]
    middle = float(np.median(ratios)) if ratios else 0.0
    return {
        "per_repeat": [round(r, 3) for r in ratios],
        "spread": round((max(ratios) - min(ratios)) / middle, 3) if middle else None,
    }


def targets(m) -> dict:
    floor = m["floor_volume"]["median_ms"]
    out = {
        "2d_median_ms_at_most_50": {"value_ms": m["2d_drag"]["median_ms"], "met": m["2d_drag"]["median_ms"] <= 50.0},
    }
    for display in ("surface", "volume"):
        drag, settle = m[f"3d_{display}_drag"]["median_ms"], m[f"3d_{display}_settle"]["median_ms"]
        out[f"3d_{display}_moving_at_most_half_the_floor"] = {
            "ratio": round(drag / floor, 3), "met": drag <= 0.5 * floor,
            "repeats": repeat_ratios(m, f"3d_{display}_drag", "floor_volume"),
        }
        out[f"3d_{display}_full_within_floor_plus_500_ms"] = {
            "over_floor_ms": round(settle - floor, 1), "met": settle <= floor + 500.0
        }
    return out


ROWS = (
    ("2d_drag", "2D drag: a step to its frame (displayed plane)"),
    ("2d_settle", "2D: let go → full volume drawn"),
    ("3d_surface_drag", "3D drag, surface display: a step to its proxy's frame"),
    ("3d_surface_settle", "3D surface: let go → full-resolution mesh drawn"),
    ("3d_surface_typed_first", "3D surface, typed value → first frame (proxy)"),
    ("3d_surface_typed_full", "3D surface, typed value → full-resolution mesh"),
    ("3d_volume_drag", "3D drag, volume display: a step to its proxy's frame"),
    ("3d_volume_settle", "3D volume: let go → full volume drawn"),
    ("3d_volume_typed_first", "3D volume, typed value → first frame (proxy)"),
    ("3d_volume_typed_full", "3D volume, typed value → full volume (no meshes)"),
    ("floor_volume", "floor: plain napari, map + mask volume, new data → frame"),
    ("floor_mesh", "plain napari, map + mesh, new mesh → frame"),
)


def markdown(results) -> list[str]:
    m, gl, w = results["measurements"], results["gl"] or {}, results["window"]
    load = results["machine"]["load_average"]
    lines = [
        f"Latency (tests/benchmarks/latency.py): {'×'.join(map(str, results['box']))} map, canvas "
        f"{w['canvas_px'][0]}×{w['canvas_px'][1]} px in a {w['window_px'][0]}×{w['window_px'][1]} window, "
        f"GL {gl.get('renderer')}, {results['repeats']} repeats, load average {load['start'][0]:.1f} at the start "
        f"and {', '.join(f'{a[0]:.1f}' for a in load['after_each_repeat'])} after each repeat "
        f"on {results['machine']['cpus']} CPUs:",
        "",
        "| Measurement | median | 95th percentile | repeat medians | spread |",
        "|---|---|---|---|---|",
    ]
    for key, title in ROWS:
        if key in m:
            r = m[key]
            lines.append(
                f"| {title} | {r['median_ms']:.0f} ms | {r['p95_ms']:.0f} ms | "
                f"{', '.join(f'{v:.0f}' for v in r['repeat_medians_ms'])} ms | {100 * (r['spread'] or 0):.0f}% |"
            )
    t = results["targets"]
    lines += [
        "",
        "Targets: 2D median ≤ 50 ms: " + _met(t["2d_median_ms_at_most_50"]) + "; "
        + "; ".join(
            f"3D {d} while moving {t[f'3d_{d}_moving_at_most_half_the_floor']['ratio']:.2f}× the floor (≤ 0.5×): "
            + _met(t[f"3d_{d}_moving_at_most_half_the_floor"])
            + _per_repeat(t[f"3d_{d}_moving_at_most_half_the_floor"]["repeats"])
            + f", full result {t[f'3d_{d}_full_within_floor_plus_500_ms']['over_floor_ms']:+.0f} ms from the floor "
            "(≤ +500 ms): " + _met(t[f"3d_{d}_full_within_floor_plus_500_ms"])
            for d in ("surface", "volume")
        )
        + ".",
    ]
    return lines


def _per_repeat(ratios) -> str:
    per = ", ".join(f"{r:.2f}" for r in ratios["per_repeat"])
    return f" (in each repeat {per}×, spread {100 * (ratios['spread'] or 0):.0f}%)"


def _met(target) -> str:
    return "met" if target["met"] else "NOT met"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--box", type=int, default=256, help="map edge in voxels (default 256)")
    parser.add_argument("--moves-2d", type=int, default=40, help="drag steps in 2D per repeat (default 40)")
    parser.add_argument("--moves-3d", type=int, default=12, help="drag steps in 3D per repeat and display (default 12)")
    parser.add_argument("--changes", type=int, default=4,
                        help="typed values per 3D display, and floor frames, per repeat (default 4)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of everything, in alternating order (default 3)")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS})")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cryomask-latency-") as folder:
        # before napari is imported: its settings come from, and go to, this folder only
        os.environ["NAPARI_CONFIG"] = str(Path(folder) / "settings.yaml")
        results = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print("\n".join(results["markdown"]))
    print(f"results written to {args.out}")


if __name__ == "__main__":
    main()
