"""Particle lists as napari layers: a Points layer at the positions and a Vectors layer along each particle's z axis.

Both take the tomogram's scale and translate, so the points sit on the particles of a tomogram
shown beside them (positions are read in that tomogram's voxels). Without a tomogram they take
the list's own pixel size (Å per unit) as scale, or 1 when the list has none.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.units import isotropic_size
from ..io.particles import read_particles
from .mask_layer import COLOURS, layer_volume

PARTICLES_KEY = "cryomask_particles"
POINT_SIZE_PX = 10.0  # voxels of the tomogram
AXIS_LENGTH_PX = 12.0


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)


def sibling_tomograms(path) -> Path | None:
    """A RELION 5 tomograms STAR file beside a particle STAR file (``*tomograms*.star``), when there is exactly one."""
    path = Path(path)
    if path.suffix.lower() != ".star":
        return None
    found = [p for p in path.parent.glob("*.star") if p != path and "tomograms" in p.name.lower()]
    return found[0] if len(found) == 1 else None


def tomogram_voxel(layer) -> float | None:
    """One voxel size in Å of a tomogram layer (None when its voxels differ between axes)."""
    return isotropic_size(tuple(float(s) for s in layer.scale[-3:]))


def read_for(path, tomogram=None, tomograms=None):
    """The particles of ``path`` in voxels of ``tomogram`` (a layer; its box centres RELION 5 lists without a tomograms file).

    Without a tomogram, positions come in the list's own pixels, or in Å when its particles come
    in several pixel sizes (RELION 3.1 optics groups).
    """
    tomograms = tomograms if tomograms is not None else sibling_tomograms(path)
    if tomogram is not None:
        box = tuple(int(n) for n in np.shape(layer_volume(tomogram))[-3:])
        return read_particles(path, voxel_size=tomogram_voxel(tomogram), tomograms=tomograms or box)
    try:
        return read_particles(path, tomograms=tomograms)
    except ValueError as error:
        if "pixel sizes" not in str(error):
            raise
        return read_particles(path, voxel_size=1.0, tomograms=tomograms)


def particle_layer_data(particles, *, name, scale=None, translate=(0.0, 0.0, 0.0), size_px=POINT_SIZE_PX,
                        length_px=AXIS_LENGTH_PX, visible=True) -> list:
    """``[(positions, kwargs, "points"), (vectors, kwargs, "vectors")]`` for a set of particles.

    The vectors start at each particle and run ``length_px`` voxels along its z axis (the
    particle's own z, turned into the tomogram: ``rotation @ (1, 0, 0)`` on ``(z, y, x)``).

    Examples
    --------
    >>> from napari_cryomask.io import Particles
    >>> p = Particles(np.array([[1.0, 2, 3]]), np.eye(3)[None], np.array([1]), np.array([4]))
    >>> points, vectors = particle_layer_data(p, name="list", scale=(10.0, 10.0, 10.0))
    >>> points[0].tolist(), points[2], vectors[0][0].tolist(), vectors[1]["scale"]
    ([[1.0, 2.0, 3.0]], 'points', [[1.0, 2.0, 3.0], [12.0, 0.0, 0.0]], (10.0, 10.0, 10.0))
    """
    if scale is None:
        scale = (particles.voxel_size or 1.0,) * 3
    scale, translate = tuple(float(s) for s in scale), tuple(float(t) for t in translate)
    positions = np.asarray(particles.positions, dtype=float)
    axes = np.asarray(particles.rotations, dtype=float)[:, :, 0] * float(length_px)
    meta = {PARTICLES_KEY: {"path": particles.path, "format": particles.format, "count": len(particles),
                            "voxel_size": particles.voxel_size}}
    features = {"tomo": [str(t) for t in particles.tomo.tolist()], "class": particles.classes.tolist()}
    points = dict(
        name=name, scale=scale, translate=translate, size=float(size_px), features=features, face_color=_hex(COLOURS["sky blue"]),
        border_color="white", border_width=0.05, projection_mode="rescale_spherical", visible=visible, metadata=meta,
    )
    vectors = dict(
        name=f"{name} z axes", scale=scale, translate=translate, edge_width=1.0, edge_color=_hex(COLOURS["orange"]), length=1.0,
        visible=visible, metadata=meta,
    )
    return [(positions, points, "points"), (np.stack([positions, axes], axis=1).reshape(-1, 2, 3), vectors, "vectors")]


def layers_by_tomogram(particles, name, scale=None, translate=(0.0, 0.0, 0.0), show=None) -> list:
    """Layer data of each tomogram's particles (one Points and one Vectors layer each); only ``show`` (default the first) visible."""
    names = particles.tomograms
    if len(names) <= 1:
        return particle_layer_data(particles, name=name, scale=scale, translate=translate)
    show = names[0] if show is None else show
    out = []
    for tomo in names:
        part = particles.subset(particles.tomo == tomo)
        out += particle_layer_data(part, name=f"{name} {tomo}", scale=scale, translate=translate, visible=tomo == show)
    return out
