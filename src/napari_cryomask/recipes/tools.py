"""Recipe operations of the last mile: symmetrize, helix, clip, apply and resample (hand edits: :mod:`.tools_edit`).

Each takes one input recipe (the mask it works on).

- ``symmetrize``: ``params = {"group", "center", "mode", "threshold", "edge", "edge_width_px"}``;
  point-group symmetry (:func:`~napari_cryomask.core.symmetry.symmetrize`). When the input is a
  ``shape`` recipe on isotropic voxels each copy is that shape moved exactly; otherwise the input
  mask is resampled. With ``mode="average"`` the thresholded average gets the soft edge ``edge``
  of ``edge_width_px`` rebuilt around it.
- ``helix``: ``params = {"twist_deg", "rise_px", "units", "center", "mode", "threshold", "edge",
  "edge_width_px", "z_fraction", "z_edge_px"}``; helical symmetry when ``twist_deg`` and
  ``rise_px`` are given, then the central ``z_fraction`` of the box with a cosine taper of
  ``z_edge_px`` when ``z_fraction`` is given.
- ``clip``: ``params = {"by", "radius", "size", "center", "edge_width_px"}``: 0 beyond an outer
  sphere (``by="sphere"``) or box (``by="box"``), with the taper inside.
- ``apply``: the map ``map`` (a path; ``map_sha256`` pins its data) times the input mask,
  ``params = {"outside", "lowpass_A"}``. The result is a masked map, not a mask.
- ``resample``: the input mask put on this recipe's grid (``box_shape``, ``voxel_size``,
  ``origin``); ``params = {"from_voxel_size", "from_origin", "edge", "edge_width_A", "level"}``.

Lengths are voxels (of the recipe's grid) unless their names say Å.
"""

from __future__ import annotations

from pathlib import Path

from ..core.apply import OUTSIDE, apply_mask
from ..core.clip import clip_box, clip_sphere
from ..core.copies import MODES, isotropic, moved_copies, moved_shapes, shape_copies_mask
from ..core.edge_rebuild import estimate_edge, soft_from_binary
from ..core.edges import EDGES
from ..core.geometry import as_triple, center_of
from ..core.helix import helical_moves, helix_z_clip, units_in_box
from ..core.resample import resample_mask
from ..core.symmetry import GROUP_NAMES, parse_group, symmetry_operators
from ..io import read_volume
from .document import data_digest
from .registry import operation
from .schema import Choice, Field, Number, Triple, Whole


class GroupName(Field):
    """A point group name :func:`~napari_cryomask.core.symmetry.parse_group` reads."""

    def check(self, value):
        try:
            if isinstance(value, str):
                parse_group(value)
                return None
        except ValueError:
            pass
        return f"be a symmetry group: {GROUP_NAMES}"


MAX_HELIX_UNITS = 1000
LENGTH = Number(0, optional=True, nullable=True)
SHARE = Number(0, 1, open_low=True, optional=True)
REBUILT_EDGE = {"edge": Choice(EDGES, optional=True), "edge_width_px": Number(0, optional=True)}
COPIES = {"center": Triple(optional=True, nullable=True), "mode": Choice(MODES, optional=True), "threshold": SHARE, **REBUILT_EDGE}


def known_edge(recipe) -> tuple[str, float] | None:
    """The soft edge ``(edge, width in voxels)`` a recipe's mask has, when the recipe says; else None.

    >>> known_edge({"operation": "shape", "params": {"shape": "sphere", "radius": 4, "edge": "cosine", "edge_width_px": 3}})
    ('cosine', 3)
    """
    op, p = recipe.get("operation"), recipe.get("params", {})
    if op in ("shape", "soften", "edit") or (op == "tight" and not p.get("invert")):
        return p.get("edge", "cosine" if op == "soften" else "none"), p.get("edge_width_px", 0.0)
    if op in ("symmetrize", "helix") and p.get("mode") == "average":
        return p.get("edge", "none"), p.get("edge_width_px", 0.0)
    if op == "resample" and recipe.get("voxel_size"):
        return p.get("edge", "none"), p.get("edge_width_A", 0.0) / min(recipe["voxel_size"])
    if op in ("symmetrize", "helix", "clip") and recipe.get("inputs"):
        return known_edge(recipe["inputs"][0])
    return None


def edge_of(recipe, mask) -> tuple[str, float]:
    """The soft edge of a mask in voxels: what its recipe says, else estimated from the mask."""
    known = known_edge(recipe) if recipe is not None else None
    if known is not None:
        return known
    return estimate_edge(mask)


def _copies(recipe, context, moves_px, moves_A, center):
    """The moved copies of the input, exact for a shape input; the average gets its edge rebuilt."""
    p = recipe.get("params", {})
    mode, threshold = p.get("mode", "union"), p.get("threshold", 0.5)
    mask, voxel_size = context.inputs[0]
    source = recipe["inputs"][0]
    center = center_of(center, mask.shape)
    if source.get("operation") == "shape" and isotropic(voxel_size):
        copies = moved_shapes(source.get("params", {}), moves_px, center, mask.shape)
        out = shape_copies_mask(mask.shape, copies, mode=mode, threshold=threshold)
    else:
        out = moved_copies(mask, moves_A, center, voxel_size=voxel_size, mode=mode, threshold=threshold)
    if mode == "average":
        out = soft_from_binary(out >= 0.5, p.get("edge", "none"), p.get("edge_width_px", 0.0))
    return out


