"""Hand edits of a mask, recorded compactly so that they replay exactly.

An edit is what changed in the mask's binary (``mask ≥ level``, what a napari Labels layer shows):
the voxels added and the voxels removed. Each set is stored as runs of consecutive voxels in the
box's C order (``[z, y, x]``, x fastest): ``(start, length)`` pairs of flat indices. A brush stroke
or a filled region is a few runs per row, whatever the box. :func:`encode_runs` packs runs into
text for a JSON recipe (zlib-compressed little-endian int64 gaps and lengths, base64), and
:func:`binary_digest` pins an edit to the binary it was drawn on.
"""

from __future__ import annotations

import base64
import hashlib
import zlib

import numpy as np


def binary_digest(binary) -> str:
    """SHA-256 of a binary's shape and bits, to tell whether edits were drawn on this binary.

    >>> binary_digest(np.zeros((2, 2, 2), bool)) == binary_digest(np.zeros((2, 2, 2), np.uint8))
    True
    """
    b = np.ascontiguousarray(np.asarray(binary, dtype=bool))
    digest = hashlib.sha256(repr(tuple(int(n) for n in b.shape)).encode())
    digest.update(np.packbits(b, axis=None).tobytes())
    return digest.hexdigest()


def runs_of(selected) -> np.ndarray:
    """Runs ``(start, length)`` of the True voxels of ``selected`` in C order, shape ``(k, 2)``, int64.

    >>> runs_of(np.array([[0, 1, 1], [1, 0, 1]], bool)).tolist()
    [[1, 3], [5, 1]]
    """
    flat = np.ascontiguousarray(np.asarray(selected, dtype=bool)).ravel().view(np.int8)
    change = np.flatnonzero(np.diff(np.concatenate(([0], flat, [0])).astype(np.int8)))
    starts, stops = change[0::2], change[1::2]
    return np.stack([starts, stops - starts], axis=1).astype(np.int64)


def check_runs(runs, size: int, what: str = "runs") -> np.ndarray:
    """``runs`` as a ``(k, 2)`` int64 array after checking they are ordered, apart and inside ``size`` voxels."""
    runs = np.asarray(runs, dtype=np.int64).reshape(-1, 2)
    if runs.size == 0:
        return runs
    starts, lengths = runs[:, 0], runs[:, 1]
    if np.any(lengths < 1) or np.any(starts < 0):
        raise ValueError(f"{what}: every run needs a start ≥ 0 and a length ≥ 1")
    if np.any(starts[1:] <= starts[:-1] + lengths[:-1]):
        raise ValueError(f"{what}: runs must be in order and apart")
    if starts[-1] + lengths[-1] > size:
        raise ValueError(f"{what}: runs reach voxel {int(starts[-1] + lengths[-1]) - 1}, beyond the {size} voxels of the box")
    return runs


def paint_runs(binary, runs, value: bool) -> None:
    """Set the voxels of ``runs`` in ``binary`` (a C-contiguous bool array) to ``value``, in place."""
    flat = binary.reshape(-1)
    for start, length in runs:
        flat[start:start + length] = value


def edit_runs(before, after) -> tuple[np.ndarray, np.ndarray]:
    """The runs added and removed between two binaries of one box.

    >>> a = np.array([[[1, 1, 0, 0]]], bool); b = np.array([[[0, 1, 1, 1]]], bool)
    >>> [r.tolist() for r in edit_runs(a, b)]
    [[[2, 2]], [[0, 1]]]
    """
    before, after = np.asarray(before, dtype=bool), np.asarray(after, dtype=bool)
    if before.shape != after.shape:
        raise ValueError(f"the edited binary has shape {after.shape} but the mask has {before.shape}")
    return runs_of(after & ~before), runs_of(before & ~after)


def apply_edits(binary, added, removed) -> np.ndarray:
    """A copy of ``binary`` with the ``added`` runs set and the ``removed`` runs cleared.

    >>> apply_edits(np.array([[[1, 1, 0, 0]]], bool), [[2, 2]], [[0, 1]]).astype(int).tolist()
    [[[0, 1, 1, 1]]]
    """
    out = np.ascontiguousarray(np.asarray(binary, dtype=bool)).copy()
    paint_runs(out, check_runs(added, out.size, "added"), True)
    paint_runs(out, check_runs(removed, out.size, "removed"), False)
    return out


