"""The Shape mask dock widget: wiring between magicgui controls and a :class:`ShapeDesign`.

Every value change redraws the mask in one output layer. In the 2D view only the displayed plane
is computed at once and written into the layer; when the values have rested for a moment the
whole volume is replayed from the recipe (off the UI thread for big boxes), so the layer's data
and its recipe agree exactly. In the 3D view the whole volume is computed on every change.
"""

from __future__ import annotations

import math

import napari
import numpy as np
from magicgui.widgets import ComboBox, Container, FloatSlider, FloatSpinBox, Label, PushButton, SpinBox
from qtpy.QtCore import QTimer

from ..core.centroid import density_centroid, enclosing_sphere
from ..core.geometry import default_center
from ..recipes import METADATA_KEY, apply_recipe
from .lengths import mean_voxel_size, to_angstrom, to_voxels, triple_to_voxels, voxel_note
from .mask_layer import show_mask, voxel_size_of
from .readout import readout_text
from .shape_design import EDGES, PER_AXIS_LENGTHS, SHAPE_CHOICES, ShapeDesign
from .worker import LatestOnly

LAYER_NAME = "shape mask"
# The full volume is recomputed once the values have not changed for this long.
REST_MS = 200
_MAX_LENGTH_A = 100_000.0
_AXES = ("z", "y", "x")


def _replay(recipe):
    return recipe, apply_recipe(recipe)[0]


def _measure(recipe, mask, voxel_size, density):
    return recipe, readout_text(mask, voxel_size, density)


def _row(label, *widgets):
    return Container(widgets=list(widgets), layout="horizontal", labels=False, label=label)


class _Length:
    """A length control in Å (one number or z, y, x) with its voxel readout beside it."""

    def __init__(self, label, value, *, per_axis=False, minimum=0.1):
        tips = [f"{label}, {axis} (Å)" for axis in _AXES] if per_axis else [f"{label} (Å)"]
        self.spins = [FloatSpinBox(value=value, min=minimum, max=_MAX_LENGTH_A, step=1.0, tooltip=tip) for tip in tips]
        self.note = Label()
        self.row = _row(f"{label} (Å)", *self.spins, self.note)

    @property
    def value(self):
        values = tuple(s.value for s in self.spins)
        return values if len(values) == 3 else values[0]

    @value.setter
    def value(self, value):
        for spin, v in zip(self.spins, np.broadcast_to(value, (len(self.spins),))):
            spin.value = float(v)


