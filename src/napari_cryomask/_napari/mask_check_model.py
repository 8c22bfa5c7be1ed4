"""What the Mask check widget does, without Qt: the FSC of two half-map layers with a mask layer.

All the mathematics is :class:`napari_cryomask.core.fsc.MaskCheck`, kept for the pair of half maps,
so a new mask costs two forward transforms per map and repeat. The check runs again, on the worker,
whenever an input changes: the chosen layers, the settings, or the mask layer's data once they rest
(another widget's mask is not checked while it shows a preview; its full mask is).

The mask is checked as it is, or, with *extend* or *edge width* above 0, taken at its 0.5 contour,
extended and given a new soft edge first (:func:`~napari_cryomask.core.soft_edge.extend_and_soften`);
that adjusted mask goes into a layer of its own ("checked mask", with a ``soft_edge`` recipe), so
what was checked can be saved. *Apply suggested edge* sets extend and edge width by the rule of
:mod:`napari_cryomask.core.softness` from the corrected resolution.
"""

from __future__ import annotations

import re

from ..core.fsc import MaskCheck
from ..core.fsc_inputs import check_half_maps, check_mask
from ..core.soft_edge import extend_and_soften
from ..core.softness import RULE, suggest_soft_edge
from ..recipes import make_recipe
from .controls import Action, Choice, Invalid, LayerInput, Length, Number, Whole, number_text
from .design_model import DesignModel, Job, layer_volume
from .mask_layer import STALE_KEY, rebuild_recipe, voxel_size_of
from .mask_output import MaskOutput

NOT_REPLAYABLE = "the input mask has no recipe and was not read from a file, so this recipe cannot replay it"

CONTROLS = (
    LayerInput(name="half1", label="half map 1", kind="map", none_text="(no half map)",
               tooltip="The first half map (a 3D image layer), reconstructed from one half of the particles"),
    LayerInput(name="half2", label="half map 2", kind="map", none_text="(no half map)",
               tooltip="The second half map: the same box and voxel size as the first"),
    LayerInput(name="mask", label="mask", kind="mask", none_text="(no mask: unmasked FSC only)",
               tooltip="The mask to check (a layer with values in [0, 1] on the half maps' box). "
               "The check follows it when another widget changes it."),
    Length(name="extend", label="extend", default=0.0, maximum=10_000.0,
           tooltip="Check the mask grown by this distance (from its 0.5 contour) instead; 0 with edge width 0: "
           "check the mask as it is. The adjusted mask goes into a layer of its own."),
    Choice(name="edge", label="soft edge", options=("cosine", "gaussian"), default="cosine",
           tooltip="The new edge of the adjusted mask: cosine (falls to 0 over the width) or gaussian (sigma = the width)"),
    Length(name="edge_width", label="edge width", default=0.0, maximum=10_000.0,
           tooltip="Width of the new soft edge outside the (extended) 0.5 contour; 0 with extend 0: check the mask as it is"),
    Number(name="randomize_at_fsc", label="randomise below FSC", default=0.8, minimum=0.05, maximum=0.99, step=0.05,
           tooltip="Randomise phases from the first shell where the unmasked FSC falls below this (RELION's default 0.8)"),
    Number(name="randomize_at", label="or from", default=0.0, minimum=0.0, maximum=100_000.0, step=1.0, decimals=1, units="Å",
           tooltip="Randomise phases from this resolution instead; 0: use the FSC rule above"),
    Whole(name="repeats", label="repeats", default=1, minimum=1, maximum=50,
          tooltip="Phase randomisations averaged (each about doubles the time of a check)"),
    Whole(name="seed", label="seed", default=0, minimum=0, maximum=2**31 - 1,
          tooltip="Seed of the random phases: the same inputs and seed give the same curves"),
)

ACTIONS = (
    Action(name="apply_suggestion", label="Apply suggested edge", after="edge_width",
           tooltip="Set extend and edge width from the corrected resolution: " + RULE),
)


# "half1", "half_2", "half map 1", "map_half_B": the names RELION, Warp/M, cryoSPARC and our sample give half maps
_HALF_NAME = re.compile(r"half[\s_.-]*(?:map[\s_.-]*)?([12ab])(?![0-9a-z])")


def _pick_half_maps(maps):
    """Two maps to start with: layers named like half maps 1 and 2 (or A and B) when there are, else the first two."""
    found = {}
    for layer in maps:
        match = _HALF_NAME.search(layer.name.lower())
        if match:
            found.setdefault("1" if match.group(1) in "1a" else "2", layer)
    if len(found) == 2:
        return found["1"], found["2"]
    return tuple((maps + [None, None])[:2])


class CheckedOutput(MaskOutput):
    """The adjusted mask's layer: made only when the check adjusts the mask (a recipe is given)."""

    def show(self, mask, recipe, reference=None, digest=None):
        if recipe is None:
            self.new()  # the mask is checked as it is; an earlier adjusted layer stays as it was
            return None
        return super().show(mask, recipe, reference, digest)


