"""napari reader for MRC-family maps (.mrc .map .rec .mrcs .st .ali) and EM (.em) files."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from napari_cryomask._napari.layer_data import image_layer_kwargs
from napari_cryomask.io import is_supported, read_volume
from napari_cryomask.io.particles import is_particle_list
from napari_cryomask.recipes import METADATA_KEY, current_recipe, sidecar_path


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
        sidecar exists and still describes the file's data, ``cryomask_recipe``.
    """
    path = Path(path)
    volume = read_volume(path)
    metadata = {"path": str(path), "header": dict(volume.header)}
    recipe = read_recipe_sidecar(path, volume.data)
    if recipe is not None:
        metadata[METADATA_KEY] = recipe
    kwargs = image_layer_kwargs(
        volume.data, volume.voxel_size, volume.origin, name=path.stem, metadata=metadata
    )
    return volume.data, kwargs, "image"


def read_recipe_sidecar(path, data=None):
    """The recipe saved beside a map as ``<file>.json``, or None.

    A sidecar that is unreadable, not a valid recipe, or saved with other data than ``data``
    (its ``data_sha256``) is ignored with a warning saying why: it must not stop the map itself
    from opening.
    """
    recipe, reason = current_recipe(path, data)
    if reason is not None:
        warnings.warn(f"{path}: opened without its recipe: ignoring {sidecar_path(path)} ({reason})", stacklevel=2)
    return recipe
