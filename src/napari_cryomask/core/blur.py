"""Gaussian blur of masks, as cryoCAT and ``scipy.ndimage.gaussian_filter`` compute it, on blocks.

Passes are computed only in the slabs that can hold non-zero values, shared among the CPUs, and
half-computed for masks that are mirror-symmetric; the values are bit-identical to SciPy's.
"""

from __future__ import annotations

import math

import numpy as np

from .blocks import PARALLEL_VOXELS, grown_slice, nonzero_block, pieces, run_parts, worker_count
from .limits import require_kernel_fits
from .mirror import low_half, mirror_fill

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

    run_parts(blocks, run, sum(math.prod(s.stop - s.start for s in block) for block in blocks))


# Below this size the bookkeeping of slabs costs more than it saves.
_SLAB_VOXELS = 1 << 16
_MAX_SLABS = 16
# Copying a filtered line into place costs a fraction of filtering it again (SciPy's pass has 17-25 taps).
_MOST_DISTINCT = 0.6


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


def gaussian_blur(mask, sigma_px: float, *, in_place: bool = False, within=None) -> np.ndarray:
    """Gaussian blur as cryoCAT's ``add_gaussian`` does it, computed only where it can be non-zero.

    Equal, bit for bit, to ``scipy.ndimage.gaussian_filter(mask, sigma, mode="nearest",
    truncate=4.0)`` with a float32 output: that filters along z, then y, then x, each pass
    spreading the values ``4 sigma`` (rounded) voxels along its axis. Each pass here is computed
    only in slabs that hold everything non-zero it reads or makes, their edges hold zeros, which is
    what mode "nearest" repeats there in the whole box too, and the slabs are shared among the
    CPUs. A mask that reads the same backwards along an axis (a centred sphere, cylinder or
    unrotated ellipsoid) keeps that symmetry exactly through every pass, since the kernel pairs
    the values on both sides before it sums them; only half of it along such axes is computed,
    and the other half copied. The first pass of a binary mask filters each distinct line once:
    SciPy filters every line on its own, so equal lines give equal results.

    With ``in_place=True`` a float32 ``mask`` is overwritten by the result (the same values),
    which saves allocating a second array of the box. ``within`` (a block, one slice per axis)
    says that every non-zero voxel lies in it, which saves a scan of the whole box.

    Examples
    --------
    >>> m = np.zeros((9, 9, 9), np.float32); m[4, 4, 4] = 1
    >>> round(float(gaussian_blur(m, 1).sum()), 4)
    1.0
    """
    sigma_px = _checked_sigma(sigma_px)
    require_kernel_fits(f"sigma {sigma_px:g}", sigma_px, np.shape(mask))
    if in_place and not (isinstance(mask, np.ndarray) and mask.dtype == np.float32 and mask.flags.writeable):
        raise ValueError("in_place needs a writeable float32 array")
    mask = np.asarray(mask, dtype=np.float32)
    if sigma_px == 0:
        return mask if in_place else mask.copy()
    region = _region(within, mask)
    # In place, every non-zero voxel lies in a block the passes below rewrite.
    out = mask if in_place else np.zeros(mask.shape, np.float32)
    if region is None:
        return out
    values = mask[region]
    ones = values == 1
    # Counting non-zero bit patterns is fast; a -0.0 counts, which only makes the mask non-binary here.
    binary = np.count_nonzero(ones) == np.count_nonzero(values.view(np.uint32))
    _blur(out, ones if binary else values != 0, region, sigma_px, None if binary else mask)
    return out


def blur_binary(box_shape, inside, block, sigma_px: float) -> np.ndarray:
    """:func:`gaussian_blur` of the binary mask that is ``inside`` (booleans) in ``block`` and 0 elsewhere.

    The same values as blurring the whole float32 box, without making it first.

    >>> inside = np.ones((1, 1, 1), bool)
    >>> m = blur_binary((9, 9, 9), inside, (slice(4, 5),) * 3, 1)
    >>> bool(np.array_equal(m, gaussian_blur(np.pad(inside, 4).astype(np.float32), 1)))
    True
    """
    sigma_px = _checked_sigma(sigma_px)
    block = tuple(slice(*s.indices(n)[:2]) for s, n in zip(block, box_shape))
    inside = np.asarray(inside, dtype=bool)
    if inside.shape != tuple(s.stop - s.start for s in block):
        raise ValueError(f"inside has shape {inside.shape} but the block has shape {tuple(s.stop - s.start for s in block)}")
    out = np.zeros(tuple(box_shape), np.float32)
    if sigma_px == 0:
        out[block] = inside
    else:
        _blur(out, inside, block, sigma_px, None)
    return out


