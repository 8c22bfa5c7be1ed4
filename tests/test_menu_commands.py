"""Layers > Data > Combine selected masks, in a real viewer's menu bar."""

import numpy as np
import pytest
from app_model.backends.qt import QModelMenu
from napari._app_model import get_app_model
from qtpy.QtCore import Qt

from napari_cryomask._napari.menu_commands import output_name
from napari_cryomask.core.shapes import sphere
from napari_cryomask.recipes import METADATA_KEY, apply_recipe, make_recipe

BOX = (24, 24, 24)
SUBMENU = "napari-cryomask.combine_selected"
COMMANDS = {
    "union": "napari-cryomask.union_selected",
    "intersection": "napari-cryomask.intersection_selected",
    "subtraction": "napari-cryomask.subtract_selected",
    "difference": "napari-cryomask.difference_selected",
}


def add_sphere(viewer, name, center, radius=6):
    recipe = make_recipe("shape", {"shape": "sphere", "radius": radius, "center": center}, box_shape=BOX, voxel_size=3.0)
    return viewer.add_image(
        sphere(BOX, radius, center=center), name=name, scale=(3.0, 3.0, 3.0), metadata={METADATA_KEY: recipe}
    )


@pytest.fixture
def viewer_with_spheres(make_napari_viewer):
    viewer = make_napari_viewer()
    a = add_sphere(viewer, "A", (12, 12, 9))
    b = add_sphere(viewer, "B", (12, 12, 15))
    return viewer, a, b


def find_menu(menu, menu_id):
    """The QModelMenu with ``menu_id`` below ``menu`` (depth first)."""
    for action in menu.actions():
        sub = action.menu()
        if isinstance(sub, QModelMenu):
            if sub._menu_id == menu_id:
                return sub
            found = find_menu(sub, menu_id)
            if found is not None:
                return found
    return None


def combine_menu(viewer):
    """The submenu as the user sees it, after the Layers menu was opened (its state refreshed)."""
    layers_menu = viewer.window.layers_menu
    layers_menu.aboutToShow.emit()
    data_menu = find_menu(layers_menu, "napari/layers/data")
    assert data_menu is not None
    menu = find_menu(data_menu, SUBMENU)
    assert menu is not None, "Combine selected masks is missing from Layers > Data"
    assert menu.title() == "Combine selected masks"
    return menu


def test_menu_lists_the_four_operations(viewer_with_spheres):
    viewer, _, _ = viewer_with_spheres
    menu = combine_menu(viewer)
    # napari appends the plugin's display name to plugin command titles
    titles = [a.text().removesuffix(" (napari-cryomask)") for a in menu.actions()]
    assert titles == [
        "Union of selected masks",
        "Intersection of selected masks",
        "Subtract selected masks (the topmost minus the others)",
        "Difference of selected masks",
    ]


def test_items_are_disabled_until_two_image_layers_are_selected(viewer_with_spheres):
    viewer, a, b = viewer_with_spheres
    viewer.layers.selection = {a}
    menu = combine_menu(viewer)
    assert not any(menu.findAction(c).isEnabled() for c in COMMANDS.values())

    viewer.layers.selection = {a, b}
    menu = combine_menu(viewer)
    assert all(menu.findAction(c).isEnabled() for c in COMMANDS.values())

    points = viewer.add_points(np.zeros((1, 3)))
    viewer.layers.selection = {a, b, points}
    menu = combine_menu(viewer)
    assert not any(menu.findAction(c).isEnabled() for c in COMMANDS.values())


@pytest.mark.parametrize(
    "operation, expected",
    [
        ("union", lambda a, b: a | b),
        ("intersection", lambda a, b: a & b),
        ("subtraction", lambda a, b: a & ~b),
        ("difference", lambda a, b: a ^ b),
    ],
)
def test_triggering_the_menu_item_adds_the_result(viewer_with_spheres, operation, expected):
    viewer, a, b = viewer_with_spheres
    viewer.layers.selection = {b, a}
    combine_menu(viewer).findAction(COMMANDS[operation]).trigger()

    out = viewer.layers[output_name(operation)]
    hard_a, hard_b = a.data > 0.5, b.data > 0.5
    # B is above A in the layer list, so B comes first
    np.testing.assert_array_equal(out.data, expected(hard_b, hard_a).astype(np.float32))
    assert out.scale.tolist() == [3.0, 3.0, 3.0]
    recipe = out.metadata[METADATA_KEY]
    assert recipe["params"] == {"operation": operation}
    assert [r["params"]["center"] for r in recipe["inputs"]] == [[12, 12, 15], [12, 12, 9]]
    assert apply_recipe(recipe)[0].tobytes() == out.data.tobytes()