@operation("symmetrize", params={"group": GroupName(), **COPIES}, inputs="one")
def _symmetrize(recipe, context):
    p = recipe.get("params", {})
    moves = [(m, (0.0, 0.0, 0.0)) for m in symmetry_operators(p["group"])]
    return _copies(recipe, context, moves, moves, p.get("center"))


@operation(
    "helix",
    params={
        "twist_deg": Number(optional=True, nullable=True),
        "rise_px": Number(0, optional=True, nullable=True),
        "units": Whole(1, MAX_HELIX_UNITS, optional=True, nullable=True),
        **COPIES,
        "z_fraction": Number(0, 1, open_low=True, optional=True, nullable=True),
        "z_edge_px": Number(0, optional=True),
    },
    inputs="one",
)
def _helix(recipe, context):
    p = recipe.get("params", {})
    mask, voxel_size = context.inputs[0]
    twist, rise = p.get("twist_deg"), p.get("rise_px")
    if (twist is None) != (rise is None):
        raise ValueError("helix recipe: twist_deg and rise_px go together")
    if twist is not None:
        units = p.get("units") or units_in_box(mask.shape[0], rise)
        mask = _copies(
            recipe, context, helical_moves(twist, rise, units), helical_moves(twist, rise, units, voxel_size), p.get("center")
        )
    if p.get("z_fraction") is not None:
        mask = helix_z_clip(mask, p["z_fraction"], p.get("z_edge_px", 0.0))
    return mask


@operation(
    "clip",
    params={
        "by": Choice(("sphere", "box")),
        "radius": Number(0, open_low=True, optional=True, nullable=True),
        "size": Triple(Number(0, open_low=True), optional=True, nullable=True),
        "center": Triple(optional=True, nullable=True),
        "edge_width_px": Number(0, optional=True),
    },
    inputs="one",
)
def _clip(recipe, context):
    p = recipe.get("params", {})
    mask = context.inputs[0][0]
    width = p.get("edge_width_px", 0.0)
    if p["by"] == "sphere":
        if p.get("radius") is None:
            raise ValueError("clip recipe: clipping by a sphere needs radius")
        return clip_sphere(mask, p["radius"], center=p.get("center"), edge_width_px=width)
    if p.get("size") is None:
        raise ValueError("clip recipe: clipping by a box needs size")
    return clip_box(mask, p["size"], center=p.get("center"), edge_width_px=width)


def _apply_on_map(recipe, like, like_path):
    recipe["map"] = str(Path(like_path).resolve())
    recipe.pop("map_sha256", None)


@operation(
    "apply",
    params={"outside": Choice(OUTSIDE), "lowpass_A": Number(0, open_low=True, optional=True, nullable=True)},
    inputs="one",
    retarget=_apply_on_map,
)
def _apply(recipe, context):
    p = recipe.get("params", {})
    if context.like is not None:
        volume = context.like
    else:
        path = recipe.get("map")
        if not path:
            raise ValueError("apply recipe: the map is missing")
        volume = read_volume(path)
        recorded = recipe.get("map_sha256")
        if recorded and recorded != data_digest(volume.data):
            raise ValueError(f"apply recipe: {path} has changed since the recipe was made (its data no longer match)")
    voxel_size = context.voxel_size or tuple(volume.voxel_size)
    masked = apply_mask(volume.data, context.inputs[0][0], outside=p["outside"], lowpass_A=p.get("lowpass_A"), voxel_size=voxel_size)
    return masked, voxel_size


def _resample_on_map(recipe, like, like_path):
    # The input is moved onto the map as well, so it is resampled from the map's grid.
    recipe["params"]["from_voxel_size"] = list(as_triple(like.voxel_size, "voxel_size"))
    recipe["params"]["from_origin"] = list(as_triple(like.origin, "origin"))


@operation(
    "resample",
    params={
        "from_voxel_size": Triple(Number(0, open_low=True)),
        "from_origin": Triple(optional=True),
        "edge": Choice(EDGES),
        "edge_width_A": Number(0),
        "level": Number(0, 1, open_low=True, optional=True),
    },
    inputs="one",
    retarget=_resample_on_map,
)
def _resample(recipe, context):
    p = recipe.get("params", {})
    if context.box_shape is None or context.voxel_size is None:
        raise ValueError("resample recipe: it needs the box_shape and voxel_size of the grid it resamples onto")
    origin = context.like.origin if context.like is not None else (recipe.get("origin") or (0.0, 0.0, 0.0))
    from_voxel_size = p["from_voxel_size"] if context.like is None else context.like.voxel_size
    from_origin = p.get("from_origin") or (0.0, 0.0, 0.0)
    if context.like is not None:
        from_origin = context.like.origin
    return resample_mask(
        context.inputs[0][0], from_voxel_size, context.box_shape, context.voxel_size, origin=from_origin, like_origin=origin,
        edge=p["edge"], edge_width_A=p["edge_width_A"], level=p.get("level", 0.5),
    )

