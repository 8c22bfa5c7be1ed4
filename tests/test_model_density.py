"""Masks from atomic models: the molmap density on a map's grid and frame, and the mask made from it."""

import math
import warnings

import numpy as np
import pytest
from atomic_models import gemmi, helix_atoms, structure, write

from napari_cryomask.core.model_density import SIGMA_FACTOR, model_density
from napari_cryomask.core.model_mask import enclosing_threshold, model_mask
from napari_cryomask.io import Volume, read_model, read_volume, write_volume

# An odd, non-cubic box with anisotropic voxels and an origin away from 0.
BOX, VOXEL, ORIGIN = (31, 36, 41), (2.0, 1.5, 1.75), (-20.0, 100.0, 7.5)
VOXELS = [(5, 8, 30), (15, 18, 20), (25, 6, 9), (10, 30, 36)]


def _at(index):
    """The Å position (z, y, x) of voxel ``index``."""
    return tuple(o + i * v for o, i, v in zip(ORIGIN, index, VOXEL))


def test_density_peaks_at_position_minus_origin_over_voxel_size(tmp_path):
    atoms = [(e, _at(i)) for e, i in zip(["C", "N", "O", "S"], VOXELS)]
    model = read_model(write(tmp_path / "atoms.pdb", atoms))
    d = model_density(model, resolution_A=5, box_shape=BOX, voxel_size=VOXEL, origin=ORIGIN)
    assert d.shape == BOX and d.dtype == np.float32
    sigma = SIGMA_FACTOR * 5
    for z_number, index in zip([6, 7, 8, 16], VOXELS):
        block = d[tuple(slice(i - 1, i + 2) for i in index)]
        assert np.unravel_index(np.argmax(block), block.shape) == (1, 1, 1)
        assert d[index] == pytest.approx(z_number * (2 * math.pi) ** -1.5 * sigma**-3, rel=1e-5)


def test_a_map_gives_its_frame(tmp_path):
    atoms = [("C", _at(i)) for i in VOXELS]
    path = tmp_path / "map.mrc"
    write_volume(path, np.zeros(BOX, np.float32), voxel_size=VOXEL, origin=ORIGIN)
    like = read_volume(path)
    model = read_model(write(tmp_path / "atoms.cif", atoms))
    on_map = model_density(model, like, resolution_A=6)
    given = model_density(model, resolution_A=6, box_shape=BOX, voxel_size=VOXEL, origin=ORIGIN)
    assert on_map.tobytes() == given.tobytes()


def test_sub_voxel_positions_centre_the_density_there():
    rng = np.random.default_rng(0)
    for _ in range(5):
        index = rng.uniform(10, 20, 3)
        position = np.asarray(ORIGIN) + index * VOXEL
        d = model_density(position[None], resolution_A=8, box_shape=BOX, voxel_size=VOXEL, origin=ORIGIN).astype(np.float64)
        grids = np.indices(BOX)
        centroid = [(g * d).sum() / d.sum() for g in grids]
        np.testing.assert_allclose(centroid, index, atol=0.02)


def test_each_atom_holds_its_atomic_number_and_is_cut_at_five_sigma():
    d = model_density(np.array([[40.0, 40.0, 40.0]]), resolution_A=10, box_shape=(41, 40, 39), voxel_size=2.0, weights=[7])
    assert d.sum() * 8 == pytest.approx(7, rel=1e-4)
    reach = 5 * SIGMA_FACTOR * 10 / 2  # 5.6 voxels from voxel 20
    nonzero = np.argwhere(d > 0)
    assert nonzero.min(0).tolist() == [math.ceil(20 - reach)] * 3 and nonzero.max(0).tolist() == [math.floor(20 + reach)] * 3
    assert d[20, 20, 25] > 0 and d[20, 20, 26] == 0 and d[25, 25, 25] > 0  # a box-shaped cutoff, as molmap's