def test_subtraction_keeps_the_topmost_as_the_widget_does_and_updates_its_layer(viewer_with_spheres, qtbot):
    from napari_cryomask._napari.combine_widget import CombineMasksWidget

    viewer, a, b = viewer_with_spheres
    app = get_app_model()
    viewer.layers.selection = {a, b}
    app.commands.execute_command(COMMANDS["subtraction"])
    out = viewer.layers[output_name("subtraction")]
    hard_a, hard_b = a.data > 0.5, b.data > 0.5
    np.testing.assert_array_equal(out.data, (hard_b & ~hard_a).astype(np.float32))  # B is on top

    widget = CombineMasksWidget(viewer)  # the same first operand by default
    qtbot.addWidget(widget)
    widget.editors["operation"].value = "subtraction"
    for row in range(widget.editors["masks"].list.count()):
        item = widget.editors["masks"].list.item(row)
        if item.text() in ("A", "B"):
            item.setCheckState(Qt.Checked)
    assert widget.inputs == [b, a]
    np.testing.assert_array_equal(widget.output.data, out.data)

    viewer.layers.move(viewer.layers.index(b), 0)  # B now below A
    viewer.layers.selection = {a, b}
    app.commands.execute_command(COMMANDS["subtraction"])
    assert [layer.name for layer in viewer.layers].count(output_name("subtraction")) == 1
    assert viewer.layers[output_name("subtraction")] is out
    np.testing.assert_array_equal(out.data, (hard_a & ~hard_b).astype(np.float32))


def test_selected_output_layer_is_an_input_not_overwritten(viewer_with_spheres):
    viewer, a, b = viewer_with_spheres
    app = get_app_model()
    viewer.layers.selection = {a, b}
    app.commands.execute_command(COMMANDS["union"])
    first = viewer.layers[output_name("union")]
    before = first.data.copy()
    c = add_sphere(viewer, "C", (4, 4, 4), radius=3)
    viewer.layers.selection = {first, c}
    app.commands.execute_command(COMMANDS["union"])
    np.testing.assert_array_equal(first.data, before)
    newest = viewer.layers[-1]
    assert newest is not first and newest.name.startswith(output_name("union"))
    np.testing.assert_array_equal(newest.data, ((before > 0.5) | (c.data > 0.5)).astype(np.float32))


def notified(viewer, command):
    """Run a menu command; the notifications it gave (it must raise nothing)."""
    from napari.utils.notifications import notification_manager

    shown = []
    notification_manager.notification_ready.connect(shown.append)
    try:
        get_app_model().commands.execute_command(command).result()
    finally:
        notification_manager.notification_ready.disconnect(shown.append)
    return [str(n.message) for n in shown]


def test_different_shapes_give_one_line_naming_both_and_nothing_raises(viewer_with_spheres):
    viewer, a, _ = viewer_with_spheres
    other = viewer.add_image(np.zeros((10, 24, 24), np.float32), name="thin")
    viewer.layers.selection = {a, other}
    [message] = notified(viewer, COMMANDS["union"])
    assert "'thin' has shape (10, 24, 24) but 'A' has shape (24, 24, 24)" in message and "\n" not in message
    assert output_name("union") not in viewer.layers


def test_a_map_or_a_nan_layer_is_refused_never_combined(viewer_with_spheres):
    viewer, a, b = viewer_with_spheres
    density = viewer.add_image(np.random.default_rng(0).normal(size=BOX).astype(np.float32), name="map")
    viewer.layers.selection = {a, density}
    [message] = notified(viewer, COMMANDS["intersection"])
    assert message.startswith("Combine selected masks: cannot intersection: layer 'map' is not a mask: its values run from")
    holey = sphere(BOX, 6)
    holey[0, 0, 0] = np.nan
    nan_layer = viewer.add_image(holey, name="holey")
    viewer.layers.selection = {a, nan_layer}
    [message] = notified(viewer, COMMANDS["union"])
    assert "layer 'holey' is not a mask: it holds NaN" in message
    assert output_name("union") not in viewer.layers and output_name("intersection") not in viewer.layers


def test_a_menu_command_in_a_script_without_napari_run_never_aborts(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "script.py"
    script.write_text(
        "import numpy as np, napari\n"
        "from napari_cryomask._napari.menu_commands import union_selected\n"
        "viewer = napari.Viewer(show=False)\n"
        "a = viewer.add_image(np.zeros((8, 8, 8), np.float32), name='a')\n"
        "b = viewer.add_image(np.zeros((4, 8, 8), np.float32), name='b')\n"
        "viewer.layers.selection = {a, b}\n"
        "assert union_selected(viewer) is None\n"
        "viewer.close()\n"
        "print('survived')\n"
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "survived" in out.stdout, out.stderr
