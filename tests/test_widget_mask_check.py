"""The Mask check dock widget in a real viewer: half maps from File → Open Sample, a mask from the
Tight mask widget, the loop "change the soft edge, see the corrected FSC", errors and Apply."""

import time

import numpy as np
import pytest
from gui_helpers import choose, click, settle, type_into

from napari_cryomask._napari.fsc_view import FSCView
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
