"""The `Volume` record returned by `read_volume`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, eq=False)
class Volume:
    """A map read from disk.

    Attributes
    ----------
    data : ndarray
        The map, always 3D and indexed ``[z, y, x]``, in native byte order.
    voxel_size : tuple of 3 float
        Voxel size in Å, ``(z, y, x)``. ``(1.0, 1.0, 1.0)`` when the file does
        not record one (then ``header["voxel_size_known"]`` is False).
    origin : tuple of 3 float
        Position of voxel ``[0, 0, 0]`` in Å, ``(z, y, x)``.
    header : dict
        Plain, JSON-serialisable header facts (format, dtype, byte order, axis
        order, ...), for display and napari layer metadata.

    Examples
    --------
    >>> import numpy as np
    >>> vol = Volume(np.zeros((2, 3, 4), np.float32), (1.0, 1.0, 1.0), (0.0, 0.0, 0.0))
    >>> vol.data.shape
    (2, 3, 4)
    """

    data: np.ndarray
    voxel_size: tuple[float, float, float]
    origin: tuple[float, float, float]
    header: dict = field(default_factory=dict)
