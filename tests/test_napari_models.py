"""Atomic models in napari: our reader opens PDB and mmCIF (gzipped too) as atoms in Å, on the map's voxels."""

import gzip
import shutil

import numpy as np
import pytest
from atomic_models import gemmi, helix_atoms, structure, write

from napari_cryomask._napari.model_reader import (
    CHAIN_COLOURS,
    MODEL_KEY,
    get_model_reader,
    layer_name,
    model_layers,
    model_sha256,
)
from napari_cryomask._napari.reader import get_reader
from napari_cryomask.io import write_volume
from napari_cryomask.recipes.particles import file_sha256

# An odd, non-cubic box with anisotropic voxels and an origin away from 0, as a map fitted elsewhere would have.
BOX, VOXEL, ORIGIN = (21, 26, 31), (2.0, 1.5, 1.75), (-20.0, 100.0, 7.5)
VOXELS = [(3, 4, 25), (10, 13, 15), (17, 22, 5), (6, 20, 28)]
ELEMENTS = ["C", "N", "O", "S"]


def at(index):
    """The Å position (z, y, x) of voxel ``index`` of the map."""
    return tuple(o + i * v for o, i, v in zip(ORIGIN, index, VOXEL))


def gzipped(path):
    out = path.with_name(path.name + ".gz")
    with open(path, "rb") as source, gzip.open(out, "wb") as target:
        shutil.copyfileobj(source, target)
    return out


@pytest.fixture
def fitted(tmp_path):
    """A map with a distinct value at each of four voxels, and a model with one atom on each of them."""
    data = np.zeros(BOX, np.float32)
    for value, index in enumerate(VOXELS, start=1):
        data[index] = 10.0 * value
    map_path = tmp_path / "map.mrc"
    write_volume(map_path, data, voxel_size=VOXEL, origin=ORIGIN)
    model_path = write(tmp_path / "atoms.pdb", [(e, at(i)) for e, i in zip(ELEMENTS, VOXELS)])
    return map_path, model_path


def test_the_reader_takes_models_and_only_models(tmp_path):
    for name in ("fit.pdb", "fit.ent", "fit.cif", "fit.mmcif", "FIT.PDB", "fit.cif.gz", "FIT.MMCIF.GZ"):
        assert get_model_reader(str(tmp_path / name)) is not None, name
        assert get_reader(str(tmp_path / name)) is None, name  # the map reader leaves them to it
    for name in ("map.mrc", "map.em", "notes.txt", "archive.gz", "fit.pdb.zip"):
        assert get_model_reader(str(tmp_path / name)) is None, name
    assert get_model_reader([str(tmp_path / "a.pdb"), str(tmp_path / "b.cif.gz")]) is not None
    assert get_model_reader([str(tmp_path / "a.pdb"), str(tmp_path / "map.mrc")]) is None
    folder = tmp_path / "models.cif"
    folder.mkdir()
    assert get_model_reader(str(folder)) is None
    assert layer_name(tmp_path / "fit.cif.gz") == "fit"


@pytest.mark.parametrize("plugin", [None, "napari-cryomask"])  # None: napari picks the reader, as File > Open does
def test_atoms_land_on_the_voxels_of_the_map(make_napari_viewer, fitted, plugin):
    map_path, model_path = fitted
    viewer = make_napari_viewer()
    [map_layer] = viewer.open(str(map_path), plugin="napari-cryomask")
    [atoms] = viewer.open(str(model_path), plugin=plugin)
    assert atoms._type_string == "points" and atoms in model_layers(viewer)
    assert atoms.name == "atoms" and atoms.metadata[MODEL_KEY] == str(model_path.resolve())
    # the layer's data are the atoms in Å (z, y, x), and world coordinates are Å for both layers
    np.testing.assert_allclose(atoms.data, [at(i) for i in VOXELS], atol=1e-3)
    assert atoms.scale.tolist() == [1, 1, 1] and atoms.translate.tolist() == [0, 0, 0]
    for value, (index, position) in enumerate(zip(VOXELS, atoms.data), start=1):
        world = atoms.data_to_world(position)
        np.testing.assert_allclose(map_layer.world_to_data(world), index, atol=1e-3)  # (position - origin) / voxel size
        viewer.dims.set_point(0, world[0])
        assert map_layer.get_value(world, world=True) == 10.0 * value  # what the status bar shows under an atom


