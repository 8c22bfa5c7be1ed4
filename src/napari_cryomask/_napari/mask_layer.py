"""How a mask looks in napari, and which layers are masks. Qt-free.

A mask is a float32 Image layer with values in [0, 1]. Each new mask takes the next colour of a
colour-blind-safe cycle (Okabe & Ito) that is least used by the masks already in the viewer; it
is drawn translucent over the map (not additive, which turns white over bright density), as an
iso-surface at 0.5 in 3D. Two displays:

- ``"fill"``: transparent at 0, the mask's colour at 1, soft edges fading between;
- ``"edge band"``: steps that show the 0.5 contour and the extent of the soft edge in 2D: voxels
  with 0 < m < 0.5 faint, 0.5 ≤ m < 1 strong (the 0.5 contour is where faint meets strong), the
  inside (m = 1) light.

The recipe that reproduces a mask is kept in its layer's metadata (``METADATA_KEY``); a layer
whose data no longer match it is marked with ``STALE_KEY`` (why), which saving reports.
"""

from __future__ import annotations

import weakref

import numpy as np

from ..recipes import METADATA_KEY, make_recipe
from .surface import follow

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour vision deficiency.
COLOURS = {
    "orange": (0.902, 0.624, 0.0),
    "sky blue": (0.337, 0.706, 0.914),
    "bluish green": (0.0, 0.620, 0.451),
    "reddish purple": (0.800, 0.475, 0.655),
    "blue": (0.0, 0.447, 0.698),
    "vermillion": (0.835, 0.369, 0.0),
    "yellow": (0.941, 0.894, 0.259),
}
DISPLAYS = ("fill", "edge band")
COLOUR_KEY = "cryomask_colour"
DISPLAY_KEY = "cryomask_display"
STALE_KEY = "cryomask_stale"

MASK_STYLE = {
    "blending": "translucent",
    "opacity": 0.6,
    "contrast_limits": (0.0, 1.0),
    "rendering": "iso",
    "iso_threshold": 0.5,
}


def mask_colormap(colour: str, display: str = "fill"):
    """The napari colormap of a mask drawn in ``colour`` (a key of :data:`COLOURS`) as ``display``.

    >>> [round(float(a), 2) for a in mask_colormap("orange", "edge band").map([0.0, 0.25, 0.75, 1.0])[:, 3]]
    [0.0, 0.3, 0.85, 0.35]
    """
    from napari.utils.colormaps import Colormap

    if display not in DISPLAYS:
        raise ValueError(f"display must be one of {', '.join(DISPLAYS)}, got {display!r}")
    r, g, b = COLOURS[colour]
    if display == "fill":
        return Colormap([[r, g, b, 0.0], [r, g, b, 1.0]], name=f"cryomask {colour}", display_name=f"mask {colour}")
    return Colormap(
        [[r, g, b, 0.0], [r, g, b, 0.3], [r, g, b, 0.85], [r, g, b, 0.35]],
        controls=[0.0, 1e-6, 0.5, 1 - 1e-6, 1.0],
        interpolation="zero",
        name=f"cryomask {colour} edge band",
        display_name=f"mask {colour}, edge band",
    )


def next_colour(viewer) -> str:
    """The colour of the cycle least used by the mask layers of ``viewer`` (the first on ties)."""
    used = [layer.metadata.get(COLOUR_KEY) for layer in viewer.layers]
    return min(COLOURS, key=lambda colour: used.count(colour))


def set_display(layer, display: str) -> None:
    """Draw a mask layer as ``"fill"`` or ``"edge band"`` in its colour."""
    colour = layer.metadata.get(COLOUR_KEY) or next(iter(COLOURS))
    layer.colormap = mask_colormap(colour, display)
    layer.metadata[DISPLAY_KEY] = display


def placement(reference) -> dict:
    """``scale`` and ``translate`` of the last three axes of a reference layer (or unit scale)."""
    if reference is None:
        return {"scale": (1.0, 1.0, 1.0), "translate": (0.0, 0.0, 0.0)}
    return {
        "scale": tuple(float(s) for s in reference.scale[-3:]),
        "translate": tuple(float(t) for t in reference.translate[-3:]),
    }


def voxel_size_of(layer) -> tuple[float, float, float]:
    """Voxel size (z, y, x) in Å of a map layer: its scale."""
    return tuple(float(s) for s in layer.scale[-3:])


def layer_volume(layer) -> np.ndarray:
    """A 3D layer's full-resolution data as an array (level 0 of a multiscale layer)."""
    data = layer.data[0] if getattr(layer, "multiscale", False) else layer.data
    return np.asarray(data)


