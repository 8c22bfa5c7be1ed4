"""A mask's numbers as RELION's postprocess reports them, and the particle-fraction FSC they give.

- fraction of the box inside the mask: the share of voxels with ``m > 0.5``;
- the mass that volume holds as protein, at 0.81 Da/Å³;
- the particle fraction ``f = 0.476 / fraction``, where 0.476 is RELION's share of a box that a
  particle's sphere fills; ``FSC_part = f·FSC / (1 + (f − 1)·FSC)`` corrects the unmasked FSC for
  the solvent in the box, as cisTEM does and RELION reports beside FSC_true.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .measure import PROTEIN_DENSITY_DA_PER_A3, touches_edge

RELION_SPHERE_FRACTION = 0.476


@dataclass(frozen=True)
class MaskNumbers:
    """The numbers of a mask; ``density_outside`` is the share of the map's density outside it (or None)."""

    fraction: float
    mass_kda: float
    particle_fraction: float | None
    touches_edge: bool
    density_outside: float | None = None


def mask_numbers(mask, voxel_size: float, density=None) -> MaskNumbers:
    """Measure a mask for the mask check.

    Parameters
    ----------
    mask : array in [0, 1]
    voxel_size : float
        Cubic voxel size in Å.
    density : array, optional
        A map of the particle (the mask check passes the FSC-weighted average of the half maps
        where it stands 3 σ above their noise); gives the share of its positive density that lies
        outside the mask, each voxel weighted by ``1 - m``.

    Examples
    --------
    >>> m = np.zeros((10, 10, 10), np.float32); m[2:7, 2:7, 2:7] = 1
    >>> n = mask_numbers(m, voxel_size=2.0)
    >>> n.fraction, round(n.mass_kda, 3), round(n.particle_fraction, 3), n.touches_edge
    (0.125, 0.81, 3.808, False)
    """
    m = np.asarray(mask, dtype=np.float32)
    inside = int(np.count_nonzero(m > 0.5))
    fraction = inside / m.size
    volume_a3 = inside * float(voxel_size) ** 3
    outside = None
    if density is not None:
        positive = np.maximum(np.asarray(density, dtype=np.float32), 0)
        total = float(positive.sum(dtype=np.float64))
        kept = float(np.vdot(positive.ravel(), m.ravel()))
        outside = max(0.0, 1.0 - kept / total) if total > 0 else None
    return MaskNumbers(
        fraction=fraction,
        mass_kda=volume_a3 * PROTEIN_DENSITY_DA_PER_A3 / 1000,
        particle_fraction=RELION_SPHERE_FRACTION / fraction if inside else None,
        touches_edge=touches_edge(m),
        density_outside=outside,
    )


def fsc_part(fsc, particle_fraction: float) -> np.ndarray:
    """``f·FSC / (1 + (f − 1)·FSC)``: the unmasked FSC corrected for the solvent share of the box.

    >>> fsc_part(np.array([1.0, 0.5, 0.0]), 2.0)
    array([1.        , 0.66666667, 0.        ])
    """
    fsc = np.asarray(fsc, dtype=float)
    f = float(particle_fraction)
    with np.errstate(divide="ignore", invalid="ignore"):
        return f * fsc / (1 + (f - 1) * fsc)
