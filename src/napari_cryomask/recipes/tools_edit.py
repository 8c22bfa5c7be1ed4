"""The ``edit`` recipe: a mask edited by hand, replayed exactly from what was added and removed.

``params``:

- ``level``: the binary the edits were drawn on is ``input ≥ level`` (0.5, as a Labels layer shows it);
- ``before_sha256``: :func:`~napari_cryomask.core.edits.binary_digest` of that binary. If the
  input's recipe now gives another binary, the edits are stale and replaying them is an error;
- ``added`` and ``removed``: the edited voxels' runs as text (:func:`~napari_cryomask.core.edits.encode_runs`),
  or instead ``edits_file``, a compressed ``.npz`` beside the mask holding both, pinned by
  ``edits_sha256`` (:func:`edits_digest`); a missing or changed file is an error that says so;
- ``edge`` and ``edge_width_px``: the soft edge rebuilt near the edits
  (:func:`~napari_cryomask.core.edits.edited_mask`; away from them the input's values stay), by
  default the one the input had.

:func:`edit_recipe` makes the recipe and the edited mask from a mask, its recipe and the edited binary.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from ..core.edges import EDGES
from ..core.edits import apply_edits, binary_digest, check_runs, decode_runs, edit_runs, edited_mask, encode_runs
from ..io import atomic_write
from .document import make_recipe
from .registry import operation
from .schema import Choice, Number, Text
from .tools import edge_of

RUNS = Text(max_length=1 << 28, optional=True, nullable=True)
EDITS_SUFFIX = ".edits.npz"


def edits_digest(added, removed) -> str:
    """SHA-256 of the added and removed runs, binding an edits file to its recipe."""
    digest = hashlib.sha256()
    for name, runs in (("added", added), ("removed", removed)):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(runs, dtype="<i8").tobytes())
    return digest.hexdigest()


def edits_path(mask_path) -> Path:
    """Where the edits of a mask file go when they are kept beside it: ``<mask file>.edits.npz``."""
    return Path(str(mask_path) + EDITS_SUFFIX)


def save_edits(path, added, removed) -> str:
    """Write the runs to a compressed ``.npz`` atomically; returns their :func:`edits_digest`."""
    def write(stream):
        np.savez_compressed(stream, added=np.asarray(added, np.int64), removed=np.asarray(removed, np.int64))

    atomic_write(path, write, overwrite=True)
    return edits_digest(added, removed)


def _load_edits(params, size):
    path = params.get("edits_file")
    if not path:
        return (decode_runs(params.get("added") or "", size, "edit recipe: added"),
                decode_runs(params.get("removed") or "", size, "edit recipe: removed"))
    if not Path(path).is_file():
        raise FileNotFoundError(f"edit recipe: its edits file {path} is missing")
    try:
        with np.load(path, allow_pickle=False) as data:
            added, removed = np.array(data["added"]), np.array(data["removed"])
    except (OSError, ValueError, KeyError) as err:
        raise ValueError(f"edit recipe: {path} is not an edits file ({err})") from None
    if edits_digest(added, removed) != params.get("edits_sha256"):
        raise ValueError(f"edit recipe: {path} is stale: it does not hold the edits this recipe was made with")
    return check_runs(added, size, f"{path}: added"), check_runs(removed, size, f"{path}: removed")


@operation(
    "edit",
    params={
        "level": Number(0, 1, open_low=True, optional=True),
        "before_sha256": Text(max_length=64),
        "added": RUNS,
        "removed": RUNS,
        "edits_file": Text(optional=True, nullable=True),
        "edits_sha256": Text(max_length=64, optional=True, nullable=True),
        "edge": Choice(EDGES, optional=True),
        "edge_width_px": Number(0, optional=True),
    },
    inputs="one",
)
def _edit(recipe, context):
    p = recipe.get("params", {})
    mask = context.inputs[0][0]
    level = p.get("level", 0.5)
    before = mask >= np.float32(level)
    if binary_digest(before) != p["before_sha256"]:
        raise ValueError(
            "edit recipe: the mask the edits were drawn on has changed (its recipe gives another binary "
            f"at {level:g}), so the edits are stale; edit the current mask again"
        )
    added, removed = _load_edits(p, before.size)
    return edited_mask(mask, apply_edits(before, added, removed), p.get("edge", "none"), p.get("edge_width_px", 0.0), level=level)


def edit_recipe(input_recipe, mask, edited, *, level=0.5, edge=None, edge_width_px=None, edits_file=None, **extra):
    """The recipe of a hand edit and the mask it replays to.

    Parameters
    ----------
    input_recipe : dict
        The recipe of ``mask`` (it replays to ``mask``).
    mask : 3D array
        The mask that was edited.
    edited : 3D bool array
        Its binary (``mask ≥ level``) after the edits.
    edge, edge_width_px : optional
        The soft edge to rebuild; default: the one ``input_recipe`` records, else the one
        estimated from ``mask``.
    edits_file : path, optional
        Keep the runs in this compressed file instead of inline (for large edits).
    extra
        More recipe keys (``box_shape``, ``voxel_size``, ``origin``, ``command``...).

    Returns
    -------
    (recipe, mask) : dict, float32 array

    Examples
    --------
    >>> from napari_cryomask.core.shapes import sphere
    >>> from napari_cryomask.recipes import apply_recipe, make_recipe
    >>> shape = make_recipe("shape", {"shape": "sphere", "radius": 5, "edge": "cosine", "edge_width_px": 2}, box_shape=24)
    >>> m = apply_recipe(shape)[0]
    >>> painted = m >= 0.5; painted[12, 12, 16:22] = True  # a stroke out of the sphere
    >>> recipe, edited = edit_recipe(shape, m, painted, box_shape=24)
    >>> apply_recipe(recipe)[0].tobytes() == edited.tobytes(), recipe["params"]["edge"]
    (True, 'cosine')
    """
    mask = np.asarray(mask, dtype=np.float32)
    before = mask >= np.float32(level)
    edited = np.asarray(edited, dtype=bool)
    added, removed = edit_runs(before, edited)
    if edge is None:
        edge, width = edge_of(input_recipe, mask)
        edge_width_px = width if edge_width_px is None else edge_width_px
    params = {"level": level, "before_sha256": binary_digest(before), "edge": edge, "edge_width_px": float(edge_width_px or 0.0)}
    if edits_file is None:
        params.update(added=encode_runs(added), removed=encode_runs(removed))
    else:
        path = Path(edits_file).resolve()
        params.update(edits_file=str(path), edits_sha256=save_edits(path, added, removed))
    extra.setdefault("box_shape", mask.shape)
    recipe = make_recipe("edit", params, inputs=[input_recipe], **extra)
    return recipe, edited_mask(mask, edited, params["edge"], params["edge_width_px"], level=level)
