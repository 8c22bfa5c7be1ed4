"""Recipes: small JSON documents that replay a mask exactly.

A recipe holds a version, an operation, its parameters with their units, the box and voxel size,
and for combined or softened masks the recipes of their inputs. Replaying a recipe with
:func:`apply_recipe` gives the same float32 array, byte for byte.

Where recipes are kept: beside a mask file as ``<mask file>.json`` (:mod:`.sidecar`), and in a
napari layer's ``layer.metadata["cryomask_recipe"]`` (:data:`METADATA_KEY`).

This package sits above ``core`` and ``io``: replaying reads the files a recipe names (maps,
masks). Each operation is registered by the module that knows it (:mod:`.registry`), which
:data:`OPERATIONS` imports the first time the operation is asked for.
"""

from .builtin import file_recipe
from .document import METADATA_KEY, RECIPE_VERSION, UNITS, data_digest, make_recipe, plain, validate_recipe
from .registry import OPERATIONS, Context, operation
from .replay import apply_recipe, recipe_with_like
from .sidecar import current_recipe, drop_recipe, load_recipe, save_recipe, sidecar_path, write_with_recipe

__all__ = [
    "METADATA_KEY",
    "OPERATIONS",
    "RECIPE_VERSION",
    "UNITS",
    "Context",
    "apply_recipe",
    "current_recipe",
    "data_digest",
    "drop_recipe",
    "file_recipe",
    "load_recipe",
    "make_recipe",
    "operation",
    "plain",
    "recipe_with_like",
    "save_recipe",
    "sidecar_path",
    "validate_recipe",
    "write_with_recipe",
]
