"""What the Shape mask widget designs, without Qt: a solid placed on a map (or in a typed box).

Lengths are in Å: single lengths (radius, height, ...) convert with the voxel size when the voxels
are cubic and are taken in voxels otherwise (:mod:`napari_cryomask.core.units`); per-axis lengths
(semi-axes, edge lengths, the centre's offset) convert with each axis's voxel size. The centre is
kept both as a voxel index and as an offset in Å from the box centre (``size // 2``); either may
be typed. On a map, the lengths start from the sphere that encloses its density, and soft edges
from a few voxels.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.centroid import density_centroid, enclosing_sphere
from ..core.geometry import default_center
from ..core.shapes import shape_mask
from ..core.units import isotropic_size
from ..recipes import apply_recipe, make_recipe
from .controls import Action, Angle, AxisLengths, Choice, Invalid, LayerInput, Length, Number, Triple, number_text
from .design_model import DesignModel, Job, layer_volume
from .mask_layer import voxel_size_of
from .readout import readout_text

# Menu entry -> (core shape, the lengths it uses). Shells are spheres or ellipsoids with a thickness.
SHAPE_CHOICES = {
    "sphere": ("sphere", ("radius",)),
    "ellipsoid": ("ellipsoid", ("radii",)),
    "cylinder": ("cylinder", ("radius", "height")),
    "tube": ("tube", ("radius", "inner_radius", "height")),
    "spherical shell": ("sphere", ("radius", "thickness")),
    "ellipsoidal shell": ("ellipsoid", ("radii", "thickness")),
    "cuboid": ("cuboid", ("size", "rounding")),
    "cone": ("cone", ("radius", "height")),
}
PER_AXIS_LENGTHS = ("radii", "size")
LENGTH_NAMES = ("radius", "radii", "height", "inner_radius", "size", "rounding", "thickness")
EDGES = ("none", "cosine", "gaussian")
EDGE_VOXELS = 3  # default soft-edge width, in voxels of the map
NO_MAP_BOX = (64, 64, 64)
MAX_VOXELS = 1024**3  # a float32 mask of 4 GiB

_ANGLES = "ZXZ Euler angles (phi, theta, psi) in degrees, rotating the shape as cryoCAT does"
_RADIUS_TIP = (
    "Radius. Sphere and cylinder: the radius; tube: its outer radius; cone: the radius of its base; "
    "shells: the outer radius (the shell grows inward from it)."
)

CONTROLS = (
    LayerInput(
        name="map",
        label="map",
        kind="map",
        none_text="(no map: typed box)",
        tooltip="The map the mask is for: it gives the box, the voxel size and the origin.\n"
        "Choose (no map: typed box) to design in a box of your own.",
    ),
    Triple(
        name="box",
        label="box",
        default=NO_MAP_BOX,
        minimum=1,
        maximum=4096,
        whole=True,
        decimals=0,
        units="vox",
        tooltip="Box size (z, y, x) in voxels, when there is no map",
    ),
    Number(
        name="voxel_size",
        label="voxel size",
        default=1.0,
        minimum=0.01,
        maximum=1000.0,
        step=0.1,
        decimals=3,
        units="Å",
        tooltip="Voxel size in Å, when there is no map",
    ),
    Choice(
        name="shape",
        label="shape",
        options=tuple(SHAPE_CHOICES),
        default="sphere",
        tooltip="The solid. Cylinders, tubes and cones stand along z before the rotation; "
        "shells are hollow, their thickness measured inward from the outer surface.",
    ),
    Length(name="radius", label="radius", default=20.0, minimum=0.1, tooltip=_RADIUS_TIP),
    AxisLengths(name="radii", label="semi-axes", default=(20.0, 20.0, 20.0), tooltip="Ellipsoid semi-axes (z, y, x) in Å; "
                "an ellipsoidal shell's outer semi-axes (the shell grows inward)"),
    Length(
        name="height",
        label="height",
        default=40.0,
        minimum=0.1,
        tooltip="Full height along z before the rotation. A cone's base lies at -height/2 and its apex at "
        "+height/2 (towards +z, before the rotation).",
    ),
    Length(name="inner_radius", label="inner radius", default=10.0, tooltip="Inner radius of the tube; smaller than the radius"),
    AxisLengths(name="size", label="size", default=(40.0, 40.0, 40.0), tooltip="Full edge lengths (z, y, x) of the cuboid in Å"),
    Length(name="rounding", label="rounding", default=0.0, tooltip="Radius of the cuboid's rounded edges and corners; "
           "at most half the smallest edge"),
    Length(
        name="thickness",
        label="thickness",
        default=5.0,
        minimum=0.1,
        tooltip="Shell thickness, measured inward from the outer surface (the radius or semi-axes)",
    ),
    Triple(name="center", label="centre", default=(32.0, 32.0, 32.0), minimum=-1e5, maximum=1e5, units="vox",
           tooltip="Centre (z, y, x) as a voxel index; the box centre is size // 2 on each axis"),
    Triple(name="offset", label="offset from box centre", default=(0.0, 0.0, 0.0), minimum=-1e6, maximum=1e6, units="Å",
           tooltip="The centre as an offset (z, y, x) in Å from the box centre (size // 2), as in RELION and Dynamo"),
    Angle(name="phi", label="phi", tooltip=f"phi: first rotation, about z. {_ANGLES}"),
    Angle(name="theta", label="theta", minimum=0.0, maximum=180.0, tooltip=f"theta: second rotation, about the new x. {_ANGLES}"),
    Angle(name="psi", label="psi", tooltip=f"psi: third rotation, about the new z. {_ANGLES}"),
    Choice(name="edge", label="soft edge", options=EDGES, default="cosine",
           tooltip="none: a hard 0/1 mask. cosine: falls from 1 to 0 over the edge width outside the surface. "
           "gaussian: falls off outside the surface with sigma = the edge width."),
    Length(name="edge_width", label="edge width", default=3.0, minimum=0.0,
           tooltip="Width of the soft edge outside the surface (Gaussian: sigma); a few voxels at least"),
)

ACTIONS = (
    Action(name="centre_on_cursor", label="Centre on cursor", after="offset",
           tooltip="Centre the shape where the mouse last was on the canvas"),
    Action(name="centre_on_density", label="Centre on density", after="offset",
           tooltip="Centre the shape on the centroid of the map above its default (Otsu) threshold"),
)


def _round(value: float, digits: int = 1) -> float:
    return round(float(value), digits)


class ShapeModel(DesignModel):
    """The Shape mask design: a sphere, ellipsoid, cylinder, tube, shell, cuboid or cone.

    Examples
    --------
    >>> from napari.components import ViewerModel
    >>> viewer = ViewerModel()
    >>> model = ShapeModel(viewer)
    >>> model.update(shape="tube", radius=40.0, inner_radius=60.0)
    >>> model.errors["inner_radius"]
    'inner radius (60 Å) must be smaller than the radius (40 Å)'
    >>> model.update(inner_radius=30.0)
    >>> model.errors, viewer.layers[0].name
    ({}, 'shape mask')
    """

    title = "Shape mask"
    output_name = "shape mask"
    controls = CONTROLS
    actions = ACTIONS

    def __init__(self, viewer, runner=None):
        super().__init__(viewer, runner)
        self._recentre = False
        maps = self.choices("map")
        self.assign(map=maps[0] if maps else None)
        self._take_map(None, first=True)
        self.refresh()

    # -- the map -------------------------------------------------------------------------------

    def box_shape(self) -> tuple:
        layer = self["map"]
        return tuple(int(n) for n in self["box"]) if layer is None else tuple(np.shape(layer_volume(layer)))

    def voxel_size(self) -> tuple:
        layer = self["map"]
        return (float(self["voxel_size"]),) * 3 if layer is None else voxel_size_of(layer)

    def _take_map(self, previous, first: bool = False) -> None:
        """A new map: its own mask layer; lengths from the sphere enclosing its density."""
        layer = self["map"]
        self.output.switch(None if layer is None else layer.unique_id)
        if layer is None:
            if first:
                self._set_centre(default_center(self.box_shape()))
            return
        box, voxel_size = self.box_shape(), voxel_size_of(layer)
        try:
            center, radius_px = enclosing_sphere(layer_volume(layer))
        except ValueError:
            center, radius_px = default_center(box), min(box) / 4
        self._set_centre(center)
        self._defaults_from(radius_px, voxel_size)

    def _defaults_from(self, radius_px: float, voxel_size) -> None:
        """Lengths from a sphere of ``radius_px`` voxels; a soft edge of a few voxels."""
        size = isotropic_size(voxel_size)
        one = (lambda px: _round(px * size)) if size is not None else (lambda px: _round(px))
        self.assign(
            radius=one(radius_px),
            radii=tuple(_round(radius_px * v) for v in voxel_size),
            height=one(2 * radius_px),
            inner_radius=one(radius_px / 2),
            size=tuple(_round(2 * radius_px * v) for v in voxel_size),
            rounding=0.0,
            thickness=one(max(radius_px / 4, 1.0)),
            edge_width=one(EDGE_VOXELS),
        )

    def _set_centre(self, center) -> None:
        center = tuple(_round(c, 2) for c in center)
        self.assign(center=center, offset=self._offset_of(center))

    def _offset_of(self, center) -> tuple:
        middle = default_center(self.box_shape())
        return tuple(_round((c - m) * v, 2) for c, m, v in zip(center, middle, self.voxel_size()))

    def changed(self, names: set, old: dict) -> None:
        if "map" in names and self["map"] is not old["map"]:
            previous = old["map"]
            if self["map"] is None and previous is not None:
                self.assign(box=tuple(np.shape(layer_volume(previous))), voxel_size=float(np.mean(voxel_size_of(previous))))
            self._take_map(previous)
        if "box" in names and self["map"] is None:
            self._set_centre(default_center(self.box_shape()))
            self._recentre = True
        if "voxel_size" in names and self["map"] is None:
            self.assign(offset=self._offset_of(self["center"]))
            self._recentre = True  # the box's size in Å changed: the view follows it
        if "offset" in names:
            middle = default_center(self.box_shape())
            self.assign(center=tuple(_round(m + o / v, 3) for m, o, v in zip(middle, self["offset"], self.voxel_size())))
        if "center" in names:
            self.assign(offset=self._offset_of(self["center"]))

    def input_removed(self, name: str, layer) -> None:
        """The map was deleted: keep designing in its box, in the same layer."""
        self.assign(box=tuple(np.shape(layer_volume(layer))), voxel_size=float(np.mean(voxel_size_of(layer))))
        self.output.rekey(None)
        self.notice = f"the map {layer.name!r} was deleted: the mask stays in its box"

    def input_added(self, layer) -> None:
        if self["map"] is None and any(m is layer for m in self.choices("map")):
            self.notice = f"map {layer.name!r} is open: choose it as map to design on it"

    # -- design --------------------------------------------------------------------------------

    def visible(self) -> set:
        uses = SHAPE_CHOICES[self["shape"]][1]
        shown = {name for name in self._controls if name not in LENGTH_NAMES} | set(uses)
        if self["map"] is not None:
            shown -= {"box", "voxel_size"}
        if self["edge"] == "none":
            shown.discard("edge_width")
        return shown

    def check(self) -> None:
        shape = self["shape"]
        uses = SHAPE_CHOICES[shape][1]
        if "inner_radius" in uses and not self["inner_radius"] < self["radius"]:
            raise Invalid(f"{self.text('inner_radius')} must be smaller than the {self.text('radius')}", "inner_radius", "radius")
        if shape == "cuboid":
            smallest = min(self["size"])
            if self["rounding"] > smallest / 2 and not self.lengths_in_voxels():
                raise Invalid(
                    f"{self.text('rounding')} must be at most half the smallest size ({number_text(smallest)} Å)", "rounding", "size"
                )
            if self.lengths_in_voxels() and self.px("rounding") > min(self.px3("size")) / 2:
                raise Invalid(f"{self.text('rounding')} must be at most half the smallest size in voxels "
                              f"({number_text(min(self.px3('size')))} vox)", "rounding", "size")
        if math.prod(self.box_shape()) > MAX_VOXELS:
            box = " × ".join(map(str, self.box_shape()))
            raise Invalid(f"box ({box} voxels) is larger than 1024³ voxels, 4 GiB as float32", "box")

    def params(self) -> dict:
        """:func:`~napari_cryomask.core.shapes.shape_mask` keywords of the current values, lengths in voxels."""
        core, uses = SHAPE_CHOICES[self["shape"]]
        params = {"shape": core}
        for name in uses:
            params[name] = self.px3(name) if name in PER_AXIS_LENGTHS else self.px(name)
        params["center"] = tuple(float(c) for c in self["center"])
        params["angles"] = (float(self["phi"]), float(self["theta"]), float(self["psi"]))
        params["edge"] = self["edge"]
        params["edge_width_px"] = 0.0 if self["edge"] == "none" else self.px("edge_width")
        return params

    def recipe(self) -> dict:
        layer = self["map"]
        origin = (0.0, 0.0, 0.0) if layer is None else tuple(float(t) for t in layer.translate[-3:])
        return make_recipe("shape", self.params(), box_shape=self.box_shape(), voxel_size=self.voxel_size(), origin=origin)

    def job(self) -> Job:
        recipe = self.recipe()
        layer = self["map"]
        density = None if layer is None else layer_volume(layer)
        voxel_size = self.voxel_size()

        def measure(mask):
            return readout_text(mask, voxel_size, density)

        return Job(
            compute=lambda: apply_recipe(recipe)[0],
            recipe=recipe,
            reference=layer if layer is not None else _Placement(voxel_size),
            voxels=math.prod(self.box_shape()),
            measure=measure,
        )

    def preview_box(self) -> tuple:
        return self.box_shape()

    def preview(self, region):
        return shape_mask(self.box_shape(), **self.params(), region=region)

    def coarse(self, step: int):
        # every length and the centre in voxels of the coarse grid: its voxel i is voxel step·i of the box
        params = {
            name: value if name in ("shape", "angles", "edge") else tuple(np.divide(value, step)) if np.ndim(value) else value / step
            for name, value in self.params().items()
        }
        return shape_mask(tuple(-(-n // step) for n in self.box_shape()), **params)

    def shown(self, result) -> None:
        if self._recentre:
            self._recentre = False
            self.viewer.reset_view()

    # -- actions -------------------------------------------------------------------------------

    def action_centre_on_cursor(self) -> None:
        """Centre the shape at the viewer's cursor (world coordinates -> voxels of the map)."""
        position = np.asarray(self.viewer.cursor.position, dtype=float)
        reference = self["map"] if self["map"] is not None else self.output.layer
        voxel = reference.world_to_data(position) if reference is not None else position[-3:]
        box = self.box_shape()
        self.set("center", tuple(min(max(float(v), 0.0), n - 1.0) for v, n in zip(voxel[-3:], box)))

    def action_centre_on_density(self) -> None:
        """Centre the shape on the centroid of the map above its default threshold."""
        layer = self["map"]
        if layer is None:
            self.say("Centre on density needs a map.")
            return
        try:
            center = density_centroid(layer_volume(layer))
        except ValueError as error:
            self.say(f"cannot centre on density: {error}")
            return
        self.set("center", tuple(_round(c, 2) for c in center))


class _Placement:
    """Scale and translate of a mask without a map: the typed voxel size, origin 0."""

    def __init__(self, voxel_size):
        self.scale = tuple(voxel_size)
        self.translate = (0.0, 0.0, 0.0)
