"""Gaussian blur of masks, as cryoCAT and ``scipy.ndimage.gaussian_filter`` compute it, on blocks.

Passes are computed only in the slabs that can hold non-zero values, shared among the CPUs, and
half-computed for masks that are mirror-symmetric; the values are bit-identical to SciPy's.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .blocks import grown_slice, nonzero_block, pieces, worker_count
from .limits import require_kernel_fits

# SciPy's default truncation, in sigmas, as cryoCAT blurs.
TRUNCATE = 4.0


def gaussian_pass(source, out, blocks, axis: int, sigma_px: float) -> None:
    """``out[b]`` = the 1D Gaussian along ``axis`` of ``source[b]`` for each block ``b``, in parallel.

    Mode "nearest", truncated at 4 sigma, as ``scipy.ndimage.gaussian_filter1d``. The blocks
    must not share a line along ``axis``; each line is filtered on its own, so ``source`` may be
    ``out`` (SciPy releases the GIL while it filters).
    """
    from scipy import ndimage  # imported on use: it takes longer to import than a mask takes to make

    def run(block):
        ndimage.gaussian_filter1d(
            source[block], sigma_px, axis=axis, output=out[block], mode="nearest", truncate=TRUNCATE
        )

    voxels = sum(math.prod(s.stop - s.start for s in block) for block in blocks)
    workers = min(worker_count(), len(blocks)) if voxels >= _PARALLEL_VOXELS else 1
    if workers <= 1:
        for block in blocks:
            run(block)
        return
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(run, blocks))


# Below these sizes the bookkeeping of slabs and threads costs more than it saves.
_PARALLEL_VOXELS = 1 << 19
_SLAB_VOXELS = 1 << 16
_MAX_SLABS = 16


def _pass_block(core, axis, reach, shape) -> tuple[slice, ...]:
    """Block that holds what the blur's pass along ``axis`` reads and makes.

    Before this pass the values have spread ``reach`` voxels beyond ``core`` along the axes
    already filtered; the pass spreads them along ``axis`` too.
    """
    return tuple(grown_slice((c.start, c.stop), reach if a <= axis else 0, n)
                 for a, (c, n) in enumerate(zip(core, shape)))


def _blur_blocks(planes, core, axis, reach, shape, halves) -> list[tuple[slice, ...]]:
    """Slabs of the pass block along ``axis`` cut to fit the values, within ``halves``.

    ``planes[s, t]`` is the projection of the mask's non-zero voxels (within ``core``) onto the
    axes ``s`` and ``t``. ``halves`` maps axes to the part of them to compute.
    """
    ndim = len(shape)
    spread = [reach if a <= axis else 0 for a in range(ndim)]
    whole = tuple(halves.get(a, s) for a, s in enumerate(_pass_block(core, axis, reach, shape)))
    others = [a for a in range(ndim) if a != axis]
    if not others:
        return [whole]
    # Slabs across an axis not filtered yet need no spreading to find what lies in them.
    split = max(others, key=lambda a: (a > axis, whole[a].stop - whole[a].start))
    before = reach if split < axis else 0
    blocks = []
    count = min(_MAX_SLABS, max(1, math.prod(s.stop - s.start for s in whole) // _SLAB_VOXELS))
    for piece in pieces(whole[split], count):
        rows = slice(max(0, piece.start - before - core[split].start), piece.stop + before - core[split].start)
        block = list(whole)
        block[split] = piece
        for t in range(ndim):
            if t == split:
                continue
            hits = np.flatnonzero(np.any(planes[split, t][rows], axis=0))
            if hits.size == 0:
                break
            fit = grown_slice((core[t].start + int(hits[0]), core[t].start + int(hits[-1]) + 1), spread[t], shape[t])
            block[t] = slice(max(fit.start, whole[t].start), min(fit.stop, whole[t].stop))
        else:
            if all(b.start < b.stop for b in block):
                blocks.append(tuple(block))
    return blocks


def _mirror_axes(inside, core, reach, shape) -> list[int]:
    """Axes along which the mask reads the same backwards about the centre of ``core``.

    Only axes with room for the blur on both sides count, so that every pass block stays
    symmetric about that centre.
    """
    axes = []
    for a, (c, n) in enumerate(zip(core, shape)):
        if c.start - reach < 0 or c.stop + reach > n:
            continue
        lead = (slice(None),) * a
        count = inside.shape[a] // 2
        # The end planes settle most asymmetric masks before the halves are compared.
        if np.array_equal(inside[lead + (0,)], inside[lead + (-1,)]) and np.array_equal(
            inside[lead + (slice(0, count),)], np.flip(inside[lead + (slice(inside.shape[a] - count, None),)], a)
        ):
            axes.append(a)
    return axes


def _mirror(out, block, axes, keep_low=()) -> None:
    """Copy the low half of ``block`` along each of ``axes`` onto its high half, reversed.

    Only the low halves along ``keep_low``, and along the axes not copied yet, are copied.
    """
    for i, axis in enumerate(axes):
        low_axes = set(keep_low) | set(axes[i + 1:])
        part = [_low_half(s) if a in low_axes else s for a, s in enumerate(block)]
        span = block[axis]
        count = (span.stop - span.start) // 2
        low, high = list(part), list(part)
        low[axis] = slice(span.start, span.start + count)
        high[axis] = slice(span.stop - count, span.stop)
        out[tuple(high)] = np.flip(out[tuple(low)], axis)


def _low_half(span: slice) -> slice:
    """The first half of ``span``, with its middle element when it has one."""
    return slice(span.start, span.start + (span.stop - span.start + 1) // 2)


def gaussian_blur(mask, sigma_px: float, *, in_place: bool = False) -> np.ndarray:
    """Gaussian blur as cryoCAT's ``add_gaussian`` does it, computed only where it can be non-zero.

    Equal, bit for bit, to ``scipy.ndimage.gaussian_filter(mask, sigma, mode="nearest",
    truncate=4.0)`` with a float32 output: that filters along z, then y, then x, each pass
    spreading the values ``4 sigma`` (rounded) voxels along its axis. Each pass here is computed
    only in slabs that hold everything non-zero it reads or makes, their edges hold zeros, which is
    what mode "nearest" repeats there in the whole box too, and the slabs are shared among the
    CPUs. A mask that reads the same backwards along an axis (a centred sphere, cylinder or
    unrotated ellipsoid) keeps that symmetry exactly through every pass, since the kernel pairs
    the values on both sides before it sums them; only half of it along such axes is computed,
    and the other half copied.

    With ``in_place=True`` a float32 ``mask`` is overwritten by the result (the same values),
    which saves allocating a second array of the box.

    Examples
    --------
    >>> m = np.zeros((9, 9, 9), np.float32); m[4, 4, 4] = 1
    >>> round(float(gaussian_blur(m, 1).sum()), 4)
    1.0
    """
    sigma_px = float(sigma_px)
    if not math.isfinite(sigma_px) or sigma_px < 0:
        raise ValueError(f"sigma must be zero or positive, got {sigma_px!r}")
    require_kernel_fits(f"sigma {sigma_px:g}", sigma_px, np.shape(mask))
    if in_place and not (isinstance(mask, np.ndarray) and mask.dtype == np.float32 and mask.flags.writeable):
        raise ValueError("in_place needs a writeable float32 array")
    mask = np.asarray(mask, dtype=np.float32)
    if sigma_px == 0:
        return mask if in_place else mask.copy()
    reach = int(TRUNCATE * sigma_px + 0.5)
    core = nonzero_block(mask)
    # In place, every non-zero voxel lies in a block the passes below rewrite.
    out = mask if in_place else np.zeros(mask.shape, np.float32)
    if core is None:
        return out
    inside = mask[core]
    planes = {}
    for s in range(mask.ndim):
        for t in range(s + 1, mask.ndim):
            planes[s, t] = np.any(inside, axis=tuple(a for a in range(mask.ndim) if a not in (s, t)))
            planes[t, s] = planes[s, t].T
    mirrored = _mirror_axes(inside, core, reach, mask.shape)
    source, block = mask, None
    for axis in range(mask.ndim):
        if block is not None and axis in mirrored:
            # This pass reads whole lines along its axis; the last one made only their low half.
            _mirror(out, block, [axis], keep_low=[a for a in mirrored if a != axis])
        block = _pass_block(core, axis, reach, mask.shape)
        halves = {a: _low_half(block[a]) for a in mirrored if a != axis}
        gaussian_pass(source, out, _blur_blocks(planes, core, axis, reach, mask.shape, halves), axis, sigma_px)
        source = out
    _mirror(out, block, [a for a in mirrored if a != mask.ndim - 1])
    return out
