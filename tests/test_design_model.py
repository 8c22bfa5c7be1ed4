"""The widgets' Qt-free model, driven directly: values, checks, generations, the layer, staleness."""

import subprocess
import sys

import numpy as np
import pytest
from manual_runner import ManualRunner
from napari.components import ViewerModel

from napari_cryomask._napari.controls import Invalid, Length, Number
from napari_cryomask._napari.design_model import DesignModel, Job
from napari_cryomask._napari.mask_layer import COLOUR_KEY, STALE_KEY
from napari_cryomask._napari.runner import ThreadRunner
from napari_cryomask._napari.shape_model import ShapeModel
from napari_cryomask._napari.tight_model import TightModel
from napari_cryomask.core.sample import synthetic_average
from napari_cryomask.recipes import METADATA_KEY, apply_recipe, data_digest


def blob(shape=(48, 48, 48), center=(20.0, 24.0, 28.0), sigma=3.0):
    grid = np.indices(shape, dtype=np.float32)
    r2 = sum((g - c) ** 2 for g, c in zip(grid, center))
    noise = np.random.default_rng(0).normal(0, 0.01, shape)
    return (np.exp(-r2 / (2 * sigma**2)) + noise).astype(np.float32)


def agree(model):
    """The layer holds exactly what its recipe replays, and the recipe is that of the values on screen."""
    layer = model.layer
    recipe = layer.metadata[METADATA_KEY]
    return (
        np.array_equal(layer.data, apply_recipe(recipe)[0])
        and recipe["params"] == model.recipe()["params"]
        and recipe["data_sha256"] == data_digest(layer.data)
        and STALE_KEY not in layer.metadata
        and not model.stale
    )


@pytest.fixture
def viewer():
    return ViewerModel()


@pytest.fixture
def on_map(viewer):
    layer = viewer.add_image(blob(), scale=(2.0, 2.0, 2.0), translate=(10.0, 20.0, 30.0), name="blob")
    return viewer, layer


def test_the_model_needs_no_qt():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] in ('qtpy', 'PyQt5', 'PyQt6', 'PySide2', 'PySide6'):\n"
        "            raise ImportError('no Qt: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from napari.components import ViewerModel\n"
        "from napari_cryomask._napari.shape_model import ShapeModel\n"
        "from napari_cryomask._napari.tight_model import TightModel\n"
        "viewer = ViewerModel()\n"
        "model = ShapeModel(viewer)\n"
        "assert model.layer is not None and not model.errors, model.errors\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_an_invalid_value_names_its_control_in_the_units_typed_and_stays_until_fixed(viewer):
    model = ShapeModel(viewer)
    model.update(shape="tube", radius=40.0, inner_radius=10.0)
    assert agree(model)
    before = np.array(model.layer.data)

    model.set("inner_radius", 60.0)
    assert model.errors["inner_radius"] == "inner radius (60 Å) must be smaller than the radius (40 Å)"
    assert np.array_equal(model.layer.data, before)
    assert model.stale and STALE_KEY in model.layer.metadata
    model.set("height", 30.0)  # another change keeps the error
    assert "inner_radius" in model.errors and np.array_equal(model.layer.data, before)

    model.set("inner_radius", 33.68421052631579)
    assert model.errors == {} and agree(model)


def test_a_late_result_of_superseded_values_is_never_shown(on_map):
    viewer, _ = on_map
    runner = ManualRunner()
    model = ShapeModel(viewer, runner=runner)
    runner.finish()
    model.update(shape="cuboid", size=(40.0, 40.0, 40.0))
    runner.finish()
    assert agree(model)

    model.set("rounding", 3.0)  # its job is still running ...
    model.set("rounding", 30.0)  # ... when the value becomes invalid
    assert model.errors["rounding"] == "rounding (30 Å) must be at most half the smallest size (40 Å)"
    runner.finish()  # the late result for 3 Å
    assert model.dropped == 1
    assert model.layer.metadata[METADATA_KEY]["params"].get("rounding") == 0.0
    assert "rounding" in model.errors and model.stale

    model.set("rounding", 4.0)
    model.set("rounding", 5.0)
    runner.finish(1)  # the newest first, then the older one
    runner.finish(0)
    assert model.dropped == 2
    assert model.layer.metadata[METADATA_KEY]["params"]["rounding"] == 2.5 and agree(model)


def test_a_late_error_of_superseded_values_is_dropped_too(viewer):
    runner = ManualRunner()
    model = ShapeModel(viewer, runner=runner)
    runner.finish()
    model.set("radius", 10.0)
    _, _, failed = runner.jobs.pop()
    model.set("radius", 12.0)
    failed(RuntimeError("out of memory"))  # belongs to the 10 Å request
    assert model.errors == {} and model.dropped == 1
    runner.finish()
    assert agree(model) and model.layer.metadata[METADATA_KEY]["params"]["radius"] == 12.0


