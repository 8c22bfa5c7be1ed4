"""napari reader for particle lists: motive lists (.em), RELION and STOPGAP .star files, Dynamo .tbl tables.

A list opens as a Points layer of the particles and a Vectors layer of their z axes
(:mod:`.particle_layers`), one pair per tomogram of the list. When the viewer shows a tomogram
the list belongs to (its name matches a tomogram of the list, or it is the only map open), the
layers take its scale and translate and the positions its voxels, so they sit on its particles;
a RELION 5 list uses the tomograms STAR file beside it, else that tomogram's box. An ``.em`` file
that is not a motive list (20 numbers a particle) is left to the map reader.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..io.particles import is_particle_list
from .particle_layers import layers_by_tomogram, read_for


def get_particle_reader(path):
    """``read_particle_lists`` when every path is a particle list, else None (other readers try).

    >>> get_particle_reader("cells.tif") is None, get_particle_reader("run_data.star").__name__
    (True, 'read_particle_lists')
    """
    paths = [path] if isinstance(path, (str, os.PathLike)) else list(path)
    if not paths or not all(is_particle_list(p) and not Path(p).is_dir() for p in paths):
        return None
    return read_particle_lists


def _current_maps():
    try:
        import napari
    except ImportError:  # pragma: no cover - the reader runs inside napari
        return []
    from .design_model import map_layers

    viewer = napari.current_viewer()
    return [] if viewer is None else map_layers(viewer)


def tomogram_of(maps, path):
    """The map layer a list belongs to: the one whose name is a tomogram of the list, else the only map."""
    if not maps:
        return None
    if len(maps) == 1:
        return maps[0]
    probe = read_for(path)
    named = [layer for layer in maps if probe.named_like(layer.name) is not None]
    return named[0] if len(named) == 1 else None


def read_particle_lists(path, maps=None):
    """Read particle lists as layer data: ``[(data, kwargs, "points"), (data, kwargs, "vectors"), ...]``.

    Parameters
    ----------
    path : str or list of str
    maps : list of napari layers, optional
        The maps to align to; default the current viewer's.
    """
    paths = [path] if isinstance(path, (str, os.PathLike)) else list(path)
    maps = _current_maps() if maps is None else maps
    out = []
    for p in paths:
        tomogram = tomogram_of(maps, p)
        particles = read_for(p, tomogram)
        name = Path(p).stem
        if tomogram is None:
            out += layers_by_tomogram(particles, name)
            continue
        placement = {"scale": tuple(tomogram.scale[-3:]), "translate": tuple(tomogram.translate[-3:])}
        out += layers_by_tomogram(particles, name, show=particles.named_like(tomogram.name), **placement)
    return out