def show_mask(viewer, mask, *, name: str, layer=None, reference=None, recipe=None, colour=None, display="fill"):
    """Put ``mask`` on screen: into ``layer`` when it is still in the viewer, else into a new layer.

    A new layer is named ``name`` (napari adds `` [1]``, `` [2]`` to names already taken), takes
    ``colour`` or the :func:`next_colour` and is drawn as ``display``. Returns the layer, so a
    widget can keep updating the same one. The recipe, when given, is set with the data and the
    layer's stale mark is cleared.
    """
    mask = np.asarray(mask, dtype=np.float32)
    if layer is not None and layer in viewer.layers:
        where = placement(reference) if reference is not None else None
        if where is not None and (tuple(layer.scale[-3:]) != where["scale"] or tuple(layer.translate[-3:]) != where["translate"]):
            layer.scale, layer.translate = where["scale"], where["translate"]
        if recipe is not None:
            layer.metadata[METADATA_KEY] = recipe
            layer.metadata.pop(STALE_KEY, None)
        layer.data = mask
        return layer
    colour = colour or next_colour(viewer)
    metadata = {COLOUR_KEY: colour, DISPLAY_KEY: display}
    if recipe is not None:
        metadata[METADATA_KEY] = recipe
    layer = viewer.add_image(
        mask, name=name, metadata=metadata, colormap=mask_colormap(colour, display), **placement(reference), **MASK_STYLE
    )
    follow(viewer, layer)  # its 3D drawing: a surface kept in step by the layer's events
    return layer


def recipe_of(layer) -> dict | None:
    """The recipe a mask layer carries, if any."""
    return layer.metadata.get(METADATA_KEY)


def source_path(layer) -> str | None:
    """The file a layer was read from: napari's ``source.path`` or our reader's ``metadata["path"]``."""
    path = getattr(layer.source, "path", None) or layer.metadata.get("path")
    return None if path is None else str(path)


def rebuild_recipe(layer) -> dict | None:
    """How to rebuild a layer: its own recipe, else a ``file`` recipe of its source file, else None.

    A recipe that no longer describes the layer's data (marked stale) is not used.
    """
    own = recipe_of(layer)
    if own is not None and STALE_KEY not in layer.metadata:
        return own
    path = source_path(layer)
    if path is None:
        return None
    return make_recipe("file", {"path": path}, box_shape=np.shape(layer_volume(layer)), voxel_size=voxel_size_of(layer))


def mask_problem(layer, *, remember: bool = False) -> str | None:
    """Why ``layer`` is not a mask (one line naming it), or None when it is one.

    A mask is a 3D single-channel image layer (not RGB, not multiscale) whose values are finite
    and in [0, 1]. With ``remember`` the answer about the values is kept while the layer holds
    the same array (for lists of choices redrawn often); without, the values are looked at now.

    Examples
    --------
    >>> from napari.layers import Image
    >>> mask_problem(Image(np.zeros((4, 4, 4)), name="m")) is None
    True
    >>> mask_problem(Image(np.full((4, 4, 4), 3.5), name="map"))
    "layer 'map' is not a mask: its values run from 3.5 to 3.5 (a mask holds values in [0, 1])"
    """
    from napari.layers import Image

    name = getattr(layer, "name", "?")
    if not isinstance(layer, Image):
        return f"layer {name!r} is not a mask: it is a {type(layer).__name__} layer, not an image"
    if layer.rgb or layer.multiscale or layer.ndim != 3:
        kind = "an RGB image" if layer.rgb else "multiscale" if layer.multiscale else f"{layer.ndim}D"
        return f"layer {name!r} is not a mask: it is {kind} (a mask is one 3D channel)"
    problem = _remembered(layer.data) if remember else None
    if problem is None:
        problem = _value_problem(layer.data)
        if remember:
            _remember(layer.data, problem)
    return None if not problem else f"layer {name!r} is not a mask: {problem}"


def _value_problem(data) -> str:
    """What is wrong with a mask's values ("" when nothing)."""
    values = np.asarray(data)
    if values.dtype == bool:
        return ""
    low, high = float(np.min(values)), float(np.max(values))
    if not (np.isfinite(low) and np.isfinite(high)):
        return "it holds NaN or infinite values (a mask holds finite values in [0, 1])"
    if low < 0 or high > 1:
        return f"its values run from {low:.4g} to {high:.4g} (a mask holds values in [0, 1])"
    return ""


_CHECKED: dict = {}  # id(array) -> (weak reference, problem)


def _remembered(data):
    entry = _CHECKED.get(id(data))
    if entry is not None and entry[0]() is data:
        return entry[1]
    return None


def _remember(data, problem) -> None:
    try:
        ref = weakref.ref(data)
    except TypeError:
        return
    for key in [k for k, (r, _) in _CHECKED.items() if r() is None]:
        del _CHECKED[key]
    _CHECKED[id(data)] = (ref, problem)