def test_errors_of_the_computation_are_shown_not_raised(viewer):
    class Failing(DesignModel):
        title, output_name = "Failing", "failing mask"
        controls = (Number(name="n", label="n", default=1.0, tooltip="a number"),)

        def job(self):
            def compute():
                raise MemoryError("the box is too large")

            return Job(compute=compute, recipe=None)

    model = Failing(viewer)
    model.set("n", 2.0)
    assert model.errors == {"": "cannot make the failing mask: the box is too large"}
    model.act("does_not_exist")
    assert "does_not_exist" in model.notice


def test_moving_previews_the_displayed_plane_and_rest_computes_the_volume(viewer):
    runner = ManualRunner()
    model = ShapeModel(viewer, runner=runner)
    runner.finish()
    layer = model.layer
    z = viewer.dims.current_step[0]
    old = np.array(layer.data)
    model.move("radius", 28.0)
    assert model.moving and model.busy and model.stale and runner.jobs == []
    expected = apply_recipe(model.recipe())[0]
    assert np.array_equal(layer.data[z], expected[z])
    assert np.array_equal(layer.data[z + 20], old[z + 20]) and not np.array_equal(old[z + 20], expected[z + 20])
    assert STALE_KEY in layer.metadata
    model.move("radius", 29.0)
    model.rest()
    assert not model.moving and len(runner.jobs) == 1
    runner.finish()
    assert agree(model) and model.layer.metadata[METADATA_KEY]["params"]["radius"] == 29.0


def test_new_mask_keeps_the_old_layer_and_takes_the_next_colour(viewer):
    model = ShapeModel(viewer)
    first = model.layer
    kept = np.array(first.data)
    model.new_mask()
    second = model.layer
    assert second is not first and second.name == "shape mask [1]"
    model.set("radius", 12.0)
    assert np.array_equal(first.data, kept) and first.metadata[METADATA_KEY]["params"]["radius"] == 20.0
    assert second.metadata[METADATA_KEY]["params"]["radius"] == 12.0
    assert first.metadata[COLOUR_KEY] != second.metadata[COLOUR_KEY]
    first.name = "my sphere"  # renaming keeps nothing from being followed
    model.set("radius", 14.0)
    assert model.layer is second


def test_a_mask_changed_by_other_means_is_not_overwritten(viewer):
    model = ShapeModel(viewer)
    layer = model.layer
    edited = layer.data * np.float32(0.5)
    layer.data = edited  # a script, or napari's own tools
    model.set("radius", 15.0)
    assert np.array_equal(layer.data, edited)
    assert STALE_KEY in layer.metadata and "changed outside" in model.notice
    assert model.layer is not layer and agree(model)


def test_a_mask_changed_in_place_is_noticed_by_its_digest(viewer):
    model = ShapeModel(viewer)
    layer = model.layer
    layer.data[30:34] = 1.0  # no event: an in-place edit
    model.set("radius", 15.0)
    assert layer.data[30:34].min() == 1.0 and model.layer is not layer
    assert "changed outside" in model.notice and agree(model)


def test_recipes_record_the_origin(on_map):
    viewer, layer = on_map
    model = ShapeModel(viewer)
    assert model["map"] is layer
    recipe = model.layer.metadata[METADATA_KEY]
    assert recipe["origin"] == [10.0, 20.0, 30.0] and recipe["voxel_size"] == [2.0, 2.0, 2.0]
    assert tuple(model.layer.translate) == (10.0, 20.0, 30.0)


def test_defaults_come_from_the_map(on_map):
    viewer, layer = on_map
    model = ShapeModel(viewer)
    assert model["center"] == pytest.approx((20, 24, 28), abs=0.2)
    assert model["offset"] == pytest.approx(((20 - 24) * 2, 0.0, (28 - 24) * 2), abs=0.4)
    radius = model["radius"]
    assert 10 < radius < 40
    assert model["radii"] == (radius,) * 3 and model["height"] == pytest.approx(2 * radius, abs=0.1)
    assert model["edge_width"] == 6.0  # three voxels of 2 Å
    assert model.voxel_note("edge_width") == "= 3 vox"


def test_the_centre_as_an_offset_from_the_box_centre(on_map):
    viewer, layer = on_map
    model = ShapeModel(viewer)
    model.set("offset", (0.0, 10.0, -8.0))
    assert model["center"] == (24.0, 29.0, 20.0)
    assert model.layer.metadata[METADATA_KEY]["params"]["center"] == [24.0, 29.0, 20.0]
    model.set("center", (24.0, 24.0, 24.0))
    assert model["offset"] == (0.0, 0.0, 0.0)


