"""Atomic models the tests write themselves with gemmi: a few atoms at known positions, a short helix."""

import numpy as np

gemmi = __import__("pytest").importorskip("gemmi")


def structure(atoms, cell=None):
    """A gemmi Structure from ``(element, (z, y, x) Å)`` pairs, one residue per atom, chain A."""
    st = gemmi.Structure()
    model = gemmi.Model("1")
    chain = gemmi.Chain("A")
    for i, (element, (z, y, x)) in enumerate(atoms):
        residue = gemmi.Residue()
        residue.name = "UNK"
        residue.seqid = gemmi.SeqId(i + 1, " ")
        atom = gemmi.Atom()
        atom.name = element
        atom.element = gemmi.Element(element)
        atom.pos = gemmi.Position(x, y, z)
        atom.occ = 1.0
        atom.b_iso = 20.0
        residue.add_atom(atom)
        chain.add_residue(residue)
    model.add_chain(chain)
    st.add_model(model)
    if cell is not None:
        st.cell = gemmi.UnitCell(*cell, 90, 90, 90)
        st.spacegroup_hm = "P 1"
    st.setup_entities()
    return st


def helix_atoms(residues=12, start=(10.0, 20.0, 20.0)):
    """Backbone (N, CA, C, O) of an ideal α-helix along z: 1.5 Å rise and 100° per residue."""
    atoms = []
    for i in range(residues):
        for element, radius, turn, rise in (("N", 1.55, -28, -0.9), ("C", 2.3, 0, 0.0), ("C", 1.6, 28, 0.8), ("O", 1.9, 40, 1.8)):
            phi = np.radians(100 * i + turn)
            atoms.append((element, (start[0] + 1.5 * i + rise, start[1] + radius * np.sin(phi), start[2] + radius * np.cos(phi))))
    return atoms


def write(path, atoms, cell=None):
    """Write the atoms as PDB or mmCIF, by the suffix of ``path``."""
    st = structure(atoms, cell)
    name = str(path)
    if name.endswith((".cif", ".mmcif")):
        st.make_mmcif_document().write_file(name)
    else:
        st.write_pdb(name)
    return path
