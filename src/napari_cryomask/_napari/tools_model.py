"""What the Mask tools widget does, without Qt: symmetrize, helix, clip, apply to a map, resample.

One operation at a time on one mask layer, recomputed as the values change and as the mask (or
the map) changes, when its own widget recomputes it; values the mask suggested (its centre, its
soft edge...) follow it unless they were changed here. Each operation goes into its own
layer (per mask, operation and map): ``"symmetrized mask"``, ``"helical mask"``, ``"clipped
mask"``, ``"masked map"`` (a map, drawn as one, to see what the alignment sees) and
``"resampled mask"``. Every result carries the recipe of the registered operation
(:mod:`napari_cryomask.recipes.tools`) over the mask's own recipe
(:func:`~napari_cryomask._napari.tool_inputs.current_recipe`), computed here from the mask on
screen by the very replay function ``cryomask recipe apply`` runs, so that a saved result
replays byte for byte.

Lengths are in Å (in voxels when the mask's voxels are not cubic), with voxels beside them; the
centre is a voxel index of the mask, its box centre (``size // 2``) by default. Conventions are
those of the command line: symmetry groups in RELION's settings (Cn about z, Dn with a 2-fold
on x, I = I2), helices along z (twist right-handed, rise along +z).
"""

from __future__ import annotations

import math

import numpy as np

from ..core.apply import OUTSIDE
from ..core.copies import MODES, isotropic
from ..core.edges import EDGES
from ..core.geometry import default_center
from ..core.helix import units_in_box
from ..core.symmetry import GROUP_NAMES, parse_group, symmetry_operators
from ..io import Volume
from ..recipes import OPERATIONS, Context, make_recipe
from ..recipes.tools import edge_of
from .controls import AxisLengths, Choice, Flag, Invalid, LayerInput, Length, Number, Text, Triple, Whole, number_text
from .design_model import DesignModel, Job, mask_layers
from .grid_warning import grid_of, warn_mismatch
from .mask_layer import COLOUR_KEY, DISPLAY_KEY, layer_volume, source_path, voxel_size_of
from .readout import readout_text
from .tool_inputs import current_recipe, digest_of

OPERATIONS_SHOWN = ("symmetrize", "helix", "clip", "apply to map", "resample")
RECIPE_OPERATION = {"symmetrize": "symmetrize", "helix": "helix", "clip": "clip", "apply to map": "apply", "resample": "resample"}
OUTPUT_NAMES = {
    "symmetrize": "symmetrized mask",
    "helix": "helical mask",
    "clip": "clipped mask",
    "apply to map": "masked map",
    "resample": "resampled mask",
}
USES = {
    "symmetrize": ("group", "center", "mode"),
    "helix": ("z_fraction", "z_edge", "helical"),
    "clip": ("clip_by", "center", "taper"),
    "apply to map": ("map", "outside"),
    "resample": ("map", "edge"),
}
OWN = ("map", "group", "center", "mode", "threshold", "z_fraction", "z_edge", "helical", "twist", "rise", "units", "clip_by",
       "radius", "size", "taper", "outside", "lowpass", "edge", "edge_width")
Z_EDGE_VOXELS = 5.0  # RELION's helical taper
# Operations with a coarse 3D stand-in, and their parameters in voxels (divided by the step there).
COARSE_OPERATIONS = ("symmetrize", "helix", "clip")
COARSE_LENGTHS = ("edge_width_px", "z_edge_px", "rise_px", "radius", "size")

