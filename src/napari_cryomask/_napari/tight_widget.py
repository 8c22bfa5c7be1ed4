"""The Tight mask dock widget: threshold a map into a mask that follows its density.

All mask mathematics is :class:`napari_cryomask.core.tight.TightMask`; this module only turns
the controls into its keywords, runs it (off the UI thread for large maps) and shows the result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from magicgui.widgets import CheckBox, ComboBox, Container, FloatSpinBox, Label, PushButton, SpinBox
from napari.layers import Image
from qtpy.QtCore import QSignalBlocker, Qt
from qtpy.QtWidgets import QFormLayout, QVBoxLayout, QWidget
from superqt import QLabeledDoubleSlider

from ..core.edges import EDGES
from ..core.thresholds import default_threshold, mass_threshold, otsu_threshold, sigma_threshold
from ..core.tight import TightMask
from ..recipes import METADATA_KEY, make_recipe
from .histogram import HistogramView, histogram_of
from .length_field import LengthField
from .mask_layer import show_mask, source_path, voxel_size_of
from .readout import readout_text
from .worker import LatestOnly

OUTPUT_NAME = "tight mask"
SLIDER_STEPS = 1000  # slider positions across the map's range (its value itself is exact)


@dataclass
class _Cached:
    """A map's TightMask with what it was made from, to notice a changed map."""

    data: object
    voxel_size: tuple
    model: TightMask
    low: float | None
    high: float | None


@dataclass(frozen=True)
class _Request:
    layer: Image
    params: dict
    voxel_size: tuple


def _compute(model: TightMask, request: _Request):
    mask = model.update(**request.params)
    return request, mask, readout_text(mask, request.voxel_size, density=model.density)


