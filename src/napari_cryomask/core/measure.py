"""What a mask holds: volume, protein mass, share of the map's density, contact with the box edge."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .blocks import run_parts
from .geometry import as_triple

# Average protein density, 0.81 Da/Å³ (1.35 g/cm³), as used to turn volumes into masses.
PROTEIN_DENSITY_DA_PER_A3 = 0.81
# Voxels of a slab: its temporary arrays stay in the CPU cache.
_SLAB_VOXELS = 1 << 18


def volume_for_mass(mass_kda: float) -> float:
    """Volume in Å³ that ``mass_kda`` of protein fills.

    >>> round(volume_for_mass(81), 1)
    100000.0
    """
    return float(mass_kda) * 1000 / PROTEIN_DENSITY_DA_PER_A3


class MaskStats(NamedTuple):
    volume_voxels: float
    volume_nm3: float
    mass_kda: float
    density_fraction: float | None
    touches_edge: bool

    def summary(self) -> str:
        """Short human-readable text, one fact per line."""
        lines = [
            f"volume: {self.volume_voxels:,.0f} voxels = {self.volume_nm3:,.1f} nm³",
            f"as protein: {self.mass_kda:,.0f} kDa",
        ]
        if self.density_fraction is not None:
            lines.append(f"map density inside: {100 * self.density_fraction:.1f}%")
        if self.touches_edge:
            lines.append("warning: the mask touches the box edge")
        return "\n".join(lines)


def touches_edge(mask) -> bool:
    """True when any voxel on the box faces is non-zero."""
    m = np.asarray(mask)
    return any(
        np.any(np.take(m, index, axis=axis)) for axis in range(m.ndim) for index in (0, m.shape[axis] - 1)
    )


def mask_stats(mask, voxel_size=(1.0, 1.0, 1.0), density=None) -> MaskStats:
    """Measure a mask.

    Parameters
    ----------
    mask : array in [0, 1]
        Soft values count in proportion (a voxel at 0.5 counts half).
    voxel_size : float or (z, y, x) floats, Å
    density : array, optional
        The map the mask is for; gives the share of its positive density inside the mask.

    Examples
    --------
    >>> s = mask_stats(np.ones((10, 10, 10)), voxel_size=2.0)
    >>> s.volume_nm3, s.touches_edge
    (8.0, True)
    """
    m = np.asarray(mask, dtype=np.float32)
    vz, vy, vx = as_triple(voxel_size, "voxel_size")
    d = None
    if density is not None:
        d = np.asarray(density, dtype=np.float32)
        if d.shape != m.shape:
            raise ValueError(f"density has shape {d.shape} but the mask has shape {m.shape}")
    voxels, total, inside = _sums(m, d)
    volume_a3 = voxels * vz * vy * vx
    fraction = None
    if d is not None:
        fraction = inside / total if total > 0 else 0.0
    return MaskStats(
        volume_voxels=voxels,
        volume_nm3=volume_a3 / 1000,
        mass_kda=volume_a3 * PROTEIN_DENSITY_DA_PER_A3 / 1000,
        density_fraction=fraction,
        touches_edge=touches_edge(m),
    )


def _sums(mask, density) -> tuple[float, float, float]:
    """The mask's sum; with a density also the sum of its positive finite voxels, and that sum weighted by the mask.

    Computed in slabs of planes on every CPU, with temporaries that stay in the CPU cache; the
    sums are float64, added slab by slab in order.
    """
    rows = mask.reshape(mask.shape[0], math.prod(mask.shape[1:])) if mask.ndim else mask.reshape(1, 1)
    density_rows = None if density is None else density.reshape(rows.shape)
    per = max(1, _SLAB_VOXELS // max(1, rows.shape[1]))
    parts = [slice(start, start + per) for start in range(0, len(rows), per)]
    found = [(0.0, 0.0, 0.0)] * len(parts)

    def part(i):
        m = rows[parts[i]]
        voxels = float(m.sum(dtype=np.float64))
        if density_rows is None:
            found[i] = (voxels, 0.0, 0.0)
            return
        positive = np.fmax(density_rows[parts[i]], np.float32(0))  # NaN and negative voxels count as 0
        total = float(positive.sum(dtype=np.float64))
        if not math.isfinite(total):
            positive[np.isinf(positive)] = 0
            total = float(positive.sum(dtype=np.float64))
        inside = 0.0
        if voxels:
            np.multiply(positive, m, out=positive)
            inside = float(positive.sum(dtype=np.float64))
        found[i] = (voxels, total, inside)

    run_parts(range(len(parts)), part, mask.size)
    return tuple(sum(f[k] for f in found) for k in range(3))
