"""Boolean operations on soft masks, with cryoCAT's arithmetic, applied in list order.

- union: ``clip(m1 + m2 + ..., 0, 1)``
- intersection: ``m1 * m2 * ...``
- subtraction: ``clip(m1 - m2 - ..., 0, 1)``
- difference: ``clip(union - intersection, 0, 1)``
"""

from __future__ import annotations

import numpy as np

from .blocks import in_slabs


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


def _blockwise(arrays, combine) -> np.ndarray:
    """A float32 array made by ``combine(out, parts)`` on slabs of the box, on every CPU.

    The output is allocated once and never zeroed first; the arithmetic, and so every value,
    is that of the same operations on the whole arrays.
    """
    shape = arrays[0].shape
    out = np.empty(shape, np.float32)
    if out.ndim == 0:
        combine(out, arrays)
        return out
    whole = tuple(slice(0, n) for n in shape)
    in_slabs(whole, _SLAB_VOXELS, lambda slab: combine(out[slab], [a[slab] for a in arrays]))
    return out


# Voxels of the output made at a time: few slabs for the threads, small enough to share the work.
_SLAB_VOXELS = 1 << 18


def _sum(out, parts) -> None:
    np.add(parts[0], np.float32(0), out=out)
    for a in parts[1:]:
        out += a


def _product(out, parts) -> None:
    out[...] = 1
    for a in parts:
        out *= a


def _clip(out):
    np.clip(out, 0, 1, out=out)


def union(masks) -> np.ndarray:
    """Union: sum clipped to [0, 1].

    >>> union([np.array([0, 1.0]), np.array([0.5, 0.5])])
    array([0.5, 1. ], dtype=float32)
    """
    return _blockwise(_checked(masks), lambda out, parts: (_sum(out, parts), _clip(out)))


def intersection(masks) -> np.ndarray:
    """Intersection: product, clipped to [0, 1].

    >>> intersection([np.array([0, 1.0]), np.array([0.5, 0.5])])
    array([0. , 0.5], dtype=float32)
    """
    return _blockwise(_checked(masks), lambda out, parts: (_product(out, parts), _clip(out)))


# Types whose values float32 holds exactly: a - b in float32 is then what casting a first gives.
_EXACT_IN_FLOAT32 = frozenset(map(np.dtype, (np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.float32)))


def _subtract(out, parts) -> None:
    first, rest = parts[0], parts[1:]
    if rest and first.dtype in _EXACT_IN_FLOAT32 and rest[0].dtype in _EXACT_IN_FLOAT32:
        # One pass fewer than copying the first mask before subtracting.
        np.subtract(first, rest[0], out=out, dtype=np.float32, casting="unsafe")
        rest = rest[1:]
    else:
        out[...] = first
    for a in rest:
        out -= a
    _clip(out)


def subtraction(masks) -> np.ndarray:
    """The first mask minus all the others, clipped to [0, 1].

    >>> subtraction([np.array([1.0, 1.0]), np.array([True, False])])
    array([0., 1.], dtype=float32)
    """
    return _blockwise(_checked(masks), _subtract)


def _difference(out, parts) -> None:
    _sum(out, parts)
    _clip(out)
    both = np.empty_like(out)
    _product(both, parts)
    _clip(both)
    out -= both
    _clip(out)


def difference(masks) -> np.ndarray:
    """Union minus intersection, clipped to [0, 1] (the symmetric difference of hard masks).

    >>> difference([np.array([0, 1.0, 1.0]), np.array([0, 0, 1.0])])
    array([0., 1., 0.], dtype=float32)
    """
    return _blockwise(_checked(masks), _difference)


OPERATIONS = {"union": union, "intersection": intersection, "subtraction": subtraction, "difference": difference}
