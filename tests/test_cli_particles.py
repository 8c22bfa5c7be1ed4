"""``cryomask particles``: the console script on particle lists it writes and on the real ones; replays byte for byte."""

from pathlib import Path

import mrcfile
import numpy as np
import pytest
from test_cli import fails, ok, run
from test_io_particles import dynamo_file, motl_file, relion5_files, relion_file

from napari_cryomask.core.particles import particle_mask
from napari_cryomask.core.shapes import shape_mask
from napari_cryomask.io import read_volume, write_volume
from napari_cryomask.io.particles import read_particles
from napari_cryomask.recipes import apply_recipe, data_digest, load_recipe

BOX = (30, 36, 40)
POSES = [((10.0, 12.0, 14.0), (0, 90, 0)), ((20.5, 25.0, 30.0), (45, 30, 60)), ((29.0, 2.0, 39.0), (10, 20, 30))]


@pytest.fixture
def tomogram(tmp_path):
    """An empty tomogram of 8 Å voxels with an origin, as a header to take the box from."""
    path = tmp_path / "tomo_1.mrc"
    write_volume(path, np.zeros(BOX, np.float32), voxel_size=8.0, origin=(0.0, 16.0, -8.0))
    return path


def replay_is_byte_identical(cwd, name):
    ok(cwd, "recipe", "apply", f"{name}.json", "-o", f"again_{name}")
    assert (Path(cwd) / name).read_bytes() == (Path(cwd) / f"again_{name}").read_bytes()


def test_a_shape_at_every_particle_equals_the_core_and_replays(tmp_path, tomogram):
    listed = motl_file(tmp_path / "motl.em", POSES)
    out = ok(tmp_path, "particles", listed, "--like", tomogram, "--shape", "cylinder", "--radius", 16, "--height", 64,
             "--unit", "angstrom", "--soft-edge", 16, "-o", "mask.mrc").stdout
    assert "float32 union of 3 particles" in out
    volume = read_volume(tmp_path / "mask.mrc")
    expected = particle_mask(BOX, read_particles(listed), shape="cylinder", radius=2, height=8, edge="cosine", edge_width_px=2)
    np.testing.assert_array_equal(volume.data, expected)
    assert volume.voxel_size == (8.0, 8.0, 8.0) and volume.origin == (0.0, 16.0, -8.0)
    recipe = load_recipe(tmp_path / "mask.mrc")
    assert recipe["operation"] == "particles" and recipe["params"]["radius"] == 2.0
    assert recipe["data_sha256"] == data_digest(expected)
    replay_is_byte_identical(tmp_path, "mask.mrc")
    np.testing.assert_array_equal(apply_recipe(recipe)[0], expected)


@pytest.mark.parametrize("extra, dtype", [(["--dtype", "uint8"], np.int8), (["--labels"], np.uint16), (["--labels", "class"], np.uint16)])
def test_uint8_and_labels_are_written_in_their_own_types_and_replay(tmp_path, tomogram, extra, dtype):
    listed = motl_file(tmp_path / "motl.em", POSES, classes=[4, 2, 4])
    ok(tmp_path, "particles", listed, "--like", tomogram, "--shape", "shell", "--radius", 5, "--thickness", 2, *extra, "-o", "m.mrc")
    data = read_volume(tmp_path / "m.mrc").data
    assert data.dtype == dtype
    labels = {"particle": [1, 2, 3], "class": [4, 2, 4]}["class" if "class" in extra else "particle"] if "--labels" in extra else [1, 1, 1]
    assert data[10, 12, 19] == labels[0] and data[20, 25, 34] == labels[1] and data[10, 12, 14] == 0
    replay_is_byte_identical(tmp_path, "m.mrc")


def test_a_mask_file_is_placed_scaled_by_its_pixel_size(tmp_path, tomogram):
    listed = motl_file(tmp_path / "motl.em", [((15.0, 18.0, 20.0), (0, 0, 0))])
    write_volume(tmp_path / "average_mask.mrc", shape_mask(33, "sphere", radius=12), voxel_size=4.0)  # 48 Å
    ok(tmp_path, "particles", listed, "--like", tomogram, "--mask", "average_mask.mrc", "-o", "m.mrc")
    data = read_volume(tmp_path / "m.mrc").data >= 0.5
    expected = shape_mask(BOX, "sphere", radius=6, center=(15, 18, 20)) > 0  # 48 Å in 8 Å voxels
    assert 2 * (data & expected).sum() / (data.sum() + expected.sum()) > 0.95
    replay_is_byte_identical(tmp_path, "m.mrc")


