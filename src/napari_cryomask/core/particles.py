"""Masks at particle poses: one shape, or one mask volume, placed at every particle of a tomogram.

A particle is a position, ``(z, y, x)`` in voxels of the tomogram (voxel ``[i, j, k]`` at
``(i, j, k)``, sub-voxel allowed), and a rotation matrix taking ``(z, y, x)`` vectors of the
particle's frame into the tomogram's (``napari_cryomask.io.read_particles`` gives both). What is
placed is

- one of our analytic shapes (:mod:`.shapes`), computed exactly from each voxel's coordinates in
  the particle's frame, soft edge and shell included, only in the particle's block; or
- a mask volume (an average's mask), resampled once per particle by trilinear interpolation,
  only in its block, with ``mask_scale`` volume voxels to a tomogram voxel.

What is written at each voxel:

- ``"float32"`` union: the largest value any particle has there (for 0/1 masks the same as the
  clipped sum of :func:`.ops.union`; a particle listed twice changes nothing);
- ``"uint8"`` union: 1 where that largest value is at least 0.5, else 0;
- labels: where some particle's value is at least 0.5, the id of the particle with the largest
  value there (ties go to the first in the list): its index + 1 (``labels="particle"``) or its
  class (``labels="class"``); 0 elsewhere. Stored as uint16, or int32 above 65,535.

Every voxel's value depends on its own coordinates only, so any block of the output equals the
same crop of the whole mask: :meth:`Placement.block` computes one block,
``dask.array.map_blocks`` can call a :class:`Placement` itself (:meth:`Placement.to_dask`), and
:func:`particle_mask` fills the whole box slab by slab with a thread per core.

Examples
--------
>>> positions = np.array([[10.0, 10, 10], [10, 10, 30]])
>>> m = particle_mask((20, 20, 40), positions, shape="sphere", radius=4)
>>> m.shape, m.dtype, float(m[10, 10, 10]), float(m[10, 10, 20])
((20, 20, 40), dtype('float32'), 1.0, 0.0)
>>> labels = particle_mask((20, 20, 40), positions, shape="sphere", radius=4, labels="particle")
>>> labels[10, 10, [10, 30]].tolist()
[1, 2]
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .blocks import nonzero_block
from .edges import check_edge, edge_reach
from .geometry import as_triple, box_shape_of, region_slices, rotation_matrix
from .limits import require_fit
from .shapes import make_solid, render_solid
from .solids import Sphere

LABELS = (None, "particle", "class")
UNION_DTYPES = ("float32", "uint8")
# Bytes of output a slab holds: the unit of work of a thread, of streaming to a file, and the
# bound on the scratch a labels slab needs. The partition depends on the box alone.
SLAB_BYTES = 64 << 20
_RESAMPLE_VOXELS = 1 << 18
_SIZES = ("radius", "radii", "height", "inner_radius", "size", "rounding")


@dataclass(frozen=True, eq=False)
class Placement:
    """What to place where in a box; computes any block of the result. Build it with :func:`placement`.

    Attributes
    ----------
    box_shape : (z, y, x) ints
    positions : (N, 3) float64
        Where each placed object's centre is (the particle's position plus its turned offset).
    rotations : (N, 3, 3) float64
        Particle → tomogram matrices on ``(z, y, x)`` (the particle's, times the object's own).
    ids : (N,) int64 or None
        Label of each particle, None for a union.
    solids : tuple
        The analytic solid placed: one for all particles, or one per particle.
    dtype : numpy dtype
        float32 or uint8 for a union, uint16 or int32 for labels.
    lo, hi : (N, 3) int64
        Each particle's block in the box (``lo`` inclusive, ``hi`` exclusive; empty when outside).
    """

    box_shape: tuple
    positions: np.ndarray
    rotations: np.ndarray
    ids: np.ndarray | None
    dtype: np.dtype
    lo: np.ndarray
    hi: np.ndarray
    solids: tuple = ()
    angles: np.ndarray | None = None
    thickness: float | None = None
    edge: str = "none"
    edge_width_px: float = 0.0
    volume: np.ndarray | None = None
    volume_center: tuple | None = None
    volume_scale: float = 1.0

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def nbytes(self) -> int:
        """Bytes of the whole output."""
        return math.prod(self.box_shape) * self.dtype.itemsize

    def slabs(self) -> list[tuple[slice, slice, slice]]:
        """The box cut along z into slabs (:func:`slab_regions`)."""
        return slab_regions(self.box_shape, self.dtype)

    def block(self, region=None, out=None) -> np.ndarray:
        """The result in ``region`` (three slices of the box; default all of it), into ``out`` if given.

        ``out`` must hold zeros (or what an earlier call for the same region wrote).
        """
        region = region_slices(region, self.box_shape)
        shape = tuple(s.stop - s.start for s in region)
        if out is None:
            require_fit("region", shape, self.dtype)
            out = np.zeros(shape, self.dtype)
        elif out.shape != shape or out.dtype != self.dtype:
            raise ValueError(f"out must be {self.dtype} of shape {shape}, got {out.dtype} of shape {out.shape}")
        start = np.array([s.start for s in region])
        stop = np.array([s.stop for s in region])
        lo, hi = np.maximum(self.lo, start), np.minimum(self.hi, stop)
        chosen = np.flatnonzero(np.all(lo < hi, axis=1))
        best = np.zeros(shape, np.float32) if self.ids is not None and len(chosen) else None
        for i in chosen:
            sub = tuple(slice(int(a), int(b)) for a, b in zip(lo[i], hi[i]))
            local = tuple(slice(int(a - s), int(b - s)) for a, b, s in zip(lo[i], hi[i], start))
            self._add(out[local], None if best is None else best[local], i, self._values(i, sub))
        return out

    def __call__(self, block_info=None) -> np.ndarray:
        """The block dask asks for: ``dask.array.map_blocks(placement, chunks=..., dtype=placement.dtype)``."""
        if block_info is None:
            return self.block()
        location = block_info[None]["array-location"]
        return self.block(tuple(slice(a, b) for a, b in location))

    def render(self, workers: int | None = None) -> np.ndarray:
        """The whole mask, slab by slab, on ``workers`` threads (default: one).

        Each particle is many small NumPy steps that hold the GIL, so threads do not pay here: 200
        shells in 512×512×256 took 0.19 s on one thread and 0.27-0.34 s on two.

        A union needs no scratch, so it is cut into two slabs a thread (fewer particles are cut in
        two); labels keep :data:`SLAB_BYTES` slabs, the bound on their scratch. Every voxel's value is
        the same whatever the cut.
        """
        require_fit("box_shape", self.box_shape, self.dtype)
        out = np.zeros(self.box_shape, self.dtype)
        workers = workers or 1
        if self.ids is None:
            cuts = np.linspace(0, self.box_shape[0], min(self.box_shape[0], 2 * workers) + 1).round().astype(int)
            slabs = [(slice(int(a), int(b)), slice(None), slice(None)) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]
        else:
            slabs = self.slabs()
        workers = min(len(slabs), workers)
        if workers <= 1 or len(self) == 0:
            for slab in slabs:
                self.block(slab, out=out[slab])
        else:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(lambda slab: self.block(slab, out=out[slab]), slabs))
        return out

    def to_dask(self, chunks="auto"):
        """The mask as a lazy ``dask.array`` of ``chunks`` (needs dask: the optional ``dask`` extra)."""
        import dask.array as da

        chunks = da.core.normalize_chunks(chunks, self.box_shape, dtype=self.dtype)
        return da.map_blocks(self, chunks=chunks, dtype=self.dtype, meta=np.empty((0, 0, 0), self.dtype))

    def _add(self, view, best, i, values):
        if self.ids is None:
            if self.dtype == np.uint8:
                np.maximum(view, (values >= 0.5).view(np.uint8), out=view)
            else:
                np.maximum(view, values, out=view)
            return
        wins = (values > best) & (values >= 0.5)
        view[wins] = self.ids[i]
        best[wins] = values[wins]

    def _values(self, i, sub) -> np.ndarray:
        if self.volume is not None:
            return self._resampled(i, sub)
        angles = None if self.angles is None else self.angles[i]
        solid = self.solids[i if len(self.solids) > 1 else 0]
        return render_solid(
            solid, self.box_shape, center=self.positions[i], angles=angles, thickness=self.thickness,
            edge=self.edge, edge_width_px=self.edge_width_px, region=sub,
        )

    def _resampled(self, i, sub) -> np.ndarray:
        """The mask volume turned and moved to particle ``i``, trilinearly sampled in ``sub``."""
        from scipy import ndimage

        # Tomogram voxel v samples the volume at A (v - c) + centre: the inverse of the particle's turn.
        a = self.volume_scale * self.rotations[i].T
        c, centre = self.positions[i], self.volume_center
        out = np.empty(tuple(s.stop - s.start for s in sub), np.float32)
        plane = out.shape[1] * out.shape[2]
        rows = max(1, _RESAMPLE_VOXELS // max(1, plane))
        dy = np.arange(sub[1].start, sub[1].stop, dtype=np.float64)[None, :, None] - c[1]
        dx = np.arange(sub[2].start, sub[2].stop, dtype=np.float64)[None, None, :] - c[2]
        for z0 in range(0, out.shape[0], rows):
            dz = np.arange(sub[0].start + z0, min(sub[0].stop, sub[0].start + z0 + rows), dtype=np.float64)[:, None, None] - c[0]
            coords = np.stack([np.broadcast_to(a[k, 0] * dz + a[k, 1] * dy + a[k, 2] * dx + centre[k], (len(dz),) + out.shape[1:])
                               for k in range(3)])
            ndimage.map_coordinates(self.volume, coords, output=out[z0:z0 + len(dz)], order=1, mode="constant", cval=0.0)
        return out


def slab_regions(shape, dtype, slab_bytes=SLAB_BYTES) -> list[tuple[slice, slice, slice]]:
    """A box cut along z into slabs of about ``slab_bytes`` (4 bytes a voxel at least): the same for a given box and dtype.

    >>> [s[0] for s in slab_regions((5, 1024, 1024), np.float32, 8 << 20)]
    [slice(0, 2, None), slice(2, 4, None), slice(4, 5, None)]
    """
    nz, ny, nx = shape
    rows = max(1, slab_bytes // max(1, ny * nx * max(4, np.dtype(dtype).itemsize)))
    return [(slice(z, min(z + rows, nz)), slice(0, ny), slice(0, nx)) for z in range(0, nz, rows)]


def _poses(particles):
    """Positions (N, 3) and rotations (N, 3, 3) from a particle record, a (positions, rotations) pair or positions."""
    if hasattr(particles, "positions"):
        positions, rotations = particles.positions, getattr(particles, "rotations", None)
    elif isinstance(particles, tuple) and len(particles) == 2 and (particles[1] is None or np.ndim(particles[1]) == 3):
        positions, rotations = particles
    else:
        positions, rotations = particles, None
    positions = np.asarray(positions, dtype=np.float64).reshape(-1, 3) if np.size(positions) else np.zeros((0, 3))
    if rotations is None:
        rotations = np.broadcast_to(np.eye(3), (len(positions), 3, 3))
    rotations = np.asarray(rotations, dtype=np.float64).reshape(-1, 3, 3) if len(positions) else np.zeros((0, 3, 3))
    if len(rotations) != len(positions):
        raise ValueError(f"got {len(positions)} positions but {len(rotations)} rotations")
    if not (np.all(np.isfinite(positions)) and np.all(np.isfinite(rotations))):
        raise ValueError("particle positions and rotations must be finite numbers")
    return positions, rotations


def _ids(particles, labels, n):
    if labels not in LABELS:
        raise ValueError(f"labels must be None, 'particle' or 'class', got {labels!r}")
    if labels is None:
        return None
    if labels == "particle":
        return np.arange(1, n + 1, dtype=np.int64)
    classes = getattr(particles, "classes", None)
    if classes is None:
        raise ValueError("labels='class' needs particles with classes (a particle list read with read_particles)")
    classes = np.asarray(classes, dtype=np.int64)
    if n and classes.min() < 1:
        count = int((classes < 1).sum())
        raise ValueError(
            f"labels='class' needs class numbers of at least 1; {count} particle(s) have class {int(classes.min())} "
            "(0 is the background); use labels='particle' instead"
        )
    return classes


def _label_dtype(ids) -> np.dtype:
    top = int(ids.max()) if ids is not None and len(ids) else 0
    return np.dtype(np.uint16 if top <= np.iinfo(np.uint16).max else np.int32)


def _rotation_free(solids, rotations) -> bool:
    return all(isinstance(s, Sphere) for s in solids) or bool(np.allclose(rotations, np.eye(3), atol=1e-12, rtol=0))


def _solids(shape, sizes, n) -> tuple:
    """One solid for all particles, or one per particle where a size is given per particle (an array of N)."""
    triples = ("radii", "size")
    per_particle = {
        k: np.asarray(v, dtype=float) for k, v in sizes.items()
        if v is not None and np.ndim(v) == (2 if k in triples else 1) and not (k in triples and np.shape(v) == (3,) and n != 3)
    }
    if not per_particle:
        return (make_solid(shape, **sizes),)
    for k, v in per_particle.items():
        if len(v) != n:
            raise ValueError(f"{k} per particle must have one value for each of the {n} particles, got {len(v)}")
    made, solids = {}, []
    for i in range(n):
        own = {**sizes, **{k: (tuple(v[i]) if v.ndim == 2 else float(v[i])) for k, v in per_particle.items()}}
        key = tuple(sorted((k, str(v)) for k, v in own.items()))
        if key not in made:
            made[key] = make_solid(shape, **own)
        solids.append(made[key])
    return tuple(solids)


def _euler_angles(rotations) -> np.ndarray:
    """cryoCAT Euler angles (ZXZ, degrees) of ``(z, y, x)`` matrices: the inverse of :func:`.geometry.rotation_matrix`."""
    import warnings

    from scipy.spatial.transform import Rotation

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gimbal lock: the angles still give the same matrix
        return Rotation.from_matrix(rotations[:, ::-1, ::-1]).as_euler("zxz", degrees=True)


def _blocks(positions, half, box_shape):
    """Each particle's block ``[lo, hi)`` of voxels within ``half`` of its centre, clipped to the box."""
    box = np.asarray(box_shape)
    lo = np.clip(np.floor(positions - half), 0, box).astype(np.int64)
    hi = np.clip(np.ceil(positions + half) + 1, 0, box).astype(np.int64)
    return lo, np.maximum(hi, lo)


