"""Input checks shared by the MRC and EM readers and writers.

Every error message starts with the file it is about.
"""

from __future__ import annotations

import contextlib
import math
from pathlib import Path

import numpy as np


def existing_file(path, kind: str) -> Path:
    """Return `path` as a Path after checking it is a non-empty file.

    Parameters
    ----------
    path : str or os.PathLike
        File to read.
    kind : str
        Format name used in messages, e.g. ``"MRC"``.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        The path is not a regular file, or the file is empty.

    Examples
    --------
    >>> existing_file("no/such/map.mrc", "MRC")
    Traceback (most recent call last):
    ...
    FileNotFoundError: no/such/map.mrc: no such file
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if not path.is_file():
        raise ValueError(f"{path}: not a regular file, cannot read it as {kind}")
    if path.stat().st_size == 0:
        raise ValueError(f"{path}: empty file, not a valid {kind} file")
    return path


@contextlib.contextmanager
def reading_errors(path, kind: str):
    """Let only ``ValueError`` and ``OSError`` naming `path` out of a read.

    A hostile file must not surface as ``MemoryError``, ``OverflowError`` or an error that does
    not say which file it is about.

    Examples
    --------
    >>> with reading_errors("m.mrc", "MRC"):
    ...     1 // 0
    Traceback (most recent call last):
    ValueError: m.mrc: unreadable MRC file (ZeroDivisionError: integer division or modulo by zero)
    """
    try:
        yield
    except OSError:
        raise
    except ValueError as error:
        if str(path) in str(error):
            raise
        raise ValueError(f"{path}: {error}") from error
    except Exception as error:
        raise ValueError(f"{path}: unreadable {kind} file ({type(error).__name__}: {error})") from error


def volume_for_writing(data, path, *, check_finite: bool = True) -> np.ndarray:
    """Return `data` as a C-contiguous float32 ``[z, y, x]`` array ready to write.

    A 2D array ``[y, x]`` is taken as a single z-slice and becomes ``(1, y, x)``.
    Integer and boolean data are converted to float32 (C-contiguous float32 data are not
    copied). Complex data, empty arrays, other dimensionalities and (with `check_finite`)
    values that are not finite in float32 (NaN, ±inf, or beyond the float32 range) are refused.

    Parameters
    ----------
    data : array_like
        2D or 3D real-valued data.
    path : str or os.PathLike
        Target file, named in error messages.
    check_finite : bool, optional
        Check the values here (one z-plane at a time); False when the caller checks them
        itself, e.g. while computing header statistics.

    Raises
    ------
    ValueError
        The data cannot be written.

    Examples
    --------
    >>> volume_for_writing(np.ones((3, 4), bool), "m.mrc").shape
    (1, 3, 4)
    """
    array = np.asarray(data)
    if array.dtype.kind not in "biuf":
        raise ValueError(
            f"{path}: cannot write data of dtype {array.dtype}; need real numbers"
        )
    if array.ndim == 2:
        array = array[np.newaxis]
    if array.ndim != 3:
        raise ValueError(f"{path}: data must be 2D or 3D [z, y, x], got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{path}: data is empty, shape {array.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        volume = np.ascontiguousarray(array, dtype=np.float32)
    if check_finite:
        for plane in volume:
            low, high = plane.min(), plane.max()
            if not (np.isfinite(low) and np.isfinite(high)):
                raise not_finite(volume, path)
    return volume


def not_finite(volume, path) -> ValueError:
    """The error for float32 data holding NaN or infinite values, with how many there are."""
    bad = sum(int(np.count_nonzero(~np.isfinite(plane))) for plane in volume)
    return ValueError(
        f"{path}: data has {bad} value(s) that are NaN, infinite or beyond the "
        "float32 range; replace them (e.g. numpy.nan_to_num) before writing"
    )


def zyx_triple(value, name: str, path, *, positive: bool) -> tuple[float, float, float]:
    """Return `value` (a number or three numbers ``(z, y, x)``) as three floats.

    Parameters
    ----------
    value : float or sequence of 3 float
        A single number is used for all three axes.
    name : str
        Parameter name for messages.
    path : str or os.PathLike
        Target file, named in messages.
    positive : bool
        Require every value to be greater than zero.

    Raises
    ------
    ValueError
        Wrong length, non-numeric, non-finite or (with `positive`) not positive.

    Examples
    --------
    >>> zyx_triple(2.5, "voxel_size", "m.mrc", positive=True)
    (2.5, 2.5, 2.5)
    """
    try:
        values = [float(v) for v in np.ravel(value)]
    except (TypeError, ValueError):
        raise ValueError(f"{path}: {name} must be numbers, got {value!r}") from None
    if len(values) == 1:
        values *= 3
    if len(values) != 3:
        raise ValueError(f"{path}: {name} must be one number or three (z, y, x), got {value!r}")
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"{path}: {name} must be finite, got {value!r}")
    if positive and min(values) <= 0:
        raise ValueError(f"{path}: {name} must be greater than zero, got {value!r}")
    return tuple(values)
