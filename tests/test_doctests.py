"""The examples in the docstrings of the Qt-free modules run as written."""

import doctest
import importlib
import pkgutil

import pytest

import napari_cryomask.core
import napari_cryomask.io
import napari_cryomask.recipes

# The widgets' Qt-free model modules too.
NAPARI_MODELS = ["controls", "runner", "mask_layer", "mask_output", "design_model", "shape_model", "tight_model"]
NAPARI_MODELS += ["edit_model", "tools_model", "outlines", "tool_inputs"]

MODULES = ["napari_cryomask.cryomask"] + [
    m.name
    for package in (napari_cryomask.core, napari_cryomask.io, napari_cryomask.recipes)
    for m in pkgutil.iter_modules(package.__path__, package.__name__ + ".")
] + [f"napari_cryomask._napari.{name}" for name in NAPARI_MODELS]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