def _checked_sigma(sigma_px) -> float:
    sigma_px = float(sigma_px)
    if not math.isfinite(sigma_px) or sigma_px < 0:
        raise ValueError(f"sigma must be zero or positive, got {sigma_px!r}")
    return sigma_px


def _region(within, mask):
    """``within`` as step-1 slices inside the box (the whole box when None); None when it is empty."""
    if within is None:
        return nonzero_block(mask)
    if len(within) != mask.ndim:
        raise ValueError(f"within must be one slice per axis ({mask.ndim}), got {within!r}")
    within = tuple(slice(*s.indices(n)[:2]) for s, n in zip(within, mask.shape))
    return None if any(s.start >= s.stop for s in within) else within


def _blur(out, nonzero, region, sigma_px, source) -> None:
    """Blur into ``out`` the mask whose non-zero voxels are ``nonzero`` (booleans) in ``region``.

    ``source`` is the float32 mask of the whole box, or None for a binary mask, which then is
    ``nonzero`` itself. ``out`` holds zeros outside the blocks the passes write, or is ``source``.
    """
    ndim = out.ndim
    reach = int(TRUNCATE * sigma_px + 0.5)
    projections = {}
    for s in range(ndim):
        for t in range(s + 1, ndim):
            projections[s, t] = np.any(nonzero, axis=tuple(a for a in range(ndim) if a not in (s, t)))
    found = _projected_block(projections, ndim) if ndim > 1 else nonzero_block(nonzero)
    if found is None:
        return
    core = tuple(slice(r.start + f.start, r.start + f.stop) for r, f in zip(region, found))
    nonzero = nonzero[found]
    planes = {}
    for (s, t), plane in projections.items():
        planes[s, t] = plane[found[s], found[t]]
        planes[t, s] = planes[s, t].T
    # Equal values are equal non-zero patterns in a binary mask, which are cheaper to compare.
    mirrored = _mirror_axes(nonzero if source is None else source[core], core, reach, out.shape)
    block = None
    for axis in range(ndim):
        if block is not None and axis in mirrored:
            # This pass reads whole lines along its axis; the last one made only their low half.
            mirror_fill(out, block, [axis], keep_low=[a for a in mirrored if a != axis])
        block = _pass_block(core, axis, reach, out.shape)
        halves = {a: low_half(block[a]) for a in mirrored if a != axis}
        if axis == 0 and source is None and ndim > 1 and (
            _runs_pass(nonzero, core, out, block, halves, sigma_px, reach)
            or _distinct_lines_pass(nonzero, core, out, block, halves, sigma_px)
        ):
            continue
        reads = source if axis == 0 else out
        if reads is None:
            # A binary mask filtered in place: out is zero around core, and every voxel of core is
            # rewritten by a pass or a mirror copy.
            out[core] = nonzero
            reads = out
        gaussian_pass(reads, out, _blur_blocks(planes, core, axis, reach, out.shape, halves), axis, sigma_px)
    mirror_fill(out, block, [a for a in mirrored if a != ndim - 1])


def _projected_block(projections, ndim):
    """The non-zero block of an array from its projections onto pairs of axes; None if all zero."""
    ranges = []
    for axis in range(ndim):
        other = 1 if axis == 0 else 0
        plane = projections[min(axis, other), max(axis, other)]
        hits = np.flatnonzero(np.any(plane, axis=1 if axis < other else 0))
        if hits.size == 0:
            return None
        ranges.append(slice(int(hits[0]), int(hits[-1]) + 1))
    return tuple(ranges)


