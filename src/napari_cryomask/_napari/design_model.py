"""The model behind every mask widget, without Qt: values -> checked design -> worker -> layer -> message.

A widget is a :class:`DesignModel` subclass (its controls, its checks, its computation) and a thin
Qt form that shows the model's controls and passes edits to it
(:class:`~napari_cryomask._napari.design_widget.DesignWidget`). The model does the bookkeeping once:

- **Values** are kept in the units the person types (Å, degrees); :meth:`~DesignModel.set` applies
  one at rest, :meth:`~DesignModel.move` while a slider is dragged (only a cheap preview is drawn,
  and the full mask once :meth:`~DesignModel.rest` is called).
- **Checks**: every change is checked before anything is computed. A bad value is an error tied
  to its control, worded with the control's label and unit (``inner radius (60 Å) must be smaller
  than the radius (40 Å)``); it stays until the values are valid again.
- **Latest only**: each change opens a new *generation*; a result or error that arrives for an
  older generation is dropped, so a late result never replaces a newer one or hides an error.
  The runner computes one job at a time and drops waiting jobs that a newer one replaced.
- **The layer**: results go into the widget's mask layer (:class:`~.mask_output.MaskOutput`)
  with their recipe (including the origin and the digest of the data); while the layer does not
  hold the result of the values on screen (a preview, a pending job, an error) it is marked stale.

Subclasses declare ``controls`` (:mod:`.controls`) and override :meth:`job` (and, as needed,
:meth:`check`, :meth:`visible`, :meth:`changed`, :meth:`preview`); :mod:`.shape_model` and
:mod:`.tight_model` are worked examples, ``tests/test_design_model.py`` shows how to test one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from psygnal import Signal, SignalGroup

from ..core.units import isotropic_size
from ..recipes import METADATA_KEY, data_digest
from .controls import AxisLengths, Choice, Control, Invalid, LayerInput, LayerList, Length, Level
from .mask_layer import COLOUR_KEY, DISPLAYS, layer_volume, mask_problem, placement, voxel_size_of
from .mask_output import MaskOutput
from .readout import readout_text
from .runner import SyncRunner
from .surface import proxy_step, show_proxy

DISPLAY = Choice(
    name="display",
    label="display",
    options=DISPLAYS,
    default="fill",
    design=False,
    tooltip="fill: the mask in its colour, soft edges fading out.\n"
    "edge band: in 2D, the soft edge (0 < value < 1) as a band, faint outside the 0.5 contour and "
    "strong inside it, so the 0.5 contour and the extent of the soft edge both show.",
)


@dataclass
class Job:
    """One computation of a design.

    Attributes
    ----------
    compute : callable
        ``compute()`` returns the float32 mask, or ``(mask, extras)`` with a dict of anything
        else the model wants back (given to :meth:`DesignModel.shown`). It runs on a worker
        thread for large boxes, so it must only touch what it was given. ``extras["recipe"]``,
        when present, is the recipe (one that is computed with the mask, as a hand edit's is)
        and replaces ``recipe``.
    recipe : dict or None
        The recipe that replays the mask (``make_recipe(...)``); ``origin`` is added from the
        reference layer when missing. None: the layer gets no recipe.
    reference : napari layer or None
        The layer whose scale and translate the mask layer takes (the map).
    voxels : int or None
        Size of the job; jobs up to ``SYNC_VOXELS`` run at once on the UI thread.
    measure : callable or None
        ``measure(mask) -> str``, the readout under the controls (computed on the worker too);
        default :func:`~napari_cryomask._napari.readout.readout_text` with the reference's voxel size.
    """

    compute: Callable
    recipe: dict | None
    reference: object = None
    voxels: int | None = None
    measure: Callable | None = None


@dataclass
class Result:
    mask: np.ndarray
    digest: str
    readout: str
    extras: dict = field(default_factory=dict)
    changed: object = None  # the layer's array when it was found changed in place


class ModelEvents(SignalGroup):
    """What the Qt form listens to."""

    values = Signal(dict)  # {name: value} the model set itself (defaults from a map, a fitted centre)
    errors = Signal(dict)  # {name: message}; "" is an error of no one control
    state = Signal()  # busy, moving, stale, notice, readout or the output layer changed
    choices = Signal()  # the layers offered by LayerInput controls changed
    visible = Signal(frozenset)  # names of the controls that apply now
    limits = Signal()  # ranges of controls that follow the data changed


def map_layers(viewer) -> list:
    """3D single-channel image layers that are maps: not RGB, not a mask made by this plugin."""
    from napari.layers import Image

    return [
        layer
        for layer in viewer.layers
        if isinstance(layer, Image)
        and layer.ndim == 3
        and not layer.rgb
        and METADATA_KEY not in layer.metadata
        and COLOUR_KEY not in layer.metadata
    ]


def mask_layers(viewer) -> list:
    """Layers whose data are masks (3D, single channel, finite values in [0, 1])."""
    return [layer for layer in viewer.layers if mask_problem(layer, remember=True) is None]


def displayed_region(viewer, layer, box_shape):
    """Index block of ``layer`` drawn in the 2D view (None in 3D or when the plane misses the box)."""
    dims = viewer.dims
    if dims.ndisplay != 2:
        return None
    point = layer.world_to_data(dims.point)
    first_axis = dims.ndim - 3
    region = []
    for axis, (p, n) in enumerate(zip(point[-3:], box_shape)):
        if first_axis + axis in dims.displayed:
            region.append(slice(0, n))
            continue
        index = int(np.round(p))
        if not 0 <= index < n:
            return None
        region.append(slice(index, index + 1))
    return tuple(region)


class DesignModel:
    """Values on screen -> checked design -> computation -> mask layer -> message, for one widget.

    Parameters
    ----------
    viewer : napari.components.ViewerModel
        Any napari viewer (a ``napari.Viewer`` or, in tests, a Qt-free ``ViewerModel``).
    runner : runner, optional
        Where jobs run (:mod:`.runner`); by default at once (:class:`~.runner.SyncRunner`). The Qt
        widgets pass a :class:`~napari_cryomask._napari.worker.QtRunner`.

    Class attributes
    ----------------
    title : str
        The widget's name in messages ("Shape mask").
    output_name : str
        Base name of its mask layers ("shape mask"; napari makes repeats "shape mask [1]").
    controls : tuple of :class:`~.controls.Control`
        In the order shown. A ``display`` control is added when missing.
    actions : tuple of :class:`~.controls.Action`
        Buttons; ``act(name)`` calls ``action_<name>()``.
    """

    title = "Mask"
    output_name = "mask"
    controls: tuple = ()
    actions: tuple = ()

    def __init__(self, viewer, runner=None):
        # napari hands plugin widgets its viewer behind a PublicOnlyProxy, which wraps every layer
        # anew on each access; the model keeps the viewer itself so that a layer stays one object
        # (identity is how a mask layer is followed through renames).
        viewer = getattr(viewer, "__wrapped__", viewer)
        self.viewer = viewer
        self.runner = runner if runner is not None else SyncRunner()
        self.events = ModelEvents()
        controls = tuple(self.controls)
        if not any(c.name == "display" for c in controls):
            controls += (DISPLAY,)
        self.controls = controls
        self._controls = {c.name: c for c in controls}
        self._values = {c.name: c.default for c in controls}
        self._coerce_errors: dict = {}
        self.errors: dict = {}
        self.notice = ""
        self.readout = ""
        self.generation = 0
        self.dropped = 0  # results and errors of superseded generations that were not shown
        self._pending = None
        self._moving = False
        self._closed = False
        self._assigned: dict = {}
        self._visible = frozenset(self._controls)
        self.output = MaskOutput(viewer, self.output_name, self.title)
        self._viewer_events = [
            (viewer.layers.events.inserted, self._on_inserted),
            (viewer.layers.events.removed, self._on_removed),
            (viewer.dims.events.current_step, self._on_step),
            (viewer.dims.events.ndisplay, self._on_ndisplay),
        ]
        for event, callback in self._viewer_events:
            event.connect(callback)
        for layer in viewer.layers:
            layer.events.name.connect(self._on_renamed)

    # -- values ----------------------------------------------------------------------------

    @property
    def values(self) -> dict:
        """The values on screen, by control name, in the units shown."""
        return dict(self._values)

    def __getitem__(self, name: str):
        return self._values[name]

    def control(self, name: str) -> Control:
        return self._controls[name]

    def set(self, name: str, value) -> None:
        """The person set ``name`` to ``value`` (editing finished): check it and compute the mask."""
        self.update(**{name: value})

    def update(self, **values) -> None:
        """Several values at once, at rest (one computation)."""
        self._apply(values, moving=False)

    def move(self, name: str, value) -> None:
        """``name`` is being dragged to ``value``: preview it; the full mask waits for :meth:`rest`."""
        self._apply({name: value}, moving=True)

    def rest(self) -> None:
        """The dragging stopped: compute the full mask of the values now on screen."""
        if self._moving and not self._closed:
            self.refresh()

    def assign(self, **values) -> None:
        """For subclasses' hooks: set values the model derives (no hooks, no computation); shown in the form."""
        for name, value in values.items():
            value = self._controls[name].coerce(value)
            self._values[name] = value
            self._assigned[name] = value

    def _apply(self, values: dict, moving: bool) -> None:
        if self._closed:
            return
        unknown = [name for name in values if name not in self._controls]
        if unknown:
            raise KeyError(f"{type(self).__name__} has no control {unknown[0]!r}")
        old = dict(self._values)
        self.notice = ""
        for name, value in values.items():
            try:
                self._values[name] = self._controls[name].coerce(value)
                self._coerce_errors.pop(name, None)
            except (Invalid, TypeError, ValueError) as error:
                self._values[name] = value
                self._coerce_errors[name] = str(error)
        names = set(values)
        self._assigned.update({name: self._values[name] for name in names if name not in self._coerce_errors})
        try:
            self.changed(names, old)
        except Exception as error:  # noqa: BLE001 - a hook's failure is shown, not raised
            self._coerce_errors[""] = f"{error}"
        self._flush_assigned()
        if "display" in names:
            self.output.set_display(self._values["display"])
        if any(self._controls[name].design for name in names):
            self.refresh(moving=moving)
        else:
            self.events.state.emit()

    def _flush_assigned(self) -> None:
        if self._assigned:
            assigned, self._assigned = self._assigned, {}
            self.events.values.emit(assigned)
        visible = frozenset(self.visible())
        if visible != self._visible:
            self._visible = visible
            self.events.visible.emit(visible)

    # -- hooks for subclasses --------------------------------------------------------------

    def changed(self, names: set, old: dict) -> None:
        """Values ``names`` were set by the person (``old`` held the values before); derive others with :meth:`assign`."""

    def visible(self) -> set:
        """Names of the controls that apply to the current values (all by default)."""
        return set(self._controls)

    def check(self) -> None:
        """Raise :class:`~.controls.Invalid` naming the controls of the first problem across values."""

    def job(self) -> Job | None:
        """The computation of the current (valid) values; None when there is nothing to compute."""
        raise NotImplementedError

    def preview(self, region) -> np.ndarray | None:
        """The block ``region`` of the current design's mask, cheaply (a plane in 2D); None when there is none."""
        return None

    def coarse(self, step: int) -> np.ndarray | None:
        """The current design's mask at every ``step``-th voxel of :meth:`preview_box`, computed at that spacing.

        ``full[::step, ::step, ::step]``, or close to it, cheaply: while a value moves in 3D its
        surface is drawn in place of the mask. None: no stand-in (the last full mask stays).
        """
        return None

    def preview_box(self) -> tuple | None:
        """The box the preview draws into; a preview is drawn only into a layer of this shape."""
        return None

    def shown(self, result: Result) -> None:
        """A result of the current values is now in the layer (``result.extras`` as the job returned them)."""

    def input_added(self, layer) -> None:
        """A layer was added to the viewer."""

    def input_removed(self, name: str, layer) -> None:
        """The layer chosen in LayerInput ``name`` was deleted (its value is already None)."""

    def limits(self, control) -> tuple:
        """The range of a Number control now (a threshold follows its map)."""
        return control.minimum, control.maximum

    def decimals(self, control) -> int:
        """Decimals a Number control shows; a Level's follow its range (five significant digits of it)."""
        if isinstance(control, Level):
            low, high = self.limits(control)
            span = (high - low) if low is not None and high is not None and high > low else 1.0
            return max(2, 5 - math.floor(math.log10(span)))
        return control.decimals

    def rounded(self, name: str, value: float) -> float:
        """``value`` as control ``name`` shows it, so that what is applied is what is seen."""
        return round(float(value), self.decimals(self._controls[name]))

    def choices(self, name: str) -> list:
        """Layers that LayerInput ``name`` offers: maps or masks, never this model's own outputs."""
        control = self._controls[name]
        own = {id(layer) for layer in self.output.layers}
        layers = map_layers(self.viewer) if control.kind == "map" else mask_layers(self.viewer)
        return [layer for layer in layers if id(layer) not in own]

    def watch_data(self, layers) -> None:
        """Compute again whenever the data of one of ``layers`` (the inputs) are replaced."""
        for layer in getattr(self, "_data_watched", ()):
            try:
                layer.events.data.disconnect(self._on_input_data)
            except (TypeError, ValueError, RuntimeError):
                pass
        self._data_watched = list(layers)
        for layer in self._data_watched:
            layer.events.data.connect(self._on_input_data)

    def _on_input_data(self, event=None) -> None:
        if not self._closed:
            self.refresh()

    def voxel_size(self) -> tuple:
        """Voxel size (z, y, x) in Å of the design: the first LayerInput's layer, else 1 Å."""
        for control in self.controls:
            if isinstance(control, LayerInput) and self._values[control.name] is not None:
                return voxel_size_of(self._values[control.name])
        return (1.0, 1.0, 1.0)

    # -- lengths ---------------------------------------------------------------------------

    def lengths_in_voxels(self) -> bool:
        """True when single lengths are given in voxels: the voxels are not cubic."""
        return isotropic_size(self.voxel_size()) is None

    def px(self, name: str) -> float:
        """A :class:`~.controls.Length` in voxels."""
        value = float(self._values[name])
        size = isotropic_size(self.voxel_size())
        return value if size is None else value / size

    def px3(self, name: str) -> tuple:
        """An :class:`~.controls.AxisLengths` (z, y, x Å) in voxels, each axis with its own voxel size."""
        return tuple(float(v) / s for v, s in zip(self._values[name], self.voxel_size()))

    def angstrom(self, length_px: float) -> float:
        """A length in voxels as the unit single lengths are shown in (Å, or voxels)."""
        size = isotropic_size(self.voxel_size())
        return float(length_px) if size is None else float(length_px) * size

    def voxel_note(self, name: str) -> str:
        """What a length control shows beside it: the same length in voxels (or why it is in voxels)."""
        control = self._controls[name]
        try:
            if isinstance(control, AxisLengths):
                return "= " + ", ".join(f"{v:.4g}" for v in self.px3(name)) + " vox"
            if isinstance(control, Length):
                if self.lengths_in_voxels():
                    return "voxels differ between axes"
                return f"= {self.px(name):.4g} vox"
        except (TypeError, ValueError):
            return ""
        return ""

    def text(self, name: str, value=None) -> str:
        """``"radius (40 Å)"``: control ``name`` with ``value`` (its current value by default)."""
        return self._controls[name].text(self._values[name] if value is None else value, self)

    # -- state -----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """True while the layer waits for the mask of the values on screen (moving, or computing)."""
        return self._pending is not None or self._moving

    @property
    def moving(self) -> bool:
        """True between :meth:`move` and :meth:`rest`."""
        return self._moving

    @property
    def layer(self):
        """The mask layer the current design goes to (None before the first mask)."""
        return self.output.layer

    @property
    def stale(self) -> bool:
        """True when the mask layer does not hold the mask of the values on screen."""
        if self.output.layer is None:
            return False
        return bool(self.errors) or self.busy or self.output.stale_reason() is not None

    def status(self) -> str:
        """One line on the layer's state for the form (empty when all agree)."""
        layer = self.output.layer
        if layer is None:
            return ""
        if self.errors:
            return f"{layer.name!r} still shows the last valid values: correct the marked value to update it."
        if self._moving:
            return f"{layer.name!r}: preview while the value moves."
        if self._pending is not None:
            return f"computing {layer.name!r}…"
        return ""

    # -- computing -------------------------------------------------------------------------

    def refresh(self, moving: bool = False) -> None:
        """Check the values on screen and compute their mask (a preview only while ``moving``)."""
        if self._closed:
            return
        self.generation += 1
        self._moving = moving
        self._flush_assigned()
        errors = self._collect_errors()
        self._set_errors(errors)
        if errors:
            self._pending = None
            self.output.mark_stale("the widget holds values that are not valid: " + next(iter(errors.values())))
            self.events.state.emit()
            return
        try:
            job = None if moving else self.job()
        except Invalid as error:
            self._set_errors({name: str(error) for name in error.names or ("",)})
            self._pending = None
            self.events.state.emit()
            return
        if moving or (job is not None and not self.runner.runs_here(job.voxels)):
            self._preview()
        if job is None:
            self._pending = None
            self.events.state.emit()
            return
        expected = self.output.expected()
        self._pending = generation = self.generation
        self.events.state.emit()
        self.runner.submit(
            partial(_run, job, expected), partial(self._done, generation, job), partial(self._failed, generation), voxels=job.voxels
        )

    def _collect_errors(self) -> dict:
        errors = {name: message for name, message in self._coerce_errors.items()}
        visible = self.visible()
        for control in self.controls:
            if not control.design or control.name not in visible or control.name in errors:
                continue
            problem = control.problem(self._values[control.name], self)
            if problem:
                errors[control.name] = problem
        if not errors:
            try:
                self.check()
            except Invalid as error:
                errors.update({name: str(error) for name in error.names or ("",)})
        return errors

    def _set_errors(self, errors: dict) -> None:
        if errors != self.errors:
            self.errors = errors
            self.events.errors.emit(dict(errors))

    def _preview(self) -> None:
        box = self.preview_box()
        layer = self.output.layer
        if box is None or layer is None or np.shape(layer.data) != tuple(box):
            return
        if self.viewer.dims.ndisplay == 3:
            self._proxy_3d(layer, box)
            return
        region = displayed_region(self.viewer, layer, box)
        if region is None:
            return
        try:
            block = self.preview(region)
        except Exception:  # noqa: BLE001 - a preview is a courtesy; the full computation reports errors
            return
        if block is not None:
            self.output.draw_block(region, block)

    def _proxy_3d(self, layer, box) -> None:
        """In 3D: the surface of a coarse sampling of the current design stands in for the mask (see :mod:`.surface`)."""
        step = proxy_step(box)
        try:
            proxy = self.coarse(step)
        except Exception:  # noqa: BLE001 - a preview is a courtesy; the full computation reports errors
            return
        if proxy is not None:
            show_proxy(layer, proxy, step)

    def _done(self, generation: int, job: Job, result: Result) -> None:
        if self._closed:
            return
        if generation != self.generation:
            self.dropped += 1
            return
        self._pending = None
        if result.changed is not None:
            self.output.changed_in_place(result.changed)
        recipe = result.extras.pop("recipe", job.recipe)
        if recipe is not None and "origin" not in recipe:
            recipe = dict(recipe, origin=list(placement(job.reference)["translate"]))
        before = self.output.layer
        layer = self.output.show(result.mask, recipe, job.reference, digest=result.digest)
        if layer is not before:
            self.events.choices.emit()  # a new mask layer: it is not offered as an input of this widget
        self.notice, self.output.notice = self.output.notice, ""
        self.readout = result.readout
        self.shown(result)
        self._flush_assigned()
        self.events.state.emit()

    def _failed(self, generation: int, error: BaseException) -> None:
        if self._closed:
            return
        if generation != self.generation:
            self.dropped += 1
            return
        self._pending = None
        if isinstance(error, Invalid):
            errors = {name: str(error) for name in error.names or ("",)}
        else:
            errors = {"": f"cannot make the {self.output_name}: {error}"}
        self._set_errors(errors)
        self.output.mark_stale(next(iter(errors.values())))
        self.events.state.emit()

    # -- masks and actions -----------------------------------------------------------------

    def new_mask(self) -> None:
        """Leave the current mask layer as it is; the current values go into a new layer."""
        self.output.new()
        self.refresh()

    def act(self, name: str) -> None:
        """Run action ``name`` (a button); its errors become the notice, never an exception."""
        if self._closed:
            return
        try:
            getattr(self, f"action_{name}")()
        except Exception as error:  # noqa: BLE001 - a button never raises into Qt
            self.notice = str(error)
            self.events.state.emit()

    def say(self, notice: str) -> None:
        """Show ``notice`` under the controls (a suggestion's caveat, a hint)."""
        self.notice = notice
        self.events.state.emit()

    # -- the viewer ------------------------------------------------------------------------

    def _on_inserted(self, event) -> None:
        if self._closed:
            return
        layer = event.value
        layer.events.name.connect(self._on_renamed)
        self.events.choices.emit()
        self.input_added(layer)
        self._flush_assigned()
        self.events.state.emit()

    def _on_removed(self, event) -> None:
        if self._closed:
            return
        layer = event.value
        try:
            layer.events.name.disconnect(self._on_renamed)
        except (TypeError, ValueError, RuntimeError):
            pass
        lost = [c.name for c in self.controls if isinstance(c, LayerInput) and self._values[c.name] is layer]
        listed = [c.name for c in self.controls if isinstance(c, LayerList) and any(x is layer for x in self._values[c.name])]
        was_output = self.output.owns(layer)
        self.events.choices.emit()
        for name in lost:
            self._values[name] = None
            self._assigned[name] = None
            self.input_removed(name, layer)
        for name in listed:
            self.assign(**{name: tuple(x for x in self._values[name] if x is not layer)})
            self.input_removed(name, layer)
        if lost or listed:
            self.refresh()
        elif was_output:
            # the mask layer was deleted (perhaps while its mask computed): drop any late result
            self.output.forget(layer)
            self.generation += 1
            self._pending = None
            self.events.state.emit()

    def _on_renamed(self, event=None) -> None:
        if not self._closed:
            self.events.choices.emit()
            self.events.state.emit()

    def _on_step(self, event=None) -> None:
        if not self._closed and self.output.stale_reason() is not None and (self._moving or self._pending is not None):
            self._preview()

    def _on_ndisplay(self, event=None) -> None:
        """Into 3D while the layer waits for the mask of the values on screen: their stand-in is drawn there."""
        if not self._closed and self.viewer.dims.ndisplay == 3 and (self._moving or self._pending is not None):
            self._preview()

    def close(self) -> None:
        """The widget is gone: stop listening, drop every pending result, shut the worker down."""
        if self._closed:
            return
        self._closed = True
        for event, callback in self._viewer_events:
            try:
                event.disconnect(callback)
            except (TypeError, ValueError, RuntimeError):
                pass
        for layer in list(self.viewer.layers):
            try:
                layer.events.name.disconnect(self._on_renamed)
            except (TypeError, ValueError, RuntimeError):
                pass
        self._pending = None
        self.watch_data(())
        self.runner.close()
        self.output.close()

    @property
    def closed(self) -> bool:
        return self._closed


def _run(job: Job, expected) -> Result:
    """On the worker: the mask, its digest, the readout, and whether the layer was changed in place."""
    out = job.compute()
    mask, extras = out if isinstance(out, tuple) else (out, {})
    mask = np.asarray(mask, dtype=np.float32)
    # The hash (one core, and it releases the GIL) runs beside the readout, which uses every core.
    with ThreadPoolExecutor(1) as pool:
        digest = pool.submit(data_digest, mask)
        if job.measure is not None:
            readout = job.measure(mask)
        else:
            voxel_size = voxel_size_of(job.reference) if job.reference is not None else (1.0, 1.0, 1.0)
            readout = readout_text(mask, voxel_size)
        changed = None
        if expected is not None:
            array, recorded = expected
            if data_digest(array) != recorded:
                changed = array
        digest = digest.result()
    return Result(mask, digest, readout, extras, changed)


__all__ = ["DISPLAY", "DesignModel", "Job", "ModelEvents", "Result", "displayed_region", "layer_volume", "map_layers", "mask_layers"]