def test_single_lengths_are_in_voxels_when_the_voxels_are_not_cubic(viewer):
    viewer.add_image(blob(), scale=(2.0, 2.0, 4.0), name="anisotropic")
    model = ShapeModel(viewer)
    assert model.lengths_in_voxels()
    assert model.control("radius").heading(model) == "radius (vox)"
    assert model.voxel_note("radius") == "voxels differ between axes"
    model.update(radius=9.0, edge_width=2.0)
    params = model.layer.metadata[METADATA_KEY]["params"]
    assert params["radius"] == 9.0 and params["edge_width_px"] == 2.0
    model.update(shape="ellipsoid", radii=(20.0, 20.0, 20.0))
    assert model.layer.metadata[METADATA_KEY]["params"]["radii"] == [10.0, 10.0, 5.0]
    assert model.voxel_note("radii") == "= 10, 10, 5 vox"


def test_switching_the_map_keeps_the_mask_made_for_the_other(on_map):
    viewer, first_map = on_map
    model = ShapeModel(viewer)
    first = model.layer
    kept = np.array(first.data)
    other = viewer.add_image(blob((40, 40, 40), (10.0, 20.0, 30.0)), scale=(3.0, 3.0, 3.0), name="other")
    model.set("map", other)
    second = model.layer
    assert second is not first and second.data.shape == (40, 40, 40)
    assert np.array_equal(first.data, kept)
    model.set("map", first_map)
    assert model.layer is first


def test_deleting_the_map_keeps_the_box_and_the_layer(on_map):
    viewer, map_layer = on_map
    model = ShapeModel(viewer)
    layer = model.layer
    viewer.layers.remove(map_layer)
    assert model["map"] is None and model["box"] == (48, 48, 48) and model["voxel_size"] == 2.0
    assert model.layer is layer and agree(model)


def test_no_map_mode_recentres_the_view_on_a_new_box(viewer):
    model = ShapeModel(viewer)
    model.set("box", (40, 200, 60))
    assert model.layer.data.shape == (40, 200, 60) and model["center"] == (20.0, 100.0, 30.0)
    assert viewer.camera.center[-2:] == pytest.approx((99.5, 29.5), abs=1)
    viewer.add_image(blob(), name="later")
    assert "later" in model.notice and any(layer.name == "later" for layer in model.choices("map"))


def test_deleting_the_mask_layer_drops_its_late_result(viewer):
    runner = ManualRunner()
    model = ShapeModel(viewer, runner=runner)
    runner.finish()
    model.set("radius", 10.0)
    viewer.layers.remove(model.layer)
    runner.finish()
    assert model.dropped == 1 and len(viewer.layers) == 0 and not model.busy
    model.set("radius", 11.0)
    runner.finish()
    assert [layer.name for layer in viewer.layers] == ["shape mask"]


def test_closing_drops_everything_pending(viewer):
    runner = ManualRunner()
    model = ShapeModel(viewer, runner=runner)
    model.set("radius", 10.0)
    model.close()
    assert runner.closed and not model.busy
    model.set("radius", 12.0)  # nothing happens after close
    assert len(viewer.layers) == 0


def test_a_thread_runner_keeps_only_the_newest_waiting_job():
    import queue
    import threading

    calls = queue.Queue()
    runner = ThreadRunner(calls.put)
    gate = threading.Event()
    got = []
    runner.submit(lambda: gate.wait(10) and "first", got.append, got.append, voxels=10**9)
    for value in ("second", "third", "fourth"):
        runner.submit(lambda value=value: value, got.append, got.append, voxels=10**9)
    gate.set()
    while runner.busy:
        calls.get(timeout=10)()
    assert got == ["first", "fourth"]
    runner.close()
    runner.submit(lambda: "late", got.append, got.append)
    assert got == ["first", "fourth"]


def test_tight_suggestions_use_the_low_passed_map_and_say_when_out_of_range(viewer):
    data, voxel_size = synthetic_average()
    viewer.add_image(data, scale=voxel_size, name="sample")
    model = TightModel(viewer)
    assert agree_tight(model)
    model.set("lowpass", 30.0)
    filtered, low, high, (counts, edges) = model.filtered()
    assert edges[-1] == pytest.approx(high) and high < float(data.max())
    model.set("k", 40.0)
    before = model["threshold"]
    model.act("suggest_sigma")
    assert model["threshold"] == before
    assert "is above the maximum of the low-passed map" in model.notice
    model.set("mass", 300.0)
    model.act("suggest_mass")
    from napari_cryomask.core.thresholds import mass_threshold

    assert model["threshold"] == model.rounded("threshold", mass_threshold(filtered, 300.0, voxel_size))
    assert "enclose 300 kDa of the low-passed map" in model.notice