def _distinct_lines_pass(nonzero, core, out, block, halves, sigma_px) -> bool:
    """The first pass of a binary mask: each distinct line along axis 0 filtered once, then copied.

    ``nonzero`` is the mask in ``core``; the lines are those of ``block`` within ``halves``. A line
    with a single run of ones is named by where the run starts and how long it is; a line with
    several runs is filtered on its own. Returns False, having written nothing, when too many
    lines differ for copying them to cost less than filtering them all.
    """
    from scipy import ndimage

    lines = tuple(halves.get(a, block[a]) for a in range(1, nonzero.ndim))
    local = (slice(None),) + tuple(slice(s.start - c.start, s.stop - c.start) for s, c in zip(lines, core[1:]))
    values = nonzero[local]
    length = values.shape[0]
    _, representative, inverse = np.unique(_line_keys(values), return_index=True, return_inverse=True)
    if len(representative) > _MOST_DISTINCT * inverse.size:
        return False
    # Distinct lines in the rows of an array of their own, as long as the pass block along axis 0.
    span = block[0]
    distinct = np.zeros((len(representative), span.stop - span.start), np.float32)
    offset = core[0].start - span.start
    distinct[:, offset:offset + length] = values[(slice(None),) + np.unravel_index(representative, values.shape[1:])].T
    ndimage.gaussian_filter1d(distinct, sigma_px, axis=1, output=distinct, mode="nearest", truncate=TRUNCATE)
    filtered = np.ascontiguousarray(distinct.T)
    inverse = inverse.reshape(values.shape[1:])

    def write(planes):
        for i in planes:
            np.take(filtered[i], inverse, out=out[(span.start + i,) + lines], mode="clip")

    planes = range(span.stop - span.start)
    workers = min(worker_count(), len(planes)) if inverse.size * len(planes) >= PARALLEL_VOXELS else 1
    if workers <= 1:
        write(planes)
        return True
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(write, [planes[i::workers] for i in range(workers)]))
    return True