def test_the_tomogram_is_chosen_by_tomo_or_by_the_like_file_name(tmp_path, tomogram):
    table = dynamo_file(tmp_path / "two.tbl", [((5.0, 5, 5), (0, 0, 0)), ((20.0, 20, 20), (0, 0, 0))])
    text = table.read_text().splitlines()
    fields = text[1].split()
    fields[19] = "2"
    table.write_text(text[0] + "\n" + " ".join(fields) + "\n")
    ok(tmp_path, "particles", table, "--like", tomogram, "--shape", "sphere", "--radius", 2, "-o", "one.mrc")
    data = read_volume(tmp_path / "one.mrc").data  # tomo_1.mrc: tomogram 1
    assert data[5, 5, 5] == 1 and data[20, 20, 20] == 0
    ok(tmp_path, "particles", table, "--box", "30,36,40", "--tomo", "2", "--shape", "sphere", "--radius", 2, "-o", "two.mrc")
    data = read_volume(tmp_path / "two.mrc").data
    assert data[5, 5, 5] == 0 and data[20, 20, 20] == 1
    line = fails(tmp_path, 2, "particles", table, "--box", "30,36,40", "--shape", "sphere", "--radius", 2, "-o", "x.mrc")
    assert "holds particles of 2 tomograms (1, 2); choose one with --tomo" in line


def test_relion5_with_its_tomograms_file(tmp_path):
    data, tomograms = relion5_files(tmp_path, [((0.0, 0.0, 0.0), (0, 0, 0)), ((25.0, -50.0, 100.0), (0, 90, 0))])
    # tomogram TS_01: 480 x 440 x 400 unbinned pixels of 1.25 Å, binned 4: 5 Å voxels, (z, y, x) = (100, 110, 120)
    ok(tmp_path, "particles", data, "--tomograms", tomograms, "--box", "100,110,120", "--pixel-size", 5,
       "--shape", "sphere", "--radius", 2, "-o", "r5.mrc")
    mask = read_volume(tmp_path / "r5.mrc").data
    assert mask[50, 55, 60] == 1 and mask[70, 45, 65] == 1
    replay_is_byte_identical(tmp_path, "r5.mrc")


def test_real_lists(tmp_path, shared_data):
    folder = shared_data / "particles"
    ok(tmp_path, "particles", folder / "crop.tbl", "--box", "270,390,900", "--tomo", 6, "--shape", "sphere", "--radius", 4,
       "--dtype", "uint8", "-o", "dynamo.mrc")
    listed = read_particles(folder / "crop.tbl").select(6)
    data = read_volume(tmp_path / "dynamo.mrc").data
    inside = np.round(listed.positions).astype(int)
    assert len(inside) == 31 and np.all(data[inside[:, 0], inside[:, 1], inside[:, 2]] == 1)
    line = fails(tmp_path, 1, "particles", folder / "relion_3.1_optics2.star", "--box", "200,300,200", "--shape", "sphere",
                 "--radius", 4, "-o", "r.mrc")
    assert "2 pixel sizes" in line and "--pixel-size" in line
    ok(tmp_path, "particles", folder / "relion_3.1_optics2.star", "--box", "200,300,200", "--pixel-size", 12.23,
       "--tomo", "0002_12.23Apx", "--shape", "sphere", "--radius", 4, "--dtype", "uint8", "-o", "r.mrc")
    assert read_volume(tmp_path / "r.mrc").data[187, 296, 183] == 1


def test_particles_outside_the_box_warn(tmp_path):
    listed = motl_file(tmp_path / "motl.em", [((10.0, 12.0, 14.0), (0, 0, 0)), ((100.0, 12.0, 14.0), (0, 0, 0))])
    result = run(tmp_path, "particles", listed, "--box", "30,36,40", "--shape", "sphere", "--radius", 2, "-o", "m.mrc")
    assert result.returncode == 0 and "1 of 2 particles lie outside the box" in result.stderr
    result = run(tmp_path, "particles", listed, "--box", "5,5,5", "--shape", "sphere", "--radius", 2, "-o", "none.mrc")
    assert result.returncode == 0 and "no particle of" in result.stderr and "check --pixel-size" in result.stderr


