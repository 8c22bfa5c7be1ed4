"""The ``soft_edge`` recipe operation: one input mask, extended and given a new soft edge.

``params = {"extend_px", "edge", "edge_width_px", "threshold"}`` are the keywords of
:func:`napari_cryomask.core.soft_edge.extend_and_soften` (voxels). The mask check's *Apply
suggested edge* makes masks of this operation.
"""

from __future__ import annotations

from ..core.edges import EDGES
from ..core.soft_edge import extend_and_soften
from .registry import operation
from .schema import Choice, Number

SOFT_EDGE = {
    "extend_px": Number(0, optional=True),
    "edge": Choice(EDGES, optional=True),
    "edge_width_px": Number(0, optional=True),
    "threshold": Number(optional=True),
}


@operation("soft_edge", params=SOFT_EDGE, inputs="one")
def _soft_edge(recipe, context):
    p = recipe.get("params", {})
    return extend_and_soften(context.inputs[0][0], p.get("extend_px", 0.0), p.get("edge", "cosine"),
                             p.get("edge_width_px", 0.0), p.get("threshold", 0.5))
