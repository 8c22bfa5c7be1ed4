"""The text a mask widget shows under its controls: what the current mask holds."""

from __future__ import annotations

from ..core.measure import mask_stats


def readout_text(mask, voxel_size, density=None) -> str:
    """Volume (voxels and nm³), protein mass, share of the map's density and an edge warning.

    Parameters
    ----------
    mask : array in [0, 1]
        The mask on screen.
    voxel_size : float or (z, y, x) floats, Å
        Use 1.0 when there is no map (the volume in nm³ then means cubic voxels of 1 Å).
    density : array, optional
        The reference map, same shape as ``mask``; adds the share of its positive density inside.

    Returns
    -------
    str
        One fact per line, as :meth:`~napari_cryomask.core.measure.MaskStats.summary`.

    Examples
    --------
    >>> import numpy as np
    >>> print(readout_text(np.ones((10, 10, 10)), 2.0))
    volume: 1,000 voxels = 8.0 nm³
    as protein: 6 kDa
    warning: the mask touches the box edge
    """
    return mask_stats(mask, voxel_size, density).summary()