def test_pixels_of_a_known_size_in_a_tomogram_of_unknown_voxel_size_warn(tmp_path):
    listed = relion_file(tmp_path / "r.star", [((10.0, 12.0, 14.0), (0, 0, 0))], pixel=2.5)
    result = run(tmp_path, "particles", listed, "--box", "30,36,40", "--shape", "sphere", "--radius", 2, "-o", "m.mrc")
    assert result.returncode == 0 and "pixels of 2.5 Å and the tomogram's pixel size is unknown" in result.stderr
    assert read_volume(tmp_path / "m.mrc").data[10, 12, 14] == 1
    ok(tmp_path, "particles", listed, "--box", "30,36,40", "--pixel-size", 5, "--shape", "sphere", "--radius", 2, "-o", "half.mrc")
    assert read_volume(tmp_path / "half.mrc").data[5, 6, 7] == 1


@pytest.mark.parametrize("args, needle", [
    (["--shape", "sphere"], "--shape sphere: the following arguments are required: --radius"),
    (["--shape", "sphere", "--radius", "3", "--height", "4"], "--shape sphere: unrecognized arguments: --height"),
    (["--shape", "tube", "--radius", "3", "--inner-radius", "4", "--height", "5"], "--inner-radius (4) must be smaller than --radius (3)"),
    (["--shape", "sphere", "--radius", "3", "--dtype", "uint8", "--soft-edge", "2"], "a soft edge needs --dtype float32"),
    (["--shape", "sphere", "--radius", "3", "--labels", "--dtype", "uint8"], "--dtype applies to the union"),
    (["--shape", "sphere", "--radius", "3", "--unit", "angstrom"], "--unit angstrom needs a pixel size"),
    (["--radius", "3"], "one of the arguments --shape --mask is required"),
])
def test_usage_errors(tmp_path, args, needle):
    listed = motl_file(tmp_path / "motl.em", POSES[:1])
    line = fails(tmp_path, 2, "particles", listed, "--box", "30,36,40", *args, "-o", "m.mrc")
    assert needle in line


def test_bad_inputs_fail_naming_them(tmp_path):
    bad = tmp_path / "bad.tbl"
    bad.write_text("1 2 3\n")
    line = fails(tmp_path, 1, "particles", bad, "--box", "30", "--shape", "sphere", "--radius", 2, "-o", "m.mrc")
    assert str(bad) in line and "needs at least 26" in line
    listed = motl_file(tmp_path / "motl.em", POSES[:1])
    write_volume(tmp_path / "density.mrc", np.full((5, 5, 5), 3.0, np.float32))
    line = fails(tmp_path, 1, "particles", listed, "--box", "30", "--mask", "density.mrc", "-o", "m.mrc")
    assert "mask values must be in [0, 1]" in line
    ok(tmp_path, "particles", listed, "--box", "30", "--shape", "sphere", "--radius", 2, "-o", "m.mrc")
    line = fails(tmp_path, 1, "particles", listed, "--box", "30", "--shape", "sphere", "--radius", 2, "-o", "m.mrc")
    assert "exists; add --force" in line


def test_a_changed_list_is_not_replayed(tmp_path):
    listed = motl_file(tmp_path / "motl.em", POSES)
    ok(tmp_path, "particles", listed, "--box", "30,36,40", "--shape", "sphere", "--radius", 2, "-o", "m.mrc")
    listed.unlink()
    motl_file(listed, POSES[:2])
    line = fails(tmp_path, 1, "recipe", "apply", "m.mrc.json", "-o", "again.mrc")
    assert "has changed since the recipe was made" in line


def test_the_header_is_mrc_mode_0_for_uint8(tmp_path):
    listed = motl_file(tmp_path / "motl.em", POSES)
    ok(tmp_path, "particles", listed, "--box", "30,36,40", "--shape", "sphere", "--radius", 2, "--dtype", "uint8", "-o", "m.mrc")
    with mrcfile.open(tmp_path / "m.mrc") as mrc:
        assert int(mrc.header.mode) == 0 and float(mrc.header.dmax) == 1.0
