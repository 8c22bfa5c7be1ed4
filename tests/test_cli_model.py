"""``cryomask model``: a mask from an atomic model on a map's grid, its recipe and its errors (console script)."""

import json

import numpy as np
import pytest
from atomic_models import helix_atoms, write
from test_cli import fails, ok, replayed_bytes_equal, run

from napari_cryomask.core.model_density import model_density
from napari_cryomask.core.model_mask import model_mask
from napari_cryomask.io import read_model, read_volume, write_volume
from napari_cryomask.recipes import apply_recipe, load_recipe, make_recipe, validate_recipe

VOXEL, ORIGIN, BOX = 1.6, (-8.0, 12.0, 4.0), (29, 34, 31)


@pytest.fixture
def files(tmp_path):
    """A helix fitted in a map of odd, non-cubic box with a non-zero origin."""
    model = write(tmp_path / "helix.cif", helix_atoms(14, start=(6.0, 38.0, 28.0)))
    path = tmp_path / "map.mrc"
    write_volume(path, np.random.default_rng(0).normal(size=BOX).astype(np.float32), voxel_size=VOXEL, origin=ORIGIN)
    return model, path


def test_model_mask_on_the_map_grid_equals_the_core_and_replays(tmp_path, files):
    model, map_path = files
    ok(tmp_path, "model", model, "--like", map_path, "--resolution", "7", "--extend", "2", "--soft-edge", "3", "-o", "m.mrc")
    out = read_volume(tmp_path / "m.mrc")
    assert out.data.shape == BOX and out.voxel_size == pytest.approx((VOXEL,) * 3) and out.origin == ORIGIN
    density = model_density(read_model(model), read_volume(map_path), resolution_A=7)
    expected = model_mask(density, enclose_percent=95, extend_px=2, edge="cosine", edge_width_px=3)
    assert out.data.tobytes() == expected.tobytes()
    recipe = json.loads((tmp_path / "m.mrc.json").read_text())
    assert recipe["operation"] == "model" and recipe["model"] == str(model.resolve())
    assert recipe["params"]["enclose_percent"] == 95 and recipe["origin"] == list(ORIGIN)
    replayed_bytes_equal(tmp_path, "m.mrc")


def test_box_pixel_size_origin_angstrom_units_and_the_density(tmp_path, files):
    model, _ = files
    result = ok(tmp_path, "model", model, "--box", "29,34,31", "--pixel-size", "1.6", "--origin", "-8,12,4", "--resolution", "7",
                "--threshold", "0.01", "--unit", "angstrom", "--extend", "3.2", "--soft-edge", "4.8", "--edge", "gaussian",
                "--save-density", "density.mrc", "-o", "m.em")
    assert "threshold 0.01 (given)" in result.stdout
    density = model_density(read_model(model), resolution_A=7, box_shape=BOX, voxel_size=VOXEL, origin=ORIGIN)
    assert read_volume(tmp_path / "density.mrc").data.tobytes() == density.tobytes()
    assert read_volume(tmp_path / "density.mrc").origin == ORIGIN
    mask = read_volume(tmp_path / "m.em").data
    np.testing.assert_array_equal(mask, model_mask(density, threshold=0.01, extend_px=2, edge="gaussian", edge_width_px=3))
    replayed_bytes_equal(tmp_path, "m.em")


def test_the_recipe_replays_on_another_map(tmp_path, files):
    model, map_path = files
    ok(tmp_path, "model", model, "--like", map_path, "--resolution", "8", "--enclose", "90", "-o", "m.mrc")
    bigger = tmp_path / "bigger.mrc"
    write_volume(bigger, np.zeros((40, 41, 42), np.float32), voxel_size=VOXEL, origin=(-20.0, 0.0, 0.0))
    ok(tmp_path, "recipe", "apply", "m.mrc.json", "--like", bigger, "-o", "moved.mrc")
    moved = read_volume(tmp_path / "moved.mrc").data
    expected = model_mask(model_density(read_model(model), read_volume(bigger), resolution_A=8), enclose_percent=90)
    assert moved.tobytes() == expected.tobytes()


