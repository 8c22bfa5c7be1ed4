"""Reading atomic models (PDB, mmCIF, gzipped) with gemmi: positions (z, y, x) Å, elements, clear errors."""

import gzip
import shutil

import numpy as np
import pytest
from atomic_models import helix_atoms, write

from napari_cryomask.io import is_model_file, read_model

ATOMS = [("C", (10.0, 20.0, 30.0)), ("N", (11.5, 19.0, 31.25)), ("O", (4.0, 5.0, 6.0)), ("S", (0.5, -3.0, 2.0))]


@pytest.mark.parametrize("name", ["atoms.pdb", "atoms.cif", "atoms.mmcif", "ATOMS.PDB"])
def test_positions_come_back_in_zyx_angstrom_with_atomic_numbers(tmp_path, name):
    path = write(tmp_path / name, ATOMS)
    model = read_model(path)
    assert len(model) == 4 and model.name == str(path)
    np.testing.assert_allclose(model.positions, [p for _, p in ATOMS], atol=1e-3)  # PDB keeps 3 decimals
    assert model.atomic_numbers.tolist() == [6, 7, 8, 16]
    assert model.atoms["element"].tolist() == ["C", "N", "O", "S"]
    assert model.atoms["chain"].tolist() == ["A"] * 4 and model.atoms["residue_number"].tolist() == [1, 2, 3, 4]


def test_gzipped_files_read_the_same(tmp_path):
    path = write(tmp_path / "helix.cif", helix_atoms())
    gz = tmp_path / "helix.cif.gz"
    with open(path, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert is_model_file(gz)
    np.testing.assert_array_equal(read_model(gz).positions, read_model(path).positions)


def test_only_the_first_model_and_first_conformation_are_read(tmp_path):
    from atomic_models import gemmi, structure

    st = structure(ATOMS[:2])
    second = st[0].clone()
    second.num = 2
    st.add_model(second)
    residue = st[0][0][0]
    alt = residue[0].clone()
    residue[0].altloc, alt.altloc = "A", "B"
    alt.pos = gemmi.Position(99, 99, 99)
    residue.add_atom(alt)
    path = tmp_path / "ensemble.pdb"
    st.write_pdb(str(path))
    model = read_model(path)
    assert len(model) == 2 and not np.any(model.positions == 99)


def test_missing_files_and_wrong_names_are_errors_naming_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no_such.pdb"):
        read_model(tmp_path / "no_such.pdb")
    other = tmp_path / "map.mrc"
    other.write_bytes(b"x" * 100)
    with pytest.raises(ValueError, match="map.mrc: not a model file"):
        read_model(other)


@pytest.mark.parametrize("name, content", [
    ("junk.cif", b"this is not { a cif"),
    ("junk.pdb", bytes(range(256)) * 4),
    ("empty_model.cif", b"data_x\n_cell.length_a 10\n"),
    ("no_atoms.pdb", b"HEADER    NOTHING\nEND\n"),
])
def test_unreadable_or_atomless_files_are_errors_naming_the_file(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValueError, match=name):
        read_model(path)
    (tmp_path / "zero.pdb").write_bytes(b"")
    with pytest.raises(ValueError, match="zero.pdb: empty file"):
        read_model(tmp_path / "zero.pdb")
