"""Atomic models (PDB and mmCIF, optionally gzipped) read with gemmi.

Positions are in Å, ``(z, y, x)`` like every triple here (the files list x, y, z), in the frame
the model was fitted in, which for a map from the same session is the map's own frame: an atom
at ``p`` lies at voxel ``(p - origin) / voxel_size`` of a map read by
:func:`~napari_cryomask.io.read_volume`.

Only the first model of a file is read (an NMR ensemble or a multi-model file gives its first),
and of alternative conformations only the first (gemmi's ``remove_alternative_conformations``),
so that no atom is counted twice. Hydrogens, waters and ligands are kept, as ChimeraX's molmap
keeps whatever atoms it is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from napari_cryomask.io.checks import existing_file

MODEL_SUFFIXES = (".pdb", ".ent", ".cif", ".mmcif")


@dataclass(frozen=True, eq=False)
class AtomicModel:
    """Atoms of a model.

    Attributes
    ----------
    positions : (N, 3) float64 array
        Å, ``(z, y, x)``.
    atomic_numbers : (N,) int array
        0 for an unknown element.
    name : str
        Where the model came from (the file), for messages.
    atoms : dict of (N,) arrays
        ``element``, ``atom_name``, ``residue_name``, ``residue_number``, ``chain``, ``b_factor``,
        ``occupancy``: the file's labels of each atom.

    Examples
    --------
    >>> m = AtomicModel(np.array([[1.0, 2.0, 3.0]]), np.array([6]), "one carbon")
    >>> len(m), m.positions[0].tolist()
    (1, [1.0, 2.0, 3.0])
    """

    positions: np.ndarray
    atomic_numbers: np.ndarray
    name: str = "the model"
    atoms: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.positions)


def is_model_file(path) -> bool:
    """Whether ``path`` is named like a PDB or mmCIF file (``.gz`` allowed; any case).

    >>> is_model_file("fit.cif"), is_model_file("FIT.PDB.GZ"), is_model_file("map.mrc")
    (True, True, False)
    """
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return bool(suffixes) and suffixes[-1] in MODEL_SUFFIXES


def read_model(path) -> AtomicModel:
    """Read the atoms of a PDB or mmCIF file.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        Not a PDB or mmCIF name, unreadable, or without atoms; the message names the file.
    """
    import gemmi  # imported on use: only models need it

    path = existing_file(path, "PDB or mmCIF")
    if not is_model_file(path):
        raise ValueError(f"{path}: not a model file; use one of {' '.join(MODEL_SUFFIXES)} (optionally .gz)")
    try:
        structure = gemmi.read_structure(str(path))
    except (RuntimeError, ValueError, OSError) as err:
        raise ValueError(f"{path}: cannot read it as PDB or mmCIF: {' '.join(str(err).split())}") from None
    if len(structure) == 0:
        raise ValueError(f"{path}: no atoms in the file (no model)")
    structure.remove_alternative_conformations()
    rows = []
    for chain in structure[0]:
        for residue in chain:
            for atom in residue:
                p = atom.pos
                rows.append((
                    p.z, p.y, p.x, atom.element.atomic_number, atom.element.name, atom.name, residue.name,
                    residue.seqid.num, chain.name, atom.b_iso, atom.occ,
                ))
    if not rows:
        raise ValueError(f"{path}: no atoms in its first model")
    columns = list(zip(*rows))
    positions = np.array(columns[:3], dtype=np.float64).T
    if not np.all(np.isfinite(positions)):
        raise ValueError(f"{path}: some atom positions are not finite numbers")
    names = ("element", "atom_name", "residue_name", "residue_number", "chain", "b_factor", "occupancy")
    atoms = {name: np.array(values) for name, values in zip(names, columns[4:])}
    return AtomicModel(positions, np.array(columns[3], dtype=np.int64), str(path), atoms)