class MaskCheckModel(DesignModel):
    """The Mask check.

    Attributes
    ----------
    result : FSCResult or None
        The check of the values and layers on screen (once computed).
    results : int
        How many results have arrived (the plot redraws when it changes).

    Examples
    --------
    >>> from napari.components import ViewerModel
    >>> from napari_cryomask.core.sample import synthetic_half_maps
    >>> viewer = ViewerModel()
    >>> half1, half2, voxel_size = synthetic_half_maps(box=32)
    >>> _ = viewer.add_image(half1, scale=voxel_size, name="half map 1")
    >>> _ = viewer.add_image(half2, scale=voxel_size, name="half map 2")
    >>> model = MaskCheckModel(viewer)
    >>> model.result.masked is None, model.result.resolution_A["unmasked"] > 0
    (True, True)
    """

    title = "Mask check"
    output_name = "checked mask"
    controls = CONTROLS
    actions = ACTIONS

    def __init__(self, viewer, runner=None):
        super().__init__(viewer, runner)
        self.output = CheckedOutput(viewer, self.output_name, self.title)
        self.result = None
        self.results = 0
        self._note = ""
        self._checks: dict = {}  # the MaskCheck of the current pair of half maps
        self._versions: dict = {}  # layer id -> count of its data changes
        self._watched: list = []
        half1, half2 = _pick_half_maps(self.choices("half1"))
        masks = self.choices("mask")
        self.assign(half1=half1, half2=half2, mask=masks[0] if masks else None)
        self._watch()
        self.refresh()

    # -- following the layers --------------------------------------------------------------------

    def _unwatch(self) -> None:
        for layer in self._watched:
            for event, callback in ((layer.events.data, self._on_data), (layer.events.set_data, self._on_drawn)):
                try:
                    event.disconnect(callback)
                except (TypeError, ValueError, RuntimeError):
                    pass
        self._watched = []

    def _watch(self) -> None:
        self._unwatch()
        self._watched = [layer for layer in {id(v): v for v in (self["half1"], self["half2"], self["mask"]) if v is not None}.values()]
        for layer in self._watched:
            layer.events.data.connect(self._on_data)
            layer.events.set_data.connect(self._on_drawn)

    def _waiting(self, layer) -> bool:
        """Say so when the mask layer shows another widget's preview, which is not checked."""
        if layer is not self["mask"] or STALE_KEY not in layer.metadata:
            return False
        text = f"{layer.name!r} is changing ({layer.metadata[STALE_KEY]}); the check follows when it rests"
        if self.notice != text:
            self.say(text)
        return True

    def _on_drawn(self, event) -> None:
        # previews are drawn into the layer in place (no data event, a redraw)
        if not self.closed:
            self._waiting(event.source)

    def _on_data(self, event) -> None:
        layer = event.source
        if self.closed:
            return
        self._versions[id(layer)] = self._versions.get(id(layer), 0) + 1
        if self._waiting(layer):
            return
        self.refresh()

    def changed(self, names: set, old: dict) -> None:
        if names & {"half1", "half2", "mask"}:
            self._watch()
        self.notice = ""

    def input_added(self, layer) -> None:
        if self["half1"] is None or self["half2"] is None:
            half1, half2 = _pick_half_maps(self.choices("half1"))
            if half1 is not None and half2 is not None:
                self.assign(half1=half1, half2=half2)
                self._watch()
                self.refresh()

    def input_removed(self, name: str, layer) -> None:
        self._versions.pop(id(layer), None)
        self._watch()

    def close(self) -> None:
        self._unwatch()
        self._checks.clear()
        super().close()

    # -- the check -------------------------------------------------------------------------------

    def adjusts(self) -> bool:
        """True when the mask is extended or given a new edge before it is checked."""
        return self["mask"] is not None and (float(self["extend"]) > 0 or float(self["edge_width"]) > 0)

    def visible(self) -> set:
        shown = set(self._controls)
        if self["mask"] is None:
            shown -= {"extend", "edge", "edge_width"}
        if float(self["randomize_at"]) > 0:
            shown.discard("randomize_at_fsc")
        return shown

    def voxel_size(self) -> tuple:
        layer = self["half1"] or self["mask"]
        return voxel_size_of(layer) if layer is not None else (1.0, 1.0, 1.0)

    def _cubic(self) -> float:
        half1, half2 = self["half1"], self["half2"]
        try:
            return check_half_maps(layer_volume(half1).shape, layer_volume(half2).shape, voxel_size_of(half1),
                                   voxel_size_of(half2), (repr(half1.name), repr(half2.name)))
        except ValueError as error:
            raise Invalid(str(error), "half1", "half2") from None

    def check(self) -> None:
        half1, half2, mask = self["half1"], self["half2"], self["mask"]
        if half1 is None or half2 is None:
            return
        if half1 is half2:
            raise Invalid("half map 1 and half map 2 are the same layer: choose the two halves", "half1", "half2")
        voxel = self._cubic()
        shape = layer_volume(half1).shape
        if mask is not None:
            try:
                check_mask(layer_volume(mask).shape, None, shape, voxel, (repr(mask.name), repr(half1.name)))
            except ValueError as error:
                raise Invalid(str(error), "mask") from None
        at = float(self["randomize_at"])
        if at > 0:
            box_A = max(shape) * voxel
            if at < 2 * voxel:
                raise Invalid(f"{self.text('randomize_at')} is beyond Nyquist ({number_text(2 * voxel)} Å)", "randomize_at")
            if at > box_A:
                raise Invalid(f"{self.text('randomize_at')} is coarser than the box ({number_text(box_A)} Å)", "randomize_at")

    def params(self) -> dict:
        """The ``soft_edge`` recipe parameters of the adjustment (voxels)."""
        return {"extend_px": self.px("extend"), "edge": self["edge"], "edge_width_px": self.px("edge_width"), "threshold": 0.5}

    def _recipe(self, mask_layer, params) -> dict:
        where = {"box_shape": layer_volume(mask_layer).shape, "voxel_size": voxel_size_of(mask_layer)}
        source = rebuild_recipe(mask_layer)
        if source is None:
            return make_recipe("soft_edge", params, **where, replayable=False, note=NOT_REPLAYABLE)
        return make_recipe("soft_edge", params, **where, inputs=[source])

    def job(self) -> Job | None:
        half1, half2, mask_layer = self["half1"], self["half2"], self["mask"]
        if half1 is None or half2 is None:
            self.result = None
            self.say("choose two half maps (and a mask) above")
            return None
        voxel = self._cubic()
        data1, data2 = layer_volume(half1), layer_volume(half2)
        key = (id(half1), id(half2), id(data1), id(data2), voxel, self._versions.get(id(half1), 0), self._versions.get(id(half2), 0))
        names = (half1.name, half2.name)
        mask = None if mask_layer is None else layer_volume(mask_layer).copy()
        adjust, params = self.adjusts(), self.params()
        recipe = self._recipe(mask_layer, params) if adjust else None
        at = float(self["randomize_at"])
        settings = {
            "randomize_at_fsc": float(self["randomize_at_fsc"]),
            "randomize_at_A": at if at > 0 else None,
            "repeats": int(self["repeats"]),
            "seed": int(self["seed"]),
            "mask_name": "the mask" if mask_layer is None else repr(mask_layer.name),
            "mask_voxel_size": None if mask_layer is None else voxel_size_of(mask_layer),
        }
        checks = self._checks

        def compute():
            check = checks.get(key)
            if check is None:
                checks.clear()
                check = checks[key] = MaskCheck(data1, data2, voxel, names=names)
            checked = mask
            if adjust:
                checked = extend_and_soften(mask, params["extend_px"], params["edge"], params["edge_width_px"], params["threshold"])
            result = check.run(checked, **settings)
            return (data1 if checked is None else checked), {"fsc": result}

        return Job(compute=compute, recipe=recipe, reference=mask_layer or half1, voxels=None,
                   measure=None if adjust else (lambda _: ""))

    def shown(self, result) -> None:
        self.result = result.extras["fsc"]
        self.results += 1
        if self._note:
            self.notice, self._note = self._note, ""

    def verdict(self) -> str:
        """The check in words: the verdict, then each warning."""
        if self.result is None:
            return ""
        return "\n".join([self.result.verdict(), *(f"• {w}" for w in self.result.warnings)])

    def suggestion(self):
        """The soft edge the rule suggests for the corrected (or unmasked) resolution, or None."""
        if self.result is None or self.result.reported_resolution_A is None:
            return None
        return suggest_soft_edge(self.result.reported_resolution_A, self.result.voxel_size_A)

    def action_apply_suggestion(self) -> None:
        if self["mask"] is None:
            self.say("choose a mask first: the suggestion applies to a mask")
            return
        edge = self.suggestion()
        if edge is None:
            self.say("no resolution to suggest from yet: the FSC does not fall below 0.143")
            return
        voxel = self.result.voxel_size_A
        resolution = self.result.reported_resolution_A
        # the note is shown with the check of the new values (a result replaces the notice)
        self._note = (f"applied for {resolution:.1f} Å: extend {edge.extend_px} and a cosine edge of {edge.edge_width_px} "
                      f"voxels ({RULE})")
        self.update(extend=edge.extend_px * voxel, edge="cosine", edge_width=edge.edge_width_px * voxel)
        if self._note:
            self.say(self._note)

    def status(self) -> str:
        text = super().status()
        if self._pending is not None and self.layer is None:
            return "checking…"
        return text
