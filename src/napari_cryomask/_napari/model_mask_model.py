"""What the Model mask widget designs, without Qt: a mask from a fitted atomic model on a map's grid.

The model's density is simulated on the map's grid and in its frame (its voxel size and origin,
the layer's scale and translate) as ChimeraX's molmap does
(:func:`~napari_cryomask.core.model_density.model_density`), then thresholded, either at a value
or where the voxels above it hold a share of the model's density, extended and softened
(:func:`~napari_cryomask.core.model_mask.model_mask`). Each mask carries a ``model`` recipe that
names the model file, so that ``cryomask recipe apply`` replays the saved mask byte for byte.

The model is a Points layer of its atoms opened by our reader (File → Open, or the widget's file
field, which opens the file as such a layer): what is masked is what is seen over the map. The
atoms are those of the file; a layer whose atoms were moved, added or deleted, or that was moved
as a whole, is refused with a message, since its mask could not be replayed from the file.

The density of one model on one grid at one resolution is kept, so that moving the threshold, the
share, the extension or the edge only thresholds and softens again; while the threshold slider is
dragged, only the plane on screen is thresholded (in the slab the extension and the edge reach).
"""

from __future__ import annotations

import math
import threading
import warnings
from pathlib import Path

import numpy as np

from ..core.distance import mask_margin
from ..core.edges import EDGES
from ..core.model_density import CUTOFF_SIGMA, SIGMA_FACTOR, model_density
from ..core.model_mask import enclosing_threshold, model_mask
from ..recipes import make_recipe
from .controls import Choice, FilePath, Invalid, LayerInput, Length, Level, Number, number_text
from .design_model import DesignModel, Job, layer_volume, map_layers
from .mask_layer import voxel_size_of
from .model_reader import MODEL_KEY, load_model, model_layer_data, model_layers, model_sha256
from .readout import readout_text

EDGE_VOXELS = 3  # default soft-edge width, in voxels of the map
DEFAULT_RESOLUTION_A = 8.0
DEFAULT_ENCLOSE = 95.0  # as the command line
LEVELS = ("enclose", "threshold")

CONTROLS = (
    LayerInput(name="map", label="map", kind="map", none_text="(no map)",
               tooltip="The map the model is fitted in: the mask takes its box, voxel size and origin"),
    LayerInput(name="model", label="model", kind="model", none_text="(no model)",
               tooltip="The fitted model: a layer of atoms opened from a PDB or mmCIF file (File > Open, or the file below)"),
    FilePath(name="model_file", label="model file", filter="Atomic models (*.pdb *.ent *.cif *.mmcif *.gz)",
             tooltip="A PDB or mmCIF file (optionally .gz) to open as a layer of atoms and use as the model; "
             "its coordinates in Å must be in the map's frame, as ChimeraX saves a fitted model"),
    Number(name="resolution", label="resolution", default=DEFAULT_RESOLUTION_A, minimum=0.5, maximum=1000.0, step=1.0,
           decimals=1, units="Å",
           tooltip="Resolution of the simulated density, as ChimeraX's molmap: a Gaussian per atom, weighted by its "
           "atomic number, of sigma = 0.225 × resolution. Lower resolution (larger value) gives a smoother envelope."),
    Choice(name="level", label="level", options=LEVELS, default="enclose",
           tooltip="enclose: the threshold above which the voxels hold the share of the model's density given below. "
           "threshold: a value of the simulated density (atomic number per Å³)."),
    Number(name="enclose", label="enclose", default=DEFAULT_ENCLOSE, minimum=0.01, maximum=100.0, step=1.0, decimals=2,
           units="%", tooltip="Share of the model's density that the voxels above the threshold hold"),
    Level(name="threshold", label="threshold", default=0.0,
          tooltip="Voxels of the simulated density above this value make the mask (atomic number per Å³)"),
    Length(name="extend", label="extend", default=0.0, tooltip="Grow the mask by this distance (Euclidean) before the soft edge"),
    Choice(name="edge", label="soft edge", options=EDGES, default="cosine",
           tooltip="none: a hard 0/1 mask. cosine: falls from 1 to 0 over the edge width outside the mask. "
           "gaussian: falls off with sigma = the edge width."),
    Length(name="edge_width", label="edge width", default=8.0, tooltip="Width of the soft edge outside the mask (Gaussian: sigma)"),
)


