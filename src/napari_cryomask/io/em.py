"""EM files (TOM / AV3 / Dynamo), with a small codec of our own.

Layout: a 512-byte header, then the data with x fastest, i.e. a C-order
``(nz, ny, nx)`` = ``[z, y, x]`` array.

=======  =======  ===========================================================
offset   type     meaning
=======  =======  ===========================================================
0        uint8    machine: 0 OS-9, 1 VAX, 2 Convex, 3 SGI, 4 Sun, 5 Mac, 6 PC
1        uint8    general purpose
2        uint8    unused
3        uint8    data type: 1 int8, 2 int16, 4 int32, 5 float32,
                  8 complex64, 9 float64, 10 complex128
4        3 int32  nx, ny, nz
16       80 s     comment
96       40 int32 parameters; the 7th (offset 120) is "objectpixelsize"
256      256 s    user data
=======  =======  ===========================================================

Byte order follows the machine byte: 6 (PC) and 1 (VAX) little-endian, the
others big-endian, for header integers and data alike. Data types 1, 2, 4, 5
and 9 are read; complex data are refused.

Voxel size: EM has no standard voxel-size field. We store it in
"objectpixelsize" as ``round(Å × 1000)`` (milli-ångström) and read it back from
there; 0 means unknown and reads as ``(1.0, 1.0, 1.0)`` with
``header["voxel_size_known"] = False``. One number serves all three axes: when
the voxel size to write is not isotropic (after rounding to 0.001 Å), the x value
is stored and a warning names the file. Voxel sizes that do not fit the field
(below 0.0005 Å or above about 2.1e6 Å) raise ValueError.

Origin: EM has no origin field; it reads as ``(0, 0, 0)`` and a non-zero origin
to write is dropped with a warning.

Writing: little-endian float32, machine 6 (PC), empty comment and user data,
all parameters 0 except objectpixelsize; this is what cryoCAT, emfile and
Dynamo read.
"""

from __future__ import annotations

import os
import struct
import warnings

import numpy as np

from napari_cryomask.core.limits import require_fit
from napari_cryomask.io.atomic import atomic_write
from napari_cryomask.io.checks import existing_file, reading_errors, volume_for_writing, zyx_triple
from napari_cryomask.io.volume import Volume

EM_SUFFIXES = (".em",)

HEADER_BYTES = 512
PIXEL_SIZE_PARAM = 6
_LAYOUT = "4B3i80s40i256s"
_MACHINES = {
    0: ("OS-9", ">"),
    1: ("VAX", "<"),
    2: ("Convex", ">"),
    3: ("SGI", ">"),
    4: ("Sun", ">"),
    5: ("Mac", ">"),
    6: ("PC", "<"),
}
_DTYPES = {1: "i1", 2: "i2", 4: "i4", 5: "f4", 9: "f8"}
_COMPLEX = {8: "complex64", 10: "complex128"}
_MAX_PARAM = 2**31 - 1


def read_em(path) -> Volume:
    """Read an EM file as a `Volume` with data ``[z, y, x]``.

    Parameters
    ----------
    path : str or os.PathLike
        EM file.

    Returns
    -------
    Volume
        Data in the file's dtype (native byte order), voxel size from
        "objectpixelsize", origin ``(0, 0, 0)``, and header facts.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        Empty, short or truncated file, unknown machine or data type code,
        complex data, or non-positive dimensions.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "box.em"
    >>> write_em(target, np.ones((2, 3, 4)), voxel_size=11.4)
    >>> vol = read_em(target)
    >>> vol.data.shape, vol.voxel_size
    ((2, 3, 4), (11.4, 11.4, 11.4))
    """
    path = existing_file(path, "EM")
    with reading_errors(path, "EM"), open(path, "rb") as stream:
        raw = stream.read(HEADER_BYTES)
        if len(raw) < HEADER_BYTES:
            raise ValueError(
                f"{path}: {len(raw)} bytes, too short for the {HEADER_BYTES}-byte EM header"
            )
        machine, dtype_code, (nx, ny, nz), comment, params, order = _parse_header(path, raw)
        dtype = np.dtype(order + _DTYPES[dtype_code])
        expected = nx * ny * nz * dtype.itemsize
        available = os.fstat(stream.fileno()).st_size - HEADER_BYTES
        if available < expected:
            raise ValueError(
                f"{path}: truncated EM file: {nx}x{ny}x{nz} {dtype.name} needs {expected} "
                f"data bytes, found {available}"
            )
        native = dtype.newbyteorder("=")
        require_fit(str(path), (nz, ny, nx), native, what=f"its data, {nz} x {ny} x {nx} {native.name} voxels,")
        data = np.empty((nz, ny, nx), native)
        if stream.readinto(memoryview(data.reshape(-1)).cast("B")) != expected:
            raise ValueError(f"{path}: truncated EM file (it became shorter while being read)")
    if dtype != native:
        data.byteswap(inplace=True)
    if available > expected:
        warnings.warn(
            f"{path}: ignoring {available - expected} bytes after the EM data", stacklevel=3
        )

    pixel = params[PIXEL_SIZE_PARAM]
    known = pixel > 0
    spacing = pixel / 1000 if known else 1.0
    facts = {
        "format": "EM",
        "machine": machine,
        "machine_name": _MACHINES[machine][0],
        "byte_order": "little" if order == "<" else "big",
        "dtype_code": dtype_code,
        "dtype": data.dtype.name,
        "shape": [nz, ny, nx],
        "comment": comment.rstrip(b"\0 ").decode("ascii", errors="replace"),
        "objectpixelsize": pixel,
        "voxel_size_known": known,
        "params": list(params),
    }
    return Volume(data, (spacing,) * 3, (0.0, 0.0, 0.0), facts)