class ShapeMaskWidget(Container):
    """Design a sphere, ellipsoid, cylinder, tube, shell, cuboid or cone mask on a map, live.

    Parameters
    ----------
    napari_viewer : napari.viewer.Viewer
        The viewer the widget draws into; the mask goes to one layer named "shape mask".
    """

    def __init__(self, napari_viewer: napari.viewer.Viewer):
        super().__init__(labels=True)
        self._viewer = napari_viewer
        self._layer = None
        self._design = None
        self._recipe = None  # recipe of the current values
        self._shown = None  # recipe of the full volume in the layer
        self._quiet = 0
        self._last_map = None
        self._closed = False  # the Qt widget is gone; late worker results are dropped

        self.map = ComboBox(
            label="map", choices=self._map_choices, nullable=True, tooltip="The map giving the box and the voxel size"
        )
        self.box = [SpinBox(value=64, min=1, max=4096, tooltip=f"box size along {a} (voxels)") for a in _AXES]
        self.box_row = _row("box (z, y, x) vox", *self.box)
        self.voxel_size = FloatSpinBox(label="voxel size (Å)", value=1.0, min=0.01, max=1000.0, step=0.1)
        self.shape = ComboBox(label="shape", choices=list(SHAPE_CHOICES), value="sphere")
        self.lengths = {
            "radius": _Length("radius", 20.0),
            "radii": _Length("radii z, y, x", 20.0, per_axis=True),
            "height": _Length("height", 40.0),
            "inner_radius": _Length("inner radius", 10.0),
            "size": _Length("size z, y, x", 40.0, per_axis=True),
            "rounding": _Length("rounding", 0.0, minimum=0.0),
            "thickness": _Length("thickness", 5.0),
        }
        self.center = [
            FloatSpinBox(value=32.0, min=-1e5, max=1e5, step=1.0, tooltip=f"centre {a} (voxels)") for a in _AXES
        ]
        self.center_row = _row("centre (z, y, x) vox", *self.center)
        self.on_cursor = PushButton(
            text="Centre on cursor", tooltip="Centre the shape where the mouse last was on the canvas"
        )
        self.on_density = PushButton(
            text="Centre on density", tooltip="Centre the shape on the centroid of the map above its default threshold"
        )
        self.phi = FloatSlider(label="phi (°)", min=-180.0, max=180.0, step=1.0, value=0.0)
        self.theta = FloatSlider(label="theta (°)", min=0.0, max=180.0, step=1.0, value=0.0)
        self.psi = FloatSlider(label="psi (°)", min=-180.0, max=180.0, step=1.0, value=0.0)
        self.edge = ComboBox(label="soft edge", choices=list(EDGES), value="none")
        self.edge_width = _Length("edge width", 6.0, minimum=0.0)
        self.readout = Label(label="mask")
        self.extend([
            self.map, self.box_row, self.voxel_size, self.shape, *(length.row for length in self.lengths.values()),
            self.center_row, _row("", self.on_cursor, self.on_density), self.phi, self.theta, self.psi,
            self.edge, self.edge_width.row, self.readout,
        ])

        self._rest = QTimer(self.native)
        self._rest.setSingleShot(True)
        self._rest.setInterval(REST_MS)
        self._rest.timeout.connect(self._on_rest)
        self._masks = LatestOnly(self._on_mask, self._on_error, description="Computing shape mask")
        self._readouts = LatestOnly(self._on_readout, self._on_error, description="Measuring shape mask")

        for control in (self.voxel_size, *self.center, self.phi, self.theta, self.psi, self.edge):
            control.changed.connect(self._changed)
        for spin in self.box:
            spin.changed.connect(self._on_box)
        for length in (*self.lengths.values(), self.edge_width):
            for spin in length.spins:
                spin.changed.connect(self._changed)
        self.shape.changed.connect(self._on_shape)
        self.map.changed.connect(self._on_map)
        self.on_cursor.changed.connect(self.center_on_cursor)
        self.on_density.changed.connect(self.center_on_density)
        self._viewer_events = (
            (napari_viewer.layers.events.inserted, self._on_layers),
            (napari_viewer.layers.events.removed, self._on_layers),
            (napari_viewer.dims.events.ndisplay, self._on_ndisplay),
            (napari_viewer.dims.events.current_step, self._on_step),
        )
        for event, callback in self._viewer_events:
            event.connect(callback)
        self.native.destroyed.connect(self._disconnect)

        maps = [layer for _, layer in self._map_choices()]
        self._quiet += 1
        self.map.value = maps[0] if maps else None
        self._quiet -= 1
        self._on_map(self.map.value, first=True)

    def _disconnect(self, _object=None):
        self._closed = True
        for event, callback in self._viewer_events:
            event.disconnect(callback)

    # -- the map ------------------------------------------------------------------------------

    def _map_choices(self, _widget=None):
        """3D image layers that are maps (not masks carrying a recipe)."""
        return [
            (layer.name, layer)
            for layer in self._viewer.layers
            if isinstance(layer, napari.layers.Image) and layer.ndim == 3 and METADATA_KEY not in layer.metadata
        ]

    def _on_layers(self, _event=None):
        self.map.reset_choices()

    def _box_and_voxel_size(self):
        layer = self.map.value
        if layer is None:
            return tuple(s.value for s in self.box), (self.voxel_size.value,) * 3
        return tuple(layer.data.shape), voxel_size_of(layer)

    def _density(self):
        layer = self.map.value
        return None if layer is None else np.asarray(layer.data)

    def _on_map(self, layer, first=False):
        """A new map: take its box and scale, and fit a sphere to it (or keep the typed box)."""
        self._quiet += 1
        try:
            if layer is None and self._last_map is not None:
                for spin, n in zip(self.box, self._last_map[0]):
                    spin.value = n
                self.voxel_size.value = mean_voxel_size(self._last_map[1])
            self.box_row.visible = self.voxel_size.visible = layer is None
            self.on_density.enabled = layer is not None
            box, voxel_size = self._box_and_voxel_size()
            if layer is not None:
                self._last_map = (box, voxel_size)
                self._fit_sphere(box, voxel_size)
            elif first:
                self._set_center(default_center(box))
        finally:
            self._quiet -= 1
        self._on_shape(self.shape.value, now=first)

    def _on_box(self, _value=None):
        """A typed box size: the shape moves to the new box centre."""
        self._set_center(default_center(self._box_and_voxel_size()[0]))

    def _fit_sphere(self, box, voxel_size):
        """Centre on the map's density and take the radius of the sphere enclosing it."""
        try:
            center, radius = enclosing_sphere(self._density())
        except ValueError:
            center, radius = default_center(box), min(box) / 4
        self._set_center(center)
        self.lengths["radius"].value = to_angstrom(radius, voxel_size)

    # -- controls -----------------------------------------------------------------------------

    def _on_shape(self, shape, now=False):
        uses = SHAPE_CHOICES[shape][1]
        for name, length in self.lengths.items():
            length.row.visible = name in uses
        self._changed(now=now)

    def _set_center(self, center):
        self._quiet += 1
        try:
            for spin, c in zip(self.center, center):
                spin.value = round(float(c), 2)
        finally:
            self._quiet -= 1
        self._changed()

    def center_on_cursor(self):
        """Centre the shape at the viewer's cursor (world coordinates -> voxels of the map)."""
        position = np.asarray(self._viewer.cursor.position, dtype=float)
        reference = self.map.value if self.map.value is not None else self._output_layer()
        voxel = reference.world_to_data(position) if reference is not None else position[-3:]
        box, _ = self._box_and_voxel_size()
        self._set_center([min(max(float(v), 0.0), n - 1.0) for v, n in zip(voxel[-3:], box)])

    def center_on_density(self):
        """Centre the shape on the centroid of the map above its default threshold."""
        density = self._density()
        if density is None:
            self.readout.value = "Centre on density needs a map."
            return
        try:
            center = density_centroid(density)
        except ValueError as error:
            self.readout.value = f"Cannot centre on density: {error}"
            return
        self._set_center(center)

    def _read_design(self) -> ShapeDesign:
        box, voxel_size = self._box_and_voxel_size()
        return ShapeDesign(
            box_shape=box,
            voxel_size=voxel_size,
            shape=self.shape.value,
            lengths_A={name: length.value for name, length in self.lengths.items()},
            center=tuple(s.value for s in self.center),
            angles=(self.phi.value, self.theta.value, self.psi.value),
            edge=self.edge.value,
            edge_width_A=self.edge_width.value,
        )

    def _update_notes(self, voxel_size):
        for name, length in self.lengths.items():
            convert = triple_to_voxels if name in PER_AXIS_LENGTHS else to_voxels
            length.note.value = voxel_note(convert(length.value, voxel_size))
        self.edge_width.note.value = voxel_note(to_voxels(self.edge_width.value, voxel_size))
        self.edge_width.row.visible = self.edge.value != "none"

    # -- drawing ------------------------------------------------------------------------------

    def _changed(self, _value=None, now=False):
        """Any value changed: draw what is on screen now, the whole volume once values rest."""
        if self._quiet:
            return
        box, voxel_size = self._box_and_voxel_size()
        self._update_notes(voxel_size)
        try:
            design = self._read_design()
            design.check()
        except ValueError as error:
            self.readout.value = f"Cannot draw: {error}"
            return
        self._design, self._recipe = design, design.recipe()
        layer = self._output_layer()
        if layer is not None:
            layer.metadata[METADATA_KEY] = self._recipe
        if now:
            self._show(*_replay(self._recipe))
            self._on_readout(_measure(self._recipe, self._layer.data, voxel_size, self._density()))
            return
        if self._viewer.dims.ndisplay == 3 or not self._draw_plane(design, layer):
            self._request_full()
        self._rest.start()

    def _output_layer(self):
        layer = self._layer
        return layer if layer is not None and layer in self._viewer.layers else None

    def _displayed_region(self, layer):
        """Index block of the layer drawn in the 2D view (None when the plane misses the box)."""
        dims = self._viewer.dims
        point = layer.world_to_data(dims.point)
        first_axis = dims.ndim - 3
        region = []
        for axis, (p, n) in enumerate(zip(point, layer.data.shape)):
            if first_axis + axis in dims.displayed:
                region.append(slice(None))
                continue
            index = int(np.round(p))
            if not 0 <= index < n:
                return None
            region.append(slice(index, index + 1))
        return tuple(region)

    def _draw_plane(self, design, layer) -> bool:
        """Write the displayed plane of ``design`` into the layer; False when it cannot."""
        if layer is None or layer.data.shape != design.box_shape:
            return False
        region = self._displayed_region(layer)
        if region is not None:
            layer.data[region] = design.mask(region)
            layer.refresh()
        return True

    def _request_full(self):
        if self._masks.busy or self._recipe is None:
            return
        self._masks.submit(_replay, self._recipe, voxels=math.prod(self._design.box_shape))

    def _show(self, recipe, mask):
        """Put a full mask in the layer; its metadata always holds the recipe of the current values."""
        reference = self.map.value
        self._layer = show_mask(
            self._viewer, mask, name=LAYER_NAME, layer=self._output_layer(), reference=reference, recipe=self._recipe
        )
        if reference is None:
            self._layer.scale = recipe["voxel_size"]
            self._layer.translate = (0.0, 0.0, 0.0)
        self._shown = recipe

    def _on_mask(self, result):
        if self._closed:
            return
        recipe, mask = result
        current = recipe == self._recipe
        layer = self._output_layer()
        plane_shown = layer is not None and layer.data.shape == mask.shape and self._viewer.dims.ndisplay == 2
        if current or not plane_shown:
            self._show(recipe, mask)
        if not current and (self._viewer.dims.ndisplay == 3 or not self._rest.isActive()):
            self._request_full()
        elif current and not self._rest.isActive():
            self._request_measure()

    def _on_rest(self):
        if self._shown == self._recipe:
            self._request_measure()
        else:
            self._request_full()

    def _request_measure(self):
        _, voxel_size = self._box_and_voxel_size()
        self._readouts.submit(
            _measure, self._recipe, self._layer.data, voxel_size, self._density(), voxels=self._layer.data.size
        )

    def _on_readout(self, result):
        recipe, text = result
        if recipe == self._recipe and not self._closed:
            self.readout.value = text

    def _on_error(self, error):
        if self._closed:
            return
        self.readout.value = f"Cannot draw: {error}"

    def _on_ndisplay(self, _event=None):
        if self._viewer.dims.ndisplay == 3 and self._shown != self._recipe:
            self._request_full()

    def _on_step(self, _event=None):
        """The 2D view moved to another plane while the full volume is out of date: draw that plane."""
        layer = self._output_layer()
        if self._shown != self._recipe and self._design is not None and self._viewer.dims.ndisplay == 2:
            self._draw_plane(self._design, layer)

    @property
    def busy(self) -> bool:
        """True until the layer holds the full mask of the current values and the readout measures it."""
        return self._rest.isActive() or self._masks.busy or self._readouts.busy or self._shown != self._recipe
