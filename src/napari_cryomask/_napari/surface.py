"""A mask in 3D: its 0.5 surface as a napari Surface layer kept in step with the mask layer.

Every mask layer the plugin makes (:func:`follow`, called where mask layers are created) gets a
companion Surface layer, ``"<mask name> surface"``, right above it, made the first time the mask
is viewed in 3D. One mask, drawn two ways; the mask's *3D display* (:func:`set_display_3d`, kept
in the mask layer's metadata) says which:

- ``"surface"`` (the default): in 3D the mesh of the mask's 0.5 level is drawn and the mask's
  volume is hidden; a mesh draws in milliseconds even on a software renderer, where an
  iso-surface volume of 256³ takes seconds.
- ``"volume"``: in 3D the mask layer's own rendering (an iso-surface at 0.5) is drawn and the
  mesh is hidden.

In 2D only the mask layer is drawn. Whichever of the two layers is drawn carries the mask's
visibility: hiding it hides the mask, and the other layer shows it again after a switch between
2D and 3D. Turning on the one not drawn in 3D switches the display to it. The mesh follows the
mask layer's data, scale, translate, rotate, shear and affine, colour and name. Deleting the mask
deletes its surface; deleting the surface leaves the mask drawn as a volume from then on (with
no stand-in while a control moves). Meshes are built only when they are drawn (never in 2D):
when the data were replaced, and when the surface comes on screen after an edit in place.

While a control moves in 3D the widget calls :func:`show_proxy` with a coarse sampling of the mask
of the values on screen; its mesh is drawn at once, in place of the mesh *and* of the volume,
until the mask layer's data next change (the full result of the values at rest), which is drawn
in the same frame as the proxy disappears. The proxy and the full result are the only two things
ever drawn for a mask, so no intermediate volume goes to the screen.
"""

from __future__ import annotations

import weakref
import zlib

import numpy as np

from .surface_mesh import empty_mesh, mask_mesh, proxy_step

DISPLAY_3D_KEY = "cryomask_3d"
DISPLAYS_3D = ("surface", "volume")
SURFACE_OF_KEY = "cryomask_surface_of"  # in a companion Surface layer's metadata: its mask's name
SURFACE_STYLE = {"shading": "smooth", "opacity": 0.6, "blending": "translucent"}
_TRANSFORMS = ("scale", "translate", "rotate", "shear", "affine")

_LINKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # mask layer -> MaskSurface

__all__ = [
    "DISPLAYS_3D",
    "DISPLAY_3D_KEY",
    "drop_proxy",
    "follow",
    "proxy_step",
    "set_display_3d",
    "show_proxy",
    "surface_of",
    "surface_state",
]


def _unwrapped(obj):
    """napari hands plugins its objects behind a PublicOnlyProxy; events and identity need the object."""
    return getattr(obj, "__wrapped__", obj)


def follow(viewer, layer):
    """Draw the mask ``layer`` of ``viewer`` in 3D by a Surface layer kept in step with it.

    Called once for each mask layer, where it is made; calling it again changes nothing. The
    Surface layer is made when it is first drawn (the first 3D view) and returned once it
    exists (else None). A layer that is not a 3D single-channel image is left alone.
    """
    viewer, layer = _unwrapped(viewer), _unwrapped(layer)
    link = _LINKS.get(layer)
    if link is not None:
        return link.surface
    if getattr(layer, "ndim", 0) != 3 or getattr(layer, "rgb", False) or getattr(layer, "multiscale", False):
        return None
    link = MaskSurface(viewer, layer)
    _LINKS[layer] = link
    return link.surface


def surface_of(layer):
    """The Surface layer drawing mask ``layer`` in 3D, or None."""
    link = _LINKS.get(_unwrapped(layer))
    return None if link is None else link.surface


def set_display_3d(layer, display: str) -> None:
    """Draw mask ``layer`` in 3D as its ``"surface"`` (a mesh) or as a ``"volume"``."""
    if display not in DISPLAYS_3D:
        raise ValueError(f"3D display must be one of {', '.join(DISPLAYS_3D)}, got {display!r}")
    layer = _unwrapped(layer)
    layer.metadata[DISPLAY_3D_KEY] = display
    link = _LINKS.get(layer)
    if link is not None:
        link.apply()


def show_proxy(layer, proxy, step: int) -> bool:
    """While a control moves in 3D: draw ``proxy``'s surface in place of mask ``layer`` until its data change.

    Parameters
    ----------
    layer : napari Image layer
        A mask layer given a surface by :func:`follow`.
    proxy : (z, y, x) array
        The mask of the values on screen sampled at every ``step``-th voxel of the layer's box,
        starting at voxel 0: ``full[::step, ::step, ::step]``, computed directly at that spacing.
    step : int
        The spacing, usually :func:`proxy_step` of the box.

    Returns
    -------
    bool
        False when nothing was drawn: the view is 2D, or the layer has no surface.
    """
    link = _LINKS.get(_unwrapped(layer))
    if link is None or not link.in_3d():
        return False
    link.show_proxy(proxy, step)
    return True


