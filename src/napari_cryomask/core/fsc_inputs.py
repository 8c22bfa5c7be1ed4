"""What the mask check needs of its inputs: two half maps of one box and one cubic voxel, a mask that fits.

Every message names both inputs, with their shapes ``(z, y, x)`` in voxels or voxel sizes in Å,
so that a person knows which file to fix.
"""

from __future__ import annotations

import numpy as np

# Voxel sizes that agree to this relative tolerance are the same (headers store 4-5 digits).
VOXEL_SIZE_RTOL = 1e-4


def _triple(voxel_size, name):
    values = np.atleast_1d(np.asarray(voxel_size, dtype=float)).ravel()
    if values.size == 1:
        values = np.repeat(values, 3)
    if values.size != 3 or not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError(f"the voxel size of {name} must be one positive number or three (z, y, x) in Å, got {voxel_size!r}")
    return tuple(float(v) for v in values)


def _text(voxel_size):
    return ", ".join(f"{v:g}" for v in voxel_size) + " Å"


def same_voxel_size(a, b) -> bool:
    """True when two (z, y, x) voxel sizes agree to :data:`VOXEL_SIZE_RTOL`."""
    return bool(np.allclose(a, b, rtol=VOXEL_SIZE_RTOL, atol=0))


def cubic_voxel_size(voxel_size, name: str = "the maps") -> float:
    """The one voxel size in Å of cubic voxels; refuses voxels that differ between axes.

    Examples
    --------
    >>> cubic_voxel_size((2.0, 2.0, 2.0))
    2.0
    >>> cubic_voxel_size((1.0, 1.0, 1.5), "half1.mrc")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: half1.mrc has voxels of 1, 1, 1.5 Å (z, y, x): the FSC needs cubic voxels ...
    """
    size = _triple(voxel_size, name)
    if not same_voxel_size(size, (size[0],) * 3):
        raise ValueError(
            f"{name} has voxels of {_text(size)} (z, y, x): the FSC needs cubic voxels "
            "(the same size on every axis); resample the map first"
        )
    return size[0]


def check_half_maps(shape1, shape2, voxel_size1, voxel_size2, names=("half map 1", "half map 2")) -> float:
    """Check that two half maps share one box and one cubic voxel; return the voxel size in Å.

    Examples
    --------
    >>> check_half_maps((64, 64, 64), (64, 64, 64), 2.0, (2.0, 2.0, 2.0))
    2.0
    >>> check_half_maps((64, 64, 64), (60, 64, 64), 2.0, 2.0, ("h1.mrc", "h2.mrc"))
    Traceback (most recent call last):
    ...
    ValueError: h2.mrc has shape (60, 64, 64) but h1.mrc has (64, 64, 64) (z, y, x voxels): the half maps must share one box
    """
    first, second = names
    shape1, shape2 = tuple(int(n) for n in shape1), tuple(int(n) for n in shape2)
    if len(shape1) != 3 or len(shape2) != 3:
        odd = first if len(shape1) != 3 else second
        raise ValueError(f"{odd} is not a 3D map (shape {shape1 if odd == first else shape2})")
    if shape1 != shape2:
        raise ValueError(f"{second} has shape {shape2} but {first} has {shape1} (z, y, x voxels): the half maps must share one box")
    size1, size2 = _triple(voxel_size1, first), _triple(voxel_size2, second)
    if not same_voxel_size(size1, size2):
        raise ValueError(f"{second} has voxels of {_text(size2)} but {first} has {_text(size1)}: the half maps must share one voxel size")
    return cubic_voxel_size(size1, first)


def check_mask(mask_shape, mask_voxel_size, map_shape, map_voxel_size, names=("the mask", "half map 1")) -> list[str]:
    """Check that a mask fits the half maps: the same box (an error) and the same voxel size (a warning).

    ``mask_voxel_size`` may be None (unknown), which is not checked. Returns the warnings.

    Examples
    --------
    >>> check_mask((64, 64, 64), 2.1, (64, 64, 64), 2.0, ("mask.mrc", "h1.mrc"))  # doctest: +ELLIPSIS
    ['mask.mrc has voxels of 2.1, 2.1, 2.1 Å but the half maps (h1.mrc) have 2, 2, 2 Å: the mask was made for ...']
    """
    mask_name, map_name = names
    mask_shape, map_shape = tuple(int(n) for n in mask_shape), tuple(int(n) for n in map_shape)
    if mask_shape != map_shape:
        raise ValueError(
            f"{mask_name} has shape {mask_shape} but the half maps ({map_name}) have {map_shape} "
            "(z, y, x voxels): the mask must have the box of the half maps"
        )
    if mask_voxel_size is None:
        return []
    mask_size, map_size = _triple(mask_voxel_size, mask_name), _triple(map_voxel_size, map_name)
    if same_voxel_size(mask_size, map_size):
        return []
    return [
        f"{mask_name} has voxels of {_text(mask_size)} but the half maps ({map_name}) have {_text(map_size)}: "
        "the mask was made for another sampling; make it again on the half maps"
    ]