def test_a_replaced_model_file_is_not_replayed(tmp_path, files):
    model, map_path = files
    ok(tmp_path, "model", model, "--like", map_path, "--resolution", "7", "-o", "m.mrc")
    recipe = json.loads((tmp_path / "m.mrc.json").read_text())
    assert len(recipe["model_sha256"]) == 64
    write(model, helix_atoms(10, start=(6.0, 38.0, 28.0)))
    line = fails(tmp_path, 1, "recipe", "apply", "m.mrc.json", "-o", "again.mrc")
    assert "has changed since the recipe was made" in line and "helix.cif" in line
    assert not (tmp_path / "again.mrc").exists()


def test_a_model_outside_the_map_fails_naming_it(tmp_path, files):
    _, map_path = files
    far = write(tmp_path / "far.pdb", [("C", (900.0, 900.0, 900.0))])
    line = fails(tmp_path, 1, "model", far, "--like", map_path, "--resolution", "8", "-o", "m.mrc")
    assert "far.pdb: none of its 1 atoms lies in or near the map's box" in line
    assert not (tmp_path / "m.mrc").exists()


@pytest.mark.parametrize("args, needle", [
    (["--box", "20", "--resolution", "8"], "--pixel-size"),
    (["--box", "20", "--pixel-size", "1", "--resolution", "0"], "--resolution"),
    (["--box", "20", "--pixel-size", "1", "--resolution", "8", "--threshold", "1", "--enclose", "50"], "not allowed with"),
    (["--box", "20", "--pixel-size", "1", "--resolution", "8", "--enclose", "150"], "at most 100"),
    (["--like", "LIKE", "--origin", "1,2,3", "--resolution", "8"], "--origin goes with --box"),
])
def test_usage_errors(tmp_path, files, args, needle):
    model, map_path = files
    args = [str(map_path) if a == "LIKE" else a for a in args]
    line = fails(tmp_path, 2, "model", model, *args, "-o", "m.mrc")
    assert needle in line


def test_missing_and_unreadable_models_fail_naming_the_file(tmp_path, files):
    _, map_path = files
    line = fails(tmp_path, 1, "model", tmp_path / "nope.pdb", "--like", map_path, "--resolution", "8", "-o", "m.mrc")
    assert "nope.pdb" in line
    (tmp_path / "bad.cif").write_text("garbage {")
    line = fails(tmp_path, 1, "model", tmp_path / "bad.cif", "--like", map_path, "--resolution", "8", "-o", "m.mrc")
    assert "bad.cif" in line


def test_help_lists_the_command_with_units(tmp_path):
    assert "\n    model " in ok(tmp_path, "--help").stdout
    text = run(tmp_path, "model", "--help", env={"COLUMNS": "300"}).stdout
    for needle in ("--resolution", "Å", "Z,Y,X", "molmap", "--enclose", "(voxels, or Å with --unit angstrom)"):
        assert needle in text


def test_model_recipe_validates_and_needs_its_grid(tmp_path, files):
    model, _ = files
    params = {"resolution_A": 8, "threshold": None, "enclose_percent": 95}
    recipe = make_recipe("model", params, box_shape=BOX, voxel_size=VOXEL, origin=ORIGIN, model=str(model))
    mask, voxel_size = apply_recipe(recipe)
    assert mask.shape == BOX and voxel_size == (VOXEL,) * 3 and mask.max() == 1
    with pytest.raises(ValueError, match="unknown parameter 'colour'"):
        validate_recipe(dict(recipe, params={**params, "colour": 1}))
    with pytest.raises(ValueError, match="resolution_A must be > 0"):
        validate_recipe(dict(recipe, params={**params, "resolution_A": 0}))
    with pytest.raises(ValueError, match="voxel_size"):
        apply_recipe(dict(recipe, voxel_size=None))
    with pytest.raises(ValueError, match="one of them"):
        apply_recipe(dict(recipe, params={**params, "threshold": 0.1}))
    with pytest.raises(FileNotFoundError, match="gone.pdb"):
        apply_recipe(dict(recipe, model=str(tmp_path / "gone.pdb")))
    assert load_recipe  # the sidecar functions read these recipes too (see the replay tests above)
