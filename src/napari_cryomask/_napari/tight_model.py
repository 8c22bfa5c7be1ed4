"""What the Tight mask widget designs, without Qt: a threshold of a map, cleaned, extended and softened.

All mask mathematics is :class:`napari_cryomask.core.tight.TightMask`, one per map, so moving the
extension, the edge or ``invert`` reuses its distance map. The histogram, the threshold's range
and the suggestions (mean + k·σ, Otsu, "enclose M kDa") use the low-passed map when a low-pass is
set, as the command line does, and a suggestion outside the map's range says so instead of moving
the threshold. Each map gets its own mask layer; a deleted map leaves "no map" and drops its late
results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.edges import EDGES
from ..core.measure import PROTEIN_DENSITY_DA_PER_A3, volume_for_mass
from ..core.thresholds import default_threshold, finite_values, mass_threshold, otsu_threshold, sigma_threshold
from ..core.tight import TightMask, lowpass
from ..recipes import make_recipe
from .controls import Action, Choice, Flag, Invalid, LayerInput, Length, Level, Number, Whole, number_text
from .design_model import DesignModel, Job, layer_volume
from .mask_layer import source_path, voxel_size_of
from .readout import readout_text

EDGE_VOXELS = 3  # default soft-edge width, in voxels of the map

CONTROLS = (
    LayerInput(name="map", label="map", kind="map", none_text="(no map)", tooltip="The density map to threshold (a 3D image layer)"),
    Number(
        name="lowpass",
        label="low-pass",
        default=0.0,
        minimum=0.0,
        maximum=1000.0,
        step=1.0,
        decimals=1,
        units="Å",
        tooltip="Low-pass the map to this resolution (Gaussian, amplitude 0.5 at 1/resolution) before the threshold; "
        "0 = off. The histogram, the range and the suggestions then use the low-passed map.",
    ),
    Level(name="threshold", label="threshold", default=0.0, tooltip="Voxels of the (low-passed) map above this value make the mask"),
    Choice(
        name="histogram",
        label="counts",
        options=("log", "linear"),
        default="log",
        design=False,
        tooltip="Histogram bar heights: log(1 + count), which keeps the few protein voxels visible beside the solvent, "
        "or the count itself",
    ),
    Number(name="k", label="k", default=3.0, minimum=-10.0, maximum=50.0, step=0.5, design=False,
           tooltip="The k of the suggestion mean + k·σ of the (low-passed) map"),
    Number(name="mass", label="mass", default=300.0, minimum=1.0, maximum=1e7, step=10.0, decimals=1, units="kDa",
           design=False, tooltip="The protein mass for 'enclose M kDa' (0.81 Da/Å³, with the map's voxel size)"),
    Whole(name="n_regions", label="keep largest regions", default=1, minimum=1, maximum=10000,
          tooltip="Keep this many of the largest connected regions above the threshold (6-connected)"),
    Flag(name="fill_holes", label="fill holes", tooltip="Fill cavities that the mask encloses"),
    Length(name="extend", label="extend", default=0.0, tooltip="Grow the mask by this distance (Euclidean) before the soft edge"),
    Choice(name="edge", label="soft edge", options=EDGES, default="cosine",
           tooltip="none: a hard 0/1 mask. cosine: falls from 1 to 0 over the edge width outside the mask. "
           "gaussian: falls off with sigma = the edge width."),
    Length(name="edge_width", label="edge width", default=8.0, tooltip="Width of the soft edge outside the mask (Gaussian: sigma)"),
    Flag(name="invert", label="invert", tooltip="1 - mask: keep everything but the density"),
)

ACTIONS = (
    Action(name="suggest_sigma", label="mean + k·σ", after="k", tooltip="Set the threshold to mean + k·σ of the (low-passed) map"),
    Action(name="suggest_otsu", label="Otsu", after="k",
           tooltip="Set the threshold to Otsu's split between solvent and density of the (low-passed) map"),
    Action(name="suggest_mass", label="enclose M kDa", after="mass",
           tooltip="Set the threshold so that the voxels above it hold M kDa of protein (0.81 Da/Å³)"),
)


def histogram_of(density, bins: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Counts and bin edges of a map's finite values.

    Parameters
    ----------
    density : array
        The map; NaN and infinite voxels are left out.
    bins : int
        Number of bars.

    Returns
    -------
    counts : int array, shape (bins,)
    edges : float array, shape (bins + 1,)

    Examples
    --------
    >>> counts, edges = histogram_of(np.array([0.0, 1.0, np.nan, 1.0]), bins=2)
    >>> counts.tolist(), edges.tolist()
    ([1, 2], [0.0, 0.5, 1.0])
    """
    values = finite_values(density)
    lo, hi = float(values.min()), float(values.max())
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    if hi - lo > float(np.finfo(np.float32).max):
        values = values.astype(np.float64)  # a map holding ±3e38: float32 bin arithmetic overflows
    return np.histogram(values, bins=bins, range=(lo, hi))


