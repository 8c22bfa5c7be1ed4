"""The ``particles`` recipe operation: a shape or a mask file placed at every particle of a particle list.

``params``:

- ``list``: the particle list (absolute path) and ``list_sha256``, the SHA-256 of its bytes (a
  list changed since is refused); ``tomo``: the tomogram whose particles are placed (None: all);
  ``tomograms``: RELION 5's tomograms STAR file (None: the box's centre is the tomogram's);
- the object: ``shape`` with its sizes in voxels (as the ``shape`` operation), ``thickness`` and
  the soft edge; or ``mask``, a mask file (absolute path), with ``mask_sha256`` (of its data) and
  ``mask_voxel_size`` (Å, None when unknown: then its voxels are the tomogram's);
- ``offset`` (z, y, x voxels in the particle's frame) and ``angles`` (ZXZ degrees), where the
  object sits in the particle's frame;
- ``labels`` (None, ``"particle"``, ``"class"``) and ``dtype`` (``"float32"``, ``"uint8"``).

The recipe's ``box_shape`` and ``voxel_size`` are the tomogram's: positions are read in its voxels.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..core.edges import EDGES
from ..core.particles import placement
from ..core.solids import SOLIDS
from ..io import read_volume
from ..io.particles import read_particles
from .document import data_digest
from .registry import operation
from .schema import Choice, Number, Text, Triple

LENGTH = Number(0, optional=True, nullable=True)
PARAMS = {
    "list": Text(),
    "list_sha256": Text(optional=True, nullable=True),
    "tomo": Text(optional=True, nullable=True, max_length=1000),
    "tomograms": Text(optional=True, nullable=True),
    "shape": Choice(tuple(SOLIDS), optional=True, nullable=True),
    "radius": LENGTH,
    "radii": Triple(Number(0), optional=True, nullable=True),
    "height": LENGTH,
    "inner_radius": LENGTH,
    "size": Triple(Number(0), optional=True, nullable=True),
    "rounding": LENGTH,
    "thickness": LENGTH,
    "edge": Choice(EDGES, optional=True),
    "edge_width_px": Number(0, optional=True),
    "mask": Text(optional=True, nullable=True),
    "mask_sha256": Text(optional=True, nullable=True),
    "mask_voxel_size": Number(0, open_low=True, optional=True, nullable=True),
    "offset": Triple(optional=True, nullable=True),
    "angles": Triple(optional=True, nullable=True),
    "labels": Choice(("particle", "class"), optional=True, nullable=True),
    "dtype": Choice(("float32", "uint8"), optional=True),
}
_SIZES = ("radius", "radii", "height", "inner_radius", "size", "rounding")


def file_sha256(path) -> str:
    """SHA-256 of a file's bytes."""
    sha = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def tomogram_voxel(voxel_size) -> float | None:
    """One voxel size in Å for reading positions; tomograms with different ones per axis are refused."""
    if voxel_size is None:
        return None
    sizes = {round(float(v), 6) for v in voxel_size}
    if len(sizes) > 1:
        raise ValueError(f"particle positions need one voxel size, but the tomogram's differs between axes: {voxel_size}")
    return float(voxel_size[-1])


def particles_of(params, voxel_size, box_shape):
    """The particle list of a recipe's params, read in the tomogram's voxels and narrowed to its tomogram."""
    path = params["list"]
    recorded = params.get("list_sha256")
    if recorded and Path(path).is_file() and file_sha256(path) != recorded:
        raise ValueError(f"{path} has changed since the recipe was made (its bytes no longer match)")
    tomograms = params.get("tomograms") or box_shape
    particles = read_particles(path, voxel_size=tomogram_voxel(voxel_size), tomograms=tomograms)
    tomo = params.get("tomo")
    return particles if tomo is None else particles.select(tomo)


def plan_of(recipe, box_shape, voxel_size):
    """The :class:`~napari_cryomask.core.particles.Placement` a particles recipe describes."""
    p = recipe.get("params", {})
    if box_shape is None:
        raise ValueError("a particles recipe needs box_shape (the tomogram's size)")
    particles = particles_of(p, voxel_size, box_shape)
    common = dict(labels=p.get("labels"), dtype=p.get("dtype", "float32"), offset=p.get("offset"), angles=p.get("angles"))
    if p.get("mask"):
        volume = read_volume(p["mask"])
        if p.get("mask_sha256") not in (None, data_digest(volume.data)):
            raise ValueError(f"{p['mask']} has changed since the recipe was made (its data no longer match)")
        scale = 1.0
        if p.get("mask_voxel_size") and voxel_size is not None:
            scale = tomogram_voxel(voxel_size) / p["mask_voxel_size"]
        return placement(box_shape, particles, mask=volume.data, mask_scale=scale, **common)
    if not p.get("shape"):
        raise ValueError("a particles recipe needs a shape or a mask")
    sizes = {k: p[k] for k in _SIZES if p.get(k) is not None}
    return placement(
        box_shape, particles, shape=p["shape"], thickness=p.get("thickness"), edge=p.get("edge", "none"),
        edge_width_px=p.get("edge_width_px", 0.0), **common, **sizes,
    )


@operation("particles", params=PARAMS)
def _particles(recipe, context):
    return plan_of(recipe, context.box_shape, context.voxel_size).render()