def surface_state(layer) -> str:
    """What mask ``layer``'s surface holds: ``"none"`` (no surface), ``"proxy"``, ``"full"`` or ``"old"``.

    ``"full"`` is the mesh of the layer's data as they are (replaced data are noticed at once,
    edits in place when the surface is next drawn); ``"old"`` is a mesh of earlier data, not yet
    rebuilt because it is not drawn.
    """
    link = _LINKS.get(_unwrapped(layer))
    if link is None or link.surface is None:
        return "none"
    if link.proxy:
        return "proxy"
    built = link._built
    return "full" if built is not None and built[0] == id(link.mask.data) else "old"


def drop_proxy(layer) -> None:
    """Draw mask ``layer``'s own data again in place of a proxy (the values it stood for are given up)."""
    link = _LINKS.get(_unwrapped(layer))
    if link is not None and link.proxy:
        link.proxy = False
        link.apply()


def _colour(layer) -> np.ndarray:
    """RGBA of a mask layer's colormap at 1 (its colour), made opaque."""
    rgba = np.asarray(layer.colormap.map(np.array([1.0], np.float32)), np.float32).reshape(-1)[:4].copy()
    rgba[3] = 1.0
    return rgba


def _flat_colormap(rgba):
    from napari.utils.colormaps import Colormap

    return Colormap([rgba, rgba], name="cryomask surface", display_name="mask surface")


def _fingerprint(data) -> tuple:
    """Identity and checksum of an array, to notice a change made in place."""
    array = np.ascontiguousarray(data)
    return id(data), array.shape, zlib.crc32(memoryview(array).cast("B"))