CONTROLS = (
    LayerInput(name="mask", label="mask", kind="mask", none_text="(choose a mask)",
               tooltip="The mask to work on; the result goes to a layer of its own, the mask stays as it is"),
    Choice(
        name="operation",
        label="operation",
        options=OPERATIONS_SHOWN,
        default="symmetrize",
        tooltip="symmetrize: unite (or average) the mask's copies under a point group.\n"
        "helix: keep the central part along z (RELION's --helix --z_percentage), optionally with helical symmetry.\n"
        "clip: nothing beyond a sphere or outside a box.\n"
        "apply to map: the map times the mask, as a new map layer: what the alignment sees.\n"
        "resample: the mask on another map's grid (voxel size, box, origin), its soft edge rebuilt with its width in Å.",
    ),
    LayerInput(name="map", label="map", kind="map", none_text="(choose a map)",
               tooltip="apply to map: the map to mask (on the mask's grid). resample: the map whose grid the mask goes onto."),
    Text(name="group", label="symmetry", default="C2",
         tooltip=f"Point group in RELION's settings: {GROUP_NAMES}. Cn about z; Dn with a 2-fold on x; T, O; "
         "I = I2 (RELION's default, Crowther 222), I1, I3 and I4 the other settings"),
    Triple(name="center", label="centre", default=(32.0, 32.0, 32.0), minimum=-1e5, maximum=1e5, units="vox",
           tooltip="Centre (z, y, x) as a voxel index of the mask: of the symmetry, the helix's axis (along z) or the clip; "
           "the box centre, size // 2, by default"),
    Choice(name="mode", label="copies", options=MODES, default="union",
           tooltip="union: the maximum of the copies (soft edges kept). average: their mean, inside where it reaches "
           "the share below, with the soft edge rebuilt"),
    Number(name="threshold", label="share of copies", default=0.5, minimum=0.01, maximum=1.0, step=0.05,
           tooltip="average: the share of the copies a voxel needs to be inside"),
    Number(name="z_fraction", label="central z fraction", default=0.3, minimum=0.01, maximum=1.0, step=0.05,
           tooltip="Share of the box length along z kept around its centre plane (RELION's --z_percentage, 30 % by default); 1 keeps all"),
    Length(name="z_edge", label="z taper", default=5.0,
           tooltip="Width of the cosine taper outside the kept part along z (RELION: 5 voxels)"),
    Flag(name="helical", label="helical symmetry",
         tooltip="Also unite (or average) the copies along the helix: copy k turned by k·twist about z and raised by k·rise"),
    Number(name="twist", label="twist", default=0.0, minimum=-360.0, maximum=360.0, step=0.5, units="°",
           tooltip="Helical twist between neighbouring units, degrees (right-handed about z: x towards y)"),
    Length(name="rise", label="rise", default=5.0, minimum=0.01, tooltip="Helical rise between neighbouring units, along +z"),
    Whole(name="units", label="units", default=0, minimum=0, maximum=1000,
          tooltip="Number of helical units; 0: every unit whose rise stays within half the box"),
    Choice(name="clip_by", label="clip by", options=("sphere", "box"), default="sphere",
           tooltip="sphere: 0 beyond the radius around the centre. box: 0 outside a box of these edge lengths around the centre"),
    Length(name="radius", label="radius", default=50.0, minimum=0.01, tooltip="Nothing is kept farther than this from the centre"),
    AxisLengths(name="size", label="box", default=(100.0, 100.0, 100.0), tooltip="Edge lengths (z, y, x) in Å of the box kept"),
    Length(name="taper", label="taper", default=0.0,
           tooltip="Width of a cosine taper inside the limit (nothing beyond it is kept)"),
    Choice(name="outside", label="outside", options=OUTSIDE, default="zero",
           tooltip="What fills the map outside the mask: zero, the map's mean there, or the map low-passed, so that the "
           "soft edge blends into the background"),
    Number(name="lowpass", label="low-pass", default=20.0, minimum=0.1, maximum=1e4, units="Å",
           tooltip="outside = lowpass: the resolution in Å of the low-pass filling the outside"),
    Choice(name="edge", label="soft edge", options=EDGES, default="cosine",
           tooltip="The soft edge rebuilt (resample; the average of copies): by default the mask's own, from its recipe, "
           "else estimated from the mask"),
    Length(name="edge_width", label="edge width", default=6.0,
           tooltip="Width of the rebuilt soft edge (Gaussian: sigma), in Å of the mask"),
)