def _line_keys(values) -> np.ndarray:
    """One key per line along axis 0 of a boolean array, equal only for equal lines: its bits packed.

    Planes are packed one at a time into bytes (a whole-array ``np.packbits`` or ``argmax``
    along axis 0 reads the array across its memory order and costs several times more).
    """
    length = values.shape[0]
    packed = np.zeros(((length + 7) // 8,) + values.shape[1:], np.uint8)
    shifted = np.empty(values.shape[1:], np.uint8)
    for i in range(length):
        np.left_shift(values[i].view(np.uint8), i % 8, out=shifted)
        np.bitwise_or(packed[i // 8], shifted, out=packed[i // 8])
    rows = np.ascontiguousarray(packed.reshape(len(packed), -1).T)
    return rows.view(np.dtype((np.void, rows.shape[1]))).ravel()


def _runs_pass(nonzero, core, out, block, halves, sigma_px, reach) -> bool:
    """The first pass of a binary mask from the runs of ones of its lines along axis 0.

    ``nonzero`` is the mask in ``core``; the lines are those of ``block`` within ``halves``.
    SciPy filters each line on its own with the same sums at every position, so a line whose
    ones are a single run with ``reach`` zeros or more on both sides within the pass block is
    filtered as a copy of one such run moved along. Within ``reach`` of the run's start the
    window sees only that end of the run, so for runs longer than ``2 reach`` those values are
    the same for every length, and likewise at its end; in between the window holds only ones,
    which the filter keeps at exactly 1 (checked here: it sums the weights in float64). So the
    mask is copied into ``out`` and only the ``2 reach`` values around each end of a long run
    are written; shorter runs are filtered once per length, and the other lines (several runs,
    or a run near an end of the block) one by one. Returns False, having written nothing, when
    the sum of the weights is not exactly 1 or too many lines must be filtered.
    """
    from scipy import ndimage

    lines = tuple(halves.get(a, block[a]) for a in range(1, nonzero.ndim))
    within = tuple(slice(s.start - c.start, s.stop - c.start) for s, c in zip(lines, core[1:]))
    values = nonzero[(slice(None),) + within]
    depth = values.shape[0]
    span = block[0]
    length = span.stop - span.start
    offset = core[0].start - span.start
    count, start = (a.ravel() for a in _single_runs(values))
    start = np.where(start >= 0, start + offset, -1)
    movable = (start >= reach) & (start + count + reach <= length)
    own = np.flatnonzero((count > 0) & ~movable)
    longest_ramp = 2 * reach + 1
    short = np.flatnonzero(movable & (count < longest_ramp))
    long = np.flatnonzero(movable & (count >= longest_ramp))
    sizes, size_row = np.unique(count[short], return_inverse=True)
    if 1 + len(sizes) + len(own) > _MOST_DISTINCT * count.size:
        return False
    # Row 0: a run of 2 reach + 1 ones, the shortest with a plateau; then one run of each short length.
    width = 4 * reach + 1
    positions = np.arange(width)
    canonical = ((positions >= reach) & (positions < reach + np.concatenate([[longest_ramp], sizes])[:, None])).astype(np.float32)
    ndimage.gaussian_filter1d(canonical, sigma_px, axis=1, output=canonical, mode="nearest", truncate=TRUNCATE)
    if canonical[0, 2 * reach] != 1:
        return False
    filtered = np.zeros((len(own), length), np.float32)
    columns = np.unravel_index(own, values.shape[1:])
    filtered[:, offset:offset + depth] = values[(slice(None),) + columns].T
    gaussian_pass(filtered, filtered, [(rows, slice(0, length)) for rows in pieces(slice(0, len(own)), worker_count())], 1, sigma_px)

    _copy_planes(out, (core[0],) + lines, values)
    flat = out.reshape(-1) if out.flags.c_contiguous else None
    shape = values.shape[1:]
    plane_size = math.prod(out.shape[1:])

    def put(chosen, first, run_values):
        """Write ``run_values`` along axis 0 of the lines ``chosen``, from block plane ``first`` on."""
        coordinates = tuple(w.start + c for w, c in zip(lines, np.unravel_index(chosen, shape)))
        planes = (span.start + first)[:, None] + np.arange(run_values.shape[-1])
        if flat is None:
            out[(planes,) + tuple(c[:, None] for c in coordinates)] = run_values
            return
        # Flat indices of a C-ordered box: plane * plane size + the line's place in a plane.
        within_plane = np.ravel_multi_index((np.zeros_like(coordinates[0]),) + coordinates, out.shape)
        planes *= plane_size
        planes += within_plane[:, None]
        flat[planes] = run_values

    ramp = 2 * reach
    writes = []
    if len(long) and ramp:
        writes.append((long, start[long] - reach, canonical[0, :ramp]))
        writes.append((long, start[long] - reach + count[long], canonical[0, longest_ramp:longest_ramp + ramp]))
    if len(short):
        order = np.argsort(size_row, kind="stable")
        bounds = np.searchsorted(size_row[order], np.arange(len(sizes) + 1))
        for k, size in enumerate(sizes):
            chosen = short[order[bounds[k]:bounds[k + 1]]]
            writes.append((chosen, start[chosen] - reach, canonical[1 + k, :size + ramp]))
    # Scattered writes do not gain from a second thread.
    for write in writes:
        put(*write)
    if len(own):
        # Whole lines go in plane by plane, where the writes stay close together.
        target = tuple(w.start + c for w, c in zip(lines, columns))
        by_plane = np.ascontiguousarray(filtered.T)
        if flat is None:
            out[(span,) + target] = by_plane
        else:
            within_plane = np.ravel_multi_index(target, out.shape[1:])
            for j in range(length):
                flat[(span.start + j) * plane_size:(span.start + j + 1) * plane_size][within_plane] = by_plane[j]
    return True


def _copy_planes(out, target, values) -> None:
    """``out[target] = values``, in slabs of planes along axis 0 on every CPU when it is large."""
    first = target[0].start

    def copy(rows):
        out[(slice(first + rows.start, first + rows.stop),) + target[1:]] = values[rows]

    run_parts(pieces(slice(0, len(values)), worker_count()), copy, values.size)


def _single_runs(values):
    """Per line along axis 0 of a boolean array: how many ones, and where they start if they are one run.

    The start is -1 for lines that hold no ones or several runs: the ones are one run when the
    last one lies ``count - 1`` after the first. The first and last come from maxima of the
    line's ones weighted by their distance from either end, which read the planes in memory order.
    """
    depth = values.shape[0]
    dtype = np.min_scalar_type(depth)
    index = (slice(None),) + (None,) * (values.ndim - 1)
    weighted = np.empty(values.shape, dtype)
    np.multiply(values, np.arange(depth, dtype=dtype)[index], out=weighted)
    last = weighted.max(axis=0).astype(np.int64)
    np.multiply(values, np.arange(depth, 0, -1, dtype=dtype)[index], out=weighted)
    first = depth - weighted.max(axis=0).astype(np.int64)
    count = np.count_nonzero(values, axis=0)
    return count, np.where((count > 0) & (last - first + 1 == count), first, -1)

