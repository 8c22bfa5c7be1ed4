"""Driving the widgets as a person does, and checking that what is shown is what is saved."""

from __future__ import annotations

import json

import numpy as np
from qtpy.QtCore import Qt

from napari_cryomask.io import read_volume
from napari_cryomask.recipes import METADATA_KEY, apply_recipe, data_digest, sidecar_path


def type_into(qtbot, spin, text, finish=Qt.Key_Return):
    """Select what a spin box shows, type ``text`` key by key, and press Enter (or ``finish``)."""
    qtbot.keyClick(spin, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(spin, text)
    if finish is not None:
        qtbot.keyClick(spin, finish)


def choose(qtbot, combo, text):
    """Pick the entry ``text`` of a combo box, as with the keyboard."""
    index = combo.findText(text)
    assert index >= 0, f"{text!r} is not offered: {[combo.itemText(i) for i in range(combo.count())]}"
    combo.setCurrentIndex(index)


def click(qtbot, button):
    qtbot.mouseClick(button, Qt.LeftButton)


def drag(slider, values):
    """Drag a slider through ``values`` and let go."""
    slider.setSliderDown(True)
    for value in values:
        slider.setValue(value)
    slider.setSliderDown(False)


def settle(qtbot, widget, timeout=60_000):
    qtbot.waitUntil(lambda: not widget.busy, timeout=timeout)


def save_layer(layer, path):
    """Save a layer with the plugin's writer, as File > Save Selected Layers does."""
    from napari_cryomask._napari.writer import write_image

    return write_image(str(path), layer.data, layer._get_base_state() | {"metadata": layer.metadata, "name": layer.name})


def all_agree(widget, tmp_path, like=None):
    """Controls, layer data, the layer's recipe and a saved file (with its sidecar) all agree."""
    model, layer = widget.model, widget.output
    assert not model.busy and not model.stale and not model.errors, (model.busy, model.stale, model.errors)
    for name, editor in widget.editors.items():
        if model.control(name).design and name in model.visible():
            shown, held = editor.value, model[name]
            assert shown == held or np.allclose(shown, held), f"{name}: the control shows {shown!r}, the model holds {held!r}"
    recipe = layer.metadata[METADATA_KEY]
    if hasattr(model, "params"):  # models that say which recipe parameters their values stand for
        assert recipe["params"] == json.loads(json.dumps(model.params())), "the recipe is not that of the values shown"
    replayed = apply_recipe(recipe, like=like)[0]
    assert np.array_equal(replayed, layer.data), "the recipe does not replay the layer's data"
    path = tmp_path / f"{layer.name.replace(' ', '_')}.mrc"
    save_layer(layer, path)
    saved = read_volume(path)
    assert np.array_equal(saved.data, layer.data)
    sidecar = json.loads(sidecar_path(path).read_text())
    assert sidecar["params"] == recipe["params"] and sidecar["data_sha256"] == data_digest(layer.data)
    return path
