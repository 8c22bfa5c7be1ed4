"""The layer a design model draws into, without Qt: which one, new masks, and not overwriting others' work.

A :class:`MaskOutput` keeps one mask layer per input (say, per map): switching the map continues
in the mask made for that map, or starts one, and leaves the other untouched. *New mask* starts a
new layer for the next design and leaves the previous one as it is. A layer whose data were
changed by other means (a script assigning ``layer.data``, napari's own tools, an in-place edit
noticed by its digest) is never overwritten: it is marked stale and the design continues in a new
layer, with a notice saying so. Layers are followed as objects, so renaming one keeps it.
"""

from __future__ import annotations

import numpy as np

from ..recipes import METADATA_KEY, data_digest
from .mask_layer import DISPLAY_KEY, STALE_KEY, set_display, show_mask


class MaskOutput:
    """Where one widget's masks go.

    Parameters
    ----------
    viewer : napari.components.ViewerModel
    name : str
        Base name of new layers (napari numbers repeats: ``"shape mask [1]"``).
    owner : str
        The widget's title, for notices ("changed outside the Shape mask widget").
    """

    def __init__(self, viewer, name: str, owner: str):
        self.viewer = viewer
        self.name = name
        self.owner = owner
        self.display = "fill"
        self._layers: dict = {}  # input key -> layer
        self._key = None
        self._writing = False
        self._changed: set = set()  # ids of layers changed by other means
        self._clean: set = set()  # ids of layers whose data are exactly the last result shown
        self.notice = ""  # the last thing to tell the person about the layers (read and cleared by the model)

    # -- which layer -----------------------------------------------------------------------

    @property
    def layer(self):
        """The layer the current input's design goes to (None until a mask is shown)."""
        layer = self._layers.get(self._key)
        return layer if layer is not None and layer in self.viewer.layers else None

    @property
    def layers(self) -> list:
        """Every layer this output made that is still in the viewer."""
        return [layer for layer in self._layers.values() if layer in self.viewer.layers]

    def owns(self, layer) -> bool:
        """Whether ``layer`` is one of the layers this output draws into."""
        return any(ours is layer for ours in self._layers.values())

    def forget(self, layer) -> None:
        """Stop following ``layer`` (it was deleted)."""
        for key in [k for k, ours in self._layers.items() if ours is layer]:
            self._forget(key)

    def switch(self, key) -> None:
        """Draw the design for input ``key`` from now on (its own layer, if it has one)."""
        self._key = key

    def rekey(self, key) -> None:
        """The current layer now belongs to input ``key`` (its input was replaced, e.g. deleted)."""
        layer = self._layers.pop(self._key, None)
        self._key = key
        if layer is not None:
            self._layers[key] = layer

    def new(self) -> None:
        """Leave the current layer as it is: the next mask goes into a new layer."""
        self._forget(self._key)

    def _forget(self, key) -> None:
        layer = self._layers.pop(key, None)
        if layer is not None and layer not in self._layers.values():
            try:
                layer.events.data.disconnect(self._on_data)
            except (TypeError, ValueError, RuntimeError):
                pass
            self._clean.discard(id(layer))
            self._changed.discard(id(layer))

    def close(self) -> None:
        """Stop following every layer."""
        for key in list(self._layers):
            self._forget(key)

    # -- drawing ---------------------------------------------------------------------------

    def show(self, mask, recipe: dict | None, reference=None, digest: str | None = None):
        """Put a full mask and its recipe into the current layer (a new one when needed); returns it.

        ``digest`` is :func:`~napari_cryomask.recipes.data_digest` of ``mask``; it is recorded in
        the recipe as ``data_sha256`` so that saving can tell whether the data still match it.
        """
        if self._key in self._layers and self.layer is None:
            self._forget(self._key)  # deleted from the viewer
        layer = self.layer
        if layer is not None and id(layer) in self._changed:
            self._detach_changed(layer)
            layer = None
        if recipe is not None:
            recipe = dict(recipe, data_sha256=digest or data_digest(mask))
        fresh = layer is None
        self._writing = True
        try:
            layer = show_mask(
                self.viewer, mask, name=self.name, layer=layer, reference=reference, recipe=recipe, display=self.display
            )
        finally:
            self._writing = False
        if fresh:
            self._layers[self._key] = layer
            layer.events.data.connect(self._on_data)
        if recipe is None:
            layer.metadata.pop(METADATA_KEY, None)
        self._clean.add(id(layer))
        return layer

    def draw_block(self, region, block) -> bool:
        """Write ``block`` into ``region`` of the current layer (a quick preview); False when it cannot.

        The layer is then marked stale until the next :meth:`show`.
        """
        layer = self.layer
        if layer is None or id(layer) in self._changed:
            return False
        data = layer.data
        if not isinstance(data, np.ndarray) or data[region].shape != np.shape(block):
            return False
        data[region] = block
        self._clean.discard(id(layer))
        self.mark_stale("a preview of the values being changed; the full mask follows")
        layer.refresh()
        return True

    def shape(self):
        """Shape of the current layer's data, or None."""
        layer = self.layer
        return None if layer is None else np.shape(layer.data)

    def set_display(self, display: str) -> None:
        """Draw the current and the next masks as ``display`` ("fill" or "edge band")."""
        self.display = display
        layer = self.layer
        if layer is not None and layer.metadata.get(DISPLAY_KEY) != display:
            set_display(layer, display)

    # -- staleness and others' changes -----------------------------------------------------

    def mark_stale(self, reason: str) -> None:
        """Say on the current layer why its data may not be what the widget shows."""
        layer = self.layer
        if layer is not None:
            layer.metadata[STALE_KEY] = reason

    def clear_stale(self) -> None:
        layer = self.layer
        if layer is not None and id(layer) in self._clean:
            layer.metadata.pop(STALE_KEY, None)

    def stale_reason(self) -> str | None:
        layer = self.layer
        return None if layer is None else layer.metadata.get(STALE_KEY)

    def expected(self):
        """``(array, digest)`` of the current layer when it should hold exactly the last result, else None.

        A worker can compare the digest of that array with the one recorded, to notice an in-place
        change made by other means before the layer is overwritten.
        """
        layer = self.layer
        if layer is None or id(layer) not in self._clean:
            return None
        recipe = layer.metadata.get(METADATA_KEY) or {}
        digest = recipe.get("data_sha256")
        return None if digest is None else (layer.data, digest)

    def changed_in_place(self, array) -> None:
        """A worker found ``array`` (the current layer's data) changed since it was shown."""
        layer = self.layer
        if layer is not None and layer.data is array:
            self._changed.add(id(layer))

    def _on_data(self, event) -> None:
        if self._writing:
            return
        layer = event.source
        for ours in self._layers.values():
            if ours is layer:
                self._changed.add(id(ours))

    def _detach_changed(self, layer) -> None:
        layer.metadata[STALE_KEY] = f"its data were changed outside the {self.owner} widget; its recipe no longer describes them"
        self._forget(self._key)
        self.notice = (
            f"{layer.name!r} was changed outside this widget, so it is left as it is; the design continues in a new layer"
        )

