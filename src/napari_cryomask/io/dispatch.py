"""Pick the MRC or EM codec from a file's suffix.

Warnings from the codecs use a stack level that points at the caller of
`read_volume` / `write_volume`.
"""

from __future__ import annotations

from pathlib import Path

from napari_cryomask.io.atomic import atomic_write
from napari_cryomask.io.em import EM_SUFFIXES, em_encoder, read_em
from napari_cryomask.io.mrc import MRC_SUFFIXES, mrc_encoder, read_mrc
from napari_cryomask.io.volume import Volume


def is_supported(path) -> bool:
    """Whether `path` has a suffix we read and write (MRC family or EM, any case).

    Only the name is looked at; the file need not exist.

    Examples
    --------
    >>> is_supported("average.MAP"), is_supported("mask.em"), is_supported("cells.tif")
    (True, True, False)
    """
    return Path(path).suffix.lower() in MRC_SUFFIXES + EM_SUFFIXES


def read_volume(path) -> Volume:
    """Read an MRC-family or EM map.

    Parameters
    ----------
    path : str or os.PathLike
        ``.mrc .map .rec .mrcs .st .ali`` (MRC) or ``.em`` file, any case.

    Returns
    -------
    Volume
        ``data`` ``[z, y, x]`` (always 3D, file dtype, native byte order),
        ``voxel_size`` and ``origin`` ``(z, y, x)`` in Å, and ``header`` facts.
        See `napari_cryomask.io.mrc` and `napari_cryomask.io.em` for how each
        format's voxel size and origin are found.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    OSError
        The file cannot be read (permissions, I/O error).
    ValueError
        Unsupported suffix, or a file that is empty, corrupt or truncated, or
        whose data would not fit in memory; the message names the file and the
        header field that is wrong. Nothing else escapes, whatever the bytes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "mask.mrc"
    >>> write_volume(target, np.ones((8, 16, 16)), voxel_size=4.0)
    >>> vol = read_volume(target)
    >>> vol.data.shape, vol.voxel_size, vol.header["format"]
    ((8, 16, 16), (4.0, 4.0, 4.0), 'MRC')
    """
    return _codec(path)[0](path)


def write_volume(path, data, voxel_size=None, origin=None, overwrite=False) -> None:
    """Write ``[z, y, x]`` data as a float32 MRC or EM map, chosen by suffix.

    The write is atomic (:mod:`napari_cryomask.io.atomic`): a temporary file in
    the same folder is written and then moved onto `path`, so a failed or
    interrupted write leaves an existing file intact and no temporary file
    behind; ``overwrite=False`` is race-free and replacing keeps the file's
    permission bits.

    Parameters
    ----------
    path : str or os.PathLike
        Target file (suffix as for `read_volume`).
    data : array_like
        3D ``[z, y, x]`` real data, or 2D ``[y, x]`` written as a single
        z-slice ``(1, y, x)``. Converted to float32; NaN, ±inf and values beyond
        the float32 range are refused.
    voxel_size : float or sequence of 3 float, optional
        Voxel size in Å, ``(z, y, x)``, all > 0. None records "unknown" (reads
        back as 1.0). EM keeps one value (x) to 0.001 Å.
    origin : float or sequence of 3 float, optional
        Position of voxel ``[0, 0, 0]`` in Å, ``(z, y, x)``. Default 0. EM
        cannot store it (warning when non-zero).
    overwrite : bool, optional
        Replace an existing file. Default False.

    Raises
    ------
    FileExistsError
        `path` exists and `overwrite` is False.
    FileNotFoundError
        The target folder does not exist.
    ValueError
        Unsupported suffix, or unusable data, voxel size or origin.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "sphere.em"
    >>> write_volume(target, np.zeros((32, 32, 32)), voxel_size=2.62)
    >>> read_volume(target).voxel_size
    (2.62, 2.62, 2.62)
    """
    atomic_write(path, volume_encoder(path, data, voxel_size, origin), overwrite=overwrite)


def volume_encoder(path, data, voxel_size=None, origin=None):
    """Check data for `path`'s format and return ``encode(stream)``, which writes the file's bytes.

    For writers that manage the file themselves (:class:`~napari_cryomask.io.atomic.PendingFile`),
    such as a mask written together with its recipe. Bad data, voxel size or origin raise
    ``ValueError`` here, before any file is made.
    """
    return _codec(path)[1](path, data, voxel_size=voxel_size, origin=origin)


def _codec(path):
    suffix = Path(path).suffix.lower()
    if suffix in MRC_SUFFIXES:
        return read_mrc, mrc_encoder
    if suffix in EM_SUFFIXES:
        return read_em, em_encoder
    supported = " ".join(MRC_SUFFIXES + EM_SUFFIXES)
    raise ValueError(
        f"{path}: unsupported file type {suffix or '(no suffix)'!r}; use one of {supported}"
    )
