"""napari reader for atomic models (PDB, mmCIF, optionally gzipped): the atoms as a Points layer in Å.

The atoms' positions are the layer's data in Å, ``(z, y, x)``, with unit scale and no translate:
world coordinates are Å, as for our map layers (scale = voxel size, translate = origin), so an atom
at ``p`` lies on voxel ``(p - origin) / voxel_size`` of a map fitted with it and is drawn there.

Each point is an atom: its diameter is the element's van der Waals radius (half-size spheres, so
that bonded atoms stay apart and the density shows between them), coloured by chain, shaded as a
sphere in 3D. Its labels (element, atom and residue names, residue number, chain, B-factor,
occupancy) are the layer's features, shown in the status bar under the cursor; ``layer.face_color
= "element"`` colours by element instead. In 2D the atoms within the slice are shown: half an Å
either side by default, or the thickness set on napari's dimension slider.

Models read here are kept (per file, while the file is unchanged) so that the Model mask widget
computes from the same atoms without reading the file again.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from napari_cryomask.io.models import is_model_file, read_model
from napari_cryomask.recipes.particles import file_sha256

MODEL_KEY = "cryomask_model"  # layer metadata: the resolved path of the model file
# Distinct on a grey map and from one another; chains beyond ten repeat them.
CHAIN_COLOURS = (
    "#3b8fe0", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#17becf", "#edc948", "#ff9da7", "#9c755f", "#bab0ac",
)
_MODELS: dict = {}  # resolved path -> ((mtime_ns, size), AtomicModel), the latest few
_DIGESTS: dict = {}  # resolved path -> ((mtime_ns, size), SHA-256 of its bytes), the latest few
_KEEP = 8


def get_model_reader(path):
    """Return a reader when every path is a PDB or mmCIF file (``.pdb .ent .cif .mmcif``, ``.gz`` too).

    Examples
    --------
    >>> get_model_reader("map.mrc") is None
    True
    >>> get_model_reader(["fit.cif", "FIT2.PDB.GZ"]).__name__
    'read_models'
    """
    paths = [path] if isinstance(path, (str, os.PathLike)) else list(path)
    if not paths or not all(is_model_file(p) and not Path(p).is_dir() for p in paths):
        return None
    return read_models


def read_models(path):
    """Read one model or a list of models as Points layers (one layer per file).

    Returns
    -------
    list of tuple
        ``[(positions, kwargs, "points"), ...]``: positions (N, 3) in Å, ``(z, y, x)``.

    Raises
    ------
    ValueError, FileNotFoundError
        From :func:`napari_cryomask.io.read_model`, naming the file.
    """
    paths = [path] if isinstance(path, (str, os.PathLike)) else list(path)
    return [model_layer_data(p) for p in paths]


def _stamp(path):
    """The resolved path and its (modification time, size), None when it cannot be read."""
    resolved = Path(path).expanduser().resolve()
    try:
        info = resolved.stat()
    except OSError:
        return resolved, None
    return resolved, (info.st_mtime_ns, info.st_size)


def model_sha256(path) -> str:
    """SHA-256 of a model file's bytes, hashed once while the file stays the same."""
    resolved, stamp = _stamp(path)
    known = _DIGESTS.get(str(resolved))
    if stamp is not None and known is not None and known[0] == stamp:
        return known[1]
    digest = file_sha256(resolved)
    if stamp is not None:
        _DIGESTS.pop(str(resolved), None)
        _DIGESTS[str(resolved)] = (stamp, digest)
        while len(_DIGESTS) > _KEEP:
            _DIGESTS.pop(next(iter(_DIGESTS)))
    return digest


def load_model(path):
    """The atoms of a model file, read once while the file stays the same (size and modification time)."""
    resolved, stamp = _stamp(path)
    known = _MODELS.get(str(resolved))
    if stamp is not None and known is not None and known[0] == stamp:
        return known[1]
    model = read_model(resolved)
    if stamp is not None:
        _MODELS.pop(str(resolved), None)
        _MODELS[str(resolved)] = (stamp, model)
        while len(_MODELS) > _KEEP:
            _MODELS.pop(next(iter(_MODELS)))
    return model


def layer_name(path) -> str:
    """The file's name without ``.gz`` and the model suffix.

    >>> layer_name("/data/fit.cif.gz"), layer_name("7abc.pdb")
    ('fit', '7abc')
    """
    name = Path(path).name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return Path(name).stem


def atom_sizes(elements) -> np.ndarray:
    """Point diameters in Å: each element's van der Waals radius (gemmi's table; 1.7 Å when unknown)."""
    import gemmi

    elements = np.asarray(elements, dtype=str)
    sizes = np.full(len(elements), 1.7)
    for element in np.unique(elements):
        radius = gemmi.Element(element).vdw_r if element else 0.0
        if radius > 0:
            sizes[elements == element] = radius
    return sizes


def model_layer_data(path):
    """One model file as a napari layer-data tuple ``(positions, kwargs, "points")``.

    ``kwargs["metadata"]`` holds ``path`` and :data:`MODEL_KEY` (the resolved path the Model
    mask widget reads the atoms from).
    """
    model = load_model(path)
    atoms = model.atoms
    features = {name: np.asarray(values) for name, values in atoms.items()}
    kwargs = {
        "name": layer_name(path),
        "features": features,
        "size": atom_sizes(atoms.get("element", np.array([""] * len(model)))),
        "face_color": "chain" if "chain" in features else "#3b8fe0",
        "border_width": 0.0,
        "shading": "spherical",
        "projection_mode": "all",
        "scale": (1.0, 1.0, 1.0),
        "translate": (0.0, 0.0, 0.0),
        "metadata": {"path": str(path), MODEL_KEY: str(Path(model.name))},
    }
    if "chain" in features:
        kwargs["face_color_cycle"] = list(CHAIN_COLOURS)
    return np.array(model.positions, dtype=np.float64), kwargs, "points"


def model_layers(viewer) -> list:
    """Points layers of atomic models read by this plugin."""
    from napari.layers import Points

    return [layer for layer in viewer.layers if isinstance(layer, Points) and MODEL_KEY in layer.metadata]