def test_atoms_at_the_box_edge_give_the_crop_of_a_larger_box():
    atoms = np.array([[0.0, 10.0, 10.0], [22.0, 0.5, 23.5], [11.0, 12.0, -3.0]])
    with pytest.warns(UserWarning, match="2 of its 3 atoms lie outside"):
        small = model_density(atoms, resolution_A=6, box_shape=(12, 13, 12), voxel_size=2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        large = model_density(atoms, resolution_A=6, box_shape=(30, 31, 32), voxel_size=2.0, origin=(-20.0, -20.0, -20.0))
    np.testing.assert_allclose(small, large[10:22, 10:23, 10:22], rtol=1e-5, atol=1e-9)
    assert small[0].max() > 0 and small[:, 0].max() > 0


def test_a_model_outside_the_box_is_an_error_naming_it(tmp_path):
    model = read_model(write(tmp_path / "far.pdb", [("C", (500.0, 0.0, 0.0)), ("C", (510.0, 1.0, 2.0))]))
    with pytest.raises(ValueError, match=r"far.pdb: none of its 2 atoms lies in or near the map's box.*500\.0\.\.510\.0"):
        model_density(model, resolution_A=8, box_shape=BOX, voxel_size=VOXEL, origin=ORIGIN)


def test_atoms_partly_outside_give_a_warning_and_only_their_share():
    atoms = np.array([[10.0, 10.0, 10.0], [10.0, 10.0, 300.0]])
    with pytest.warns(UserWarning, match="1 of its 2 atoms lie outside"):
        d = model_density(atoms, resolution_A=6, box_shape=(20, 20, 20), voxel_size=1.0)
    assert d[:, :, -1].max() == 0  # nothing piled up on the far face, unlike ChimeraX's clamp
    assert d.sum() == pytest.approx(1, rel=1e-3)


def test_the_same_model_gives_the_same_bytes_and_many_atoms_batch_alike():
    rng = np.random.default_rng(1)
    atoms = rng.uniform(5, 55, size=(3000, 3))
    a = model_density(atoms, resolution_A=4, box_shape=(31, 30, 32), voxel_size=2.0)
    b = model_density(atoms, resolution_A=4, box_shape=(31, 30, 32), voxel_size=2.0)
    assert a.tobytes() == b.tobytes()
    one_by_one = sum(model_density(atoms[i:i + 1], resolution_A=4, box_shape=(31, 30, 32), voxel_size=2.0) for i in range(0, 3000, 7))
    some = model_density(atoms[::7], resolution_A=4, box_shape=(31, 30, 32), voxel_size=2.0)
    np.testing.assert_allclose(some, one_by_one, rtol=1e-5, atol=1e-8)


def test_molmap_and_gemmis_electron_density_with_a_blur_agree_on_a_helix(tmp_path):
    """Our molmap is the one documented; gemmi's DensityCalculatorE, blurred to the same width, has the same shape."""
    atoms = helix_atoms(20, start=(20.0, 32.0, 30.0))
    box, voxel, resolution = (40, 44, 48), 1.5, 8.0
    st = structure(atoms, cell=(box[2] * voxel, box[1] * voxel, box[0] * voxel))
    ours = model_density(np.array([p for _, p in atoms]), resolution_A=resolution, box_shape=box, voxel_size=voxel,
                         weights=[gemmi.Element(e).atomic_number for e, _ in atoms])
    calc = gemmi.DensityCalculatorE()
    calc.grid.set_unit_cell(st.cell)
    calc.grid.spacegroup = gemmi.SpaceGroup("P 1")
    calc.grid.set_size(box[2], box[1], box[0])
    calc.d_min = resolution / 3
    sigma = SIGMA_FACTOR * resolution
    calc.blur = 8 * math.pi**2 * sigma**2 - 20  # the atoms' B of 20 Å² is blur already
    calc.add_model_density_to_grid(st[0])
    theirs = np.array(calc.grid, copy=False).transpose(2, 1, 0)
    assert np.corrcoef(ours.ravel(), theirs.ravel())[0, 1] > 0.995
    assert np.unravel_index(ours.argmax(), box) == np.unravel_index(theirs.argmax(), box)


@pytest.mark.parametrize("kwargs, message", [
    ({"resolution_A": 0, "box_shape": 10, "voxel_size": 1}, "resolution"),
    ({"resolution_A": 5, "box_shape": 10}, "like="),
    ({"resolution_A": 5, "box_shape": 10, "voxel_size": -1}, "voxel_size"),
    ({"resolution_A": 5, "box_shape": 10, "voxel_size": 1, "weights": [1, 2]}, "one weight per atom"),
    ({"resolution_A": 5, "like": Volume(np.zeros((4, 4, 4)), (1, 1, 1), (0, 0, 0)), "box_shape": 4}, "not both"),
])
def test_bad_parameters_are_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        model_density(np.zeros((1, 3)), **kwargs)
    with pytest.raises(ValueError, match="no atoms"):
        model_density(np.zeros((0, 3)), resolution_A=5, box_shape=10, voxel_size=1)


# ---- the mask


def test_enclosing_threshold_holds_the_share_asked_for():
    rng = np.random.default_rng(2)
    d = model_density(rng.normal(30, 5, (200, 3)), resolution_A=6, box_shape=(33, 35, 37), voxel_size=1.8)
    for percent in (50, 90, 95, 99, 100):
        t = enclosing_threshold(d, percent)
        held = d[d > t].sum(dtype=np.float64) / d.sum(dtype=np.float64)
        assert held >= percent / 100 * (1 - 1e-9)
        assert d[d > np.nextafter(np.float32(t), np.float32(np.inf))].sum() <= d[d > t].sum()
    assert (d > enclosing_threshold(d, 100)).sum() == (d > 0).sum()
    with pytest.raises(ValueError, match="at most 100"):
        enclosing_threshold(d, 0)
    with pytest.raises(ValueError, match="no positive voxels"):
        enclosing_threshold(np.zeros((3, 3, 3)), 50)


def test_a_helix_mask_holds_every_atom_and_follows_the_extension(tmp_path):
    model = read_model(write(tmp_path / "helix.pdb", helix_atoms(16, start=(8.0, 24.0, 22.0))))
    box, voxel = (27, 33, 29), 1.7  # odd and non-cubic
    d = model_density(model, resolution_A=6, box_shape=box, voxel_size=voxel)
    tight = model_mask(d, enclose_percent=95)
    grown = model_mask(d, enclose_percent=95, extend_px=2, edge="cosine", edge_width_px=3)
    voxels = np.round(model.positions / voxel).astype(int)
    assert np.all(tight[tuple(voxels.T)] == 1)
    assert grown.dtype == np.float32 and grown.min() == 0 and grown.max() == 1
    assert grown.sum() > tight.sum() and np.all(grown[tight == 1] == 1)
    soft = (grown > 0) & (grown < 1)
    assert soft.any()


def test_mask_edge_cases_empty_and_touching_the_box():
    d = model_density(np.array([[0.0, 0.0, 0.0]]), resolution_A=6, box_shape=(9, 10, 11), voxel_size=1.0)
    assert model_mask(d, threshold=float(d.max())).sum() == 0  # nothing above the peak
    m = model_mask(d, threshold=0.001, extend_px=1)
    assert m[0, 0, 0] == 1 and m.shape == (9, 10, 11)
    with pytest.raises(ValueError, match="one of them"):
        model_mask(d)
    with pytest.raises(ValueError, match="one of them"):
        model_mask(d, threshold=0.1, enclose_percent=50)
    with pytest.raises(ValueError, match="extend"):
        model_mask(d, threshold=0.1, extend_px=-1)


def test_the_readme_examples_run_as_shown(tmp_path, monkeypatch):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "fill_hollow_mask" in b or "model_density(" in b]
    assert len(blocks) == 2
    monkeypatch.chdir(tmp_path)
    write_volume("average.mrc", np.zeros((40, 44, 48), np.float32), voxel_size=1.5)
    write("fit.cif", helix_atoms(14, start=(20.0, 33.0, 36.0)))
    namespace = {}
    exec("from napari_cryomask import cryomask\n" + "\n".join(blocks), namespace)
    assert namespace["solid"][32, 32, 32] == 1 and namespace["rod"].sum() > 0
    assert namespace["mask"].max() == 1 and namespace["also"].max() == 1
    assert namespace["start"].tolist() == (np.argwhere(namespace["core"]).min(0)).tolist()
