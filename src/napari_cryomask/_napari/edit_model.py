"""What the Edit by hand widget does, without Qt: a mask painted as napari labels, brought back soft and replayable.

- *Edit by hand* turns the chosen mask into a Labels layer ``"<mask> edit"`` on its grid (inside =
  mask ≥ 0.5), selected and in paint mode: paint, erase and fill with napari's own tools and keys
  (P, E, F; Ctrl+Z undoes), in the 2D view or the 3D one. The brush is a disc on the plane shown,
  or a ball through the neighbouring planes too (``n_edit_dimensions`` 3); its size is in Å here,
  in voxels in napari's layer controls, and the two follow each other.
- *Draw planes* (a Labels layer) or *Draw outlines* (a Shapes layer) take the region on a few
  planes; *Fill in between* interpolates the planes between them
  (:func:`~napari_cryomask.core.interpolate.interpolate_planes`) and adds the solid to the edit,
  or cuts it out, as one step that Ctrl+Z undoes.
- *Apply* brings the edit back as a soft mask (:func:`~napari_cryomask.recipes.tools_edit.edit_recipe`):
  the edited binary with the soft edge the mask had (from its recipe, else estimated from it,
  width kept), rebuilt near the edits and the mask's own values elsewhere, in a layer
  ``"edited mask"`` whose recipe is the ``edit`` recipe of the mask's own recipe (the runs of the
  voxels added and removed), so that the saved file replays byte for byte. The edit layer stays
  the active one, in its mode, so painting and Ctrl+Z go on there.

The edit is drawn on the mask as it was when editing began: the widget keeps those data and the
recipe that rebuilds them, so a mask that changes meanwhile (its widget recomputed) does not shift
the edits; the widget says so, and deleting the edit layer starts afresh on the new mask. One edit
per mask: choosing another mask continues its own edit and its own output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.edges import EDGES
from ..core.interpolate import drawn_planes, interpolate_planes
from ..recipes.tools import edge_of, known_edge
from ..recipes.tools_edit import edit_recipe
from .controls import Action, Choice, Invalid, LayerInput, Length
from .design_model import DesignModel, Job, mask_layers
from .mask_layer import COLOUR_KEY, COLOURS, layer_volume, placement, voxel_size_of
from .outlines import drawn_binary, plane_axis
from .readout import readout_text
from .tool_inputs import current_recipe

AXES = "zyx"
BRUSHES = ("disc", "ball")
FILL_MODES = ("add", "remove")
BRUSH_VOXELS = 10  # napari's default brush

CONTROLS = (
    LayerInput(
        name="mask",
        label="mask",
        kind="mask",
        none_text="(choose a mask)",
        tooltip="The mask to edit. Edit by hand shows it as a labels layer (inside: values ≥ 0.5) to paint on.",
    ),
    Length(
        name="brush_size",
        label="brush size",
        default=10.0,
        minimum=0.1,
        design=False,
        tooltip="Diameter of the brush (napari's brush size, in voxels in its layer controls)",
    ),
    Choice(
        name="brush",
        label="brush",
        options=BRUSHES,
        default="disc",
        design=False,
        tooltip="disc: paints on the plane shown (napari's default).\n"
        "ball: paints a ball through the neighbouring planes as well (napari's n_edit_dimensions 3), "
        "so a stroke in one plane edits the volume.",
    ),
    LayerInput(
        name="planes",
        label="planes",
        kind="planes",
        none_text="(none)",
        design=False,
        tooltip="The layer holding the region drawn on a few planes: a labels layer (Draw planes) or a shapes layer "
        "of polygons, rectangles or ellipses (Draw outlines, or any 3D shapes layer).",
    ),
    Choice(
        name="fill_mode",
        label="fill in between",
        options=FILL_MODES,
        default="add",
        design=False,
        tooltip="add: the interpolated solid is added to the edit. remove: it is cut out of the edit.",
    ),
    Choice(
        name="edge",
        label="soft edge",
        options=EDGES,
        default="cosine",
        tooltip="The soft edge rebuilt around the edits: by default the one the mask had (from its recipe, else "
        "estimated from the mask). Away from the edits the mask keeps its own values.",
    ),
    Length(name="edge_width", label="edge width", default=6.0,
           tooltip="Width of the rebuilt soft edge (Gaussian: sigma); by default the mask's own"),
)

ACTIONS = (
    Action(name="edit", label="Edit by hand", after="mask",
           tooltip="Show the mask as a labels layer to paint on with napari's tools (paint P, erase E, fill F; Ctrl+Z undoes)"),
    Action(name="draw_planes", label="Draw planes", after="planes",
           tooltip="Add an empty labels layer on the mask's grid: paint the region on two or more planes"),
    Action(name="draw_outlines", label="Draw outlines", after="planes",
           tooltip="Add an empty shapes layer on the mask's grid: outline the region on two or more planes"),
    Action(name="fill", label="Fill in between", after="fill_mode",
           tooltip="Interpolate the planes between the drawn ones (signed distances) and add the solid to the edit "
           "(or cut it out); Ctrl+Z in the edit layer undoes it"),
    Action(name="apply", label="Apply", after="edge_width",
           tooltip="Bring the edit back as a soft mask, with the soft edge above, in its own layer with a replayable recipe"),
)


@dataclass
class Session:
    """One mask being edited: the mask as editing began, the recipe that rebuilds it, the layers drawn in."""

    mask: object
    data: np.ndarray
    recipe: dict
    note: str | None
    labels: object
    edge: str
    edge_width: float
    applied: bool = False
    painted: bool = False  # painted (or undone) since the last Apply
    mode: str = "paint"  # the edit layer's mode when Apply was clicked
    binary: np.ndarray | None = None  # the edited binary of the last Apply
    planes: list = field(default_factory=list)


class _Placement:
    """Scale and translate of the mask an edit was drawn on (the mask layer itself may be gone)."""

    def __init__(self, layer):
        where = placement(layer)
        self.scale, self.translate = where["scale"], where["translate"]


class EditModel(DesignModel):
    """The Edit by hand design.

    Examples
    --------
    >>> from napari.components import ViewerModel
    >>> from napari_cryomask.core.shapes import sphere
    >>> viewer = ViewerModel()
    >>> mask = viewer.add_image(sphere(32, 8, edge="cosine", edge_width_px=3), name="sphere")
    >>> model = EditModel(viewer)
    >>> model.act("edit")
    >>> labels = viewer.layers["sphere edit"]
    >>> labels.paint((16, 16, 26), 1)  # a stroke beside the sphere
    >>> model.act("apply")
    >>> edited = viewer.layers["edited mask"]
    >>> bool(edited.data[16, 16, 26] >= 0.5), edited.metadata["cryomask_recipe"]["operation"]
    (True, 'edit')
    """

    title = "Edit by hand"
    output_name = "edited mask"
    controls = CONTROLS
    actions = ACTIONS

    def __init__(self, viewer, runner=None):
        super().__init__(viewer, runner)
        self._sessions: dict = {}  # mask layer unique_id -> Session
        masks = self.choices("mask")
        self.assign(mask=masks[-1] if masks else None)
        self._take_mask()
        self.refresh()

    # -- inputs ----------------------------------------------------------------------------

    def choices(self, name: str) -> list:
        if name == "mask":
            return mask_layers(self.viewer)  # an edited mask may be edited again
        if name == "planes":
            from napari.layers import Labels, Shapes

            edits = {id(s.labels) for s in self._sessions.values()}
            return [
                layer for layer in self.viewer.layers
                if (isinstance(layer, Labels) and layer.ndim == 3 and id(layer) not in edits)
                or (isinstance(layer, Shapes) and layer.ndim == 3)
            ]
        return super().choices(name)

    def session(self) -> Session | None:
        """The edit of the chosen mask, while its labels layer is in the viewer."""
        mask = self["mask"]
        s = None if mask is None else self._sessions.get(mask.unique_id)
        if s is not None and s.labels not in self.viewer.layers:
            self._end(mask.unique_id)
            return None
        return s

    def _end(self, uid) -> None:
        s = self._sessions.pop(uid, None)
        if s is not None:
            for event, callback in self._layer_events(s.labels) + ((s.mask.events.data, self._on_mask_data),):
                try:
                    event.disconnect(callback)
                except (TypeError, ValueError, RuntimeError):
                    pass

    def _layer_events(self, labels):
        return (
            (labels.events.paint, self._on_painted),
            (labels.events.data, self._on_painted),
            (labels.events.set_data, self._on_redrawn),
            (labels.events.brush_size, self._on_brush),
        )

    def _take_mask(self) -> None:
        mask = self["mask"]
        self.output.switch(None if mask is None else mask.unique_id)
        s = self.session()
        if s is not None:
            self.assign(edge=s.edge, edge_width=s.edge_width)
        elif mask is not None:
            self.assign(brush_size=round(self.angstrom(BRUSH_VOXELS), 2))

    def changed(self, names: set, old: dict) -> None:
        if "mask" in names and self["mask"] is not old["mask"]:
            self._take_mask()
        s = self.session()
        if s is not None and names & {"edge", "edge_width"}:
            s.edge, s.edge_width = self["edge"], self["edge_width"]
        if names & {"brush_size", "brush"}:
            self._brush_to_layers()

    def input_removed(self, name: str, layer) -> None:
        if name == "mask":
            s = self._sessions.get(layer.unique_id)
            self._end(layer.unique_id)
            if s is not None:
                self.notice = f"the mask {layer.name!r} was deleted; its edit layer {s.labels.name!r} stays as it is"

    def visible(self) -> set:
        shown = set(self._controls)
        if self["edge"] == "none":
            shown.discard("edge_width")
        return shown

    # -- the brush -------------------------------------------------------------------------

    def _brush_voxels(self) -> int:
        return max(1, int(round(self.px("brush_size"))))

    def _brush_to_layers(self) -> None:
        s = self.session()
        if s is None:
            return
        size = self._brush_voxels()
        s.labels.brush_size = size
        s.labels.n_edit_dimensions = 3 if self["brush"] == "ball" else 2
        for layer in s.planes:
            if hasattr(layer, "brush_size") and layer in self.viewer.layers:
                layer.brush_size = size

    def _on_brush(self, event=None) -> None:
        s = self.session()
        if s is None or self.closed or s.labels.brush_size == self._brush_voxels():
            return
        self.assign(brush_size=round(self.angstrom(s.labels.brush_size), 2))
        self._flush_assigned()
        self.events.state.emit()

    # -- actions ---------------------------------------------------------------------------

    def action_edit(self) -> None:
        """Start (or continue) the edit of the chosen mask in a Labels layer."""
        s = self._start()
        self._select(s.labels)

    def _start(self) -> Session:
        mask = self["mask"]
        if mask is None:
            raise Invalid("choose the mask to edit first", "mask")
        s = self.session()
        if s is not None:
            self.say(f"continue in {s.labels.name!r}: paint (P), erase (E), fill (F), Ctrl+Z undoes; Apply brings the edit back")
            return s
        data = np.array(layer_volume(mask), dtype=np.float32)
        recipe, note = current_recipe(mask)
        edge, width_px = edge_of(recipe, data)
        source = "as its recipe says" if known_edge(recipe) is not None else "estimated from the mask"
        colour = COLOURS.get(mask.metadata.get(COLOUR_KEY), COLOURS["orange"])
        from napari.utils.colormaps import DirectLabelColormap

        labels = self.viewer.add_labels(
            (data >= np.float32(0.5)).astype(np.uint8),
            name=f"{mask.name} edit",
            opacity=0.6,
            colormap=DirectLabelColormap(color_dict={None: (0, 0, 0, 0), 0: (0, 0, 0, 0), 1: (*colour, 1.0)}),
            **placement(mask),
        )
        labels.selected_label = 1
        width = round(self.angstrom(width_px), 2) if edge != "none" else self["edge_width"]
        s = Session(mask, data, recipe, note, labels, edge, width)
        self._sessions[mask.unique_id] = s
        for event, callback in self._layer_events(labels):
            event.connect(callback)
        mask.events.data.connect(self._on_mask_data)
        self.assign(edge=edge, edge_width=width)
        self._brush_to_layers()
        self._flush_assigned()
        edge_text = "none" if edge == "none" else f"{edge}, {self.control('edge_width').show(width, self)} ({source})"
        lines = [
            f"paint (P), erase (E) and fill (F) in {labels.name!r} with napari's tools, in 2D or 3D; Ctrl+Z undoes. "
            "Apply brings the edit back as a soft mask.",
            f"soft edge of {mask.name!r}: {edge_text}",
        ]
        if note:
            lines.append(f"note: {note}")
        self.say("\n".join(lines))
        return s

    def _select(self, layer, mode: str = "paint") -> None:
        """Make ``layer`` the active layer, visible, in ``mode`` (napari resets the mode when visibility changes)."""
        if not layer.visible:
            layer.visible = True
        self.viewer.layers.selection.active = layer
        layer.mode = mode

    def action_draw_planes(self) -> None:
        """An empty Labels layer on the mask's grid to paint the region on a few planes."""
        s = self._start()
        labels = self.viewer.add_labels(
            np.zeros(s.data.shape, np.uint8), name=f"{s.mask.name} planes", opacity=0.7, **placement(s.labels)
        )
        labels.selected_label = 1
        labels.brush_size = self._brush_voxels()
        s.planes.append(labels)
        self.set("planes", labels)
        self._select(labels)
        self.say(f"paint the region on two or more planes in {labels.name!r} (move the slider between them), "
                 "then Fill in between")

    def action_draw_outlines(self) -> None:
        """An empty Shapes layer on the mask's grid to outline the region on a few planes."""
        s = self._start()
        shapes = self.viewer.add_shapes(
            ndim=3, name=f"{s.mask.name} outlines", edge_width=0.5, face_color="#ffffff40", edge_color="white",
            **placement(s.labels),
        )
        s.planes.append(shapes)
        self.set("planes", shapes)
        self._select(shapes, "add_polygon")
        self.say(f"outline the region on two or more planes in {shapes.name!r} (polygons, rectangles or ellipses; "
                 "move the slider between them), then Fill in between")

    def _view_axis(self) -> int:
        dims = self.viewer.dims
        if dims.ndisplay != 2 or not dims.not_displayed:
            return 0
        axis = dims.not_displayed[-1] - (dims.ndim - 3)
        return axis if 0 <= axis < 3 else 0

    def action_fill(self) -> None:
        """Interpolate between the drawn planes and add the solid to the edit (or cut it out)."""
        s = self._start()
        layer = self["planes"]
        if layer is None or layer not in self.viewer.layers:
            raise Invalid("draw the region on two or more planes first: Draw planes (paint) or Draw outlines (shapes)", "planes")
        try:
            drawn, skipped = drawn_binary(layer, s.labels)
        except ValueError as error:
            raise Invalid(str(error), "planes") from None
        axis = plane_axis(drawn, self._view_axis())
        planes = drawn_planes(drawn, axis)
        left_out = f" ({skipped} shape(s) not on one plane were left out)" if skipped else ""
        if len(planes) < 2:
            where = "nothing" if not planes else f"only plane {AXES[axis]} = {planes[0]}"
            raise Invalid(f"{layer.name!r} holds {where}{left_out}: draw the region on two or more planes", "planes")
        solid = interpolate_planes(drawn, axis)
        current = np.asarray(s.labels.data) != 0
        add = self["fill_mode"] == "add"
        change = solid & ~current if add else solid & current
        where = np.nonzero(change)
        if where[0].size:
            s.labels.data_setitem(where, 1 if add else 0)
        self._select(s.labels)
        between = sum(max(0, b - a - 1) for a, b in zip(planes[:-1], planes[1:]))
        verb = "added to" if add else "cut from"
        self.say(
            f"filled {between} planes between the {len(planes)} drawn along {AXES[axis]} ({AXES[axis]} = {planes[0]}…{planes[-1]}): "
            f"{where[0].size:,} voxels {verb} {s.labels.name!r}{left_out}; Ctrl+Z there undoes it, Apply brings it into the mask"
        )

    def action_apply(self) -> None:
        """Bring the edit back as a soft mask."""
        s = self.session()
        if s is None:
            raise Invalid("click Edit by hand first, paint, then Apply", "mask")
        s.applied = True
        s.mode = s.labels.mode
        self.refresh()

    # -- design ----------------------------------------------------------------------------

    def _on_painted(self, event=None) -> None:
        s = self.session()
        if self.closed or s is None or event is None or event.source is not s.labels:
            return
        s.painted = True
        if s.applied and self.layer is not None:
            self.output.mark_stale("the edit was painted since the last Apply; Apply brings it in")
            self.events.state.emit()

    def _on_mask_data(self, event=None) -> None:
        """The mask was recomputed (by its widget) while it is edited: the edit stays on the mask as it was; say so."""
        if self.closed or event is None:
            return
        s = next((s for s in self._sessions.values() if s.mask is event.source), None)
        if s is not None:
            self.say(f"{s.mask.name!r} has changed since its edit began; the edit (and Apply) stays on the mask as it "
                     f"was then. To edit the new mask, delete {s.labels.name!r} and click Edit by hand again.")

    def _on_redrawn(self, event=None) -> None:
        """The edit layer was redrawn: after napari's undo or redo its data may differ from the last Apply."""
        s = self.session()
        if self.closed or s is None or event is None or event.source is not s.labels:
            return
        if s.applied and not s.painted and s.binary is not None and not self.busy:
            if not np.array_equal(np.asarray(s.labels.data) != 0, s.binary):
                self._on_painted(event)

    def status(self) -> str:
        s = self.session()
        if s is not None and s.applied and s.painted and not self.busy and self.layer is not None:
            return f"{self.layer.name!r} holds the edit as it was at the last Apply: click Apply to bring in what was painted since"
        return super().status()

    def job(self) -> Job | None:
        s = self.session()
        if s is None or not s.applied:
            return None
        binary = np.asarray(s.labels.data) != 0
        if binary.shape != s.data.shape:
            raise Invalid(f"the edit layer {s.labels.name!r} is {binary.shape} voxels but the mask was {s.data.shape}", "mask")
        s.painted, s.binary = False, binary
        edge = self["edge"]
        width_px = self.px("edge_width") if edge != "none" else 0.0
        data, recipe_in, reference = s.data, s.recipe, _Placement(s.labels)
        voxel_size = voxel_size_of(s.labels)
        extra = {"voxel_size": voxel_size, "origin": list(reference.translate)}

        def compute():
            recipe, mask = edit_recipe(recipe_in, data, binary, edge=edge, edge_width_px=width_px, **extra)
            before = data >= np.float32(0.5)
            added, removed = int(np.count_nonzero(binary & ~before)), int(np.count_nonzero(before & ~binary))
            return mask, {"recipe": recipe, "added": added, "removed": removed}

        def measure(mask):
            return readout_text(mask, voxel_size)

        return Job(compute=compute, recipe=None, reference=reference, voxels=data.size, measure=measure)

    def shown(self, result) -> None:
        s = self.session()
        if s is None:
            return
        if self.layer is not None and self.viewer.layers.selection.active is self.layer and s.labels in self.viewer.layers:
            self._select(s.labels, s.mode)  # napari selects a new layer; painting (and Ctrl+Z) go on in the edit
        added, removed = result.extras.get("added", 0), result.extras.get("removed", 0)
        edge = self["edge"]
        edge_text = "a hard edge" if edge == "none" else f"a {edge} edge of {self.control('edge_width').show(self['edge_width'], self)}"
        lines = [f"edit of {s.mask.name!r}: {added:,} voxels added, {removed:,} removed; {edge_text} rebuilt around them"]
        if s.note:
            lines.append(f"note: {s.note}")
        if self.notice:
            lines.append(self.notice)
        self.notice = "\n".join(lines)

    def close(self) -> None:
        for uid in list(self._sessions):
            self._end(uid)
        super().close()
