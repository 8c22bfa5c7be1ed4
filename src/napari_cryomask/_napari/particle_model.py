"""What the Particle mask widget designs, without Qt: a shape or a mask placed at every particle of a list, in a tomogram.

The tomogram (an image layer, or a typed box and voxel size) gives the box, the voxel size and the
origin; the particle list is read in its voxels (:func:`~napari_cryomask.io.read_particles`), and
shown beside it as a Points layer and a Vectors layer of the particles' z axes, aligned with it.
What is placed is one of the Shape mask's shapes, lengths in Å, or a mask layer (scaled from its
voxel size to the tomogram's). The mask is the union at every particle
(:func:`~napari_cryomask.core.particles.particle_mask`), computed on a worker, with a live 2D
preview of the plane shown while values move; its recipe is a ``particles`` recipe, which
replays it byte for byte. A mask layer read from a file goes into the recipe by its path (and
digest); one made in the viewer and never saved gives a mask without a recipe, and a notice.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..core.particles import placement
from ..io import read_volume
from ..recipes import data_digest, make_recipe
from ..recipes.particles import file_sha256, plan_of
from .controls import Angle, AxisLengths, Choice, FilePath, Invalid, LayerInput, Length, Number, Text, Triple, number_text
from .design_model import DesignModel, Job, layer_volume
from .mask_layer import source_path, voxel_size_of
from .particle_layers import layers_by_tomogram, read_for, sibling_tomograms, tomogram_voxel
from .readout import readout_text
from .shape_model import EDGES, LENGTH_NAMES, PER_AXIS_LENGTHS, SHAPE_CHOICES

MASK_LAYER = "mask layer"
OBJECTS = (*SHAPE_CHOICES, MASK_LAYER)
NO_TOMOGRAM_BOX = (128, 256, 256)
_LIST_TIP = ("The particle list: a cryoCAT/AV3/TOM motive list (.em), a RELION 3.1-5 or STOPGAP .star file, or a Dynamo "
             ".tbl table. Positions are read in the tomogram's voxels, each format's origin and Euler angles converted.")
_ANGLES = "ZXZ Euler angles in degrees (cryoCAT's convention)"

CONTROLS = (
    LayerInput(name="tomogram", label="tomogram", kind="map", none_text="(no tomogram: typed box)",
               tooltip="The tomogram the particles are in: it gives the box, the voxel size and the origin.\n"
               "Choose (no tomogram: typed box) to give a box and voxel size instead."),
    Triple(name="box", label="box", default=NO_TOMOGRAM_BOX, minimum=1, maximum=8192, whole=True, decimals=0, units="vox",
           tooltip="Tomogram size (z, y, x) in voxels, when there is no tomogram layer"),
    Number(name="voxel_size", label="voxel size", default=10.0, minimum=0.01, maximum=1000.0, step=0.1, decimals=3, units="Å",
           tooltip="The tomogram's voxel size in Å, when there is no tomogram layer"),
    FilePath(name="particles", label="particle list", filter="Particle lists (*.star *.em *.tbl)", tooltip=_LIST_TIP),
    Text(name="tomo", label="tomogram in list",
         tooltip="Which tomogram's particles to place: its number or name in the list. Empty: the list's only tomogram, "
         "or the one named like the tomogram layer."),
    FilePath(name="tomograms", label="RELION 5 tomograms", filter="STAR files (*.star)",
             tooltip="RELION 5 lists give Å from each tomogram's centre: its tomograms STAR file gives the sizes. "
             "Empty: a *tomograms*.star beside the list, else the tomogram's own box."),
    Choice(name="object", label="place", options=OBJECTS, default="sphere",
           tooltip="What to place at each particle: one of the shapes (standing along the particle's z axis), or a mask layer "
           "(an average's mask, centred at its box centre size // 2)."),
    LayerInput(name="mask", label="mask", kind="mask", none_text="(no mask)",
               tooltip="The mask to place at each particle (values in [0, 1]); scaled from its voxel size to the tomogram's"),
    Length(name="radius", label="radius", default=60.0, minimum=0.1, tooltip="Radius (a tube's outer radius, a cone's base radius, "
           "a shell's outer radius)"),
    AxisLengths(name="radii", label="semi-axes", default=(60.0, 60.0, 60.0), tooltip="Ellipsoid semi-axes (z, y, x) in the particle's "
                "frame, in Å"),
    Length(name="height", label="height", default=120.0, minimum=0.1, tooltip="Full height along the particle's z axis"),
    Length(name="inner_radius", label="inner radius", default=30.0, tooltip="Inner radius of the tube; smaller than the radius"),
    AxisLengths(name="size", label="size", default=(100.0, 100.0, 100.0), tooltip="Full edge lengths (z, y, x) of the cuboid in Å"),
    Length(name="rounding", label="rounding", default=0.0, tooltip="Radius of the cuboid's rounded edges; at most half the smallest edge"),
    Length(name="thickness", label="thickness", default=20.0, minimum=0.1, tooltip="Shell thickness, inward from the outer surface"),
    Triple(name="offset", label="offset", default=(0.0, 0.0, 0.0), minimum=-1e6, maximum=1e6, units="Å",
           tooltip="Where the shape's or mask's centre sits in the particle's frame: (z, y, x) Å from the particle's centre"),
    Angle(name="phi", label="phi", tooltip=f"The shape's or mask's own turn in the particle's frame, phi. {_ANGLES}"),
    Angle(name="theta", label="theta", minimum=0.0, maximum=180.0, tooltip=f"Its own turn, theta. {_ANGLES}"),
    Angle(name="psi", label="psi", tooltip=f"Its own turn, psi. {_ANGLES}"),
    Choice(name="edge", label="soft edge", options=EDGES, default="cosine",
           tooltip="none: a hard 0/1 shape. cosine: falls from 1 to 0 over the edge width outside the surface. "
           "gaussian: sigma = the edge width."),
    Length(name="edge_width", label="edge width", default=20.0, minimum=0.0, tooltip="Width of the soft edge outside the surface"),
)


class ParticleModel(DesignModel):
    """The Particle mask design.

    Examples
    --------
    >>> from napari.components import ViewerModel
    >>> model = ParticleModel(ViewerModel())
    >>> model.update(particles="nowhere.star")
    >>> model.errors["particles"]
    "particle list ('nowhere.star'): no such file"
    """

    title = "Particle mask"
    output_name = "particle mask"
    controls = CONTROLS

    def __init__(self, viewer, runner=None):
        super().__init__(viewer, runner)
        self._read = None  # (key, particles) of the last list read
        self._shown = []  # the Points and Vectors layers showing the particles
        self._planned = None  # (key, (placement, recipe)) of the last values planned
        self._after = ""  # the notice for the result being computed
        maps = self.choices("tomogram")
        self.assign(tomogram=maps[0] if maps else None)
        self.output.switch(None if self["tomogram"] is None else self["tomogram"].unique_id)
        self.refresh()

    # -- the tomogram --------------------------------------------------------------------------

    def box_shape(self) -> tuple:
        layer = self["tomogram"]
        return tuple(int(n) for n in self["box"]) if layer is None else tuple(np.shape(layer_volume(layer))[-3:])

    def voxel_size(self) -> tuple:
        layer = self["tomogram"]
        return (float(self["voxel_size"]),) * 3 if layer is None else voxel_size_of(layer)

    def origin(self) -> tuple:
        layer = self["tomogram"]
        return (0.0, 0.0, 0.0) if layer is None else tuple(float(t) for t in layer.translate[-3:])

    def changed(self, names: set, old: dict) -> None:
        if "tomogram" in names and self["tomogram"] is not old["tomogram"]:
            layer = self["tomogram"]
            self.output.switch(None if layer is None else layer.unique_id)

    def input_removed(self, name: str, layer) -> None:
        if name == "tomogram":
            self.assign(box=tuple(np.shape(layer_volume(layer))[-3:]), voxel_size=float(np.mean(voxel_size_of(layer))))
            self.output.rekey(None)
            self.notice = f"the tomogram {layer.name!r} was deleted: the mask stays in its box"

    # -- the particles -------------------------------------------------------------------------

    def particles(self):
        """The particles of the tomogram chosen, in its voxels; :class:`Invalid` naming the control at fault."""
        path = self["particles"].strip()
        if not path:
            raise Invalid("choose a particle list", "particles")
        if not Path(path).is_file():
            raise Invalid(f"{self.text('particles')}: no such file", "particles")
        tomograms = self["tomograms"].strip() or None
        if tomograms is not None and not Path(tomograms).is_file():
            raise Invalid(f"{self.text('tomograms')}: no such file", "tomograms")
        key = (path, Path(path).stat().st_mtime_ns, tomograms, self.box_shape(), self.voxel_size(), self["tomo"].strip(),
               None if self["tomogram"] is None else self["tomogram"].name)
        if self._read is not None and self._read[0] == key:
            return self._read[1]
        voxel = tomogram_voxel(_Scale(self.voxel_size()))
        if voxel is None:
            raise Invalid(f"the tomogram's voxels differ between axes ({self.voxel_size()}); particle positions need one size",
                          "tomogram")
        try:
            listed = read_for(path, _Box(self.box_shape(), self.voxel_size()), tomograms)
        except (ValueError, OSError) as error:
            raise Invalid(str(error), "particles") from None
        chosen = self._which(listed)
        self._read = (key, (listed, chosen))
        return listed, chosen

    def _which(self, listed):
        """The name of the tomogram of the list to place, or None when the list has one."""
        wanted = self["tomo"].strip()
        if wanted:
            try:
                listed.select(wanted)
            except ValueError as error:
                raise Invalid(str(error), "tomo") from None
            return wanted
        if len(listed.tomograms) <= 1:
            return None
        layer = self["tomogram"]
        if layer is not None and listed.named_like(layer.name) is not None:
            return str(listed.named_like(layer.name))
        shown = ", ".join(map(str, listed.tomograms[:8]))
        raise Invalid(f"the list holds particles of {len(listed.tomograms)} tomograms ({shown}): type one in "
                      f"'{self.control('tomo').label}'", "tomo")

    def _show_particles(self, listed, chosen) -> None:
        """Points and Vectors layers of the list, aligned with the tomogram (replacing the ones shown before)."""
        data = layers_by_tomogram(listed, f"particles {Path(listed.path).stem}", self.voxel_size(), self.origin(), show=chosen)
        old = [ours for ours in self._shown if ours in self.viewer.layers]
        if len(old) == len(data):
            for ours, (values, kwargs, _) in zip(old, data):
                ours.data, ours.scale, ours.translate, ours.visible = values, kwargs["scale"], kwargs["translate"], kwargs["visible"]
            return
        for ours in old:
            self.viewer.layers.remove(ours)
        adders = {"points": self.viewer.add_points, "vectors": self.viewer.add_vectors}
        self._shown = [adders[kind](values, **kwargs) for values, kwargs, kind in data]

    # -- design --------------------------------------------------------------------------------

    def visible(self) -> set:
        shown = {name for name in self._controls if name not in LENGTH_NAMES}
        if self["object"] == MASK_LAYER:
            shown -= {"edge", "edge_width"}
        else:
            shown.discard("mask")
            shown |= set(SHAPE_CHOICES[self["object"]][1])
            if self["edge"] == "none":
                shown.discard("edge_width")
        if self["tomogram"] is not None:
            shown -= {"box", "voxel_size"}
        return shown

    def check(self) -> None:
        obj = self["object"]
        if obj == MASK_LAYER:
            if self["mask"] is None:
                raise Invalid("choose the mask layer to place", "mask")
        else:
            uses = SHAPE_CHOICES[obj][1]
            if "inner_radius" in uses and not self["inner_radius"] < self["radius"]:
                raise Invalid(f"{self.text('inner_radius')} must be smaller than the {self.text('radius')}", "inner_radius", "radius")
            if obj == "cuboid" and self["rounding"] > min(self["size"]) / 2:
                raise Invalid(f"{self.text('rounding')} must be at most half the smallest size ({number_text(min(self['size']))} Å)",
                              "rounding", "size")
        if math.prod(self.box_shape()) > 2048**3:
            raise Invalid(f"the box {self.box_shape()} is larger than 2048³ voxels", "box")
        self.particles()

    def _mask_source(self):
        """``(path, digest, voxel size)`` of the mask layer's file when the layer still holds it, else None."""
        layer = self["mask"]
        path = source_path(layer)
        if path is None or not Path(path).is_file():
            return None
        volume = read_volume(path)
        digest = data_digest(volume.data)
        if data_digest(layer_volume(layer)) != digest:
            return None
        return str(Path(path).resolve()), digest, voxel_size_of(layer)

    def params(self) -> dict:
        """The ``particles`` recipe parameters of the current values (lengths in voxels)."""
        listed, chosen = self.particles()
        path = self["particles"].strip()
        tomograms = self["tomograms"].strip() or (str(sibling_tomograms(path)) if sibling_tomograms(path) else None)
        params = {"list": str(Path(path).resolve()), "list_sha256": file_sha256(path), "tomo": chosen,
                  "tomograms": None if tomograms is None else str(Path(tomograms).resolve())}
        params["offset"] = [float(v) / s for v, s in zip(self["offset"], self.voxel_size())]
        params["angles"] = [float(self["phi"]), float(self["theta"]), float(self["psi"])]
        if self["object"] == MASK_LAYER:
            source = self._mask_source()
            if source is not None:
                params.update(mask=source[0], mask_sha256=source[1], mask_voxel_size=float(np.mean(source[2])))
            return params
        core, uses = SHAPE_CHOICES[self["object"]]
        params["shape"] = core
        for name in uses:
            params[name] = list(self.px3(name)) if name in PER_AXIS_LENGTHS else self.px(name)
        params["edge"] = self["edge"]
        params["edge_width_px"] = 0.0 if self["edge"] == "none" else self.px("edge_width")
        return params

    def plan(self):
        """``(placement, recipe)`` of the current values; the recipe is None for a mask layer that is no saved file."""
        params = self.params()
        box, voxel_size = self.box_shape(), self.voxel_size()
        key = (json.dumps(params, sort_keys=True), box, voxel_size, id(self["mask"]))
        if self._planned is not None and self._planned[0] == key:
            return self._planned[1]
        if self["object"] == MASK_LAYER and not params.get("mask"):
            listed, chosen = self.particles()
            layer = self["mask"]
            scale = tomogram_voxel(_Scale(voxel_size)) / float(np.mean(voxel_size_of(layer)))
            plan = placement(box, listed if chosen is None else listed.select(chosen), mask=layer_volume(layer),
                             mask_scale=scale, offset=params["offset"], angles=params["angles"])
            made = (plan, None)
        else:
            # computed from the recipe as saved, as apply_recipe replays it
            recipe = json.loads(json.dumps(make_recipe("particles", params, box_shape=box, voxel_size=voxel_size, origin=self.origin())))
            made = (plan_of(recipe, tuple(recipe["box_shape"]), tuple(recipe["voxel_size"])), recipe)
        self._planned = (key, made)
        return made

    def job(self) -> Job:
        listed, chosen = self.particles()
        plan, recipe = self.plan()
        self._show_particles(listed, chosen)
        voxel_size = self.voxel_size()
        reference = self["tomogram"] if self["tomogram"] is not None else _Placement(voxel_size)
        self._after = "" if recipe is not None else (
            f"the mask layer {self['mask'].name!r} is not a saved file: the particle mask has no recipe "
            "(save the mask and choose it again to get one)"
        )
        return Job(compute=plan.render, recipe=recipe, reference=reference, voxels=math.prod(self.box_shape()),
                   measure=lambda mask: readout_text(mask, voxel_size))

    def shown(self, result) -> None:
        if self._after:
            self.notice = self._after

    def preview_box(self) -> tuple:
        return self.box_shape()

    def preview(self, region):
        return self.plan()[0].block(region)


class _Scale:
    """A stand-in layer with a scale (for :func:`.particle_layers.tomogram_voxel`)."""

    def __init__(self, voxel_size):
        self.scale = tuple(voxel_size)


class _Box(_Scale):
    """A stand-in tomogram layer: data of its box's shape (never read) and its voxel size."""

    def __init__(self, shape, voxel_size):
        super().__init__(voxel_size)
        self.data = np.broadcast_to(np.float32(0), shape)


class _Placement:
    """Scale and translate of a mask without a tomogram layer: the typed voxel size, origin 0."""

    def __init__(self, voxel_size):
        self.scale = tuple(voxel_size)
        self.translate = (0.0, 0.0, 0.0)