class TightMaskWidget(QWidget):
    """Make a tight mask of a map: threshold, regions, holes, extension, soft edge, invert.

    Lengths are entered in Å and converted to voxels with the mean voxel size of the map, so the
    extension and edge width assume roughly isotropic voxels; the low-pass uses the voxel size
    of each axis. The mask is one layer, ``"tight mask"``, updated in place; its metadata
    holds the recipe that reproduces it (``apply_recipe(recipe, like=<the map as a Volume>)``).

    One :class:`~napari_cryomask.core.tight.TightMask` is kept per map, so moving the extension,
    the edge or ``invert`` reuses its distance map. Maps larger than
    :data:`~napari_cryomask._napari.worker.SYNC_VOXELS` are computed in a worker thread, one job at
    a time, and only the newest request is shown.

    Parameters
    ----------
    napari_viewer : napari.Viewer

    Examples
    --------
    >>> widget = TightMaskWidget(viewer)  # doctest: +SKIP
    >>> viewer.window.add_dock_widget(widget, name="Tight mask")  # doctest: +SKIP
    """

    def __init__(self, napari_viewer):
        super().__init__()
        self._viewer = napari_viewer
        self._cache: dict = {}  # by layer.unique_id: plugins see napari's layers through proxies
        self._output = None
        self._jobs = LatestOnly(self._show, self._show_error, description="Tight mask")

        self.map = ComboBox(label="map", choices=self._map_choices, tooltip="Density map (3D image layer)")
        self.threshold = QLabeledDoubleSlider(Qt.Horizontal)
        self.threshold.setToolTip("Voxels above this value make the mask")
        self.histogram = HistogramView()
        self.k = FloatSpinBox(label="k", value=3.0, min=-10.0, max=50.0, step=0.5)
        self.sigma_button = PushButton(text="mean + k·σ")
        self.otsu_button = PushButton(text="Otsu")
        self.mass = FloatSpinBox(label="M (kDa)", value=300.0, min=1.0, max=1e7, step=10.0)
        self.mass_button = PushButton(
            text="enclose M kDa", tooltip="Protein at 0.81 Da/Å³, with the map's voxel size"
        )
        self.lowpass = FloatSpinBox(label="low-pass (Å, 0 = off)", value=0.0, min=0.0, max=1000.0, step=1.0)
        self.n_regions = SpinBox(label="keep largest regions", value=1, min=1, max=10000)
        self.fill_holes = CheckBox(text="fill holes")
        self.extend = LengthField("extend", value=0.0)
        self.edge = ComboBox(label="soft edge", choices=EDGES, value="cosine")
        self.edge_width = LengthField("edge width", value=8.0)
        self.invert = CheckBox(text="invert")
        self.readout = Label(value="no map")

        suggestions = Container(
            labels=False,
            widgets=[
                Label(value="suggest a threshold:"),
                Container(layout="horizontal", labels=False, widgets=[Label(value="k"), self.k, self.sigma_button]),
                self.otsu_button,
                Container(
                    layout="horizontal", labels=False, widgets=[Label(value="M (kDa)"), self.mass, self.mass_button]
                ),
            ],
        )
        for row in suggestions:
            row.margins = (0, 0, 0, 0)
        top = QFormLayout()
        top.addRow("map", self.map.native)
        top.addRow("threshold", self.threshold)
        options = Container(
            widgets=[
                self.lowpass, self.n_regions, self.fill_holes, self.extend, self.edge, self.edge_width, self.invert
            ]
        )
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        for part in (self.histogram, suggestions.native, options.native, self.readout.native):
            layout.addWidget(part)
        layout.addStretch(1)
        # the magicgui containers must live as long as their Qt widgets
        self._parts = (suggestions, options)

        self.map.changed.connect(self._on_map)
        self.threshold.valueChanged.connect(self.histogram.set_threshold)
        self.threshold.valueChanged.connect(self._request)
        self.histogram.threshold_picked.connect(self.set_threshold)
        self.sigma_button.changed.connect(self._suggest_sigma)
        self.otsu_button.changed.connect(self._suggest_otsu)
        self.mass_button.changed.connect(self._suggest_mass)
        self.edge.changed.connect(self._on_edge)
        for control in (
            self.lowpass,
            self.n_regions,
            self.fill_holes,
            self.extend.spin,
            self.edge,
            self.edge_width.spin,
            self.invert,
        ):
            control.changed.connect(self._request)
        self._on_map(self.map.value)

    # ------------------------------------------------------------------ layers

    def _map_choices(self, _widget=None):
        # masks made by this plugin carry a recipe and are not offered as maps
        return [
            (layer.name, layer)
            for layer in self._viewer.layers
            if isinstance(layer, Image) and layer.ndim == 3 and not layer.rgb and METADATA_KEY not in layer.metadata
        ]

    def reset_choices(self, *_) -> None:
        """Refresh the map list from the viewer's layers (napari calls this on layer changes)."""
        self.map.reset_choices()
        present = {layer.unique_id for layer in self._viewer.layers}
        for key in [k for k in self._cache if k not in present]:
            del self._cache[key]

    @property
    def output(self):
        """The ``"tight mask"`` layer, or None before the first mask."""
        return self._output

    @property
    def model(self) -> TightMask | None:
        """The cached TightMask of the chosen map."""
        layer = self.map.value
        return None if layer is None else self._cached(layer).model

    @property
    def busy(self) -> bool:
        """True while a mask is being computed in a worker thread."""
        return self._jobs.busy

    def _cached(self, layer) -> _Cached:
        voxel_size = voxel_size_of(layer)
        entry = self._cache.get(layer.unique_id)
        if entry is None or entry.data is not layer.data or entry.voxel_size != voxel_size:
            model = TightMask(np.asarray(layer.data), voxel_size)
            finite = np.isfinite(model.density)
            values = model.density[finite] if finite.any() else None
            low, high = (None, None) if values is None else (float(values.min()), float(values.max()))
            entry = _Cached(layer.data, voxel_size, model, low, high)
            self._cache[layer.unique_id] = entry
        return entry

    # ------------------------------------------------------------------ controls

    def _on_map(self, layer) -> None:
        if layer is None:
            self.histogram.clear()
            self.readout.value = "no map"
            return
        entry = self._cached(layer)
        if entry.low is None:
            self.histogram.clear()
            self.readout.value = f"error: the map {layer.name!r} has no finite values"
            return
        self.extend.voxel_size = self.edge_width.voxel_size = entry.voxel_size
        self._set_range(entry.low, entry.high)
        self.histogram.set_histogram(*histogram_of(entry.model.density))
        self.set_threshold(default_threshold(entry.model.density), force=True)

    def _set_range(self, low: float, high: float) -> None:
        if high <= low:
            high = low + 1.0
        span = high - low
        with QSignalBlocker(self.threshold):
            self.threshold.setRange(low, high)
            self.threshold.setSingleStep(span / SLIDER_STEPS)
            self.threshold.setDecimals(max(2, 4 - math.floor(math.log10(span))))

    def set_threshold(self, value: float, force: bool = False) -> None:
        """Move the threshold slider to ``value``, clamped to the map's range.

        With ``force`` the mask is recomputed even when the value does not change.
        """
        value = min(max(float(value), self.threshold.minimum()), self.threshold.maximum())
        if force:
            with QSignalBlocker(self.threshold):
                self.threshold.setValue(value)
            self.histogram.set_threshold(self.threshold.value())
            self._request()
        else:
            self.threshold.setValue(value)

    def _density(self):
        layer = self.map.value
        return None if layer is None else self._cached(layer).model.density

    def _suggest_sigma(self, *_) -> None:
        if self._density() is not None:
            self.set_threshold(sigma_threshold(self._density(), self.k.value))

    def _suggest_otsu(self, *_) -> None:
        if self._density() is not None:
            self.set_threshold(otsu_threshold(self._density()))

    def _suggest_mass(self, *_) -> None:
        layer = self.map.value
        if layer is not None:
            self.set_threshold(mass_threshold(self._density(), self.mass.value, voxel_size_of(layer)))

    def _on_edge(self, edge: str) -> None:
        self.edge_width.enabled = edge != "none"

    def params(self) -> dict:
        """The :meth:`TightMask.update` keywords the controls stand for (lengths in voxels)."""
        return {
            "threshold": float(self.threshold.value()),
            "lowpass_A": float(self.lowpass.value) or None,
            "n_regions": int(self.n_regions.value),
            "fill_holes": bool(self.fill_holes.value),
            "extend_px": self.extend.voxels,
            "edge": self.edge.value,
            "edge_width_px": self.edge_width.voxels if self.edge.value != "none" else 0.0,
            "invert": bool(self.invert.value),
        }

    # ------------------------------------------------------------------ computing

    def _request(self, *_) -> None:
        layer = self.map.value
        if layer is None:
            return
        entry = self._cached(layer)
        if entry.low is None:
            return
        request = _Request(layer, self.params(), entry.voxel_size)
        self._jobs.submit(_compute, entry.model, request, voxels=entry.model.density.size)

    def _show(self, result) -> None:
        request, mask, text = result
        recipe = make_recipe(
            "tight",
            request.params,
            box_shape=mask.shape,
            voxel_size=request.voxel_size,
            map=source_path(request.layer),
        )
        self._output = show_mask(
            self._viewer, mask, name=OUTPUT_NAME, layer=self._output, reference=request.layer, recipe=recipe
        )
        self.readout.value = text

    def _show_error(self, error: Exception) -> None:
        self.readout.value = f"error: {error}"