def atoms_outside(positions, box_shape, voxel_size, origin) -> int:
    """How many atoms lie outside the box (beyond half a voxel of its first and last voxels)."""
    grid = (np.asarray(positions) - np.asarray(origin)) / np.asarray(voxel_size)
    inside = np.all((grid >= -0.5) & (grid <= np.asarray(box_shape) - 0.5), axis=1)
    return int(np.count_nonzero(~inside))


def reaches_box(positions, box_shape, voxel_size, origin, resolution_A) -> bool:
    """Whether any atom's density (its ±5σ block, molmap's cutoff) reaches the box."""
    grid = (np.asarray(positions) - np.asarray(origin)) / np.asarray(voxel_size)
    reach = CUTOFF_SIGMA * SIGMA_FACTOR * resolution_A / np.asarray(voxel_size)
    return bool(np.any(np.all((grid + reach >= 0) & (grid - reach <= np.asarray(box_shape) - 1), axis=1)))


def _span(low, high) -> str:
    return ", ".join(f"{a:.1f}..{b:.1f}" for a, b in zip(low, high))


class _Densities:
    """The latest densities (one model on one grid at one resolution each), shared with the worker."""

    def __init__(self, keep: int = 2):
        self._lock = threading.Lock()
        self._items: dict = {}
        self._keep = keep

    def get(self, key):
        with self._lock:
            return self._items.get(key)

    def put(self, key, density) -> None:
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = density
            while len(self._items) > self._keep:
                self._items.pop(next(iter(self._items)))


