"""Where a Fourier shell correlation curve first falls below a threshold, between shells."""

from __future__ import annotations

import math

import numpy as np


def crossing_frequency(frequencies, curve, threshold: float) -> float | None:
    """Frequency (1/Å) where ``curve`` first falls below ``threshold``, linear between the two shells.

    The search starts at shell 1 (shell 0, the mean, is 1 by convention). Shells whose value is
    NaN (no power) are passed over. None when the curve stays at or above the threshold.

    Examples
    --------
    >>> f = np.array([0.0, 0.1, 0.2, 0.3])
    >>> round(crossing_frequency(f, np.array([1.0, 0.9, 0.5, 0.1]), 0.7), 6)
    0.15
    >>> crossing_frequency(f, np.array([1.0, 0.9, 0.8, 0.75]), 0.7) is None
    True
    """
    frequencies = np.asarray(frequencies, dtype=float)
    curve = np.asarray(curve, dtype=float)
    for i in range(1, curve.size):
        value = curve[i]
        if not value < threshold:
            continue
        before = curve[i - 1]
        if not math.isfinite(before) or before == value:
            return float(frequencies[i])
        share = (before - threshold) / (before - value)
        return float(frequencies[i - 1] + share * (frequencies[i] - frequencies[i - 1]))
    return None


def crossing_resolution(frequencies, curve, threshold: float) -> float | None:
    """Resolution in Å (1 / frequency) where ``curve`` first falls below ``threshold``, or None.

    Examples
    --------
    >>> round(crossing_resolution([0.0, 0.1, 0.2], [1.0, 0.6, 0.1], 0.143), 2)
    5.22
    """
    frequency = crossing_frequency(frequencies, curve, threshold)
    return None if frequency is None or frequency <= 0 else 1.0 / frequency


def value_at(frequencies, curve, frequency: float) -> float:
    """The curve at ``frequency`` (1/Å), linear between shells and held at the last shell beyond."""
    return float(np.interp(frequency, frequencies, curve))