def encode_runs(runs) -> str:
    """Runs as compact text: base64 of zlib-compressed little-endian int64 (gap before each run, length).

    >>> text = encode_runs([[1, 3], [5, 1]]); decode_runs(text).tolist()
    [[1, 3], [5, 1]]
    """
    runs = np.asarray(runs, dtype=np.int64).reshape(-1, 2)
    packed = runs.copy()
    if len(runs):
        ends = runs[:, 0] + runs[:, 1]
        packed[1:, 0] = runs[1:, 0] - ends[:-1]
    return base64.b64encode(zlib.compress(packed.astype("<i8").tobytes(), 9)).decode("ascii")


def decode_runs(text: str, size: int | None = None, what: str = "runs") -> np.ndarray:
    """The runs :func:`encode_runs` packed; checked against a box of ``size`` voxels when given."""
    try:
        raw = zlib.decompress(base64.b64decode(text.encode("ascii"), validate=True))
    except (ValueError, zlib.error, UnicodeEncodeError):
        raise ValueError(f"{what}: not runs written by cryomask (bad base64 or zlib data)") from None
    if len(raw) % 16:
        raise ValueError(f"{what}: not runs written by cryomask (length {len(raw)} is not pairs of int64)")
    packed = np.frombuffer(raw, dtype="<i8").reshape(-1, 2).astype(np.int64)
    runs = packed.copy()
    if len(runs):
        if np.any(packed[1:, 0] < 1):
            raise ValueError(f"{what}: runs must be in order and apart")
        lengths = packed[:, 1]
        gaps = packed[:, 0]
        ends = np.cumsum(gaps + lengths)
        runs[:, 0] = ends - lengths
    return runs if size is None else check_runs(runs, size, what)


def edited_mask(mask, edited, edge: str = "cosine", edge_width_px: float = 0.0, *, level: float = 0.5) -> np.ndarray:
    """The soft mask after a hand edit: the mask as it was away from the edits, its edge rebuilt near them.

    Near the edited voxels the mask is :func:`~napari_cryomask.core.edge_rebuild.soft_from_binary`
    of the edited binary (the soft edge ``edge`` of ``edge_width_px`` voxels, the one it had);
    farther than the edge reaches plus a blend of at least 2 voxels the original values stay, byte
    for byte; in between the two are blended. Either way ``edited_mask(...) >= level`` is ``edited``.

    Examples
    --------
    >>> from napari_cryomask.core.shapes import sphere
    >>> m = sphere(40, 6, center=(20, 20, 12), edge="cosine", edge_width_px=3)
    >>> painted = m >= 0.5; painted[20, 20, 30:33] = True  # a stroke far from the sphere
    >>> e = edited_mask(m, painted, "cosine", 3)
    >>> bool(np.array_equal(e >= 0.5, painted)), bool(np.array_equal(e[:, :, :20], m[:, :, :20]))
    (True, True)
    """
    from .blocks import grow_block, nonzero_block
    from .distance import outside_distance
    from .edge_rebuild import soft_from_binary
    from .edges import edge_reach

    mask = np.asarray(mask, dtype=np.float32)
    edited = np.asarray(edited, dtype=bool)
    if edited.shape != mask.shape:
        raise ValueError(f"the edited binary has shape {edited.shape} but the mask has {mask.shape}")
    level32 = np.float32(level)
    changed = edited != (mask >= level32)
    out = mask.copy()
    core = nonzero_block(changed)
    if core is None:
        return out
    near = edge_reach(edge, edge_width_px) + 1.5
    blend = max(2.0, near / 2)
    block = grow_block(core, int(np.ceil(near + blend)) + 1, mask.shape)
    rebuilt = soft_from_binary(edited, edge, edge_width_px, level=level)[block]
    weight = np.clip((outside_distance(changed[block]) - np.float32(near)) / np.float32(blend), 0, 1).astype(np.float32)
    part = (1 - weight) * rebuilt + weight * mask[block]
    inside = edited[block]
    part[inside & (part < level32)] = level32
    part[~inside & (part >= level32)] = np.nextafter(level32, np.float32(0))
    out[block] = part
    return out