class ModelMaskModel(DesignModel):
    """The Model mask design.

    Examples
    --------
    >>> from napari.components import ViewerModel
    >>> viewer = ViewerModel()
    >>> _ = viewer.add_image(np.zeros((24, 24, 24), np.float32), scale=(2.0, 2.0, 2.0), name="map")
    >>> model = ModelMaskModel(viewer)
    >>> model["edge_width"], model.notice  # three voxels of 2 Å
    (6.0, 'no model: open a PDB or mmCIF file (File > Open, or the model file above)')
    """

    title = "Model mask"
    output_name = "model mask"
    controls = CONTROLS

    def __init__(self, viewer, runner=None):
        # The core warns about atoms outside the box (from the worker); the readout says it instead.
        warnings.filterwarnings("ignore", message=r".* atoms lie outside the map's box", category=UserWarning, module=__name__)
        super().__init__(viewer, runner)
        self._densities = _Densities()
        self._file_error = None
        self._opening = False
        self._resolution_typed = False
        self._last = None  # (key, threshold, share) of the last result shown
        self._watched = None
        self._defaults_of = None  # the map whose voxels gave the defaults of the lengths
        self.densities_computed = 0  # simulated densities shown so far (the others were reused)
        maps, models = self.choices("map"), self.choices("model")
        self.assign(map=maps[0] if maps else None, model=models[-1] if models else None)
        self._take_inputs()
        self.refresh()

    # -- inputs --------------------------------------------------------------------------------

    def choices(self, name: str) -> list:
        if getattr(self.control(name), "kind", None) == "model":
            return model_layers(self.viewer)
        return super().choices(name)

    def voxel_size(self) -> tuple:
        layer = self["map"]
        return (1.0, 1.0, 1.0) if layer is None else voxel_size_of(layer)

    def _take_inputs(self) -> None:
        """Follow the chosen map and model: their mask layer, the defaults of the map, the notice."""
        map_layer, model_layer = self["map"], self["model"]
        key = None if map_layer is None or model_layer is None else (map_layer.unique_id, model_layer.unique_id)
        self.output.switch(key)
        self._watch(model_layer)
        if model_layer is not None and self._file_error is None:
            self.assign(model_file=model_layer.metadata[MODEL_KEY])
        if map_layer is not None and map_layer is not self._defaults_of:
            self._defaults_of = map_layer
            self.assign(edge_width=round(self.angstrom(EDGE_VOXELS), 1))
            if not self._resolution_typed:
                self.assign(resolution=max(DEFAULT_RESOLUTION_A, round(3 * max(voxel_size_of(map_layer)), 1)))
        if map_layer is None:
            self.notice = "no map: open the map the model is fitted in and choose it above"
        elif model_layer is None and self._file_error is None:
            self.notice = "no model: open a PDB or mmCIF file (File > Open, or the model file above)"
        else:
            self.notice = ""

    def _watch(self, layer) -> None:
        """Compute again (and check the atoms again) when the model layer's atoms are edited."""
        if self._watched is not None:
            for event in self._model_events(self._watched):
                try:
                    event.disconnect(self._on_model_edited)
                except (TypeError, ValueError, RuntimeError):
                    pass
        self._watched = layer
        if layer is not None:
            for event in self._model_events(layer):
                event.connect(self._on_model_edited)

    @staticmethod
    def _model_events(layer):
        events = layer.events
        return (events.data, events.scale, events.translate, events.rotate, events.shear, events.affine)

    def _on_model_edited(self, event=None) -> None:
        if not self.closed:
            self.refresh()

    def _open(self, text: str) -> None:
        """The person typed or picked a model file: use its layer, opening it when it is not open yet."""
        self._file_error = None
        text = text.strip()
        if not text:
            return
        path = Path(text).expanduser()
        resolved = str(path.resolve())
        for layer in model_layers(self.viewer):
            if layer.metadata[MODEL_KEY] == resolved:
                self.assign(model=layer)
                return
        try:
            data, kwargs, _ = model_layer_data(path)
        except (OSError, ValueError) as error:
            self._file_error = str(error)
            return
        self._opening = True
        try:
            layer = self.viewer.add_points(data, **kwargs)
        finally:
            self._opening = False
        self.assign(model=layer)

    def changed(self, names: set, old: dict) -> None:
        if "resolution" in names:
            self._resolution_typed = True
        if "model_file" in names:
            self._open(self["model_file"])
        elif "model" in names:
            self._file_error = None
        if {"map", "model", "model_file"} & names:
            self._take_inputs()
        if "level" in names and self["level"] == "threshold" and old["level"] != "threshold":
            last = self._last_threshold()
            if last is not None:
                self.assign(threshold=self.rounded("threshold", last))
        if {"map", "model", "model_file", "resolution"} & names:
            self.events.limits.emit()

    def input_added(self, layer) -> None:
        if self._opening:
            return
        if self["model"] is None and any(m is layer for m in model_layers(self.viewer)):
            self._file_error = None
            self.assign(model=layer)
        elif self["map"] is None and any(m is layer for m in map_layers(self.viewer)):
            self.assign(map=layer)
        else:
            return
        self._take_inputs()
        self.refresh()

    def input_removed(self, name: str, layer) -> None:
        self._take_inputs()
        self.events.limits.emit()

    # -- the design ----------------------------------------------------------------------------

    def _atoms(self, layer):
        """The model file's atoms, checked against what the layer shows."""
        path = layer.metadata[MODEL_KEY]
        try:
            atoms = load_model(path)
        except (OSError, ValueError) as error:
            raise Invalid(f"cannot read the model of layer {layer.name!r}: {error}", "model") from None
        identity = (
            np.array_equal(layer.scale, np.ones(3)) and np.array_equal(layer.translate, np.zeros(3))
            and np.array_equal(layer.rotate, np.eye(3)) and not np.any(layer.shear)
            and np.array_equal(layer.affine.affine_matrix, np.eye(4))
        )
        if not identity:
            raise Invalid(f"the model layer {layer.name!r} was moved in the viewer (scale, translate, rotation or affine): "
                          f"the mask is made from the atoms of {Path(path).name} as the file places them; "
                          "reset the layer's transform or open the file again", "model")
        if not np.array_equal(layer.data, atoms.positions):
            raise Invalid(f"the atoms of layer {layer.name!r} differ from its file {Path(path).name} (moved, added or deleted "
                          "in the viewer, or the file changed since): the mask is made from the file; open it again", "model")
        return atoms

    def grid(self) -> tuple:
        """``(box, voxel size, origin)`` of the chosen map: voxels, Å, Å."""
        layer = self["map"]
        box = tuple(int(n) for n in np.shape(layer.data[0] if getattr(layer, "multiscale", False) else layer.data)[-3:])
        return box, voxel_size_of(layer), tuple(float(t) for t in layer.translate[-3:])

    def _key(self, atoms) -> tuple:
        return (atoms.name, id(atoms), *self.grid(), float(self["resolution"]))

    def _last_threshold(self):
        """The threshold of the last mask shown, when it was made from the current model, grid and resolution."""
        if self._last is None or self["map"] is None or self["model"] is None:
            return None
        try:
            key = self._key(load_model(self["model"].metadata[MODEL_KEY]))
        except (OSError, ValueError):
            return None
        return self._last[1] if self._last[0] == key else None

    def density_range(self):
        """``(0, max)`` of the simulated density of the current values, once it is computed (else None)."""
        if self["map"] is None or self["model"] is None:
            return None
        try:
            atoms = load_model(self["model"].metadata[MODEL_KEY])
        except (OSError, ValueError):
            return None
        density = self._densities.get(self._key(atoms))
        return None if density is None else (0.0, float(density.max()))

    def limits(self, control) -> tuple:
        if control.name != "threshold":
            return super().limits(control)
        known = self.density_range()
        if known is None:
            return None, None
        # the highest value shown that still keeps the peak voxel: the mask can never be empty
        peak = known[1]
        digits = max(2, 5 - math.floor(math.log10(peak))) if peak > 0 else 2
        return 0.0, math.floor(peak * 10**digits) / 10**digits

    def visible(self) -> set:
        shown = set(self._controls)
        shown.discard("threshold" if self["level"] == "enclose" else "enclose")
        if self["edge"] == "none":
            shown.discard("edge_width")
        return shown

    def check(self) -> None:
        if self._file_error is not None:
            raise Invalid(self._file_error, "model_file")
        map_layer, model_layer = self["map"], self["model"]
        if map_layer is None or model_layer is None:
            return
        atoms = self._atoms(model_layer)
        box, voxel_size, origin = self.grid()
        if not reaches_box(atoms.positions, box, voxel_size, origin, float(self["resolution"])):
            high = tuple(o + (n - 1) * v for o, n, v in zip(origin, box, voxel_size))
            raise Invalid(
                f"the model {model_layer.name!r} lies outside the map {map_layer.name!r}: its atoms span "
                f"({_span(atoms.positions.min(0), atoms.positions.max(0))}) Å, the map ({_span(origin, high)}) Å (z, y, x); "
                "is it fitted in this map's frame?", "model", "map",
            )

    def params(self) -> dict:
        """The ``model`` recipe's parameters of the current values (lengths in voxels)."""
        enclose = self["level"] == "enclose"
        edge = self["edge"]
        return {
            "resolution_A": float(self["resolution"]),
            "threshold": None if enclose else float(self["threshold"]),
            "enclose_percent": float(self["enclose"]) if enclose else None,
            "extend_px": self.px("extend"),
            "edge": edge,
            "edge_width_px": self.px("edge_width") if edge != "none" else 0.0,
        }

    def job(self) -> Job | None:
        map_layer, model_layer = self["map"], self["model"]
        if map_layer is None or model_layer is None:
            return None
        atoms = self._atoms(model_layer)
        box, voxel_size, origin = self.grid()
        params = self.params()
        recipe = make_recipe("model", params, box_shape=box, voxel_size=voxel_size, origin=origin, model=atoms.name,
                             model_sha256=model_sha256(atoms.name))
        key = self._key(atoms)
        densities = self._densities
        known = densities.get(key)
        outside = atoms_outside(atoms.positions, box, voxel_size, origin)
        sigma = SIGMA_FACTOR * params["resolution_A"]
        block = math.prod(int(2 * CUTOFF_SIGMA * sigma / v) + 1 for v in voxel_size)
        info = {}

        def compute():
            density = known
            if density is None:
                density = model_density(atoms, resolution_A=params["resolution_A"], box_shape=box, voxel_size=voxel_size,
                                        origin=origin)
                densities.put(key, density)
            threshold = params["threshold"]
            if threshold is None:
                threshold = enclosing_threshold(density, params["enclose_percent"])
            elif not threshold < float(density.max()):
                raise Invalid(f"threshold ({number_text(threshold)}) is at or above the maximum of the model's density "
                              f"({number_text(float(density.max()))}): nothing would be kept", "threshold")
            kept = density > np.float32(threshold)
            total = float(density.sum(dtype=np.float64))
            share = float(density[kept].sum(dtype=np.float64)) / total if total > 0 else 0.0
            mask = model_mask(density, threshold=threshold, extend_px=params["extend_px"], edge=params["edge"],
                              edge_width_px=params["edge_width_px"])
            info.update(threshold=float(threshold), share=share)
            return mask, {"key": key, "threshold": float(threshold), "share": share, "computed": known is None}

        map_data = layer_volume(map_layer)

        def measure(mask):
            lines = [readout_text(mask, voxel_size, density=map_data)]
            how = "given" if params["threshold"] is not None else f"for {number_text(params['enclose_percent'])} %"
            lines.append(f"threshold {info['threshold']:.4g} ({how}): the voxels above it hold "
                         f"{100 * info['share']:.1f} % of the model's density")
            note = f"model: {len(atoms):,} atoms of {Path(atoms.name).name}"
            if outside:
                note += f"; warning: {outside:,} of them lie outside the map's box (they add nothing inside it)"
            lines.append(note)
            return "\n".join(lines)

        voxels = math.prod(box) + (0 if known is not None else len(atoms) * block)
        return Job(compute=compute, recipe=recipe, reference=map_layer, voxels=voxels, measure=measure)

    def preview_box(self) -> tuple | None:
        return None if self["map"] is None else self.grid()[0]

    def _known_density(self):
        """The model's density on the map's grid at the current resolution, if it is computed already."""
        if self["model"] is None or self["map"] is None:
            return None
        return self._densities.get(self._key(load_model(self["model"].metadata[MODEL_KEY])))

    def preview(self, region):
        """The plane on screen while the threshold slider moves: the kept density, thresholded in a slab
        around the plane as deep as the extension and the edge reach, so that the plane is exact."""
        if self["level"] != "threshold":
            return None  # a share needs the whole density sorted: the full mask follows at rest
        density = self._known_density()
        if density is None:
            return None
        params = self.params()
        margin = mask_margin(params["extend_px"], params["edge"], params["edge_width_px"])
        slab, plane = [], []
        for cut, n in zip(region, density.shape):
            if cut.stop - cut.start == n:
                slab.append(slice(0, n))
                plane.append(slice(None))
            else:
                low = max(cut.start - margin, 0)
                slab.append(slice(low, min(cut.stop + margin, n)))
                plane.append(slice(cut.start - low, cut.stop - low))
        block = model_mask(density[tuple(slab)], threshold=params["threshold"], extend_px=params["extend_px"],
                           edge=params["edge"], edge_width_px=params["edge_width_px"])
        return block[tuple(plane)]

    def coarse(self, step: int):
        """While a value moves in 3D: the same threshold or share, extension and edge on every
        ``step``-th voxel of the model's density, lengths in coarse voxels; None until the density is known."""
        density = self._known_density()
        if density is None:
            return None  # a new resolution: its density comes with the full mask
        params = self.params()
        level = {"enclose_percent": params["enclose_percent"]} if params["threshold"] is None else {"threshold": params["threshold"]}
        return model_mask(np.ascontiguousarray(density[::step, ::step, ::step]), **level, extend_px=params["extend_px"] / step,
                          edge=params["edge"], edge_width_px=params["edge_width_px"] / step)

    def shown(self, result) -> None:
        self._last = (result.extras["key"], result.extras["threshold"], result.extras["share"])
        self.densities_computed += bool(result.extras["computed"])
        self.events.limits.emit()

    def close(self) -> None:
        self._watch(None)
        super().close()
