"""Boolean operations on soft masks, with cryoCAT's arithmetic, applied in list order.

- union: ``clip(m1 + m2 + ..., 0, 1)``
- intersection: ``m1 * m2 * ...``
- subtraction: ``clip(m1 - m2 - ..., 0, 1)``
- difference: ``clip(union - intersection, 0, 1)``
"""

from __future__ import annotations

import numpy as np


def _checked(masks) -> list[np.ndarray]:
    masks = list(masks)
    if not masks:
        raise ValueError("mask_list is empty: give at least one mask")
    arrays = []
    for i, m in enumerate(masks):
        a = np.asarray(m)
        if a.dtype.kind not in "biuf":
            raise ValueError(f"mask {i} has dtype {a.dtype}; masks must be boolean or numeric")
        arrays.append(a)
    first = arrays[0].shape
    for i, a in enumerate(arrays[1:], start=1):
        if a.shape != first:
            raise ValueError(f"mask {i} has shape {a.shape} but mask 0 has shape {first}; masks must share one box")
    return arrays


def union(masks) -> np.ndarray:
    """Union: sum clipped to [0, 1].

    >>> union([np.array([0, 1.0]), np.array([0.5, 0.5])])
    array([0.5, 1. ], dtype=float32)
    """
    arrays = _checked(masks)
    out = np.zeros(arrays[0].shape, np.float32)
    for a in arrays:
        out += a
    return np.clip(out, 0, 1, out=out)


def intersection(masks) -> np.ndarray:
    """Intersection: product, clipped to [0, 1].

    >>> intersection([np.array([0, 1.0]), np.array([0.5, 0.5])])
    array([0. , 0.5], dtype=float32)
    """
    arrays = _checked(masks)
    out = np.ones(arrays[0].shape, np.float32)
    for a in arrays:
        out *= a
    return np.clip(out, 0, 1, out=out)


def subtraction(masks) -> np.ndarray:
    """The first mask minus all the others, clipped to [0, 1].

    >>> subtraction([np.array([1.0, 1.0]), np.array([True, False])])
    array([0., 1.], dtype=float32)
    """
    arrays = _checked(masks)
    out = arrays[0].astype(np.float32)
    for a in arrays[1:]:
        out -= a
    return np.clip(out, 0, 1, out=out)


def difference(masks) -> np.ndarray:
    """Union minus intersection, clipped to [0, 1] (the symmetric difference of hard masks).

    >>> difference([np.array([0, 1.0, 1.0]), np.array([0, 0, 1.0])])
    array([0., 1., 0.], dtype=float32)
    """
    out = union(masks) - intersection(masks)
    return np.clip(out, 0, 1, out=out)


OPERATIONS = {"union": union, "intersection": intersection, "subtraction": subtraction, "difference": difference}