def write_em(path, data, voxel_size=None, origin=None, overwrite=False) -> None:
    """Write ``[z, y, x]`` data as a little-endian float32 EM file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Target file.
    data : array_like
        3D ``[z, y, x]`` data, or 2D ``[y, x]`` written as one z-slice. Must be
        finite in float32.
    voxel_size : float or sequence of 3 float, optional
        Voxel size in Å, stored to 0.001 Å in "objectpixelsize". Not isotropic:
        the x value is stored, with a warning. None stores 0 (unknown).
    origin : float or sequence of 3 float, optional
        EM cannot store an origin; a non-zero one is dropped with a warning.
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
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "mask.em"
    >>> write_em(target, np.zeros((4, 4, 4)), voxel_size=2.62)
    >>> target.stat().st_size
    768
    """
    atomic_write(path, em_encoder(path, data, voxel_size, origin), overwrite=overwrite)


def em_encoder(path, data, voxel_size=None, origin=None):
    """Check what :func:`write_em` writes and return ``encode(stream)``, which writes the file.

    The checks (data, voxel size, origin) and their warnings happen here, before any file is made.
    """
    volume = volume_for_writing(data, path)
    pixel = 0 if voxel_size is None else _pixel_param(voxel_size, path)
    if origin is not None and any(zyx_triple(origin, "origin", path, positive=False)):
        warnings.warn(f"{path}: EM files have no origin; origin {origin!r} not saved", stacklevel=4)
    header = em_header(volume.shape, pixel)

    def encode(stream):
        stream.write(header)
        _write_data(stream, volume)

    return encode


def em_header(shape, objectpixelsize: int = 0) -> bytes:
    """The 512-byte header we write: PC (little-endian) float32 of `shape` ``(z, y, x)``.

    Parameters
    ----------
    shape : tuple of 3 int
        Array shape ``(nz, ny, nx)``.
    objectpixelsize : int, optional
        Voxel size in milli-ångström (0 = unknown).

    Examples
    --------
    >>> header = em_header((2, 3, 4), 11400)
    >>> len(header), header[0], header[3]
    (512, 6, 5)
    """
    nz, ny, nx = shape
    params = [0] * 40
    params[PIXEL_SIZE_PARAM] = objectpixelsize
    return struct.pack("<" + _LAYOUT, 6, 0, 0, 5, nx, ny, nz, b"", *params, b"")


def _write_data(stream, volume: np.ndarray) -> None:
    """Write the data block, one z-plane at a time, x fastest, little-endian float32."""
    for plane in volume:
        stream.write(plane.astype("<f4", copy=False).data)


def _parse_header(path, raw: bytes):
    """Check and unpack an EM header; return machine, dtype code, dims, comment, params, order."""
    machine = raw[0]
    if machine not in _MACHINES:
        raise ValueError(
            f"{path}: unknown EM machine code {machine} (expected 0-6); not an EM file?"
        )
    order = _MACHINES[machine][1]
    fields = struct.unpack(order + _LAYOUT, raw)
    dtype_code = fields[3]
    if dtype_code in _COMPLEX:
        raise ValueError(f"{path}: complex EM data not supported ({_COMPLEX[dtype_code]})")
    if dtype_code not in _DTYPES:
        raise ValueError(
            f"{path}: unknown EM data type code {dtype_code} (readable: 1, 2, 4, 5, 9)"
        )
    dims = fields[4:7]
    if min(dims) <= 0:
        raise ValueError(f"{path}: EM dimensions must be positive, got nx, ny, nz = {dims}")
    return machine, dtype_code, dims, fields[7], fields[8:48], order


def _pixel_param(voxel_size, path) -> int:
    """Voxel size as the integer "objectpixelsize" (milli-Å), warning when anisotropic."""
    spacing = zyx_triple(voxel_size, "voxel_size", path, positive=True)
    milli = [round(v * 1000) for v in spacing]
    if not 0 < milli[2] <= _MAX_PARAM:
        raise ValueError(
            f"{path}: voxel size {spacing[2]} Å cannot be stored in an EM header "
            "(0.001 Å steps, at most 2147483.647 Å)"
        )
    if len(set(milli)) > 1:
        warnings.warn(
            f"{path}: EM stores one voxel size; writing the x value {spacing[2]} Å "
            f"for all axes, not (z, y, x) = {spacing}",
            stacklevel=5,
        )
    return milli[2]