def agree_tight(model):
    layer = model.layer
    recipe = layer.metadata[METADATA_KEY]
    return recipe["params"] == model.params() and recipe["data_sha256"] == data_digest(layer.data) and not model.stale


def test_tight_after_its_map_is_deleted(viewer):
    data, voxel_size = synthetic_average()
    map_layer = viewer.add_image(data, scale=voxel_size, name="sample")
    runner = ManualRunner()
    model = TightModel(viewer, runner=runner)
    runner.finish()
    mask = model.layer
    model.set("threshold", 0.5)
    viewer.layers.remove(map_layer)
    runner.finish()
    assert model.dropped == 1 and model["map"] is None and model.histogram() is None
    assert model.notice.startswith("no map") and model.layer is None and mask in viewer.layers
    assert mask.metadata[METADATA_KEY]["params"]["threshold"] != 0.5


def test_a_control_needs_a_tooltip():
    with pytest.raises(ValueError, match="tooltip"):
        Length(name="r", label="radius")


def test_invalid_carries_the_names():
    error = Invalid("x", "a", "b")
    assert error.names == ("a", "b")


def test_a_widget_of_any_model_is_built_from_its_controls(make_napari_viewer, qtbot, tmp_path):
    """The guide's example: a model with a file, a length and a choice, and its Qt form."""
    from gui_helpers import choose, settle, type_into

    from napari_cryomask._napari.controls import Choice, FilePath
    from napari_cryomask._napari.design_widget import DesignWidget
    from napari_cryomask.core.shapes import shape_mask
    from napari_cryomask.recipes import make_recipe

    class DotsModel(DesignModel):
        title, output_name = "Dots", "dots mask"
        controls = (
            FilePath(name="list", label="particle list", tooltip="a text file with one z y x per line"),
            Length(name="radius", label="radius", default=4.0, minimum=0.5, tooltip="radius of each dot"),
            Choice(name="edge", label="soft edge", options=("none", "cosine"), default="none", tooltip="edge"),
        )

        def check(self):
            if not self["list"]:
                raise Invalid("choose a particle list", "list")

        def job(self):
            points = np.loadtxt(self["list"], ndmin=2)
            radius = self.px("radius")
            recipe = make_recipe("shape", {"shape": "sphere", "radius": radius}, box_shape=(32, 32, 32), voxel_size=(1, 1, 1))
            return Job(compute=lambda: np.maximum.reduce([shape_mask(32, "sphere", radius=radius, center=p) for p in points]),
                       recipe=None if len(points) != 1 else recipe, voxels=32**3)

    viewer = make_napari_viewer()
    widget = DesignWidget(viewer, DotsModel(viewer))
    viewer.window.add_dock_widget(widget)
    assert widget.error.text() == "" and widget.output is None  # nothing computed before the first change
    type_into(qtbot, widget.editors["radius"].spin, "3")
    assert widget.error.text() == "choose a particle list" and widget.editors["list"].invalid
    points = tmp_path / "points.txt"
    points.write_text("10 10 10\n20 22 24\n")
    type_into(qtbot, widget.editors["list"].line, str(points))
    settle(qtbot, widget)
    assert widget.error.text() == "" and widget.output.name == "dots mask"
    assert widget.output.data[10, 10, 10] == 1 and widget.output.data[20, 22, 24] == 1
    choose(qtbot, widget.editors["edge"].combo, "cosine")
    assert widget.model["edge"] == "cosine"


def test_the_gui_and_the_cli_follow_one_rule_for_a_single_length_in_angstrom(tmp_path, capsys, viewer):
    from napari_cryomask.cli import main
    from napari_cryomask.io import write_volume

    path = tmp_path / "anisotropic.mrc"
    write_volume(path, blob(), voxel_size=(2.0, 2.0, 4.0))
    out = tmp_path / "m.mrc"
    assert main(["sphere", "--radius", "20", "--unit", "angstrom", "--like", str(path), "-o", str(out)]) == 2
    rule = "--radius is one length but the voxels are 2 × 2 × 4 Å; give it in voxels"
    assert rule in capsys.readouterr().err
    assert main(["sphere", "--radius", "9", "--like", str(path), "-o", str(out)]) == 0

    viewer.add_image(blob(), scale=(2.0, 2.0, 4.0), name="anisotropic")
    model = ShapeModel(viewer)
    assert model.lengths_in_voxels() and model.control("radius").unit(model) == "vox"
    model.update(radius=9.0, center=(24.0, 24.0, 24.0), edge="none")
    again = apply_recipe(model.layer.metadata[METADATA_KEY])[0]
    assert np.array_equal(again, read_mask(out))


def read_mask(path):
    from napari_cryomask.io import read_volume

    return read_volume(path).data
