"""The Mask check dock widget in a real viewer: half maps from File → Open Sample, a mask from the
Tight mask widget, the loop "change the soft edge, see the corrected FSC", errors and Apply."""

import time

import numpy as np
import pytest
from gui_helpers import choose, click, settle, type_into

from napari_cryomask._napari.fsc_view import FSCView
from napari_cryomask._napari.mask_layer import STALE_KEY
from napari_cryomask.core.fsc import fsc
from napari_cryomask.io.fsc_plot import THEMES


def dock(viewer, name):
    _, widget = viewer.window.add_plugin_dock_widget("napari-cryomask", name)
    return widget


@pytest.fixture
def session(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    half1, half2 = viewer.open_sample("napari-cryomask", "half_maps")
    tight = dock(viewer, "Tight mask")
    choose(qtbot, tight.editors["map"].combo, "half map 1")
    type_into(qtbot, tight.editors["lowpass"].spin, "20")
    type_into(qtbot, tight.editors["threshold"].spin, "0.3")
    settle(qtbot, tight)
    check = dock(viewer, "Mask check")
    settle(qtbot, check)
    return viewer, half1, half2, tight, check


def test_checks_the_mask_and_plots_four_curves_with_the_resolutions(session, qtbot):
    viewer, half1, half2, tight, check = session
    model = check.model
    assert model["half1"] is half1 and model["half2"] is half2 and model["mask"] is tight.output
    expected = fsc(half1.data, half2.data, 4.0, tight.output.data)
    assert np.array_equal(model.result.corrected, expected.corrected)
    lines = check.plot.lines()
    corrected = expected.resolution_A["corrected"]
    assert set(lines) == {f"unmasked ({expected.resolution_A['unmasked']:.1f} Å)", f"masked ({expected.resolution_A['masked']:.1f} Å)",
                          "phase-randomised, masked", f"corrected ({corrected:.1f} Å)"}
    assert np.allclose(lines[f"corrected ({corrected:.1f} Å)"].get_ydata(), expected.corrected)
    assert any(np.allclose(line.get_ydata(), 0.143) for line in check.plot.axes.get_lines())  # the 0.143 line
    assert check.plot.axes.get_facecolor()[:3] == pytest.approx(tuple(int(THEMES["dark"]["background"][i:i + 2], 16) / 255
                                                                      for i in (1, 3, 5)))
    assert check.verdict.text().startswith(expected.verdict())
    for warning in expected.warnings:
        assert warning in check.verdict.text()
    assert "suggested for" in check.suggestion.text()


def test_change_the_soft_edge_see_the_corrected_fsc_in_seconds(session, qtbot):
    viewer, half1, half2, tight, check = session
    before, results = check.model.result.corrected.copy(), check.model.results
    start = time.perf_counter()
    type_into(qtbot, tight.editors["edge_width"].spin, "2")
    settle(qtbot, tight)
    qtbot.waitUntil(lambda: check.model.results > results and not check.busy, timeout=60_000)
    took = time.perf_counter() - start
    after = check.model.result
    assert not np.array_equal(after.corrected, before)
    assert np.array_equal(after.corrected, fsc(half1.data, half2.data, 4.0, tight.output.data).corrected)
    assert np.allclose(check.plot.lines()[f"corrected ({after.resolution_A['corrected']:.1f} Å)"].get_ydata(), after.corrected)
    assert took < 30  # seconds, on a loaded 2-core test machine (about one on a quiet one)


def test_apply_suggested_edge_checks_an_adjusted_mask_in_its_own_layer(session, qtbot):
    viewer, half1, half2, tight, check = session
    edge = check.model.suggestion()
    click(qtbot, check.buttons["apply_suggestion"])
    settle(qtbot, check)
    assert check.editors["extend"].value == pytest.approx(edge.extend_px * 4.0)
    assert check.editors["edge_width"].value == pytest.approx(edge.edge_width_px * 4.0)
    layer = check.output
    assert layer is not None and layer.name == "checked mask" and layer is not tight.output
    assert np.array_equal(check.model.result.masked, fsc(half1.data, half2.data, 4.0, layer.data).masked)
    assert "extend" in check.notice.text()


def test_half_maps_that_do_not_match_are_an_error_naming_both(session, qtbot):
    viewer, half1, half2, tight, check = session
    other = viewer.add_image(np.asarray(half2.data)[:90], scale=(4.0, 4.0, 4.0), name="cropped half")
    choose(qtbot, check.editors["half2"].combo, "cropped half")
    settle(qtbot, check)
    text = check.error.text()
    assert "'cropped half' has shape (90, 96, 96) but 'half map 1' has (96, 96, 96)" in text
    assert not check.error.isHidden()
    viewer.layers.remove(other)


def test_fsc_view_shows_a_message_without_a_result(qtbot):
    view = FSCView()
    qtbot.addWidget(view)
    view.show_message("nothing yet")
    assert view.result is None and view.lines() == {}


def test_half_maps_of_a_real_map_opened_from_files_agree_with_the_command_line(shared_data, make_napari_viewer, qtbot,
                                                                              tmp_path):
    """EMD-3197 (a subtomogram average) with independent noise in each half, written under RELION's names and
    opened with the plugin's reader beside the map itself; the check picks the halves by their names, and
    its curves are the ones `cryomask fsc` gives for the same files."""
    import json

    from gui_helpers import save_layer

    from napari_cryomask.cli import main
    from napari_cryomask.io import read_volume, write_volume

    average = read_volume(shared_data / "EMD-3197.map")
    rng = np.random.default_rng(3197)
    paths = {}
    for half in (2, 1):
        noise = rng.normal(0, float(average.data.std()), average.data.shape).astype(np.float32)
        paths[half] = tmp_path / f"run_it025_half{half}_class001.mrc"
        write_volume(paths[half], average.data + noise, voxel_size=average.voxel_size, origin=average.origin)
    viewer = make_napari_viewer()
    viewer.open(shared_data / "EMD-3197.map", plugin="napari-cryomask")
    viewer.open([paths[2], paths[1]], plugin="napari-cryomask")
    tight = dock(viewer, "Tight mask")
    choose(qtbot, tight.editors["map"].combo, "EMD-3197")
    type_into(qtbot, tight.editors["threshold"].spin, "2")
    type_into(qtbot, tight.editors["edge_width"].spin, "23")
    settle(qtbot, tight)
    check = dock(viewer, "Mask check")
    settle(qtbot, check)
    model = check.model
    assert (model["half1"].name, model["half2"].name) == ("run_it025_half1_class001", "run_it025_half2_class001")
    assert model["mask"] is tight.output and model.result.voxel_size_A == pytest.approx(11.4, abs=1e-3)
    assert model.result.masked is not None and check.plot.lines()

    mask_path = tmp_path / "tight.mrc"
    save_layer(tight.output, mask_path)
    out = tmp_path / "check.json"
    assert main(["fsc", str(paths[1]), str(paths[2]), "--mask", str(mask_path), "--json", str(out)]) in (0, None)
    assert json.loads(out.read_text()) == json.loads(json.dumps(model.result.as_json()))


def test_the_check_waits_while_the_mask_is_dragged_and_follows_when_it_rests(session, qtbot):
    viewer, half1, half2, tight, check = session
    slider, before = tight.editors["threshold"].slider, check.model.results
    slider.setSliderDown(True)
    for value in (slider.value() + 40, slider.value() + 80):
        slider.setValue(value)
        qtbot.wait(300)
        assert check.model.results == before and not check.busy
    assert tight.model.moving  # the Tight mask waits for the slider to rest, and so does the check
    slider.setSliderDown(False)
    settle(qtbot, tight)
    qtbot.waitUntil(lambda: check.model.results > before and not check.busy, timeout=60_000)
    settle(qtbot, check)
    assert check.model.results == before + 1
    assert np.array_equal(check.model.result.masked, fsc(half1.data, half2.data, 4.0, tight.output.data).masked)


def test_the_plot_follows_napari_s_theme(session, qtbot):
    viewer, half1, half2, tight, check = session

    def background():
        return check.plot.axes.get_facecolor()[:3]

    def rgb(colour):
        from matplotlib.colors import to_rgb

        return pytest.approx(to_rgb(colour))

    assert background() == rgb(THEMES["dark"]["background"])
    viewer.theme = "light"
    assert background() == rgb(THEMES["light"]["background"]) and check.plot.lines()
    viewer.theme = "dark"
    assert background() == rgb(THEMES["dark"]["background"])


def test_previews_of_a_shape_being_turned_are_not_checked_its_full_mask_is(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    half1, half2 = viewer.open_sample("napari-cryomask", "half_maps")
    shape = dock(viewer, "Shape mask")
    choose(qtbot, shape.editors["map"].combo, "half map 1")
    choose(qtbot, shape.editors["shape"].combo, "ellipsoid")
    for axis, value in enumerate(("60", "90", "75")):
        type_into(qtbot, shape.editors["radii"].spins[axis], value)
    settle(qtbot, shape)
    check = dock(viewer, "Mask check")
    settle(qtbot, check)
    assert check.model["mask"] is shape.output
    slider, before = shape.editors["theta"].slider, check.model.results
    slider.setSliderDown(True)
    for value in (slider.value() + 100, slider.value() + 200):
        slider.setValue(value)
        qtbot.wait(200)
    assert STALE_KEY in shape.output.metadata  # the layer shows a preview plane
    assert check.model.results == before and not check.busy and "is changing" in check.notice.text()
    slider.setSliderDown(False)
    settle(qtbot, shape)
    qtbot.waitUntil(lambda: check.model.results > before and not check.busy, timeout=60_000)
    assert STALE_KEY not in shape.output.metadata
    assert np.array_equal(check.model.result.masked, fsc(half1.data, half2.data, 4.0, shape.output.data).masked)