def test_in_2d_an_atom_shows_on_the_slice_of_its_voxel(make_napari_viewer, fitted):
    map_path, model_path = fitted
    viewer = make_napari_viewer()
    [map_layer] = viewer.open(str(map_path), plugin="napari-cryomask")
    [atoms] = viewer.open(str(model_path), plugin=None)
    for value, (index, position) in enumerate(zip(VOXELS, atoms.data), start=1):
        viewer.dims.set_point(0, position[0])
        assert round(float(map_layer.world_to_data(viewer.dims.point)[0])) == index[0]  # the map shows the atom's plane
        # hovering over the atom finds it, and the map's voxel under it holds its value
        assert atoms.get_value(position, world=True) == value - 1 and atoms._view_indices.tolist() == [value - 1]
        assert map_layer.get_value(position, world=True) == 10.0 * value
        viewer.dims.set_point(0, position[0] + VOXEL[0])  # the next plane of the map: no atom there
        assert atoms.get_value(position, world=True) is None and map_layer.get_value(position, world=True) == 0


def test_gzipped_pdb_and_mmcif_give_the_same_atoms(make_napari_viewer, tmp_path):
    atoms = helix_atoms(6)
    viewer = make_napari_viewer()
    layers = []
    for name in ("helix.pdb", "helix.cif"):
        path = write(tmp_path / name, atoms)
        layers += viewer.open(str(path), plugin=None)
        layers += viewer.open(str(gzipped(path)), plugin=None)
    assert len(layers) == 4 and len(model_layers(viewer)) == 4
    for layer in layers:
        np.testing.assert_allclose(layer.data, [p for _, p in atoms], atol=1e-3)
    assert [layer.name for layer in layers] == ["helix", "helix [1]", "helix [2]", "helix [3]"]


def test_atoms_are_sized_by_element_coloured_by_chain_and_carry_their_labels(make_napari_viewer, tmp_path):
    st = structure([("C", (10.0, 10.0, 10.0)), ("N", (11.0, 10.0, 10.0)), ("O", (12.0, 10.0, 10.0))])
    second = gemmi.Chain("B")
    residue = gemmi.Residue()
    residue.name, residue.seqid = "HOH", gemmi.SeqId(7, " ")
    atom = gemmi.Atom()
    atom.name, atom.element, atom.pos, atom.occ, atom.b_iso = "O", gemmi.Element("O"), gemmi.Position(30.0, 20.0, 10.0), 1.0, 35.0
    residue.add_atom(atom)
    second.add_residue(residue)
    st[0].add_chain(second)
    path = tmp_path / "two_chains.cif"
    st.setup_entities()
    st.make_mmcif_document().write_file(str(path))
    viewer = make_napari_viewer()
    [layer] = viewer.open(str(path), plugin=None)
    np.testing.assert_allclose(layer.size, [gemmi.Element(e).vdw_r for e in ("C", "N", "O", "O")])
    assert layer.size[0] == pytest.approx(1.7)
    colours = layer.face_color
    assert np.array_equal(colours[0], colours[2]) and not np.array_equal(colours[0], colours[3])
    assert {tuple(np.round(c[:3], 3)) for c in colours} <= {tuple(np.round(_rgb(h), 3)) for h in CHAIN_COLOURS}
    features = layer.features
    assert features["chain"].tolist() == ["A", "A", "A", "B"] and features["element"].tolist() == ["C", "N", "O", "O"]
    assert features["residue_name"].tolist()[-1] == "HOH" and features["residue_number"].tolist()[-1] == 7
    assert features["b_factor"].tolist()[-1] == pytest.approx(35.0)
    np.testing.assert_allclose(layer.data[-1], (10.0, 20.0, 30.0))  # the file's x, y, z as z, y, x
    assert layer.shading == "spherical"


def _rgb(hex_colour):
    return [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]


def test_a_bad_model_file_names_the_file(make_napari_viewer, tmp_path):
    bad = tmp_path / "broken.cif"
    bad.write_text("data_x\nloop_\n_atom_site.id\n")
    viewer = make_napari_viewer()
    with pytest.raises(Exception, match="broken.cif"):
        viewer.open(str(bad), plugin="napari-cryomask")
    assert len(viewer.layers) == 0


def test_the_model_digest_is_kept_until_the_file_changes(tmp_path):
    path = write(tmp_path / "fit.cif", helix_atoms(6))
    first = model_sha256(path)
    assert first == file_sha256(path) and model_sha256(path) == first
    write(path, helix_atoms(9))
    assert model_sha256(path) == file_sha256(path) != first