class MaskSurface:
    """The Surface layer of one mask layer (made when first needed), and the events that keep the two in step."""

    def __init__(self, viewer, mask):
        self._viewer = weakref.ref(viewer)
        self._mask = weakref.ref(mask)
        self._setting = 0
        self._built = None  # fingerprint of the data the full mesh was built from
        self.surface = None
        self.proxy = False
        self._last_proxy = None  # (step, array) of the proxy drawn last
        self.on = bool(mask.visible)
        mask.metadata.setdefault(DISPLAY_3D_KEY, "surface")
        self._connections = [
            (mask.events.data, self._on_data),
            (mask.events.visible, self._on_mask_visible),
            (mask.events.colormap, self._on_colormap),
            (mask.events.name, self._on_name),
            *((getattr(mask.events, name), self._on_transform) for name in _TRANSFORMS),
            (viewer.layers.events.removed, self._on_removed),
            (viewer.dims.events.ndisplay, self._on_ndisplay),
        ]
        for event, callback in self._connections:
            event.connect(callback)
        self.apply()

    def _make_surface(self, build: bool = True):
        """A Surface layer right above the mask, in its colour; the layer selection stays as it was."""
        from napari.layers import Surface

        viewer, mask = self._viewer(), self.mask
        vertices, faces = mask_mesh(np.asarray(mask.data)) if build else empty_mesh()
        self._built = _fingerprint(mask.data) if build else None
        empty = len(faces) == 0
        if empty:  # napari cannot make a Surface layer of no triangles: one of no area stands in
            vertices, faces = np.zeros((3, 3), np.float32), np.array([[0, 1, 2]], np.int32)
        surface = Surface(
            (vertices, faces, np.ones(len(vertices), np.float32)),
            name=f"{mask.name} surface",
            colormap=_flat_colormap(_colour(mask)),
            contrast_limits=(0.0, 1.0),
            metadata={SURFACE_OF_KEY: mask.name},
            visible=False,
            **{name: getattr(mask, name) for name in _TRANSFORMS},
            **SURFACE_STYLE,
        )
        if empty:
            self._set_mesh(surface, *empty_mesh())
        layers = viewer.layers
        selected, active = set(layers.selection), layers.selection.active
        layers.insert(layers.index(mask) + 1, surface)
        layers.selection.clear()
        layers.selection.update(selected)
        layers.selection.active = active
        surface.events.visible.connect(self._on_surface_visible)
        self.surface = surface

    # -- state --------------------------------------------------------------------------------

    @property
    def mask(self):
        return self._mask()

    @property
    def display(self) -> str:
        mask = self.mask
        display = None if mask is None else mask.metadata.get(DISPLAY_3D_KEY)
        return display if display in DISPLAYS_3D else "surface"

    def in_3d(self) -> bool:
        viewer = self._viewer()
        return viewer is not None and viewer.dims.ndisplay == 3

    def drawn(self) -> tuple[bool, bool]:
        """Whether the mask layer and the surface should be drawn now."""
        if not self.in_3d():
            return self.on, False
        if self.proxy or self.display == "surface":
            return False, self.on
        return self.on, False

    def apply(self) -> None:
        """Bring the two layers' visibility, and the mesh when it is drawn, in line with the state."""
        mask = self.mask
        if mask is None:
            return
        mask_visible, surface_visible = self.drawn()
        if self.surface is None and self.in_3d() and (self.proxy or self.display == "surface"):
            self._make_surface()
        elif surface_visible and not self.proxy:
            self._build(check=not self.surface.visible)
        self._setting += 1
        try:
            if mask.visible != mask_visible:
                mask.visible = mask_visible
            if self.surface is not None and self.surface.visible != surface_visible:
                self.surface.visible = surface_visible
        finally:
            self._setting -= 1

    # -- the mesh -----------------------------------------------------------------------------

    @staticmethod
    def _set_mesh(surface, vertices, faces):
        surface.data = (vertices, faces, np.ones(len(vertices), np.float32))

    def _build(self, check: bool) -> None:
        """Rebuild the full mesh when the mask's data were replaced (or, with ``check``, edited in place)."""
        data = self.mask.data
        built = self._built
        if built is not None and built[0] == id(data) and not (check and _fingerprint(data) != built):
            return
        self._set_mesh(self.surface, *mask_mesh(np.asarray(data)))
        self._built = _fingerprint(data)

    def show_proxy(self, proxy, step: int) -> None:
        proxy = np.asarray(proxy)
        last = self._last_proxy
        if self.proxy and last is not None and last[0] == step and np.array_equal(last[1], proxy):
            return  # the same values again (the widget at rest): the frame on screen shows them
        self.proxy = True
        if self.surface is None:
            self._make_surface(build=False)
        vertices, faces = mask_mesh(proxy, step=step)
        # a coarse voxel reaches beyond the box; the mesh stays inside the box napari shows
        np.clip(vertices, -0.5, np.array(self.mask.data.shape[-3:], np.float32) - 0.5, out=vertices)
        self._set_mesh(self.surface, vertices, faces)
        self._built = None
        self._last_proxy = (step, proxy.copy())
        self.apply()

    # -- events -------------------------------------------------------------------------------

    def _on_data(self, _event=None):
        self._built = None
        self.proxy = False
        self.apply()

    def _on_mask_visible(self, _event=None):
        if self._setting:
            return
        visible = bool(self.mask.visible)
        if visible and self.in_3d() and self.display == "surface":
            self.mask.metadata[DISPLAY_3D_KEY] = "volume"
            self.proxy = False
        self.on = visible
        self.apply()

    def _on_surface_visible(self, _event=None):
        if self._setting:
            return
        visible = bool(self.surface.visible)
        if visible and self.in_3d() and self.display == "volume":
            self.mask.metadata[DISPLAY_3D_KEY] = "surface"
        self.on = visible
        self.apply()

    def _on_colormap(self, _event=None):
        if self.surface is not None:
            self.surface.colormap = _flat_colormap(_colour(self.mask))

    def _on_name(self, _event=None):
        if self.surface is not None:
            name = self.mask.name
            self.surface.metadata[SURFACE_OF_KEY] = name
            self.surface.name = f"{name} surface"

    def _on_transform(self, _event=None):
        if self.surface is not None:
            mask = self.mask
            for name in _TRANSFORMS:
                setattr(self.surface, name, getattr(mask, name))

    def _on_ndisplay(self, _event=None):
        if not self.in_3d():
            self.proxy = False
        self.apply()

    def _on_removed(self, event):
        removed = _unwrapped(event.value)
        mask, viewer, surface = self.mask, self._viewer(), self.surface
        if removed is mask:
            self._unlink()
            if viewer is not None and surface is not None and surface in viewer.layers:
                viewer.layers.remove(surface)
        elif surface is not None and removed is surface:
            # the person deleted the surface: the mask is drawn as a volume, and gets no surface again
            self._unlink()
            if mask is not None:
                mask.metadata[DISPLAY_3D_KEY] = "volume"
                if mask.visible != self.on:
                    mask.visible = self.on

    def _unlink(self):
        for event, callback in self._connections:
            event.disconnect(callback)
        self._connections = []
        if self.surface is not None:
            self.surface.events.visible.disconnect(self._on_surface_visible)
        mask = self.mask
        if mask is not None and _LINKS.get(mask) is self:
            del _LINKS[mask]
