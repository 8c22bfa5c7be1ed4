"""Apply a mask to a map: what the alignment will see.

``masked = m · map + (1 - m) · fill``, with ``fill`` 0 (``outside="zero"``), the mean of the map
outside the mask (``"mean"``: the map's values weighted by ``1 - m``, so a soft edge blends into
the background level instead of into 0), or the map low-pass filtered to ``lowpass_A``
(``"lowpass"``: the structure outside kept, but only its coarse features).
"""

from __future__ import annotations

import numpy as np

from .tight import lowpass

OUTSIDE = ("zero", "mean", "lowpass")


def outside_mean(density, mask) -> float:
    """Mean of the finite map values weighted by ``1 - mask``; the mean of the map when the mask covers it all.

    >>> outside_mean(np.array([1.0, 3.0]), np.array([1.0, 0.0]))
    3.0
    """
    d = np.asarray(density, dtype=np.float64)
    weight = 1 - np.asarray(mask, dtype=np.float64)
    finite = np.isfinite(d)
    total = float(weight[finite].sum())
    if total <= 0:
        return float(d[finite].mean()) if finite.any() else 0.0
    return float((d[finite] * weight[finite]).sum() / total)


def apply_mask(density, mask, *, outside: str = "zero", lowpass_A=None, voxel_size=1.0) -> np.ndarray:
    """The map multiplied by the mask, filled outside with 0, the outside mean or a low-passed copy.

    Parameters
    ----------
    density : 3D array
    mask : 3D array in [0, 1], the map's shape
    outside : {"zero", "mean", "lowpass"}
    lowpass_A : float
        Resolution in Å of the low-pass for ``outside="lowpass"`` (amplitude 0.5 there).
    voxel_size : float or (z, y, x) Å
        For the low-pass.

    Returns
    -------
    float32 array

    Examples
    --------
    >>> d = np.array([[[2.0, 4.0, 6.0]]]); m = np.array([[[1.0, 0.5, 0.0]]])
    >>> apply_mask(d, m).tolist()  # the outside mean is (0.5 · 4 + 1 · 6) / 1.5 = 5.333
    [[[2.0, 2.0, 0.0]]]
    >>> [round(float(v), 3) for v in apply_mask(d, m, outside="mean").ravel()]
    [2.0, 4.667, 5.333]
    """
    if outside not in OUTSIDE:
        raise ValueError(f"outside must be one of {', '.join(OUTSIDE)}, got {outside!r}")
    d = np.asarray(density, dtype=np.float32)
    m = np.asarray(mask, dtype=np.float32)
    if d.shape != m.shape:
        raise ValueError(f"the mask has shape {m.shape} but the map has {d.shape}; they must share one box")
    out = d * m
    if outside == "mean":
        out += (1 - m) * np.float32(outside_mean(d, m))
    elif outside == "lowpass":
        if lowpass_A is None:
            raise ValueError("outside='lowpass' needs lowpass_A, the resolution in Å")
        out += (1 - m) * lowpass(d, lowpass_A, voxel_size)
    return out