@dataclass
class _Map:
    """A map's TightMask and what it was made from, to notice a changed map."""

    data: object
    voxel_size: tuple
    model: TightMask
    low: float | None
    high: float | None


class TightModel(DesignModel):
    """The Tight mask design.

    Examples
    --------
    >>> from napari.components import ViewerModel
    >>> viewer = ViewerModel()
    >>> d = np.zeros((24, 24, 24), np.float32); d[8:16, 8:16, 8:16] = 1
    >>> _ = viewer.add_image(d, scale=(2.0, 2.0, 2.0), name="map")
    >>> model = TightModel(viewer)
    >>> model["edge_width"], model.layer.name  # three voxels of 2 Å
    (6.0, 'tight mask')
    """

    title = "Tight mask"
    output_name = "tight mask"
    controls = CONTROLS
    actions = ACTIONS

    def __init__(self, viewer, runner=None):
        super().__init__(viewer, runner)
        self._maps: dict = {}  # layer.unique_id -> _Map
        self._filtered = None  # (uid, lowpass, array, low, high, histogram)
        self._coarse = None  # (uid, step, TightMask of the map, TightMask of its coarse sampling)
        maps = self.choices("map")
        self.assign(map=maps[0] if maps else None)
        self._take_map()
        self.refresh()

    # -- the map -------------------------------------------------------------------------------

    def _entry(self, layer) -> _Map:
        voxel_size = voxel_size_of(layer)
        entry = self._maps.get(layer.unique_id)
        if entry is None or entry.data is not layer.data or entry.voxel_size != voxel_size:
            model = TightMask(layer_volume(layer), voxel_size)
            finite = np.isfinite(model.density)
            low = high = None
            if finite.any():
                values = model.density[finite]
                low, high = float(values.min()), float(values.max())
            entry = _Map(layer.data, voxel_size, model, low, high)
            self._maps[layer.unique_id] = entry
        return entry

    @property
    def tight(self) -> TightMask | None:
        """The TightMask of the chosen map."""
        layer = self["map"]
        return None if layer is None else self._entry(layer).model

    @property
    def distance_transforms(self) -> int:
        return 0 if self.tight is None else self.tight.distance_transforms

    def _lowpass(self):
        return float(self["lowpass"]) or None

    def filtered(self):
        """``(array, low, high, (counts, edges))`` of the map the threshold applies to (low-passed when set)."""
        layer = self["map"]
        if layer is None:
            return None
        entry = self._entry(layer)
        cut = self._lowpass()
        if cut is None:
            if entry.low is None:
                return None
            if self._filtered is None or self._filtered[:2] != (layer.unique_id, None):
                self._filtered = (layer.unique_id, None, entry.model.density, entry.low, entry.high, histogram_of(entry.model.density))
            return self._filtered[2:]
        if self._filtered is None or self._filtered[:2] != (layer.unique_id, cut):
            self._store_filtered(layer.unique_id, cut, lowpass(entry.model.density, cut, entry.voxel_size))
        return self._filtered[2:]

    def known_filtered(self):
        """Like :meth:`filtered` but only what is already computed (None while the low-pass computes)."""
        layer = self["map"]
        if layer is None:
            return None
        if self._lowpass() is None or (self._filtered is not None and self._filtered[:2] == (layer.unique_id, self._lowpass())):
            return self.filtered()
        return None

    def _store_filtered(self, uid, cut, array, histogram=None) -> None:
        values = finite_values(array)
        low, high = float(values.min()), float(values.max())
        self._filtered = (uid, cut, array, low, high, histogram or histogram_of(array))
        self.events.limits.emit()

    def _take_map(self) -> None:
        layer = self["map"]
        self.output.switch(None if layer is None else layer.unique_id)
        if layer is None:
            self.notice = "no map: open a map and choose it above"
            return
        self.notice = ""
        entry = self._entry(layer)
        if entry.low is None:
            return
        self.events.limits.emit()
        threshold = self.rounded("threshold", default_threshold(entry.model.density))
        self.assign(threshold=threshold, edge_width=round(self.angstrom(EDGE_VOXELS), 1))

    def changed(self, names: set, old: dict) -> None:
        if "map" in names and self["map"] is not old["map"]:
            self._take_map()
        if "lowpass" in names:
            self.events.limits.emit()

    def input_removed(self, name: str, layer) -> None:
        self._maps.pop(layer.unique_id, None)
        self._filtered = self._coarse = None
        self._take_map()
        self.events.limits.emit()

    def limits(self, control) -> tuple:
        if control.name != "threshold":
            return super().limits(control)
        known = self.known_filtered()
        if known is None:
            entry = None if self["map"] is None else self._entry(self["map"])
            return (None, None) if entry is None or entry.low is None else (entry.low, entry.high)
        return known[1], known[2]

    def histogram(self):
        """``(counts, edges)`` of the map the threshold applies to, or None."""
        known = self.known_filtered()
        return None if known is None else known[3]

    # -- design --------------------------------------------------------------------------------

    def visible(self) -> set:
        shown = set(self._controls)
        if self["edge"] == "none":
            shown.discard("edge_width")
        return shown

    def check(self) -> None:
        layer = self["map"]
        if layer is None:
            return
        entry = self._entry(layer)
        if entry.low is None:
            raise Invalid(f"the map {layer.name!r} has no finite values", "map")
        known = self.known_filtered()
        if known is not None:
            _, low, high, _ = known
            which = "low-passed map" if self._lowpass() else "map"
            if self["threshold"] > high:
                raise Invalid(f"{self.text('threshold')} is above the {which}'s maximum ({number_text(high)}): nothing would be kept",
                              "threshold")
            if self["threshold"] < low:
                raise Invalid(f"{self.text('threshold')} is below the {which}'s minimum ({number_text(low)}): "
                              "the whole box would be kept", "threshold")

    def params(self) -> dict:
        """The :meth:`TightMask.update` keywords of the current values (lengths in voxels)."""
        return {
            "threshold": float(self["threshold"]),
            "lowpass_A": self._lowpass(),
            "n_regions": int(self["n_regions"]),
            "fill_holes": bool(self["fill_holes"]),
            "extend_px": self.px("extend"),
            "edge": self["edge"],
            "edge_width_px": self.px("edge_width") if self["edge"] != "none" else 0.0,
            "invert": bool(self["invert"]),
        }

    def job(self) -> Job | None:
        layer = self["map"]
        if layer is None:
            return None
        entry = self._entry(layer)
        params = self.params()
        recipe = make_recipe(
            "tight",
            params,
            box_shape=entry.model.density.shape,
            voxel_size=entry.voxel_size,
            map=source_path(layer),
            origin=tuple(float(t) for t in layer.translate[-3:]),
        )
        tight, uid, cut = entry.model, layer.unique_id, params["lowpass_A"]
        known = self._filtered is not None and self._filtered[:2] == (uid, cut)

        def compute():
            mask = tight.update(**params)
            extras = {}
            if cut is not None and not known:
                extras = {"filtered": (uid, cut, tight.filtered, histogram_of(tight.filtered))}
            return mask, extras

        def measure(mask):
            return readout_text(mask, entry.voxel_size, density=tight.density)

        return Job(compute=compute, recipe=recipe, reference=layer, voxels=tight.density.size, measure=measure)

    def preview_box(self) -> tuple | None:
        layer = self["map"]
        return None if layer is None else tuple(np.shape(layer_volume(layer)))

    def coarse(self, step: int):
        # the same pipeline on every step-th voxel of the map, lengths in its coarse voxels
        layer = self["map"]
        if layer is None:
            return None
        entry = self._entry(layer)
        cached = self._coarse
        if cached is None or cached[:3] != (layer.unique_id, step, entry.model):
            sampled = np.ascontiguousarray(entry.model.density[::step, ::step, ::step])
            cached = (layer.unique_id, step, entry.model, TightMask(sampled, tuple(v * step for v in entry.voxel_size)))
            self._coarse = cached
        params = self.params()
        params["extend_px"] /= step
        params["edge_width_px"] /= step
        return cached[3].update(**params)

    def shown(self, result) -> None:
        filtered = result.extras.get("filtered")
        if filtered is not None:
            uid, cut, array, histogram = filtered
            self._store_filtered(uid, cut, array, histogram)
            try:
                self.check()
            except Invalid as error:
                self._set_errors({name: str(error) for name in error.names})

    # -- suggestions ---------------------------------------------------------------------------

    def _suggest(self, what: str, value: float) -> None:
        _, low, high, _ = self.filtered()
        value = self.rounded("threshold", value)
        which = "the low-passed map" if self._lowpass() else "the map"
        if value > high:
            self.say(f"{what} = {number_text(value)} is above the maximum of {which} ({number_text(high)}); the threshold stays")
            return
        if value < low:
            self.say(f"{what} = {number_text(value)} is below the minimum of {which} ({number_text(low)}); the threshold stays")
            return
        self.set("threshold", value)
        self.say(f"threshold: {what} of {which}")

    def action_suggest_sigma(self) -> None:
        if self.filtered() is not None:
            k = float(self["k"])
            self._suggest(f"mean + {number_text(k)}σ", sigma_threshold(self.filtered()[0], k))

    def action_suggest_otsu(self) -> None:
        if self.filtered() is not None:
            self._suggest("Otsu's threshold", otsu_threshold(self.filtered()[0]))

    def action_suggest_mass(self) -> None:
        layer = self["map"]
        if layer is None or self.filtered() is None:
            return
        density = self.filtered()[0]
        voxel_size = voxel_size_of(layer)
        mass = float(self["mass"])
        needed = volume_for_mass(mass) / math.prod(voxel_size)
        available = int(np.isfinite(density).sum())
        if needed >= available:
            whole = available * math.prod(voxel_size) * PROTEIN_DENSITY_DA_PER_A3 / 1000
            self.say(f"{number_text(mass)} kDa needs more than the whole box, which holds {number_text(whole)} kDa; "
                     "the threshold stays")
            return
        self._suggest(f"enclose {number_text(mass)} kDa", mass_threshold(density, mass, voxel_size))
