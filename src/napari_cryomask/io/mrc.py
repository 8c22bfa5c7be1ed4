"""MRC maps (MRC2014 and older variants) through ``mrcfile``.

Reading
    The stored array ``[section, row, column]`` is reordered to ``[z, y, x]``
    using MAPC/MAPR/MAPS (which real axis the columns, rows and sections run
    along). The voxel size is ``cell / (mx, my, mz)``; both are defined on the
    real X, Y, Z axes, so they need no reordering. A zero or missing cell gives
    ``(1.0, 1.0, 1.0)`` with ``header["voxel_size_known"] = False``.
    The origin is the header ORIGIN field (X, Y, Z in Å) when it is finite and
    non-zero; otherwise NXSTART/NYSTART/NZSTART times the voxel size. Those start
    indices count columns, rows and sections, so they are reordered like the
    data. Files are opened with mrcfile's permissive mode: header oddities such
    as a missing map ID or an unknown machine stamp are re-issued as warnings
    naming the file, while files whose data cannot be read (truncated, unknown
    mode, bad dimensions or axis order) raise ValueError. Complex modes and 4D
    volume stacks are refused. The data are read fully into memory.

Writing
    Mode 2 (float32), native byte order (little-endian on common machines),
    MAPC/MAPR/MAPS = 1/2/3, NXSTART/NYSTART/NZSTART = 0, the voxel size in the
    cell, the origin in the ORIGIN field. Without a voxel size the cell is left
    zero, which reads back as "voxel size unknown".
"""

from __future__ import annotations

import math
import sys
import warnings

import mrcfile
import numpy as np

from napari_cryomask.io.atomic import atomic_write
from napari_cryomask.io.checks import existing_file, volume_for_writing, zyx_triple
from napari_cryomask.io.volume import Volume

MRC_SUFFIXES = (".mrc", ".map", ".rec", ".mrcs", ".st", ".ali")

_BYTE_ORDERS = {"<": "little", ">": "big", "=": sys.byteorder}


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
    ValueError
        The file is empty, corrupt, truncated, complex or a volume stack.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "box.mrc"
    >>> write_mrc(target, np.ones((2, 3, 4)), voxel_size=5.0)
    >>> read_mrc(target).voxel_size
    (5.0, 5.0, 5.0)
    """
    path = existing_file(path, "MRC")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with mrcfile.open(path, permissive=True) as mrc:
                stored = mrc.data
                header = mrc.header.copy()
        except ValueError as error:
            raise ValueError(f"{path}: not a readable MRC file ({error})") from None
    problems = [str(w.message) for w in caught]
    if stored is None:
        raise ValueError(f"{path}: corrupt or truncated MRC file ({'; '.join(problems)})")
    volume = _volume(path, stored, header)
    for problem in problems:
        warnings.warn(f"{path}: {problem}", stacklevel=3)
    return volume


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
    volume = volume_for_writing(data, path)
    spacing = None
    if voxel_size is not None:
        spacing = zyx_triple(voxel_size, "voxel_size", path, positive=True)
    offset = zyx_triple(0.0 if origin is None else origin, "origin", path, positive=False)

    def write(temp):
        with mrcfile.new(temp) as mrc:
            with np.errstate(over="ignore", invalid="ignore"):
                mrc.set_data(volume)
            if not (np.isfinite(mrc.header.dmean) and np.isfinite(mrc.header.rms)):
                # mrcfile's float32 statistics overflow for very large values; redo them in float64
                mrc.header.dmean = volume.mean(dtype=np.float64)
                mrc.header.rms = volume.std(dtype=np.float64)
            if spacing is not None:
                mrc.voxel_size = spacing[::-1]
            mrc.header.origin = offset[::-1]
            # mrcfile's default label carries the time of writing; a fixed one keeps a replayed
            # mask's file byte-identical to the original.
            mrc.header.label[0] = b"napari-cryomask"
            mrc.header.nlabl = 1

    atomic_write(path, write, overwrite=overwrite)


def _volume(path, stored, header) -> Volume:
    """Reorder the stored array to ``[z, y, x]`` and collect voxel size, origin, facts."""
    if np.iscomplexobj(stored):
        raise ValueError(f"{path}: complex MRC data (mode {int(header.mode)}) not supported")
    if stored.ndim == 4:
        raise ValueError(f"{path}: 4D volume stacks not supported, shape {stored.shape}")
    counts = (int(header.nz), int(header.ny), int(header.nx))
    if min(counts) <= 0:
        raise ValueError(
            f"{path}: MRC dimensions must be positive, got nx, ny, nz = {counts[::-1]}"
        )
    axes = (int(header.mapc), int(header.mapr), int(header.maps))
    if sorted(axes) != [1, 2, 3]:
        raise ValueError(f"{path}: MAPC/MAPR/MAPS = {axes} is not an order of the axes 1, 2, 3")

    # stored axes are (sections, rows, columns); their real axes are (maps, mapr, mapc)
    along = axes[::-1]
    order = [along.index(axis) for axis in (3, 2, 1)]
    stored = stored.reshape(counts)
    data = np.array(stored.transpose(order), dtype=stored.dtype.newbyteorder("="), order="C")

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


def _decimal(value) -> float:
    """A float32 header number as the shortest decimal that round-trips (33.03, not 33.0299988)."""
    return float(str(np.float32(value)))


def _plain(value: float):
    """JSON-safe number: non-finite values become None."""
    return value if math.isfinite(value) else None


def _text(raw) -> str:
    return bytes(raw).rstrip(b"\0 ").decode("ascii", errors="replace")
