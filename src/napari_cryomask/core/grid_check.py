"""Does a mask sit on a map's grid? One check, and one warning, for every place a mask meets a map.

RELION 3.1 and later, M and pytom read the pixel size from a mask's header and refuse a mask whose
pixel size or box differs from the map's; a mask saved with the wrong one fails there, far from
here. Call :func:`warn_grid_mismatch` wherever a mask is combined with, checked against or saved
for a map.
"""

from __future__ import annotations

import warnings

import numpy as np

# Pixel sizes that agree to this relative tolerance count as the same (headers round them).
RTOL = 1e-3


def _sizes(values):
    return "×".join(f"{v:g}" for v in values)


def grid_mismatch(mask_shape, mask_voxel_size, map_shape, map_voxel_size, *, mask="the mask", map="the map") -> str | None:
    """What differs between a mask's grid and a map's, as one sentence; None when they agree.

    Parameters
    ----------
    mask_shape, map_shape : (z, y, x) ints
    mask_voxel_size, map_voxel_size : (z, y, x) Å, or None when the header records none
    mask, map : str
        How to name them in the sentence (file names, layer names).

    Examples
    --------
    >>> grid_mismatch((64, 64, 64), (2.0, 2.0, 2.0), (64, 64, 64), (2.0, 2.0, 2.0)) is None
    True
    >>> print(grid_mismatch((64, 64, 64), (2.0, 2.0, 2.0), (32, 32, 32), (4.0, 4.0, 4.0), mask="m.mrc", map="avg.mrc"))
    m.mrc is 64×64×64 voxels of 2 Å but avg.mrc is 32×32×32 voxels of 4 Å; RELION 3.1+, M and pytom refuse a mask \
whose box or pixel size differs from the map's (cryomask resample m.mrc --like avg.mrc puts it on the map's grid)
    """
    mask_shape, map_shape = tuple(int(n) for n in mask_shape), tuple(int(n) for n in map_shape)
    problems = []
    if mask_shape != map_shape:
        problems.append("box")
    if mask_voxel_size is None and map_voxel_size is not None:
        problems.append("unknown")
    elif mask_voxel_size is not None and map_voxel_size is not None:
        if not np.allclose(mask_voxel_size, map_voxel_size, rtol=RTOL, atol=0):
            problems.append("pixel")
    if not problems:
        return None

    def grid(shape, voxel_size):
        size = "unknown size" if voxel_size is None else (
            f"{voxel_size[0]:g} Å" if len(set(voxel_size)) == 1 else f"{_sizes(voxel_size)} Å"
        )
        return f"{_sizes(shape)} voxels of {size}"

    what = f"{mask} is {grid(mask_shape, mask_voxel_size)} but {map} is {grid(map_shape, map_voxel_size)}"
    if problems == ["unknown"]:
        what = f"{mask} records no pixel size but {map} has {grid(map_shape, map_voxel_size).split(' of ')[1]}"
    return (
        f"{what}; RELION 3.1+, M and pytom refuse a mask whose box or pixel size differs from the map's "
        f"(cryomask resample {mask} --like {map} puts it on the map's grid)"
    )


def warn_grid_mismatch(mask_shape, mask_voxel_size, map_shape, map_voxel_size, *, mask="the mask", map="the map", stacklevel=2) -> bool:
    """Warn (``UserWarning``) when :func:`grid_mismatch` finds a difference; True when it warned."""
    message = grid_mismatch(mask_shape, mask_voxel_size, map_shape, map_voxel_size, mask=mask, map=map)
    if message is not None:
        warnings.warn(message, UserWarning, stacklevel=stacklevel + 1)
    return message is not None
