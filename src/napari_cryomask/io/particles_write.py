"""Writing tomogram-sized masks a slab at a time: MRC (through mrcfile's memory-mapped files) or EM.

:func:`write_mask_file` writes either an array or anything that computes blocks of one (a
:class:`napari_cryomask.core.particles.Placement`), slab by slab along z, so a mask larger than
memory never exists whole: each slab is computed, written through a memory map of its own part of
the file and dropped. With dask installed, ``scheduler=`` computes and writes the slabs in
parallel (``"threads"``, ``"processes"``, or a ``dask.distributed`` Client whose workers see this
file system). Either way the file is written beside the target and renamed onto it when complete,
so a failed write leaves an existing file untouched and no temporary file behind.

The header statistics (min, max, mean, rms) are summed per slab in float64 and combined in slab
order, and the slabs depend on the box and dtype alone, so the same mask gives the same bytes
whichever way it was computed.

Stored types:

======== ==================== ==================
mask     MRC                  EM
======== ==================== ==================
float32  mode 2 (float32)     float32 (code 5)
uint8    mode 0 (int8, 0-127) int8 (code 1)
uint16   mode 6 (uint16)      int32 (code 4)
int32    mode 2 (float32)     int32 (code 4)
======== ==================== ==================
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np

from napari_cryomask.core.particles import slab_regions
from napari_cryomask.io.atomic import PendingFile
from napari_cryomask.io.checks import zyx_triple
from napari_cryomask.io.em import EM_SUFFIXES, em_header
from napari_cryomask.io.mrc import MRC_SUFFIXES, _check_cell

_MRC_STORED = {"float32": ("float32", 2), "uint8": ("int8", 0), "uint16": ("uint16", 6), "int32": ("float32", 2)}
_EM_STORED = {"float32": ("<f4", 5), "uint8": ("i1", 1), "uint16": ("<i4", 4), "int32": ("<i4", 4)}
_EM_DTYPE_BYTE = 3


class _Array:
    """An in-memory mask seen through the block interface of a Placement."""

    def __init__(self, data):
        self.data = data
        self.box_shape = data.shape
        self.dtype = data.dtype

    def block(self, region):
        return self.data[region]


def write_mask_file(path, source, *, voxel_size=None, origin=None, overwrite=False, scheduler=None) -> str:
    """Write a mask slab by slab; returns its :func:`~napari_cryomask.recipes.data_digest` (SHA-256).

    Parameters
    ----------
    path : str or os.PathLike
        ``.mrc`` (and the other MRC suffixes) or ``.em``.
    source : ndarray or Placement
        The mask (float32, uint8, uint16 or int32), or an object with ``box_shape``, ``dtype``,
        ``slabs()`` and ``block(region)`` that computes it.
    voxel_size : float or (z, y, x), optional
        Å; None records none.
    origin : (z, y, x), optional
        Å, MRC only (EM has no origin field).
    overwrite : bool
        Replace an existing file.
    scheduler : str or dask.distributed.Client, optional
        Compute and write the slabs with dask (``"threads"``, ``"processes"``, ``"sync"``, or a
        Client); default: in this process, one slab after another.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from napari_cryomask.io import read_volume
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "labels.mrc"
    >>> digest = write_mask_file(target, np.arange(24, dtype=np.uint16).reshape(2, 3, 4), voxel_size=10)
    >>> volume = read_volume(target)
    >>> volume.data.dtype.name, int(volume.data.max()), volume.voxel_size
    ('uint16', 23, (10.0, 10.0, 10.0))
    """
    write = mask_file_encoder(path, source, voxel_size=voxel_size, origin=origin, scheduler=scheduler)
    with PendingFile(path, overwrite=overwrite) as pending:
        digest = write(pending.temp)
        pending.commit()
    return digest


def mask_file_encoder(path, source, *, voxel_size=None, origin=None, scheduler=None):
    """Check a mask for ``path`` and return ``write(temp_path) -> digest``, which fills a file.

    For writers that manage the file themselves (a mask written together with its recipe,
    :func:`~napari_cryomask.recipes.write_with_recipe`): ``temp_path`` is an empty file created
    for it. Arguments as for :func:`write_mask_file`; bad ones raise ``ValueError`` here, before
    any file is made.
    """
    if isinstance(source, np.ndarray):
        source = _Array(source)
    dtype = np.dtype(source.dtype)
    if dtype.name not in _MRC_STORED:
        raise ValueError(f"{path}: cannot write a mask of dtype {dtype}; use float32, uint8, uint16 or int32")
    shape = tuple(int(n) for n in source.box_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"{path}: a mask is a non-empty 3D box, got shape {shape}")
    spacing = None if voxel_size is None else zyx_triple(voxel_size, "voxel_size", path, positive=True)
    offset = zyx_triple(0.0 if origin is None else origin, "origin", path, positive=False)
    suffix = Path(path).suffix.lower()
    if suffix not in MRC_SUFFIXES + EM_SUFFIXES:
        raise ValueError(f"{path}: unsupported file type {suffix or '(no suffix)'!r}; use one of {' '.join(MRC_SUFFIXES + EM_SUFFIXES)}")
    if spacing is not None and suffix in MRC_SUFFIXES:
        _check_cell(path, spacing, shape)
    slabs = slab_regions(shape, dtype)

    def write(temp):
        if suffix in EM_SUFFIXES:
            stored = np.dtype(_EM_STORED[dtype.name][0])
            data_offset = _new_em(temp, shape, dtype, spacing, path)
            return _fill(temp, data_offset, stored, shape, slabs, source, scheduler)[1]
        import mrcfile

        mode = _MRC_STORED[dtype.name][1]
        # mrcfile lays out the header; the data are then written through maps of one slab each, so
        # the process never maps (or holds) the whole file.
        with mrcfile.new_mmap(temp, shape=shape, mrc_mode=mode, overwrite=True) as mrc:
            if spacing is not None:
                mrc.voxel_size = spacing[::-1]
            mrc.header.origin = offset[::-1]
            # A fixed label (mrcfile's default carries the time), as io.mrc writes, for replays byte for byte.
            mrc.header.label[0] = b"napari-cryomask"
            mrc.header.nlabl = 1
            header_dtype, data_offset, data_dtype = mrc.header.dtype, int(mrc.data.offset), mrc.data.dtype
        stats, sha = _fill(temp, data_offset, data_dtype, shape, slabs, source, scheduler)
        header = np.memmap(temp, dtype=header_dtype, mode="r+", shape=(1,))
        for name, value in zip(("dmin", "dmax", "dmean", "rms"), stats):
            header[name] = np.float32(value)
        header.flush()
        del header
        return sha

    return write


def _new_em(temp, shape, dtype, spacing, path) -> int:
    pixel = 0
    if spacing is not None:
        pixel = round(spacing[2] * 1000)
        if not 0 < pixel <= 2**31 - 1:
            raise ValueError(f"{path}: voxel size {spacing[2]} Å cannot be stored in an EM header")
    header = bytearray(em_header(shape, pixel))
    header[_EM_DTYPE_BYTE] = _EM_STORED[dtype.name][1]
    with open(temp, "r+b") as stream:
        stream.write(header)
        stream.truncate(len(header) + math.prod(shape) * np.dtype(_EM_STORED[dtype.name][0]).itemsize)
    return len(header)


class SlabWriter:
    """Computes one slab and writes it into its part of the file through a memory map of that part alone.

    Picklable, so dask workers (threads, processes, a cluster on this file system) can run it.
    """

    def __init__(self, path, data_offset, stored, shape, source):
        self.path, self.data_offset, self.stored = str(path), data_offset, np.dtype(stored)
        self.shape, self.source = shape, source

    def __call__(self, slab, sha=None):
        values = np.asarray(self.source.block(slab))
        if self.stored == np.int8 and values.size and values.max() > 127:
            raise ValueError(f"{self.path}: a uint8 mask is stored as signed 8-bit and holds 0 and 1; found {values.max()}")
        plane = self.shape[1] * self.shape[2] * self.stored.itemsize
        window = np.memmap(
            self.path, dtype=self.stored, mode="r+", offset=self.data_offset + slab[0].start * plane, shape=values.shape,
        )
        window[...] = values
        window.flush()
        del window
        if sha is not None:
            sha.update(np.ascontiguousarray(values, dtype="<f4").data)
        return _moments(values)


def _fill(temp, data_offset, stored, shape, slabs, source, scheduler):
    """Write every slab; returns (min, max, mean, rms) and the digest of the float32 values."""
    writer = SlabWriter(temp, data_offset, stored, shape, source)
    if scheduler is None:
        sha = hashlib.sha256()
        parts = [writer(slab, sha) for slab in slabs]
    else:
        import dask

        parts = dask.compute(*[dask.delayed(writer)(slab) for slab in slabs], scheduler=scheduler)
        sha = _digest_of_file(temp, data_offset, stored, shape, slabs)
    count = math.prod(shape)
    mean = math.fsum(p[2] for p in parts) / count
    rms = math.sqrt(max(0.0, math.fsum(p[3] for p in parts) / count - mean * mean))
    return (min(p[0] for p in parts), max(p[1] for p in parts), mean, rms), sha.hexdigest()


def _moments(values):
    """min, max, sum and sum of squares of an array (exact for integers), a million voxels at a time."""
    flat = values.reshape(-1)
    total = squares = 0
    chunk = 1 << 20
    if flat.dtype.kind in "ui":
        wide = np.uint64 if flat.dtype.kind == "u" else np.int64
        for start in range(0, flat.size, chunk):
            part = flat[start:start + chunk]
            total += int(np.add.reduce(part, dtype=np.int64))
            squares += int(np.add.reduce(np.multiply(part, part, dtype=wide), dtype=wide))
    else:
        scratch = np.empty(min(flat.size, chunk), np.float32)
        for start in range(0, flat.size, chunk):
            part = flat[start:start + chunk]
            total += float(np.add.reduce(part, dtype=np.float64))
            squares += float(np.add.reduce(np.multiply(part, part, out=scratch[: part.size]), dtype=np.float64))
    return (float(flat.min()), float(flat.max()), float(total), float(squares))


def _digest_of_file(temp, data_offset, stored, shape, slabs):
    """SHA-256 of the float32 values of what was written, read back slab by slab."""
    sha = hashlib.sha256()
    plane = shape[1] * shape[2] * np.dtype(stored).itemsize
    for slab in slabs:
        rows = slab[0].stop - slab[0].start
        window = np.memmap(temp, dtype=stored, mode="r", offset=data_offset + slab[0].start * plane, shape=(rows,) + shape[1:])
        sha.update(np.ascontiguousarray(window, dtype="<f4").data)
        del window
    return sha
