"""What every mask-making subcommand shares: lengths in voxels, input recipes, writing a mask. Qt-free.

Each subcommand turns its options into a recipe (lengths in voxels), computes the mask exactly as
:func:`~napari_cryomask.recipes.apply_recipe` replays it, writes the mask and then its recipe
beside it as ``<output>.json``.
"""

from __future__ import annotations

import json
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..core.grid_check import warn_grid_mismatch
from ..core.measure import mask_stats
from ..core.units import single_length_px
from ..io import read_volume
from ..recipes import apply_recipe, current_recipe, data_digest, file_recipe, sidecar_path, write_with_recipe
from .options import UsageError


def known_voxel_size(volume) -> tuple | None:
    """A map's voxel size, or None when its header does not record one."""
    return tuple(volume.voxel_size) if volume.header.get("voxel_size_known", True) else None


def triple_text(values):
    return ",".join(f"{v:g}" for v in values)


class Lengths:
    """Converts length options to voxels.

    Parameters
    ----------
    unit : {"voxel", "angstrom"}
    voxel_size : (z, y, x) Å or None
    missing : str
        What to tell the user when Å are asked for but there is no voxel size.
    """

    def __init__(self, unit, voxel_size, missing):
        if unit == "angstrom" and voxel_size is None:
            raise UsageError(f"--unit angstrom needs a pixel size: {missing}")
        self.unit, self.voxel_size = unit, voxel_size

    def scalar(self, value, option):
        """One length in voxels; an error when Å meet voxels that are not cubic (the GUI's rule too)."""
        if value is None or value == 0 or self.unit == "voxel":
            return value
        try:
            return single_length_px(value, self.voxel_size, option)
        except ValueError as err:
            raise UsageError(f"{err} (--unit voxel)") from None

    def triple(self, values, option):
        """A Z,Y,X triple of lengths in voxels, each divided by its axis' voxel size."""
        if values is None or self.unit == "voxel":
            return values
        return tuple(v / s for v, s in zip(values, self.voxel_size))


def roundtrip(recipe):
    """The recipe as it reads back from JSON, so the mask is computed from what is saved."""
    return json.loads(json.dumps(recipe))


def check_output(path, force):
    """Refuse to replace an existing output or its recipe sidecar unless ``--force`` was given."""
    if force:
        return
    if os.path.lexists(path):
        raise FileExistsError(f"{path} exists; add --force to overwrite it")
    if os.path.lexists(sidecar_path(path)):
        raise FileExistsError(f"{sidecar_path(path)} exists (the recipe of {path}); add --force to overwrite it")


def write_mask(args, recipe, mask, voxel_size, origin):
    """Write the mask and its recipe sidecar together, then one line about them on stdout."""
    # The mask is measured while it is written (NumPy lets go of the GIL as it sums).
    with ThreadPoolExecutor(1) as measuring:
        measured = measuring.submit(mask_stats, mask, voxel_size or 1.0)
        sidecar = write_with_recipe(args.output, mask, recipe, voxel_size=voxel_size, origin=origin, overwrite=args.force)
        stats = measured.result()
    if voxel_size:
        size = f"{triple_text(voxel_size)} Å voxels, volume {stats.volume_nm3:,.1f} nm³"
    else:
        size = f"voxel size unknown, volume {stats.volume_voxels:,.1f} voxels"
    print(f"wrote {args.output} ({'x'.join(map(str, mask.shape))} voxels, {size}) and its recipe {sidecar}")
    if stats.volume_voxels <= 0 and not mask.any():
        warnings.warn(f"{args.output} is empty: no voxel is inside the mask", stacklevel=2)
    elif stats.touches_edge:
        warnings.warn(f"{args.output} touches the box edge", stacklevel=2)


def input_recipe(path, volume) -> dict:
    """The recipe of an input mask file: its sidecar when that still matches the data, else the file.

    A sidecar that is unreadable, invalid or stale is ignored with a warning saying why; the
    mask itself is used all the same.
    """
    recipe, reason = current_recipe(path, volume.data)
    if recipe is not None and not recipe.get("data_sha256"):
        # a recipe without a digest (saved by an older version, say) is checked by replaying it
        try:
            if data_digest(apply_recipe(recipe)[0]) != data_digest(volume.data):
                recipe, reason = None, "it does not reproduce the file's data"
        except (ValueError, OSError) as err:
            recipe, reason = None, f"it cannot be replayed: {err}"
    if recipe is not None:
        return dict(recipe, source_file=str(Path(path).resolve()))
    if reason is not None:
        warnings.warn(f"ignoring the recipe sidecar {sidecar_path(path)} ({reason}); the recipe records {path} itself", stacklevel=2)
    return file_recipe(path, volume)


def read_masks(paths):
    """Read mask files that must share one box; warn when their voxel sizes differ."""
    volumes = [read_volume(p) for p in paths]
    first = volumes[0]
    for path, v in zip(paths[1:], volumes[1:]):
        if v.data.shape != first.data.shape:
            raise ValueError(f"{path} has shape {v.data.shape} but {paths[0]} has {first.data.shape}; masks must share one box")
        sizes = known_voxel_size(v), known_voxel_size(first)
        if None not in sizes:  # the result keeps the first mask's pixel size
            warn_grid_mismatch(v.data.shape, sizes[0], first.data.shape, sizes[1], mask=path, map=paths[0], stacklevel=2)
    return volumes