def _mask_volume(mask):
    volume = np.asarray(mask)
    if volume.ndim != 3 or 0 in volume.shape:
        raise ValueError(f"mask must be a non-empty 3D volume, got shape {volume.shape}")
    if volume.dtype.kind not in "biuf":
        raise ValueError(f"mask must hold numbers, got dtype {volume.dtype}")
    volume = np.ascontiguousarray(volume, dtype=np.float32)
    low, high = float(np.nanmin(volume)), float(np.nanmax(volume))
    if not (np.isfinite(low) and np.isfinite(high)) or low < 0 or high > 1:
        raise ValueError(f"mask values must be in [0, 1] (a mask, not a density map); this one runs from {low:g} to {high:g}")
    return volume


def placement(
    box_shape, particles, *, shape=None, mask=None, mask_scale=1.0, mask_center=None, labels=None, dtype="float32",
    offset=None, angles=None, thickness=None, edge="none", edge_width_px=0.0, **sizes,
) -> Placement:
    """Plan a mask at particle poses; keywords as :func:`particle_mask`."""
    box_shape = box_shape_of(box_shape, "box_shape")
    unknown = set(sizes) - set(_SIZES)
    if unknown:
        raise TypeError(f"unknown keyword {sorted(unknown)[0]!r}; shape sizes are {', '.join(_SIZES)}")
    if (shape is None) == (mask is None):
        raise ValueError("give either shape (the name of one of our shapes) or mask (a mask volume) to place")
    positions, rotations = _poses(particles)
    ids = _ids(particles, labels, len(positions))
    if ids is None:
        if dtype not in UNION_DTYPES and np.dtype(dtype).name not in UNION_DTYPES:
            raise ValueError(f"dtype must be float32 or uint8, got {dtype!r}")
        dtype = np.dtype(dtype)
    elif np.dtype(dtype) != np.float32:
        raise ValueError("labels are written as integers; dtype applies to a union only")
    else:
        dtype = _label_dtype(ids)
    if offset is not None:
        positions = positions + rotations @ np.asarray(as_triple(offset, "offset"))
    if angles is not None:
        rotations = rotations @ rotation_matrix(angles)
    common = dict(box_shape=box_shape, positions=positions, rotations=rotations, ids=ids, dtype=dtype)
    if mask is not None:
        return _volume_placement(mask, mask_scale, mask_center, common)
    solids = _solids(shape, sizes, len(positions))
    edge, edge_width_px = check_edge(edge, edge_width_px)
    if thickness is not None:
        thickness = float(thickness)
        if not math.isfinite(thickness) or thickness <= 0:
            raise ValueError(f"thickness must be a positive length, got {thickness!r}")
    reach = edge_reach(edge, edge_width_px)
    free = _rotation_free(solids, rotations)
    shared = solids[0] if len(solids) == 1 else None
    half = np.array([(shared or solids[i]).half_extent(None if free else m) for i, m in enumerate(rotations)]).reshape(-1, 3) + reach
    lo, hi = _blocks(positions, half, box_shape)
    return Placement(
        **common, lo=lo, hi=hi, solids=solids, angles=None if free else _euler_angles(rotations),
        thickness=thickness, edge=edge, edge_width_px=edge_width_px,
    )


