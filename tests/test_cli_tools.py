"""``cryomask symmetrize|helix|clip|apply|resample`` run as the installed console script on real files."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from napari_cryomask.io import read_volume, write_volume
from napari_cryomask.recipes import apply_recipe, load_recipe, save_recipe
from napari_cryomask.recipes.tools_edit import edit_recipe, edits_path

CRYOMASK = Path(sys.executable).parent / "cryomask"


def run(cwd, *args):
    assert CRYOMASK.is_file(), f"console script not installed at {CRYOMASK}"
    return subprocess.run([str(CRYOMASK), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300, env=dict(os.environ))


def ok(cwd, *args):
    result = run(cwd, *args)
    assert result.returncode == 0, result.stderr
    return result


def fails(cwd, code, *args):
    result = run(cwd, *args)
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "error:" in lines[0] and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def replays_byte_for_byte(cwd, name):
    ok(cwd, "recipe", "apply", f"{name}.json", "-o", f"again_{name}")
    assert (Path(cwd) / name).read_bytes() == (Path(cwd) / f"again_{name}").read_bytes()


@pytest.fixture
def off_centre(tmp_path):
    ok(tmp_path, "ellipsoid", "--box", "33", "--radii", "3,4,6", "--center", "17,14,22", "--angles", "20,35,50",
       "--soft-edge", "2", "--pixel-size", "2", "-o", "e.mrc")
    return tmp_path


def test_symmetrize_shape_exactly_and_a_file_by_resampling(off_centre):
    out = ok(off_centre, "symmetrize", "e.mrc", "--sym", "c4", "-o", "c4.mrc")
    assert "4 copies" in out.stdout and "moved exactly" in out.stdout
    m = read_volume(off_centre / "c4.mrc")
    assert m.voxel_size == (2.0, 2.0, 2.0)
    assert np.allclose(np.rot90(m.data, 1, axes=(1, 2)), m.data, atol=1e-5)
    replays_byte_for_byte(off_centre, "c4.mrc")
    assert load_recipe(off_centre / "c4.mrc")["inputs"][0]["operation"] == "shape"

    (off_centre / "e.mrc.json").unlink()  # now only the file: resampled
    out = ok(off_centre, "symmetrize", "e.mrc", "--sym", "D2", "-o", "d2.mrc")
    assert "resampled" in out.stdout
    d2 = read_volume(off_centre / "d2.mrc").data
    assert np.array_equal(d2[::-1, ::-1, :], d2)
    replays_byte_for_byte(off_centre, "d2.mrc")


def test_symmetrize_a_tight_mask_of_a_real_map(shared_data, tmp_path):
    ok(tmp_path, "tight", shared_data / "EMD-3197.map", "--extend", "1", "--soft-edge", "1", "-o", "tight.mrc")
    ok(tmp_path, "symmetrize", "tight.mrc", "--sym", "C4", "--center", "9.5,9.5,9.5", "-o", "c4.mrc")
    m = read_volume(tmp_path / "c4.mrc")
    assert m.voxel_size == pytest.approx((11.4, 11.4, 11.4))
    assert np.array_equal(np.rot90(m.data, 1, axes=(1, 2)), m.data)  # quarter turns about a voxel corner map voxels onto voxels
    replays_byte_for_byte(tmp_path, "c4.mrc")
    ok(tmp_path, "symmetrize", "tight.mrc", "--sym", "I", "--mode", "average", "--threshold", "0.3", "-o", "i.mrc")
    replays_byte_for_byte(tmp_path, "i.mrc")


def test_helix_in_angstroms_keeps_the_central_part(tmp_path):
    ok(tmp_path, "sphere", "--box", "60,32,32", "--radius", "3", "--center", "30,16,22", "--pixel-size", "2", "-o", "s.mrc")
    out = ok(tmp_path, "helix", "s.mrc", "--unit", "angstrom", "--twist", "-30", "--rise", "8", "--units", "7",
             "--z-fraction", "0.6", "--soft-edge", "4", "-o", "h.mrc")
    assert "7 units" in out.stdout and "rise 4 voxels = 8 Å" in out.stdout
    h = read_volume(tmp_path / "h.mrc").data
    planes = np.flatnonzero(h.any(axis=(1, 2)))
    assert planes.min() >= 30 - 18 - 2 and planes.max() <= 30 + 18 + 2
    assert h[30 + 4, 16 - 3, 16 + 5] > 0.5  # unit +1 raised 4 voxels and turned -30°
    replays_byte_for_byte(tmp_path, "h.mrc")
    ok(tmp_path, "helix", "s.mrc", "-o", "z.mrc")
    assert load_recipe(tmp_path / "z.mrc")["params"] == {"z_fraction": 0.3, "z_edge_px": 5.0}


def test_clip_by_radius_in_angstroms_and_by_box(tmp_path):
    ok(tmp_path, "cuboid", "--box", "40", "--size", "30", "--pixel-size", "2", "-o", "c.mrc")
    ok(tmp_path, "clip", "c.mrc", "--unit", "angstrom", "--radius", "24", "--soft-edge", "4", "-o", "r.mrc")
    r = read_volume(tmp_path / "r.mrc").data
    z, y, x = np.indices(r.shape)
    distance = np.sqrt((z - 20) ** 2 + (y - 20) ** 2 + (x - 20) ** 2)
    assert r[distance >= 12].max() == 0 and r[distance <= 10].min() == 1
    replays_byte_for_byte(tmp_path, "r.mrc")
    ok(tmp_path, "clip", "c.mrc", "--box", "10,40,40", "-o", "b.mrc")
    assert not read_volume(tmp_path / "b.mrc").data[:15].any()
    line = fails(tmp_path, 2, "clip", "c.mrc", "--radius", "3", "--soft-edge", "4", "-o", "bad.mrc")
    assert "--soft-edge" in line and "--radius" in line


def test_apply_a_mask_to_a_real_map(shared_data, tmp_path):
    source = shared_data / "EMD-3197.map"
    ok(tmp_path, "sphere", "--like", source, "--radius", "6", "--soft-edge", "2", "-o", "s.mrc")
    out = ok(tmp_path, "apply", "s.mrc", source, "--outside", "mean", "-o", "masked.mrc")
    assert "masked by s.mrc" in out.stdout
    density, mask = read_volume(source), read_volume(tmp_path / "s.mrc").data
    masked = read_volume(tmp_path / "masked.mrc")
    assert masked.voxel_size == pytest.approx(density.voxel_size) and masked.origin == pytest.approx(density.origin)
    inside = mask == 1
    assert np.allclose(masked.data[inside], density.data[inside])
    assert np.ptp(masked.data[mask == 0]) < 1e-5
    replays_byte_for_byte(tmp_path, "masked.mrc")
    ok(tmp_path, "apply", "s.mrc", source, "--outside", "lowpass", "--lowpass", "40", "-o", "low.mrc")
    line = fails(tmp_path, 2, "apply", "s.mrc", source, "--outside", "lowpass", "-o", "x.mrc")
    assert line.endswith("--outside lowpass needs --lowpass Å")


def test_apply_warns_about_another_pixel_size_and_refuses_another_box(tmp_path):
    ok(tmp_path, "sphere", "--box", "20", "--radius", "5", "--pixel-size", "2", "-o", "m.mrc")
    write_volume(tmp_path / "map3.mrc", np.ones((20, 20, 20), np.float32), voxel_size=3.0)
    write_volume(tmp_path / "big.mrc", np.ones((24, 24, 24), np.float32), voxel_size=2.0)
    result = ok(tmp_path, "apply", "m.mrc", "map3.mrc", "-o", "a.mrc")
    assert "warning: m.mrc is 20×20×20 voxels of 2 Å but map3.mrc is 20×20×20 voxels of 3 Å" in result.stderr
    assert "RELION 3.1+" in result.stderr
    line = fails(tmp_path, 1, "apply", "m.mrc", "big.mrc", "-o", "b.mrc")
    assert "cryomask resample m.mrc --like big.mrc" in line
    assert not (tmp_path / "b.mrc").exists()


def _equivalent_radius(mask, voxel_A, level):
    return (3 * np.count_nonzero(mask >= level) / (4 * math.pi)) ** (1 / 3) * voxel_A


def test_resample_a_2A_sphere_onto_a_4A_map(tmp_path):
    ok(tmp_path, "sphere", "--box", "96", "--pixel-size", "2", "--unit", "angstrom", "--radius", "40", "--soft-edge", "12", "-o", "s.mrc")
    write_volume(tmp_path / "map4.mrc", np.zeros((48, 48, 48), np.float32), voxel_size=4.0)
    out = ok(tmp_path, "resample", "s.mrc", "--like", "map4.mrc", "-o", "r.mrc")
    assert "cosine edge 12 Å (from its recipe) = 3 voxels there" in out.stdout
    r = read_volume(tmp_path / "r.mrc")
    assert r.voxel_size == (4.0, 4.0, 4.0) and r.data.shape == (48, 48, 48)
    assert abs(_equivalent_radius(r.data, 4.0, 1.0) - 40) <= 2.0
    assert abs(_equivalent_radius(r.data, 4.0, 0.5) - 46) <= 2.0
    replays_byte_for_byte(tmp_path, "r.mrc")
    (tmp_path / "s.mrc.json").unlink()
    out = ok(tmp_path, "resample", "s.mrc", "--like", "map4.mrc", "-o", "e.mrc")
    assert "estimated from the mask" in out.stdout
    assert abs(_equivalent_radius(read_volume(tmp_path / "e.mrc").data, 4.0, 1.0) - 40) <= 2.0


def test_resample_onto_a_real_anisotropic_map(shared_data, tmp_path):
    target = shared_data / "EMD-3001.map"
    like = read_volume(target)
    ok(tmp_path, "sphere", "--box", "64", "--pixel-size", "0.5", "--radius", "10", "--soft-edge", "3", "-o", "s.mrc")
    ok(tmp_path, "resample", "s.mrc", "--like", target, "-o", "r.mrc")
    r = read_volume(tmp_path / "r.mrc")
    assert r.data.shape == like.data.shape and r.voxel_size == pytest.approx(like.voxel_size)
    assert r.origin == pytest.approx(like.origin)
    replays_byte_for_byte(tmp_path, "r.mrc")


def test_usage_errors_are_one_line(off_centre):
    assert "is not a symmetry group" in fails(off_centre, 2, "symmetrize", "e.mrc", "--sym", "Q7", "-o", "x.mrc")
    assert "--twist and --rise go together" in fails(off_centre, 2, "helix", "e.mrc", "--twist", "30", "-o", "x.mrc")
    assert "--units needs" in fails(off_centre, 2, "helix", "e.mrc", "--units", "3", "-o", "x.mrc")
    ok(off_centre, "symmetrize", "e.mrc", "--sym", "C2", "-o", "x.mrc")
    assert "exists; add --force" in fails(off_centre, 1, "symmetrize", "e.mrc", "--sym", "C3", "-o", "x.mrc")
    ok(off_centre, "symmetrize", "e.mrc", "--sym", "C3", "-o", "x.mrc", "--force")
    write_volume(off_centre / "nopix.mrc", np.zeros((8, 8, 8), np.float32))
    assert "--pixel-size" in fails(off_centre, 2, "resample", "nopix.mrc", "--like", "e.mrc", "-o", "y.mrc")


def test_hand_edits_replay_from_the_sidecar_and_a_missing_edits_file_is_an_error(off_centre):
    path = off_centre / "e.mrc"
    source = load_recipe(path)
    mask = read_volume(path).data
    painted = mask >= 0.5
    painted[17, 12:15, 5:12] = True
    target = off_centre / "edited.mrc"
    recipe, edited = edit_recipe(source, mask, painted, edits_file=edits_path(target), voxel_size=2.0)
    write_volume(target, edited, voxel_size=2.0)
    save_recipe(target, recipe, edited)
    assert apply_recipe(json.loads((off_centre / "edited.mrc.json").read_text()))[0].tobytes() == edited.tobytes()
    replays_byte_for_byte(off_centre, "edited.mrc")
    edits_path(target).unlink()
    assert "is missing" in fails(off_centre, 1, "recipe", "apply", "edited.mrc.json", "-o", "gone.mrc")


def test_combining_masks_of_two_pixel_sizes_warns_with_the_grid_message(tmp_path):
    ok(tmp_path, "sphere", "--box", "16", "--radius", "4", "--pixel-size", "2", "-o", "a.mrc")
    ok(tmp_path, "sphere", "--box", "16", "--radius", "5", "--pixel-size", "2.5", "-o", "b.mrc")
    result = ok(tmp_path, "union", "a.mrc", "b.mrc", "-o", "u.mrc")
    assert "b.mrc is 16×16×16 voxels of 2.5 Å but a.mrc is 16×16×16 voxels of 2 Å" in result.stderr
