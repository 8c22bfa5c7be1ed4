"""Binary opening and closing as scikit-image defines them, computed in the block around the mask.

scikit-image (0.26) pads an even-sized footprint with zeros at its end to an odd size, erodes with
the outside of the box counted as set and dilates with it counted as empty (its ``mode="ignore"``),
and without a footprint uses the 6-connected cross. cryoCAT's ``fill_hollow_mask`` and
``shrink_full_mask`` post-process with these; here they are SciPy's binary erosion and dilation,
applied to the block around the mask.

A footprint may also be a sequence of ``(footprint, iterations)`` pairs, applied in turn.
"""

from __future__ import annotations

import numpy as np

from .blocks import nonzero_block


def _padded(footprint) -> np.ndarray:
    """The footprint as a boolean array, padded with zeros at the end of every even-sized axis."""
    fp = np.asarray(footprint)
    if fp.ndim != 3 or 0 in fp.shape:
        raise ValueError(f"footprint must be a non-empty 3D array, got shape {fp.shape}")
    return np.pad(fp != 0, [(0, 1) if n % 2 == 0 else (0, 0) for n in fp.shape])


def footprint_steps(footprint=None) -> list[tuple[np.ndarray, int]]:
    """The footprint as a list of ``(padded boolean footprint, iterations)``; None is the 6-connected cross.

    >>> [(fp.shape, n) for fp, n in footprint_steps(np.ones((2, 2, 2)))]
    [((3, 3, 3), 1)]
    """
    if footprint is None:
        from scipy import ndimage

        return [(ndimage.generate_binary_structure(3, 1), 1)]
    if isinstance(footprint, (list, tuple)) and footprint and all(
        isinstance(step, (list, tuple)) and len(step) == 2 and np.ndim(step[1]) == 0 for step in footprint
    ):
        steps = []
        for fp, n in footprint:
            if int(n) != n or n < 1:
                raise ValueError(f"footprint iterations must be whole numbers ≥ 1, got {n!r}")
            steps.append((_padded(fp), int(n)))
        return steps
    return [(_padded(footprint), 1)]


def _reach(steps) -> int:
    return sum(n * (max(fp.shape) // 2) for fp, n in steps)


def _centred(steps) -> bool:
    return all(fp[tuple(s // 2 for s in fp.shape)] for fp, _ in steps)


def _moved(image, axis, offset, border):
    """``out[i] = image[i + offset]`` along ``axis``, ``border`` where that falls outside."""
    if offset == 0:
        return image
    n = image.shape[axis]
    out = np.full(image.shape, border, bool)
    if abs(offset) < n:
        dst, src = [slice(None)] * image.ndim, [slice(None)] * image.ndim
        dst[axis] = slice(max(-offset, 0), n - max(offset, 0))
        src[axis] = slice(max(offset, 0), n + min(offset, 0))
        out[tuple(dst)] = image[tuple(src)]
    return out


def _combined(image, moves, erode):
    """AND (erosion, outside set) or OR (dilation, outside empty) of ``image`` moved by each (axis, offset)."""
    out = None
    for axis, offset in moves:
        term = _moved(image, axis, offset if erode else -offset, erode)
        if out is None:
            out = term.copy() if term is image else term
        elif erode:
            out &= term
        else:
            out |= term
    return out


def _fast(image, fp, erode):
    """Erosion or dilation by a box or the 6-connected cross, as shifted copies; None for other footprints.

    SciPy's erosion takes ``image[i + o]`` over the footprint's offsets ``o`` from its centre,
    its dilation ``image[i - o]``. A box (the ones of the footprint filling their bounding block,
    as a padded even footprint does) is the product of its three 1D windows, one axis at a time.
    """
    offsets = np.argwhere(fp) - np.array([n // 2 for n in fp.shape])
    low, high = offsets.min(axis=0), offsets.max(axis=0)
    if len(offsets) == np.prod(high - low + 1):
        for axis in range(3):
            image = _combined(image, [(axis, int(o)) for o in range(low[axis], high[axis] + 1)], erode)
        return image
    if len(offsets) == 7 and np.all(np.abs(offsets).sum(axis=1) <= 1):
        return _combined(image, [(0, 0)] + [(axis, o) for axis in range(3) for o in (-1, 1)], erode)
    return None


def _apply(image, steps, erode):
    from scipy import ndimage  # imported on use: it is slow to import

    function = ndimage.binary_erosion if erode else ndimage.binary_dilation
    for fp, n in steps:
        for _ in range(n):
            fast = _fast(image, fp, erode)
            # One iteration per call: SciPy 1.17's binary_dilation with iterations > 1 and a
            # footprint larger than the image corrupts memory.
            image = function(image, structure=fp, border_value=erode) if fast is None else fast
    return image


def open_close(binary, opening_footprint=None, closing_footprint=None, *, opening=True, closing=True) -> np.ndarray:
    """Binary opening with ``opening_footprint``, then closing with ``closing_footprint`` (scikit-image's rules).

    Each footprint is an array (even sizes padded at the end), a sequence of ``(array,
    iterations)`` pairs, or None for the 6-connected cross. The block around the mask, grown by
    twice the footprints' reach, gives the same result as the whole box: erosion and dilation
    there never see the block's edge, except where it is the box's own.

    Examples
    --------
    >>> m = np.zeros((9, 9, 9), bool); m[2:7, 2:7, 2:7] = True; m[4, 4, 0] = True
    >>> int(open_close(m, np.ones((2, 2, 2))).sum())  # the lone voxel opens away
    125
    """
    binary = np.asarray(binary) != 0
    steps_open = footprint_steps(opening_footprint) if opening else []
    steps_close = footprint_steps(closing_footprint) if closing else []
    out = np.zeros(binary.shape, bool)
    steps = steps_open + steps_close
    if _centred(steps):
        block = nonzero_block(binary, 2 * _reach(steps) + 2)
        if block is None:
            return out
    else:  # a footprint without its centre can set voxels far from the mask: use the whole box
        block = tuple(slice(0, n) for n in binary.shape)
    image = binary[block]
    if steps_open:
        image = _apply(_apply(image, steps_open, erode=True), steps_open, erode=False)
    if steps_close:
        image = _apply(_apply(image, steps_close, erode=False), steps_close, erode=True)
    out[block] = image
    return out
