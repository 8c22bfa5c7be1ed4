"""MRC maps (MRC2014 and older variants), with mrcfile's header layout and rules.

Reading
    The 1024-byte header is read and checked against the file before anything else is
    allocated: the mode, NX/NY/NZ, MAPC/MAPR/MAPS, the extended header size (NSYMBT), volume
    stacks (ISPG 401-630: MZ sections per volume, MZ > 0 and dividing NZ; a stack of one volume
    reads as that volume) and the data size NX·NY·NZ·bytes per voxel (Python integers, so
    nothing overflows) against the bytes the file holds, and against the memory available. Every
    problem is a ``ValueError`` naming the file and the header field. Header oddities mrcfile's
    permissive mode accepts (a missing map ID, an unknown machine stamp, a machine stamp that
    contradicts the mode's byte order) are warnings naming the file, decided as mrcfile decides
    them. The data are then read straight into the array returned, one section at a time when
    they need reordering or byte-swapping, so a read allocates the map once.

    The stored array ``[section, row, column]`` is reordered to ``[z, y, x]`` using
    MAPC/MAPR/MAPS (which real axis the columns, rows and sections run along). The voxel size
    is ``cell / (mx, my, mz)``; both are defined on the real X, Y, Z axes, so they need no
    reordering. A zero or missing cell gives ``(1.0, 1.0, 1.0)`` with
    ``header["voxel_size_known"] = False``. The origin is the header ORIGIN field (X, Y, Z in Å)
    when it is finite and non-zero; otherwise NXSTART/NYSTART/NZSTART times the voxel size.
    Those start indices count columns, rows and sections, so they are reordered like the data.
    Complex modes and stacks of several volumes are refused.

Writing
    Mode 2 (float32), native byte order (little-endian on common machines),
    MAPC/MAPR/MAPS = 1/2/3, NXSTART/NYSTART/NZSTART = 0, the voxel size in the
    cell, the origin in the ORIGIN field, one label "napari-cryomask" (no time stamp, so that
    the same mask gives the same file). Without a voxel size the cell is left zero, which reads
    back as "voxel size unknown". The header is mrcfile's for the same data, byte for byte; its
    statistics come from :mod:`napari_cryomask.io.stats` (no temporary the size of the map) and
    the data are written once, straight from the array.
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
from mrcfile import utils as mrc_utils
from mrcfile.dtypes import HEADER_DTYPE
from mrcfile.mrcinterpreter import MrcInterpreter

from napari_cryomask.core.limits import require_fit
from napari_cryomask.io.atomic import atomic_write
from napari_cryomask.io.checks import existing_file, not_finite, reading_errors, volume_for_writing, zyx_triple
from napari_cryomask.io.stats import header_stats
from napari_cryomask.io.volume import Volume

MRC_SUFFIXES = (".mrc", ".map", ".rec", ".mrcs", ".st", ".ali")
HEADER_BYTES = HEADER_DTYPE.itemsize
LABEL = b"napari-cryomask"

_BYTE_ORDERS = {"<": "little", ">": "big", "=": sys.byteorder, "|": sys.byteorder}
_COMPLEX_MODES = {3: "complex int16", 4: "complex float32"}
_MODE_NAMES = {0: "int8", 1: "int16", 2: "float32", 6: "uint16", 12: "float16", 101: "4-bit"}


def read_mrc(path) -> Volume:
    """Read an MRC file as a `Volume` with data ``[z, y, x]``.

    Parameters
    ----------
    path : str or os.PathLike
        MRC file (any suffix).

    Returns
    -------
    Volume
        Data in the file's dtype (native byte order), voxel size and origin
        ``(z, y, x)`` in Å, and header facts.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    OSError
        The file cannot be read.
    ValueError
        The file is empty, corrupt, truncated, complex or a stack of volumes, or its data
        would not fit in memory; the message names the file and the header field.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "box.mrc"
    >>> write_mrc(target, np.ones((2, 3, 4)), voxel_size=5.0)
    >>> read_mrc(target).voxel_size
    (5.0, 5.0, 5.0)
    """
    path = existing_file(path, "MRC")
    with reading_errors(path, "MRC"), open(path, "rb") as stream:
        layout = parse_header(path, stream.read(HEADER_BYTES), os.fstat(stream.fileno()).st_size)
        stream.seek(layout.data_offset)
        volume = _volume(path, layout, stream)
    for problem in layout.problems:
        warnings.warn(f"{path}: {problem}", stacklevel=3)
    return volume


class Layout(NamedTuple):
    """An MRC header checked against its file: where the data are and how they are stored.

    Attributes
    ----------
    header : numpy record
        The header, in the file's byte order.
    dtype : numpy dtype
        Data type of the voxels in the file (with its byte order).
    counts : tuple of 3 int
        Stored shape ``(sections, rows, columns)`` = ``(NZ, NY, NX)``.
    axes : tuple of 3 int
        MAPC, MAPR, MAPS.
    data_offset : int
        Where the data begin: 1024 + NSYMBT.
    problems : list of str
        Header oddities to warn about.
    """

    header: np.recarray
    dtype: np.dtype
    counts: tuple
    axes: tuple
    data_offset: int
    problems: list


def parse_header(path, raw: bytes, file_size: int) -> Layout:
    """Check an MRC header (the file's first 1024 bytes) against the file's size.

    Nothing is allocated but the header itself; every size is computed with Python integers.

    Raises
    ------
    ValueError
        Naming `path` and the field that is wrong.

    Examples
    --------
    >>> parse_header("m.mrc", mrc_header((1, 1, 1)).tobytes(), 1028).counts
    (1, 1, 1)
    >>> try:
    ...     parse_header("m.mrc", mrc_header((1, 1, 2)).tobytes(), 1028)
    ... except ValueError as error:
    ...     print(str(error)[:57])
    m.mrc: truncated MRC file: NX, NY, NZ = 2, 1, 1 voxels of
    """
    if len(raw) < HEADER_BYTES:
        raise ValueError(f"{path}: {len(raw)} bytes, too short for the {HEADER_BYTES}-byte MRC header")
    header = np.frombuffer(raw, dtype=HEADER_DTYPE).reshape(()).view(np.recarray)
    problems = []
    if bytes(header.map)[:3] != b"MAP":
        problems.append("Map ID string not found - not an MRC file, or file is corrupt")
    try:
        order = mrc_utils.byte_order_from_machine_stamp(header.machst)
    except ValueError as error:
        order = "<"  # as mrcfile: little-endian, the common case
        problems.append(str(error))
    header = header.view(header.dtype.newbyteorder(order))
    mode = int(header.mode)
    if not _known_mode(mode):
        swapped = header.view(header.dtype.newbyteorder())
        if _known_mode(int(swapped.mode)):
            problems.append(f"Machine stamp '{mrc_utils.pretty_machine_stamp(header.machst)}' does not match "
                            f"the apparent byte order '{swapped.mode.dtype.byteorder}'")
            header, mode = swapped, int(swapped.mode)
    if mode in _COMPLEX_MODES:
        raise ValueError(f"{path}: complex MRC data (MODE {mode}, {_COMPLEX_MODES[mode]}) not supported")
    if not _known_mode(mode):
        known = ", ".join(f"{m} ({n})" for m, n in _MODE_NAMES.items() if m != 101)
        raise ValueError(f"{path}: unknown or unsupported MRC data mode MODE = {mode}; readable: {known}")
    dtype = mrc_utils.data_dtype_from_header(header)

    nx, ny, nz = int(header.nx), int(header.ny), int(header.nz)
    if min(nx, ny, nz) <= 0:
        raise ValueError(f"{path}: MRC dimensions must be positive, got NX, NY, NZ = {nx}, {ny}, {nz}")
    axes = (int(header.mapc), int(header.mapr), int(header.maps))
    if sorted(axes) != [1, 2, 3]:
        raise ValueError(f"{path}: MAPC/MAPR/MAPS = {axes} is not an order of the axes 1, 2, 3")
    ispg, mz = int(header.ispg), int(header.mz)
    if mrc_utils.spacegroup_is_volume_stack(ispg):
        if mz <= 0:
            raise ValueError(
                f"{path}: ISPG = {ispg} marks a stack of volumes, but MZ = {mz} does not say how many "
                "sections each volume has (MZ must be at least 1)"
            )
        if nz % mz:
            raise ValueError(f"{path}: ISPG = {ispg} stack of volumes of MZ = {mz} sections, but NZ = {nz} is not a multiple of MZ")
        if nz // mz > 1:
            raise ValueError(
                f"{path}: a stack of {nz // mz} volumes (ISPG = {ispg}, NZ = {nz}, MZ = {mz}); "
                "only single volumes are supported"
            )
    extended = int(header.nsymbt)
    room = file_size - HEADER_BYTES
    if extended < 0 or extended > room:
        raise ValueError(
            f"{path}: NSYMBT = {extended} bytes of extended header, but the file has {room} bytes after its "
            f"{HEADER_BYTES}-byte header" + (" (truncated or corrupt)" if extended > 0 else "")
        )
    needed = nx * ny * nz * dtype.itemsize
    found = room - extended
    if needed > found:
        raise ValueError(
            f"{path}: truncated MRC file: NX, NY, NZ = {nx}, {ny}, {nz} voxels of mode {mode} ({dtype.name}) need "
            f"{needed} bytes of data after the {HEADER_BYTES}-byte header"
            + (f" and {extended} bytes of extended header (NSYMBT)" if extended else "")
            + f", the file has {found}"
        )
    if found > needed:
        problems.append(f"MRC file is {found - needed} bytes larger than expected")
    return Layout(header, dtype, (nz, ny, nx), axes, HEADER_BYTES + extended, problems)


def _known_mode(mode: int) -> bool:
    try:
        mrc_utils.dtype_from_mode(mode)
    except ValueError:
        return mode in _COMPLEX_MODES
    return True


def write_mrc(path, data, voxel_size=None, origin=None, overwrite=False) -> None:
    """Write ``[z, y, x]`` data as a float32 (mode 2) MRC file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Target file.
    data : array_like
        3D ``[z, y, x]`` data, or 2D ``[y, x]`` written as one z-slice. Must be
        finite in float32.
    voxel_size : float or sequence of 3 float, optional
        Voxel size in Å, ``(z, y, x)``. None records no voxel size.
    origin : float or sequence of 3 float, optional
        Position of voxel ``[0, 0, 0]`` in Å, ``(z, y, x)``. Default 0.
    overwrite : bool, optional
        Replace an existing file. Default False.

    Raises
    ------
    FileExistsError
        The file exists and `overwrite` is False.
    ValueError
        Unusable data, voxel size or origin.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "mask.mrc"
    >>> write_mrc(target, np.zeros((4, 4, 4)), voxel_size=2.0, origin=(0, 10, 20))
    >>> read_mrc(target).origin
    (0.0, 10.0, 20.0)
    """
    atomic_write(path, mrc_encoder(path, data, voxel_size, origin), overwrite=overwrite)


def mrc_encoder(path, data, voxel_size=None, origin=None):
    """Check what :func:`write_mrc` writes and return ``encode(stream)``, which writes the file.

    The checks (data, voxel size, origin) happen here, before any file is made.
    """
    volume = volume_for_writing(data, path, check_finite=False)
    spacing = None
    if voxel_size is not None:
        spacing = zyx_triple(voxel_size, "voxel_size", path, positive=True)
        _check_cell(path, spacing, volume.shape)
    offset = zyx_triple(0.0 if origin is None else origin, "origin", path, positive=False)
    if not all(abs(v) <= float(np.finfo(np.float32).max) for v in offset):
        raise ValueError(f"{path}: origin {offset} Å cannot be stored in an MRC header (float32)")
    header = mrc_header(volume.shape, spacing, offset)

    def encode(stream):
        # The data are written straight from the array while other threads compute the header's
        # statistics; the header goes in last.
        stream.write(bytes(HEADER_BYTES))
        with ThreadPoolExecutor(1) as writer:
            written = writer.submit(stream.write, memoryview(volume.reshape(-1)).cast("B"))
            try:
                stats = header_stats(volume)
            finally:
                written.result()
        if not stats.finite:
            raise not_finite(volume, path)
        header.dmin, header.dmax, header.dmean, header.rms = stats.min, stats.max, stats.mean, stats.rms
        stream.seek(0)
        stream.write(header.tobytes())
        stream.seek(0, os.SEEK_END)

    return encode


def _check_cell(path, spacing, shape) -> None:
    """The cell (voxel size times the box, float32 in the header) must hold the voxel size."""
    info = np.finfo(np.float32)
    for v, n in zip(spacing, shape):
        cell = v * n
        if not float(info.tiny) <= cell <= float(info.max):
            raise ValueError(
                f"{path}: voxel_size {v:g} Å cannot be stored in an MRC header: the cell, voxel size × {n} voxels, "
                f"must lie between {float(info.tiny):.3g} and {float(info.max):.3g} Å (float32)"
            )


def mrc_header(shape, voxel_size=None, origin=(0.0, 0.0, 0.0)) -> np.recarray:
    """The header mrcfile writes for float32 data of ``shape`` (z, y, x), without statistics.

    ``voxel_size`` (z, y, x Å, None for none) goes into the cell, ``origin`` (z, y, x Å) into
    ORIGIN, and the one label is :data:`LABEL`.

    Examples
    --------
    >>> h = mrc_header((2, 3, 4), (1.0, 1.0, 1.5))
    >>> int(h.nx), int(h.nz), float(h.cella.x), int(h.mode)
    (4, 2, 6.0, 2)
    """
    mrc = MrcInterpreter()
    mrc._create_default_attributes()  # the documented way to build a header without a stream
    mrc.set_data(np.zeros((1, 1, 1), np.float32))
    header = mrc.header
    nz, ny, nx = (int(n) for n in shape)
    header.nx = header.mx = nx
    header.ny = header.my = ny
    header.nz = header.mz = nz
    if voxel_size is not None:
        mrc.voxel_size = tuple(voxel_size)[::-1]
    header.origin = tuple(origin)[::-1]
    header.label[0] = LABEL
    header.nlabl = 1
    return header.copy()


def _volume(path, layout: Layout, stream) -> Volume:
    """Read the data into a ``[z, y, x]`` array and collect voxel size, origin and facts."""
    header, axes, counts = layout.header, layout.axes, layout.counts
    # stored axes are (sections, rows, columns); their real axes are (maps, mapr, mapc)
    along = axes[::-1]
    order = [along.index(axis) for axis in (3, 2, 1)]
    shape = tuple(counts[i] for i in order)
    native = layout.dtype.newbyteorder("=")
    require_fit(str(path), shape, native, what=f"its data, {' x '.join(map(str, shape))} {native.name} voxels,")
    data = np.empty(shape, native)
    _read_into(path, stream, data.transpose(np.argsort(order)), layout.dtype)

    cell = [_decimal(c) for c in header.cella.item()]
    sampling = [int(header.mx), int(header.my), int(header.mz)]
    known = all(math.isfinite(c) and c > 0 and m > 0 for c, m in zip(cell, sampling))
    spacing_xyz = [c / m for c, m in zip(cell, sampling)] if known else [1.0, 1.0, 1.0]

    origin_field = [_decimal(v) for v in header.origin.item()]
    starts = (int(header.nxstart), int(header.nystart), int(header.nzstart))
    from_field = all(math.isfinite(v) for v in origin_field) and any(origin_field)
    if from_field:
        origin_xyz = origin_field
    else:
        start_xyz = [0, 0, 0]
        for axis, start in zip(axes, starts):
            start_xyz[axis - 1] = start
        origin_xyz = [s * v for s, v in zip(start_xyz, spacing_xyz)]

    facts = {
        "format": "MRC",
        "mode": int(header.mode),
        "dtype": data.dtype.name,
        "byte_order": _BYTE_ORDERS.get(header.nx.dtype.byteorder, sys.byteorder),
        "machine_stamp": " ".join(f"{b:02x}" for b in bytes(header.machst)),
        "shape": list(data.shape),
        "stored_shape": list(counts),
        "mapc_mapr_maps": list(axes),
        "start": list(starts),
        "sampling": sampling,
        "cell_A": [_plain(c) for c in cell],
        "origin_field_A": [_plain(v) for v in origin_field],
        "origin_source": "origin field" if from_field else "start indices",
        "voxel_size_known": known,
        "space_group": int(header.ispg),
        "extended_header_bytes": int(header.nsymbt),
        "extended_header_type": _text(header.exttyp),
        "nversion": int(header.nversion),
        "labels": [_text(label) for label in header.label[: max(0, min(int(header.nlabl), 10))]],
    }
    return Volume(
        data=data,
        voxel_size=tuple(spacing_xyz[::-1]),
        origin=tuple(float(v) for v in origin_xyz[::-1]),
        header=facts,
    )


def _read_into(path, stream, stored: np.ndarray, file_dtype: np.dtype) -> None:
    """Fill ``stored`` (a view ``[section, row, column]`` of the result) from the stream."""
    if stored.flags.c_contiguous and file_dtype == stored.dtype:
        if stream.readinto(memoryview(stored.reshape(-1)).cast("B")) != stored.nbytes:
            raise ValueError(f"{path}: truncated MRC file (it became shorter while being read)")
        return
    section_bytes = stored[0].size * file_dtype.itemsize
    for index in range(stored.shape[0]):
        raw = stream.read(section_bytes)
        if len(raw) != section_bytes:
            raise ValueError(f"{path}: truncated MRC file (it became shorter while being read)")
        stored[index] = np.frombuffer(raw, file_dtype).reshape(stored.shape[1:])


def _decimal(value) -> float:
    """A float32 header number as the shortest decimal that round-trips (33.03, not 33.0299988)."""
    return float(str(np.float32(value)))


def _plain(value: float):
    """JSON-safe number: non-finite values become None."""
    return value if math.isfinite(value) else None


def _text(raw) -> str:
    return bytes(raw).rstrip(b"\0 ").decode("ascii", errors="replace")