class ToolsModel(DesignModel):
    """The Mask tools design.

    Examples
    --------
    >>> from napari.components import ViewerModel
    >>> from napari_cryomask.core.shapes import sphere
    >>> viewer = ViewerModel()
    >>> mask = viewer.add_image(sphere(32, 4, center=(16, 16, 24)), scale=(2.0, 2.0, 2.0), name="blob")
    >>> model = ToolsModel(viewer)
    >>> model.update(group="C4")
    >>> layer = viewer.layers["symmetrized mask"]
    >>> [bool(layer.data[16, y, x] == 1) for y, x in ((16, 24), (24, 16), (16, 8), (8, 16))]
    [True, True, True, True]
    """

    title = "Mask tools"
    output_name = "symmetrized mask"
    controls = CONTROLS

    def __init__(self, viewer, runner=None):
        super().__init__(viewer, runner)
        self._edges: dict = {}  # (mask uid, id(data)) -> (edge, width in voxels)
        self._suggested: dict = {}  # the values the mask suggested (see _follow_mask)
        self._watched: list = []  # the input layers whose data are followed
        masks = self.choices("mask")
        self.assign(mask=masks[-1] if masks else None)
        self.assign(map=self._default_map())
        self._take_mask()
        self._route()
        self._watch()
        self.refresh()

    # -- inputs ----------------------------------------------------------------------------

    def choices(self, name: str) -> list:
        layers = super().choices(name)
        if name == "map":
            return [layer for layer in layers if layer is not self["mask"]]
        return layers

    def _default_map(self):
        """The last map opened that is not a mask (a mask file without recipe is an image too), else the last one."""
        maps = self.choices("map")
        masks = {id(layer) for layer in mask_layers(self.viewer)}
        density = [layer for layer in maps if id(layer) not in masks]
        return (density or maps or [None])[-1]

    def box_shape(self) -> tuple:
        mask = self["mask"]
        return (64, 64, 64) if mask is None else tuple(int(n) for n in np.shape(layer_volume(mask)))

    def _derived(self) -> dict:
        """The values a mask suggests: the centre at its box centre, lengths from its box, the soft edge it has."""
        box = self.box_shape()
        edge, width = self._edge_of_mask()
        return {
            "center": tuple(float(c) for c in default_center(box)),
            "radius": round(self.angstrom(min(box) / 2 - 1), 1),
            "size": tuple(round(n * v, 1) for n, v in zip(box, voxel_size_of(self["mask"]))),
            "z_edge": round(self.angstrom(Z_EDGE_VOXELS), 2),
            "rise": round(self.angstrom(min(5.0, box[0] / 4)), 2),
            "edge": edge,
            "edge_width": round(self.angstrom(width), 2) if edge != "none" else round(self.angstrom(3.0), 2),
        }

    def _take_mask(self) -> None:
        """A new mask: the values it suggests."""
        if self["mask"] is None:
            self._suggested = {}
            return
        self._suggested = self._derived()
        self.assign(**self._suggested)

    def _follow_mask(self) -> None:
        """The mask's data changed (its widget recomputed it): the values it suggested and nobody changed follow."""
        before, self._suggested = self._suggested, self._derived()
        self.assign(**{name: value for name, value in self._suggested.items()
                       if name in before and self._controls[name].coerce(before[name]) == self[name]})

    def _watch(self) -> None:
        """Follow the data of the inputs in use: a mask recomputed by its widget recomputes the result."""
        op = self["operation"]
        wanted = [self["mask"]] + ([self["map"]] if op in ("apply to map", "resample") else [])
        wanted = [layer for layer in wanted if layer is not None]
        for layer in self._watched:
            if all(layer is not w for w in wanted):
                _disconnect(layer.events.data, self._on_input_data)
        for layer in wanted:
            if all(layer is not w for w in self._watched):
                layer.events.data.connect(self._on_input_data)
        self._watched = wanted

    def _on_input_data(self, event=None) -> None:
        if self.closed:
            return
        if event is not None and event.source is self["mask"]:
            self._follow_mask()
        self.refresh()

    def _edge_of_mask(self) -> tuple[str, float]:
        mask = self["mask"]
        data = layer_volume(mask)
        key = (mask.unique_id, id(data))
        if key not in self._edges:
            recipe, _ = current_recipe(mask)
            self._edges = {key: edge_of(recipe, np.asarray(data, np.float32))}
        return self._edges[key]

    def _route(self) -> None:
        """Results go to one layer per mask, operation (and map): switch to it and name new ones."""
        op, mask, map_layer = self["operation"], self["mask"], self["map"]
        uses_map = op in ("apply to map", "resample")
        key = None if mask is None else (mask.unique_id, op, map_layer.unique_id if uses_map and map_layer is not None else None)
        self.output.switch(key)
        self.output.name = OUTPUT_NAMES[op]

    def changed(self, names: set, old: dict) -> None:
        if "mask" in names and self["mask"] is not old["mask"]:
            self._take_mask()
            if self["map"] is None or self["map"] is self["mask"]:
                self.assign(map=self._default_map())
            self.events.choices.emit()  # the mask is no map to apply it to
        if names & {"mask", "operation", "map"}:
            self._route()
            self._watch()

    def input_removed(self, name: str, layer) -> None:
        self._route()
        self._watch()

    def visible(self) -> set:
        op = self["operation"]
        shown = {name for name in self._controls if name not in OWN} | set(USES[op])
        if op == "symmetrize" or (op == "helix" and self["helical"]):
            if op == "helix":
                shown |= {"twist", "rise", "units", "center", "mode"}
            if self["mode"] == "average":
                shown |= {"threshold", "edge"}
        if op == "clip":
            shown.add("radius" if self["clip_by"] == "sphere" else "size")
        if op == "apply to map":
            shown.discard("display")
            if self["outside"] == "lowpass":
                shown.add("lowpass")
        if "edge" in shown and self["edge"] != "none":
            shown.add("edge_width")
        return shown

    # -- design ----------------------------------------------------------------------------

    def check(self) -> None:
        op, mask, map_layer = self["operation"], self["mask"], self["map"]
        if mask is None:
            return
        if op == "symmetrize":
            try:
                parse_group(self["group"])
            except ValueError:
                raise Invalid(f"{self.text('group')} is not a symmetry group; use {GROUP_NAMES}", "group") from None
        if op == "clip":
            taper = self.px("taper")
            if self["clip_by"] == "sphere" and taper >= self.px("radius"):
                raise Invalid(f"{self.text('taper')} must be smaller than the {self.text('radius')}", "taper", "radius")
            if self["clip_by"] == "box" and 2 * taper >= min(self.px3("size")):
                raise Invalid(f"{self.text('taper')} must be smaller than half the smallest edge of the {self.text('size')}",
                              "taper", "size")
        if op in ("apply to map", "resample") and map_layer is None:
            raise Invalid("choose the map " + ("to apply the mask to" if op == "apply to map" else "whose grid the mask goes onto"), "map")
        if op == "apply to map":
            mask_box, map_box = self.box_shape(), grid_of(map_layer)[0]
            if mask_box != map_box:
                raise Invalid(
                    f"the mask {mask.name!r} is {'×'.join(map(str, mask_box))} voxels but the map {map_layer.name!r} is "
                    f"{'×'.join(map(str, map_box))}: resample the mask onto the map's grid first (operation: resample)", "map"
                )

    def params(self) -> dict | None:
        """The recipe parameters of the current values (lengths in voxels), or None without a mask."""
        op, mask = self["operation"], self["mask"]
        if mask is None:
            return None
        center = tuple(float(c) for c in self["center"])
        center = None if center == tuple(float(c) for c in default_center(self.box_shape())) else center
        if op == "symmetrize":
            return {"group": self["group"].strip().upper(), **self._copies(center)}
        if op == "helix":
            params = {"z_fraction": float(self["z_fraction"]), "z_edge_px": self.px("z_edge")}
            if self["helical"]:
                rise = self.px("rise")
                units = int(self["units"]) or units_in_box(self.box_shape()[0], rise)
                params.update(twist_deg=float(self["twist"]), rise_px=rise, units=units, **self._copies(center))
            return params
        if op == "clip":
            limit = {"radius": self.px("radius")} if self["clip_by"] == "sphere" else {"size": list(self.px3("size"))}
            return {"by": self["clip_by"], **limit, "center": center, "edge_width_px": self.px("taper")}
        if op == "apply to map":
            return {"outside": self["outside"], "lowpass_A": float(self["lowpass"]) if self["outside"] == "lowpass" else None}
        edge = self["edge"]
        width_A = self._edge_width_A() if edge != "none" else 0.0
        return {
            "from_voxel_size": list(voxel_size_of(mask)),
            "from_origin": [float(t) for t in mask.translate[-3:]],
            "edge": edge if width_A > 0 else "none",
            "edge_width_A": width_A,
            "level": 0.5,
        }

    def _edge_width_A(self) -> float:
        if self.lengths_in_voxels():
            return float(self["edge_width"]) * min(self.voxel_size())
        return float(self["edge_width"])

    def _copies(self, center) -> dict:
        params = {"center": center, "mode": self["mode"], "threshold": float(self["threshold"])}
        if self["mode"] == "average":
            params.update(edge=self["edge"], edge_width_px=self.px("edge_width") if self["edge"] != "none" else 0.0)
        return params

    def recipe(self) -> dict | None:
        """The recipe of the current values (its input: the mask's own recipe, or its file)."""
        op, mask, map_layer = self["operation"], self["mask"], self["map"]
        params = self.params()
        if params is None:
            return None
        source, _ = current_recipe(mask)
        name = RECIPE_OPERATION[op]
        if op in ("apply to map", "resample"):
            box, voxel_size = tuple(np.shape(layer_volume(map_layer))), voxel_size_of(map_layer)
            origin = [float(t) for t in map_layer.translate[-3:]]
            extra = {"map": source_path(map_layer), "map_sha256": digest_of(layer_volume(map_layer))} if op == "apply to map" \
                else {"like": source_path(map_layer)}
        else:
            box, voxel_size, origin, extra = self.box_shape(), voxel_size_of(mask), [float(t) for t in mask.translate[-3:]], {}
        return make_recipe(name, params, box_shape=box, voxel_size=voxel_size, origin=origin, inputs=[source], **extra)

    def job(self) -> Job | None:
        op, mask, map_layer = self["operation"], self["mask"], self["map"]
        if mask is None:
            self.notice = "choose the mask to work on"
            return None
        recipe = self.recipe()
        data = np.asarray(layer_volume(mask), dtype=np.float32)
        inputs = [(data, voxel_size_of(mask))]
        like = None
        reference = mask
        if op in ("apply to map", "resample"):
            reference = map_layer
        if op == "apply to map":
            like = Volume(np.asarray(layer_volume(map_layer), dtype=np.float32), voxel_size_of(map_layer),
                          tuple(float(t) for t in map_layer.translate[-3:]))
        context = Context(like=like, box_shape=tuple(recipe["box_shape"]), voxel_size=tuple(recipe["voxel_size"]), inputs=inputs)
        replay = OPERATIONS[recipe["operation"]].replay
        voxel_size = voxel_size_of(reference)
        facts = self._facts(recipe)
        map_name = None if map_layer is None else map_layer.name

        def compute():
            out = replay(recipe, context)
            return out[0] if isinstance(out, tuple) else out

        def measure(result):
            if op == "apply to map":
                return "\n".join([facts, f"masked map of {map_name!r}: values {number_text(float(result.min()))} to "
                                  f"{number_text(float(result.max()))}"])
            return "\n".join([facts, readout_text(result, voxel_size)])

        return Job(compute=compute, recipe=recipe, reference=reference, voxels=max(data.size, math.prod(recipe["box_shape"])),
                   measure=measure)

    def preview_box(self) -> tuple | None:
        if self["mask"] is None or self["operation"] not in COARSE_OPERATIONS:
            return None
        return self.box_shape()

    def coarse(self, step: int):
        """While a value moves in 3D: the operation on every ``step``-th voxel of the mask, lengths in its coarse voxels.

        The copies of a shape are the coarse mask moved (not the shape made again), so the stand-in
        may differ from the result near its surface. None for operations onto a map.
        """
        op, mask = self["operation"], self["mask"]
        params = self.params()
        if params is None or op not in COARSE_OPERATIONS:
            return None
        params = {name: _coarse_length(value, step) if name in COARSE_LENGTHS else value for name, value in params.items()}
        params["center"] = [float(c) / step for c in self["center"]]
        data = np.ascontiguousarray(np.asarray(layer_volume(mask))[::step, ::step, ::step], dtype=np.float32)
        voxel_size = tuple(v * step for v in voxel_size_of(mask))
        name = RECIPE_OPERATION[op]
        # An input that is no shape recipe: the copies are the coarse mask moved.
        recipe = {"operation": name, "params": params, "inputs": [{}]}
        context = Context(box_shape=data.shape, voxel_size=voxel_size, inputs=[(data, voxel_size)])
        return OPERATIONS[name].replay(recipe, context)

    def _facts(self, recipe) -> str:
        """One line on what the operation did."""
        p, source = recipe["params"], recipe["inputs"][0]
        exact = source.get("operation") == "shape" and isotropic(recipe["voxel_size"])
        method = "each copy the mask's shape moved exactly" if exact else "the mask resampled (linear interpolation)"
        if recipe["operation"] == "symmetrize":
            return f"{p['group']}: {len(symmetry_operators(p['group']))} copies, {method} ({p['mode']})"
        if recipe["operation"] == "helix":
            kept = f"central {number_text(100 * p['z_fraction'])} % along z"
            if p.get("twist_deg") is None:
                return kept
            return f"{kept}; helix of {p['units']} units, twist {number_text(p['twist_deg'])}°, {method} ({p['mode']})"
        if recipe["operation"] == "clip":
            return f"clipped by a {p['by']}"
        if recipe["operation"] == "apply":
            return f"outside the mask: {p['outside']}" + (f" (low-pass {number_text(p['lowpass_A'])} Å)" if p["lowpass_A"] else "")
        edge = "a hard edge" if p["edge"] == "none" else f"its {p['edge']} edge of {number_text(p['edge_width_A'])} Å rebuilt"
        return f"resampled onto {'×'.join(map(str, recipe['box_shape']))} voxels of {number_text(recipe['voxel_size'][0])} Å; {edge}"

    def shown(self, result) -> None:
        op, mask, map_layer = self["operation"], self["mask"], self["map"]
        notes = [self.notice] if self.notice else []
        if mask is not None:
            _, note = current_recipe(mask)
            if note:
                notes.append(f"note: {note}")
        if op == "apply to map" and map_layer is not None:
            warned = warn_mismatch(mask, map_layer)
            if warned:
                notes.append(f"warning: {warned}")
            if map_layer is not None and source_path(map_layer) is None:
                notes.append(f"note: the map {map_layer.name!r} has no file, so the masked map's recipe cannot be replayed")
            self._as_map(self.layer, map_layer)
        self.notice = "\n".join(notes)

    def _as_map(self, layer, map_layer) -> None:
        """Draw the masked map as the map is drawn (grey, its contrast), not as a mask."""
        if layer is None:
            return
        for key in (COLOUR_KEY, DISPLAY_KEY):
            layer.metadata.pop(key, None)
        layer.colormap = map_layer.colormap
        layer.contrast_limits = tuple(map_layer.contrast_limits)
        layer.blending = "translucent"
        layer.opacity = 1.0
        layer.rendering = map_layer.rendering

    def close(self) -> None:
        for layer in self._watched:
            _disconnect(layer.events.data, self._on_input_data)
        self._watched = []
        super().close()


def _disconnect(event, callback) -> None:
    try:
        event.disconnect(callback)
    except (TypeError, ValueError, RuntimeError):
        pass


def _coarse_length(value, step: int):
    """A length (or a list of them) in voxels of the grid sampled at every ``step``-th voxel; None stays None."""
    if value is None:
        return None
    return [float(v) / step for v in value] if isinstance(value, (list, tuple)) else float(value) / step
