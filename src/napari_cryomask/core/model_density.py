"""The density of an atomic model on a map's grid, as ChimeraX's ``molmap`` computes it.

Every atom is a 3D Gaussian of standard deviation ``σ = sigma_factor × resolution`` (ChimeraX's
default factor is ``1 / (π √2) ≈ 0.225``), weighted by its atomic number and normalised to hold
that weight (``Z (2π)^-3/2 σ^-3`` per Å³ at its peak), cut at ``cutoff_sigma`` (5) σ along each
axis: molmap's box-shaped cutoff. Positions and grid are in Å, ``(z, y, x)``: voxel ``[k, j, i]``
is at ``origin + (k, j, i) × voxel_size``.

Why this and not gemmi's electron-scattering density with a blur: this is what cryo-EM users
call a molmap, what cryoCAT's ``molmap_tight_mask`` and its thresholds expect, and its resolution
means the same as in ChimeraX; gemmi's ``DensityCalculatorE`` fills a periodic unit cell, so a
model near one face of the box leaks into the opposite face unless the box is padded, and sums
five Gaussians per atom with a blur. Both give nearly the same envelope (the tests compare them).

Each atom is computed only in its block (±5 σ), as the product of three 1D Gaussians, and the
blocks of many atoms are added at once with ``numpy.add.at`` (sums in a fixed order, so the same
model on the same grid gives the same bytes every time). Atoms whose block misses the box add
nothing; ChimeraX instead piles them up on the box face.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .geometry import as_triple, box_shape_of

SIGMA_FACTOR = 1 / (math.pi * math.sqrt(2))  # ChimeraX molmap: σ / resolution
CUTOFF_SIGMA = 5.0  # ChimeraX molmap's cutoffRange
# Voxel values added per batch of atoms: small enough for the temporary arrays to stay modest.
_BATCH_VALUES = 1 << 20


def _grid(like, box_shape, voxel_size, origin):
    """Box, voxel size and origin of the grid: from ``like`` (a Volume) or given."""
    if like is not None:
        if box_shape is not None or voxel_size is not None or origin is not None:
            raise ValueError("give like= or box_shape/voxel_size/origin, not both")
        return box_shape_of(like.data.shape, "the map's shape"), as_triple(like.voxel_size, "voxel_size"), as_triple(like.origin, "origin")
    if box_shape is None or voxel_size is None:
        raise ValueError("give like= (a map) or box_shape and voxel_size (and optionally origin)")
    voxel = as_triple(voxel_size, "voxel_size")
    if min(voxel) <= 0:
        raise ValueError(f"voxel_size must be positive (Å), got {voxel_size!r}")
    return box_shape_of(box_shape, "box_shape"), voxel, as_triple(0.0 if origin is None else origin, "origin")


def _atoms(model, weights):
    """Positions (N, 3) Å and weights (N,) of a model, an (N, 3) array, or anything with ``positions``."""
    positions = getattr(model, "positions", model)
    positions = np.asarray(positions, dtype=np.float64)
    if positions.ndim != 2 or positions.shape[1] != 3:
        raise ValueError(f"atom positions must be an (N, 3) array of (z, y, x) Å, got shape {positions.shape}")
    if len(positions) == 0:
        raise ValueError("the model has no atoms")
    if not np.all(np.isfinite(positions)):
        raise ValueError("some atom positions are not finite numbers")
    if weights is None:
        weights = getattr(model, "atomic_numbers", None)
    weights = np.ones(len(positions)) if weights is None else np.asarray(weights, dtype=np.float64)
    if weights.shape != (len(positions),):
        raise ValueError(f"need one weight per atom ({len(positions)}), got shape {weights.shape}")
    return positions, weights


def _span_text(low, high):
    return ", ".join(f"{a:.1f}..{b:.1f}" for a, b in zip(low, high))


def model_density(
    model, like=None, *, resolution_A, box_shape=None, voxel_size=None, origin=None, weights=None,
    sigma_factor: float = SIGMA_FACTOR, cutoff_sigma: float = CUTOFF_SIGMA,
) -> np.ndarray:
    """Density of ``model`` on the grid of ``like`` (or of ``box_shape``, ``voxel_size``, ``origin``).

    Parameters
    ----------
    model : AtomicModel or (N, 3) array
        :func:`napari_cryomask.io.read_model`'s result, or positions in Å ``(z, y, x)``.
    like : Volume, optional
        A map (:func:`napari_cryomask.io.read_volume`): its shape, voxel size and origin.
    resolution_A : float
        Resolution in Å; ``σ = sigma_factor × resolution_A``.
    box_shape, voxel_size, origin : (z, y, x)
        The grid without a map: voxels, Å, Å (origin: where voxel ``[0, 0, 0]`` is; default 0).
    weights : (N,) array, optional
        Default the model's atomic numbers (1 per atom for a plain array).
    sigma_factor, cutoff_sigma : float
        ChimeraX molmap's ``sigmaFactor`` and ``cutoffRange``.

    Returns
    -------
    float32 array of the box, in weight per Å³ (each atom holds its weight).

    Raises
    ------
    ValueError
        No atom comes near the box (the message gives the model's and the box's extents in Å),
        or bad parameters. Atoms outside the box with others inside give a warning.

    Examples
    --------
    >>> d = model_density(np.array([[10.0, 12.0, 14.0]]), resolution_A=6, box_shape=(12, 12, 12), voxel_size=2.0)
    >>> np.unravel_index(np.argmax(d), d.shape)  # the atom is at voxel (5, 6, 7)
    (np.int64(5), np.int64(6), np.int64(7))
    >>> round(float(d.sum()) * 8, 2)  # one atom of weight 1, times the voxel volume
    1.0
    """
    shape, voxel, origin = _grid(like, box_shape, voxel_size, origin)
    positions, weights = _atoms(model, weights)
    resolution_A = float(resolution_A)
    if not math.isfinite(resolution_A) or resolution_A <= 0:
        raise ValueError(f"resolution must be a positive number of Å, got {resolution_A!r}")
    if not (sigma_factor > 0 and cutoff_sigma > 0):
        raise ValueError(f"sigma_factor and cutoff_sigma must be positive, got {sigma_factor!r}, {cutoff_sigma!r}")
    sigma = sigma_factor * resolution_A
    grid = (positions - np.asarray(origin)) / np.asarray(voxel)  # fractional voxel indices
    reach = cutoff_sigma * sigma / np.asarray(voxel)  # the cutoff in voxels, per axis
    first = np.ceil(grid - reach).astype(np.int64)
    last = np.floor(grid + reach).astype(np.int64)
    n = np.asarray(shape)
    hits = np.all((last >= 0) & (first <= n - 1), axis=1)
    name = getattr(model, "name", None) or "the model"
    if not hits.any():
        box_high = np.asarray(origin) + (n - 1) * np.asarray(voxel)
        raise ValueError(
            f"{name}: none of its {len(positions)} atoms lies in or near the map's box: the atoms span "
            f"({_span_text(positions.min(0), positions.max(0))}) Å, the box ({_span_text(origin, box_high)}) Å "
            "(z, y, x); is the model fitted in this map's frame?"
        )
    inside = np.all((grid >= -0.5) & (grid <= n - 0.5), axis=1)
    if not inside.all():
        warnings.warn(f"{name}: {np.count_nonzero(~inside)} of its {len(positions)} atoms lie outside the map's box", stacklevel=2)

    out = np.zeros(shape, np.float32)
    flat = out.reshape(-1)
    width = np.floor(2 * reach).astype(np.int64) + 1  # most voxels a ±reach interval holds, per axis
    steps = [np.arange(w) for w in width]
    peak = weights * (2 * math.pi) ** -1.5 * sigma**-3
    atoms = np.flatnonzero(hits)
    batch = max(1, _BATCH_VALUES // int(np.prod(width)))
    for start in range(0, len(atoms), batch):
        chosen = atoms[start:start + batch]
        factors, indices = [], []
        for axis in range(3):
            index = first[chosen, axis, None] + steps[axis]  # (B, width)
            offset = (index - grid[chosen, axis, None]) * (voxel[axis] / sigma)
            valid = (index <= last[chosen, axis, None]) & (index >= 0) & (index < n[axis])
            factors.append(np.where(valid, np.exp(-0.5 * offset * offset), 0.0).astype(np.float32))
            indices.append(np.clip(index, 0, n[axis] - 1))
        gz, gy, gx = factors
        values = (peak[chosen, None, None, None].astype(np.float32) * gz[:, :, None, None]) * gy[:, None, :, None] * gx[:, None, None, :]
        iz, iy, ix = indices
        where = (iz[:, :, None, None] * n[1] + iy[:, None, :, None]) * n[2] + ix[:, None, None, :]
        np.add.at(flat, where.ravel(), values.ravel())
    return out
