"""napari reader for MRC-family maps (.mrc .map .rec .mrcs .st .ali) and EM (.em) files."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from napari_cryomask._napari.layer_data import image_layer_kwargs
from napari_cryomask.io import is_supported, read_volume
from napari_cryomask.io.particles import is_particle_list
from napari_cryomask.recipes import METADATA_KEY, load_recipe, sidecar_path


def get_reader(path):
    """Return a reader function when every path is a supported map file.

    Parameters
    ----------
    path : str or list of str
        What napari asks about: one path, or a list of paths.

    Returns
    -------
    callable or None
        ``read_maps`` for supported files; None for anything else (other
        suffixes, directories, lists mixing supported and other files), so napari
        tries other readers.

    Examples
    --------
    >>> get_reader("cells.tif") is None
    True
    >>> get_reader("average.mrc").__name__
    'read_maps'
    """
    paths = [path] if isinstance(path, (str, os.PathLike)) else list(path)
    if not paths or not all(_handles(p) for p in paths):
        return None
    return read_maps


def _handles(path):
    path = Path(path)
    if path.suffix.lower() == ".em" and is_particle_list(path):
        return False  # a motive list: the particle reader's (napari tries readers in no fixed order)
    return is_supported(path) and not path.is_dir()


def read_maps(path):
    """Read one map or a list of maps as image layers (one layer per file).

    Parameters
    ----------
    path : str or list of str
        Map file(s) to read.

    Returns
    -------
    list of tuple
        ``[(data, kwargs, "image"), ...]``: scale is the voxel size and translate
        the origin, both (z, y, x) in Å; the name is the file stem.

    Raises
    ------
    ValueError
        From ``napari_cryomask.io.read_volume`` when a file is not a valid map;
        the message names the file.
    """
    paths = [path] if isinstance(path, (str, os.PathLike)) else list(path)
    return [map_layer_data(p) for p in paths]


def map_layer_data(path):
    """Read one map file into a napari layer-data tuple.

    Parameters
    ----------
    path : str or os.PathLike
        Map file.

    Returns
    -------
    tuple
        ``(data, kwargs, "image")``; ``kwargs["metadata"]`` holds ``path``,
        ``voxel_size``, ``origin``, ``header`` and, when a ``<file>.json`` recipe
        sidecar exists, ``cryomask_recipe``.
    """
    path = Path(path)
    volume = read_volume(path)
    metadata = {"path": str(path), "header": dict(volume.header)}
    recipe = read_recipe_sidecar(path)
    if recipe is not None:
        metadata[METADATA_KEY] = recipe
    kwargs = image_layer_kwargs(
        volume.data, volume.voxel_size, volume.origin, name=path.stem, metadata=metadata
    )
    return volume.data, kwargs, "image"


def read_recipe_sidecar(path):
    """The recipe saved beside a map as ``<file>.json``, or None.

    A sidecar that is unreadable or not a recipe is ignored with a warning: it must not stop
    the map itself from opening.
    """
    if not sidecar_path(path).is_file():
        return None
    try:
        return load_recipe(path)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        warnings.warn(f"ignoring recipe sidecar of {path}: {error}", stacklevel=2)
        return None