def _volume_placement(mask, mask_scale, mask_center, common) -> Placement:
    volume = _mask_volume(mask)
    scale = float(mask_scale)
    if not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"mask_scale must be a positive number of mask voxels per tomogram voxel, got {mask_scale!r}")
    centre = np.asarray(as_triple(mask_center, "mask_center") if mask_center is not None else [s // 2 for s in volume.shape], float)
    reach = nonzero_block(volume)
    positions, rotations = common["positions"], common["rotations"]
    if reach is None:
        lo = hi = np.zeros((len(positions), 3), np.int64)
    else:
        # The smallest box about the centre holding every non-zero voxel, one voxel more for the interpolation.
        half_volume = np.array([max(c - s.start, s.stop - 1 - c) + 1 for s, c in zip(reach, centre)]) / scale
        half = np.abs(rotations) @ half_volume if len(positions) else np.zeros((0, 3))
        lo, hi = _blocks(positions, half, common["box_shape"])
    return Placement(**common, lo=lo, hi=hi, volume=volume, volume_center=tuple(centre), volume_scale=scale)


def particle_mask(
    box_shape, particles, *, shape=None, mask=None, mask_scale=1.0, mask_center=None, labels=None, dtype="float32",
    offset=None, angles=None, thickness=None, edge="none", edge_width_px=0.0, region=None, workers=None, **sizes,
) -> np.ndarray:
    """A shape or a mask volume placed at every particle's position and orientation in a box.

    Parameters
    ----------
    box_shape : int or (z, y, x) ints
        The tomogram's size in voxels.
    particles : Particles, (positions, rotations) or (N, 3) positions
        Positions ``(z, y, x)`` in voxels of the tomogram and particle → tomogram rotation
        matrices on ``(z, y, x)`` (:func:`napari_cryomask.io.read_particles`); positions alone
        place the object unturned.
    shape : {"sphere", "ellipsoid", "cylinder", "tube", "cuboid", "cone"}, optional
        The analytic shape to place, with its sizes in voxels as in :func:`.shapes.shape_mask`
        (``radius``, ``radii``, ``height``, ``inner_radius``, ``size``, ``rounding``; each may
        also be given per particle, an array of N values or of N triples), ``thickness`` for a
        shell and ``edge``/``edge_width_px`` for a soft edge.
    mask : 3D array in [0, 1], optional
        A mask volume to place instead, centred at ``mask_center`` (default ``size // 2``), with
        ``mask_scale`` of its voxels to a tomogram voxel (tomogram voxel size / mask voxel size).
    labels : {None, "particle", "class"}
        None: a union (float32 or uint8, see ``dtype``); else a label per particle or per class.
    dtype : {"float32", "uint8"}
        Of a union: float32 keeps soft values; uint8 holds 1 where the union is ≥ 0.5.
    offset : (z, y, x), optional
        Where the object's centre is in the particle's frame, in voxels (default the particle's centre).
    angles : (phi, theta, psi), optional
        The object's own turn in the particle's frame (ZXZ degrees, cryoCAT's convention).
    region : three slices, optional
        Compute only this block of the box.
    workers : int, optional
        Threads for the whole box (default one per core).

    Returns
    -------
    ndarray of ``box_shape`` (or of the region): float32 in [0, 1], uint8 0/1, or integer labels.

    Examples
    --------
    >>> turned = np.array([[[0.0, 0, 1], [0, 1, 0], [-1, 0, 0]]])  # the particle's z axis along tomogram x
    >>> m = particle_mask(32, (np.array([[16.0, 16, 16]]), turned), shape="cylinder", radius=2, height=20)
    >>> int(m[16, 16, :].sum()), int(m[:, 16, 16].sum())
    (21, 5)
    """
    plan = placement(
        box_shape, particles, shape=shape, mask=mask, mask_scale=mask_scale, mask_center=mask_center, labels=labels,
        dtype=dtype, offset=offset, angles=angles, thickness=thickness, edge=edge, edge_width_px=edge_width_px, **sizes,
    )
    if region is not None:
        return plan.block(region)
    return plan.render(workers)
