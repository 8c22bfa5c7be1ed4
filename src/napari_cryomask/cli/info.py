"""``cryomask info FILE``: what a mask or map holds. Qt-free."""

from __future__ import annotations

import json
import sys
import warnings

import numpy as np

from ..core.measure import PROTEIN_DENSITY_DA_PER_A3, mask_stats
from ..io import read_volume
from ..recipes import current_recipe, sidecar_path
from .options import add_debug
from .output import known_voxel_size


def add_commands(sub):
    p = sub.add_parser("info", help="describe a mask or map", description=(
        "Print a file's shape (Z,Y,X), voxel size, origin, value range, volume (nm³), mass as "
        "protein (kDa, 0.81 Da/Å³), whether it touches the box edge, and whether it has a recipe."))
    p.set_defaults(run=run_info)
    p.add_argument("file", help="mask or map file")
    p.add_argument("--json", action="store_true", help="print the facts as JSON")
    add_debug(p)


def describe(data, voxel_size=None, origin=None) -> dict:
    """Plain facts about a mask or map (JSON-ready).

    Volume and mass are given for masks (all values in [0, 1]) with a known voxel size; soft
    values count in proportion.

    Examples
    --------
    >>> f = describe(np.ones((2, 2, 2), np.float32), voxel_size=(10.0, 10.0, 10.0))
    >>> f["volume_nm3"], f["touches_edge"]
    (8.0, True)
    """
    data = np.asarray(data)
    finite = data[np.isfinite(data)] if data.dtype.kind == "f" else data.ravel()
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (None, None)
    is_mask = finite.size == data.size and low is not None and low >= 0 and high <= 1
    facts = {
        "shape": [int(n) for n in data.shape],
        "voxel_size": None if voxel_size is None else [float(v) for v in voxel_size],
        "origin": None if origin is None else [float(v) for v in origin],
        "dtype": data.dtype.name,
        "min": low,
        "max": high,
        "is_mask": bool(is_mask),
        "volume_voxels": None,
        "volume_nm3": None,
        "mass_kda": None,
        "touches_edge": None,
    }
    if is_mask:
        stats = mask_stats(data, voxel_size or 1.0)
        facts["volume_voxels"] = stats.volume_voxels
        if voxel_size is not None:
            facts["volume_nm3"], facts["mass_kda"] = stats.volume_nm3, stats.mass_kda
        facts["touches_edge"] = stats.touches_edge
    return facts


def _numbers(values, unit=""):
    return ", ".join(f"{v:g}" for v in values) + unit


def facts_text(facts) -> str:
    """The facts of :func:`describe` as lines for people."""
    lines = [f"file: {facts['file']}"] if "file" in facts else []
    lines.append(f"shape (Z,Y,X): {' x '.join(map(str, facts['shape']))} voxels")
    size = facts["voxel_size"]
    lines.append(f"voxel size (Z,Y,X): {_numbers(size, ' Å') if size else 'unknown (not in the header)'}")
    if facts["origin"] is not None:
        lines.append(f"origin (Z,Y,X): {_numbers(facts['origin'], ' Å')}")
    if facts["min"] is None:
        lines.append(f"values: none finite ({facts['dtype']})")
    else:
        lines.append(f"values: {facts['min']:g} to {facts['max']:g} ({facts['dtype']})")
    if not facts["is_mask"]:
        lines.append("volume and mass: not computed, values are not all in [0, 1] (not a mask)")
    else:
        volume = f"volume: {facts['volume_voxels']:,.1f} voxels"
        if facts["volume_nm3"] is None:
            lines.append(volume + " (no voxel size, so no nm³ or kDa)")
        else:
            lines.append(volume + f" = {facts['volume_nm3']:,.1f} nm³")
            lines.append(f"mass as protein: {facts['mass_kda']:,.1f} kDa ({PROTEIN_DENSITY_DA_PER_A3} Da/Å³)")
        lines.append(f"touches the box edge: {'yes' if facts['touches_edge'] else 'no'}")
    if facts.get("recipe_ignored"):
        lines.append(f"recipe: none usable (ignored {facts['recipe_ignored']})")
    elif "recipe" in facts:
        lines.append(f"recipe: {facts['recipe'] or 'none'}")
    return "\n".join(lines)


def run_info(args):
    """``cryomask info FILE``: print the facts of :func:`describe`, the file name and its recipe."""
    volume = read_volume(args.file)
    facts = {"file": str(args.file), **describe(volume.data, known_voxel_size(volume), volume.origin)}
    recipe, reason = current_recipe(args.file, volume.data)
    facts["recipe"] = None if recipe is None else f"{sidecar_path(args.file)} ({recipe['operation']})"
    if reason is not None:
        facts["recipe_ignored"] = f"{sidecar_path(args.file)}: {reason}"
        warnings.warn(f"ignoring the recipe sidecar {sidecar_path(args.file)}: {reason}", stacklevel=2)
    text = json.dumps(facts, indent=2, ensure_ascii=False) if args.json else facts_text(facts)
    sys.stdout.write(text + "\n")
