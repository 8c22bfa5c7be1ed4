"""The installed ``cryomask`` console script, run in a subprocess on real files."""

import doctest
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import mrcfile
import numpy as np
import pytest

from napari_cryomask import cryomask
from napari_cryomask.core import ops, shapes
from napari_cryomask.core.distance import soften
from napari_cryomask.core.measure import mask_stats
from napari_cryomask.core.thresholds import mass_threshold, otsu_threshold, sigma_threshold
from napari_cryomask.core.tight import lowpass, tight_mask
from napari_cryomask.io import read_volume, write_volume

CRYOMASK = Path(sys.executable).parent / "cryomask"
LENGTH_NOTE = "(voxels, or Å with --unit angstrom)"


def run(cwd, *args, env=None):
    assert CRYOMASK.is_file(), f"console script not installed at {CRYOMASK}"
    return subprocess.run(
        [str(CRYOMASK), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300,
        env={**os.environ, **(env or {})},
    )


def ok(cwd, *args):
    result = run(cwd, *args)
    assert result.returncode == 0, result.stderr
    return result


def fails(cwd, code, *args):
    result = run(cwd, *args)
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "error:" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def data_of(path):
    return read_volume(path).data


def replayed_bytes_equal(cwd, name):
    """Replay ``name``'s recipe into a new file; it must be the same bytes."""
    again = f"again_{name}"
    ok(cwd, "recipe", "apply", f"{name}.json", "-o", again)
    a, b = data_of(Path(cwd) / name), data_of(Path(cwd) / again)
    assert a.dtype == b.dtype == np.float32
    assert a.tobytes() == b.tobytes()
    # the whole file is byte for byte the same, header included
    assert (Path(cwd) / name).read_bytes() == (Path(cwd) / again).read_bytes()


@pytest.fixture
def density_map(tmp_path):
    """A map with two blobs, 3 Å voxels and a non-zero origin."""
    z, y, x = np.mgrid[:30, :32, :34]
    d = np.exp(-((z - 15.0) ** 2 + (y - 16.0) ** 2 + (x - 14.0) ** 2) / 40)
    d += 0.6 * np.exp(-((z - 6.0) ** 2 + (y - 6.0) ** 2 + (x - 28.0) ** 2) / 8)
    d += 0.02 * np.random.default_rng(1).standard_normal(d.shape)
    path = tmp_path / "map.mrc"
    write_volume(path, d.astype(np.float32), voxel_size=3.0, origin=(30.0, -12.0, 7.5))
    return path


@pytest.mark.parametrize("name", ["napari_cryomask.cli", "napari_cryomask.cli.options", "napari_cryomask.cli.info"])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def test_importing_the_cli_imports_neither_qt_nor_napari():
    code = (
        "import napari_cryomask.cli, sys; "
        "assert 'qtpy' not in sys.modules and 'napari' not in sys.modules and 'PyQt5' not in sys.modules"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _help_entries(text):
    """Option help entries of argparse output (printed wide enough not to wrap)."""
    entries, current = [], None
    for line in text.splitlines():
        if line.startswith("  -"):
            current = [line.strip()]
            entries.append(current)
        elif current is not None and line.startswith("   "):
            current.append(line.strip())
        else:
            current = None
    return {e[0].split()[0].rstrip(","): " ".join(e) for e in entries}


@pytest.mark.parametrize("command", ["sphere", "ellipsoid", "cylinder", "tube", "cuboid", "cone", "shell", "tight", "soften"])
def test_help_says_units_and_axis_order_for_every_length_and_triple(tmp_path, command):
    result = run(tmp_path, command, "--help", env={"COLUMNS": "400"})
    assert result.returncode == 0
    entries = _help_entries(result.stdout)
    lengths = {
        "--radius", "--radii", "--height", "--thickness", "--inner-radius", "--size", "--rounding", "--center", "--soft-edge", "--extend",
    }
    present = lengths & set(entries)
    assert present, entries
    for option in present:
        assert LENGTH_NOTE in entries[option], entries[option]
    for option in {"--radii", "--size", "--center", "--box", "--pixel-size"} & set(entries):
        assert "Z,Y,X" in entries[option]
    assert "--unit" in entries and "angstrom" in entries["--unit"]
    assert "Z,Y,X" in result.stdout and "MRC headers list X,Y,Z" in result.stdout


def test_main_help_lists_every_subcommand(tmp_path):
    text = ok(tmp_path, "--help").stdout
    for command in ["sphere", "ellipsoid", "cylinder", "tube", "cuboid", "cone", "shell", "generate", "tight",
                    "union", "subtract", "intersect", "difference", "soften", "info", "recipe", "gui"]:
        assert f"\n    {command} " in text or f"\n    {command}\n" in text, command


SHAPES = {
    "sphere": (["--box", "33", "--radius", "9.5"], (33, 33, 33), {"shape": "sphere", "radius": 9.5}),
    "ellipsoid": (
        ["--box", "30,34,38", "--radii", "6,8,11", "--center", "14,18.5,17", "--angles", "-30,60,15"],
        (30, 34, 38),
        {"shape": "ellipsoid", "radii": (6, 8, 11), "center": (14, 18.5, 17), "angles": (-30, 60, 15)},
    ),
    "cylinder": (
        ["--box", "32", "--radius", "6", "--height", "18", "--soft-edge", "2", "--edge", "gaussian"],
        (32, 32, 32),
        {"shape": "cylinder", "radius": 6, "height": 18, "edge": "gaussian", "edge_width_px": 2},
    ),
    "tube": (
        ["--box", "32", "--radius", "10", "--inner-radius", "6", "--height", "14", "--angles", "0,90,0"],
        (32, 32, 32),
        {"shape": "tube", "radius": 10, "inner_radius": 6, "height": 14, "angles": (0, 90, 0)},
    ),
    "cuboid": (
        ["--box", "28,32,36", "--size", "10,14,20", "--rounding", "3", "--soft-edge", "3"],
        (28, 32, 36),
        {"shape": "cuboid", "size": (10, 14, 20), "rounding": 3, "edge": "cosine", "edge_width_px": 3},
    ),
    "cone": (
        ["--box", "32", "--radius", "9", "--height", "20", "--thickness", "2"],
        (32, 32, 32),
        {"shape": "cone", "radius": 9, "height": 20, "thickness": 2},
    ),
    "shell": (["--box", "32", "--radius", "12", "--thickness", "3"], (32, 32, 32), {"shape": "sphere", "radius": 12, "thickness": 3}),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shape_subcommands_write_the_core_mask_with_header_and_recipe(tmp_path, name):
    args, box, params = SHAPES[name]
    ok(tmp_path, name, *args, "--pixel-size", "2.5", "-o", f"{name}.mrc")
    with mrcfile.open(tmp_path / f"{name}.mrc") as mrc:
        assert mrc.data.dtype == np.float32
        assert mrc.voxel_size.tolist() == pytest.approx((2.5, 2.5, 2.5))
        data = mrc.data.copy()
    expected = shapes.shape_mask(box, **params)
    assert data.tobytes() == expected.tobytes()
    recipe = json.loads((tmp_path / f"{name}.mrc.json").read_text())
    assert recipe["operation"] == "shape" and recipe["voxel_size"] == [2.5, 2.5, 2.5]
    replayed_bytes_equal(tmp_path, f"{name}.mrc")


def test_ellipsoidal_shell_and_em_output(tmp_path):
    ok(tmp_path, "shell", "--box", "32", "--radii", "8,10,12", "--thickness", "2", "--pixel-size", "4.2", "-o", "shell.em")
    vol = read_volume(tmp_path / "shell.em")
    assert vol.voxel_size == pytest.approx((4.2, 4.2, 4.2))
    assert np.array_equal(vol.data, shapes.shape_mask(32, "ellipsoid", radii=(8, 10, 12), thickness=2))
    assert (tmp_path / "shell.em.json").is_file()
    replayed_bytes_equal(tmp_path, "shell.em")


def test_unit_angstrom_converts_with_the_pixel_size(tmp_path):
    ok(tmp_path, "cylinder", "--box", "40", "--pixel-size", "2", "--unit", "angstrom", "--radius", "16", "--height", "40",
       "--center", "36,40,44", "--soft-edge", "6", "-o", "a.mrc")
    ok(tmp_path, "cylinder", "--box", "40", "--pixel-size", "2", "--radius", "8", "--height", "20",
       "--center", "18,20,22", "--soft-edge", "3", "-o", "v.mrc")
    a, v = data_of(tmp_path / "a.mrc"), data_of(tmp_path / "v.mrc")
    assert a.tobytes() == v.tobytes()
    assert np.array_equal(a, shapes.cylinder(40, 8, 20, center=(18, 20, 22), edge="cosine", edge_width_px=3))
    assert json.loads((tmp_path / "a.mrc.json").read_text())["params"]["radius"] == 8


def test_unit_angstrom_with_anisotropic_triples_divides_per_axis(tmp_path):
    ok(tmp_path, "ellipsoid", "--box", "30", "--pixel-size", "2,3,4", "--unit", "angstrom", "--radii", "16,18,20", "-o", "e.mrc")
    assert np.array_equal(data_of(tmp_path / "e.mrc"), shapes.ellipsoid(30, (8, 6, 5)))
    assert read_volume(tmp_path / "e.mrc").voxel_size == pytest.approx((2, 3, 4))
    line = fails(tmp_path, 2, "sphere", "--box", "30", "--pixel-size", "2,3,4", "--unit", "angstrom", "--radius", "10", "-o", "s.mrc")
    assert "--radius" in line and "voxels" in line


def test_unit_angstrom_without_pixel_size_is_a_usage_error(tmp_path):
    line = fails(tmp_path, 2, "sphere", "--box", "30", "--unit", "angstrom", "--radius", "10", "-o", "s.mrc")
    assert "--pixel-size" in line
    assert not (tmp_path / "s.mrc").exists()


def test_like_takes_box_pixel_size_and_origin(tmp_path, density_map):
    ok(tmp_path, "sphere", "--like", density_map, "--unit", "angstrom", "--radius", "21", "-o", "s.mrc")
    with mrcfile.open(tmp_path / "s.mrc") as mrc:
        assert mrc.data.shape == (30, 32, 34)
        assert mrc.voxel_size.tolist() == pytest.approx((3.0, 3.0, 3.0))
        assert (float(mrc.header.origin.x), float(mrc.header.origin.y), float(mrc.header.origin.z)) == (7.5, -12.0, 30.0)
        data = mrc.data.copy()
    assert np.array_equal(data, shapes.sphere((30, 32, 34), 7.0))
    replayed_bytes_equal(tmp_path, "s.mrc")
    assert read_volume(tmp_path / "again_s.mrc").origin == (30.0, -12.0, 7.5)


def test_pixel_size_wins_over_like(tmp_path, density_map):
    ok(tmp_path, "sphere", "--like", density_map, "--pixel-size", "1.5", "--radius", "4", "-o", "s.mrc")
    vol = read_volume(tmp_path / "s.mrc")
    assert vol.data.shape == (30, 32, 34) and vol.voxel_size == pytest.approx((1.5, 1.5, 1.5))


@pytest.mark.parametrize("name", ["sphere_r10", "cylinder_r5_h20", "s_shell_r10_s4", "ellipsoid_rx4_ry6_rz8", "e_shell_rx8_ry9_rz10_s2.5"])
def test_generate_equals_cryomask_generate_mask(tmp_path, name):
    ok(tmp_path, "generate", name, "-o", "m.em")
    assert np.array_equal(data_of(tmp_path / "m.em"), cryomask.generate_mask(name))
    replayed_bytes_equal(tmp_path, "m.em")


def test_generate_with_box_and_pixel_size(tmp_path):
    ok(tmp_path, "generate", "cylinder_r5_h12", "--box", "20,24,28", "--pixel-size", "6.5", "-o", "m.mrc")
    vol = read_volume(tmp_path / "m.mrc")
    assert np.array_equal(vol.data, cryomask.generate_mask("cylinder_r5_h12", (20, 24, 28)))
    assert vol.voxel_size == pytest.approx((6.5, 6.5, 6.5))


def test_tight_keeps_pixel_size_and_origin_and_equals_the_core(tmp_path, density_map):
    ok(tmp_path, "tight", density_map, "--threshold", "0.3", "--regions", "2", "--fill-holes", "--extend", "1.5",
       "--soft-edge", "2", "--edge", "gaussian", "-o", "t.mrc")
    with mrcfile.open(tmp_path / "t.mrc") as mrc:
        assert mrc.voxel_size.tolist() == pytest.approx((3.0, 3.0, 3.0))
        assert (float(mrc.header.origin.x), float(mrc.header.origin.y), float(mrc.header.origin.z)) == (7.5, -12.0, 30.0)
        data = mrc.data.copy()
    density = data_of(density_map)
    expected = tight_mask(density, 0.3, voxel_size=3.0, n_regions=2, fill_holes=True, extend_px=1.5, edge="gaussian", edge_width_px=2)
    assert data.tobytes() == expected.tobytes()
    replayed_bytes_equal(tmp_path, "t.mrc")


def test_tight_threshold_rules_lowpass_invert_and_angstrom(tmp_path, density_map):
    density = data_of(density_map)
    ok(tmp_path, "tight", density_map, "--sigma", "1.5", "--lowpass", "15", "--unit", "angstrom", "--extend", "6",
       "--soft-edge", "9", "--invert", "-o", "s.mrc")
    t = sigma_threshold(lowpass(density, 15, 3.0), 1.5)
    expected = tight_mask(density, t, voxel_size=3.0, lowpass_A=15, extend_px=2, edge="cosine", edge_width_px=3, invert=True)
    assert data_of(tmp_path / "s.mrc").tobytes() == expected.tobytes()
    ok(tmp_path, "tight", density_map, "--otsu", "-o", "o.em")
    assert np.array_equal(data_of(tmp_path / "o.em"), tight_mask(density, otsu_threshold(density), voxel_size=3.0))
    assert read_volume(tmp_path / "o.em").voxel_size == pytest.approx((3, 3, 3))
    ok(tmp_path, "tight", density_map, "--mass", "20", "-o", "m.mrc")
    assert np.array_equal(data_of(tmp_path / "m.mrc"), tight_mask(density, mass_threshold(density, 20, 3.0), voxel_size=3.0))
    recipe = json.loads((tmp_path / "m.mrc.json").read_text())
    assert recipe["map"] == str(density_map.resolve()) and recipe["params"]["threshold"] == mass_threshold(density, 20, 3.0)
    replayed_bytes_equal(tmp_path, "s.mrc")


@pytest.mark.parametrize(
    ("command", "operation"),
    [
        ("union", "union"), ("subtract", "subtraction"), ("intersect", "intersection"),
        ("difference", "difference"), ("subtraction", "subtraction"),
    ],
)
def test_combining_equals_core_ops_and_records_input_recipes(tmp_path, command, operation):
    ok(tmp_path, "sphere", "--box", "32", "--radius", "10", "--pixel-size", "2", "--soft-edge", "3", "-o", "a.mrc")
    ok(tmp_path, "cuboid", "--box", "32", "--size", "8,30,8", "--center", "16,16,22", "-o", "b.mrc")
    foreign = shapes.cone(32, 6, 20)
    write_volume(tmp_path / "c.mrc", foreign, voxel_size=2.0)
    ok(tmp_path, command, "a.mrc", "b.mrc", "c.mrc", "-o", "out.mrc")
    inputs = [data_of(tmp_path / n) for n in ("a.mrc", "b.mrc", "c.mrc")]
    assert data_of(tmp_path / "out.mrc").tobytes() == ops.OPERATIONS[operation](inputs).tobytes()
    assert read_volume(tmp_path / "out.mrc").voxel_size == pytest.approx((2, 2, 2))
    recipe = json.loads((tmp_path / "out.mrc.json").read_text())
    assert recipe["params"] == {"operation": operation}
    kinds = [r["operation"] for r in recipe["inputs"]]
    assert kinds == ["shape", "shape", "file"]
    assert recipe["inputs"][0]["params"]["radius"] == 10
    assert recipe["inputs"][2]["params"]["path"] == str((tmp_path / "c.mrc").resolve())
    replayed_bytes_equal(tmp_path, "out.mrc")


def test_a_stale_sidecar_is_not_trusted(tmp_path):
    ok(tmp_path, "sphere", "--box", "24", "--radius", "6", "-o", "a.mrc")
    ok(tmp_path, "sphere", "--box", "24", "--radius", "4", "--center", "12,12,16", "-o", "b.mrc")
    write_volume(tmp_path / "a.mrc", shapes.sphere(24, 8), overwrite=True)  # a.mrc.json now describes an older mask
    result = ok(tmp_path, "union", "a.mrc", "b.mrc", "-o", "u.mrc")
    assert "a.mrc.json" in result.stderr and "warning" in result.stderr
    recipe = json.loads((tmp_path / "u.mrc.json").read_text())
    assert [r["operation"] for r in recipe["inputs"]] == ["file", "shape"]
    replayed_bytes_equal(tmp_path, "u.mrc")


def test_combining_masks_of_different_boxes_fails_naming_both(tmp_path):
    ok(tmp_path, "sphere", "--box", "24", "--radius", "6", "-o", "a.mrc")
    ok(tmp_path, "sphere", "--box", "26", "--radius", "6", "-o", "b.mrc")
    line = fails(tmp_path, 1, "union", "a.mrc", "b.mrc", "-o", "u.mrc")
    assert "a.mrc" in line and "b.mrc" in line
    assert fails(tmp_path, 2, "union", "a.mrc", "-o", "u.mrc")


def test_soften_equals_core_soften_and_replays(tmp_path, density_map):
    ok(tmp_path, "tight", density_map, "--threshold", "0.4", "-o", "t.mrc")
    ok(tmp_path, "soften", "t.mrc", "--soft-edge", "9", "--unit", "angstrom", "--edge", "cosine", "--threshold", "0.5", "-o", "s.mrc")
    expected = soften(data_of(tmp_path / "t.mrc"), "cosine", 3.0, 0.5)
    vol = read_volume(tmp_path / "s.mrc")
    assert vol.data.tobytes() == expected.tobytes()
    assert vol.voxel_size == pytest.approx((3, 3, 3)) and vol.origin == (30.0, -12.0, 7.5)
    recipe = json.loads((tmp_path / "s.mrc.json").read_text())
    assert recipe["operation"] == "soften" and recipe["inputs"][0]["operation"] == "tight"
    replayed_bytes_equal(tmp_path, "s.mrc")


def test_info_reports_shape_voxel_size_values_volume_mass_and_edge(tmp_path):
    ok(tmp_path, "sphere", "--box", "20,24,28", "--radius", "6", "--pixel-size", "5", "-o", "s.mrc")
    ok(tmp_path, "sphere", "--box", "20", "--radius", "14", "-o", "big.mrc")
    facts = json.loads(ok(tmp_path, "info", "s.mrc", "--json").stdout)
    stats = mask_stats(shapes.sphere((20, 24, 28), 6), 5.0)
    assert facts["shape"] == [20, 24, 28] and facts["voxel_size"] == [5.0, 5.0, 5.0]
    assert (facts["min"], facts["max"]) == (0.0, 1.0)
    assert facts["volume_nm3"] == pytest.approx(stats.volume_nm3)
    assert facts["mass_kda"] == pytest.approx(stats.mass_kda)
    assert facts["touches_edge"] is False and "shape" in facts["recipe"]
    text = ok(tmp_path, "info", "s.mrc").stdout
    assert "20 x 24 x 28" in text and "5, 5, 5 Å" in text and f"{stats.volume_nm3:,.1f} nm³" in text
    assert "kDa" in text and "touches the box edge: no" in text
    big = ok(tmp_path, "info", "big.mrc").stdout
    assert "touches the box edge: yes" in big and "voxel size (Z,Y,X): unknown" in big


def test_info_on_a_density_map_does_not_call_it_a_mask(tmp_path, density_map):
    facts = json.loads(ok(tmp_path, "info", density_map, "--json").stdout)
    assert facts["is_mask"] is False and facts["volume_nm3"] is None
    assert facts["origin"] == [30.0, -12.0, 7.5] and facts["recipe"] is None


def test_recipe_show_prints_the_sidecar(tmp_path):
    ok(tmp_path, "cone", "--box", "24", "--radius", "5", "--height", "10", "-o", "c.mrc")
    shown = json.loads(ok(tmp_path, "recipe", "show", "c.mrc").stdout)
    assert shown == json.loads((tmp_path / "c.mrc.json").read_text())
    assert shown["command"].startswith("cryomask cone --box 24")
    write_volume(tmp_path / "c.mrc", shapes.sphere(24, 3), overwrite=True)
    result = ok(tmp_path, "recipe", "show", "c.mrc")
    assert "changed since this recipe was saved" in result.stderr


def test_recipe_apply_with_like_and_without_output(tmp_path, density_map):
    ok(tmp_path, "tight", density_map, "--threshold", "0.3", "--extend", "1", "-o", "t.mrc")
    other = tmp_path / "other.mrc"
    flipped = data_of(density_map)[:, ::-1].copy()
    write_volume(other, flipped, voxel_size=2.0, origin=(1, 2, 3))
    ok(tmp_path, "recipe", "apply", "t.mrc", "--like", other, "-o", "like.mrc")
    vol = read_volume(tmp_path / "like.mrc")
    assert np.array_equal(vol.data, tight_mask(flipped, 0.3, voxel_size=2.0, extend_px=1))
    assert vol.voxel_size == pytest.approx((2, 2, 2)) and vol.origin == (1.0, 2.0, 3.0)
    assert json.loads((tmp_path / "like.mrc.json").read_text())["map"] == str(other.resolve())
    replayed_bytes_equal(tmp_path, "like.mrc")
    text = ok(tmp_path, "recipe", "apply", "t.mrc.json").stdout
    assert "30 x 32 x 34" in text and "nm³" in text
    assert sorted(p.name for p in tmp_path.glob("*.mrc")) == ["again_like.mrc", "like.mrc", "map.mrc", "other.mrc", "t.mrc"]


def test_output_is_not_replaced_without_force(tmp_path):
    ok(tmp_path, "sphere", "--box", "16", "--radius", "4", "-o", "s.mrc")
    before = (tmp_path / "s.mrc").read_bytes(), (tmp_path / "s.mrc.json").read_bytes()
    line = fails(tmp_path, 1, "sphere", "--box", "16", "--radius", "6", "-o", "s.mrc")
    assert "s.mrc" in line and "--force" in line
    assert ((tmp_path / "s.mrc").read_bytes(), (tmp_path / "s.mrc.json").read_bytes()) == before
    ok(tmp_path, "sphere", "--box", "16", "--radius", "6", "-o", "s.mrc", "--force")
    assert np.array_equal(data_of(tmp_path / "s.mrc"), shapes.sphere(16, 6))
    assert json.loads((tmp_path / "s.mrc.json").read_text())["params"]["radius"] == 6


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["sphere", "--box", "0", "--radius", "3"], "--box"),
        (["sphere", "--box", "16,16", "--radius", "3"], "--box"),
        (["sphere", "--box", "1.5", "--radius", "3"], "--box"),
        (["sphere", "--box", "16", "--radius", "-3"], "--radius"),
        (["cuboid", "--box", "16", "--size", "4,-4,4"], "--size"),
        (["sphere", "--box", "16", "--radius", "3", "--edge", "triangle", "--soft-edge", "2"], "--edge"),
        (["sphere", "--box", "16", "--radius", "3", "--angles", "1,2"], "--angles"),
        (["sphere", "--radius", "3"], "--box"),
        (["sphere", "--box", "16", "--like", "x.mrc", "--radius", "3"], "--like"),
        (["tube", "--box", "16", "--radius", "3", "--inner-radius", "4", "--height", "5"], "--inner-radius"),
        (["cuboid", "--box", "16", "--size", "4", "--rounding", "3"], "--rounding"),
        (["shell", "--box", "16", "--radius", "5"], "--thickness"),
        (["generate", "pyramid_r4"], "pyramid_r4"),
        (["tight", "map.mrc", "--sigma", "2", "--otsu"], "--otsu"),
        (["melt", "--box", "16"], "melt"),
    ],
)
def test_usage_errors_exit_2_with_one_line(tmp_path, args, needle):
    line = fails(tmp_path, 2, *args, "-o", "out.mrc")
    assert needle in line
    assert not (tmp_path / "out.mrc").exists()


def test_unsupported_output_suffix_is_a_usage_error(tmp_path):
    line = fails(tmp_path, 2, "sphere", "--box", "16", "--radius", "3", "-o", "out.tif")
    assert "out.tif" in line


@pytest.mark.parametrize(
    "args",
    [
        ["sphere", "--like", "missing.mrc", "--radius", "3", "-o", "s.mrc"],
        ["tight", "missing.mrc", "-o", "s.mrc"],
        ["soften", "missing.mrc", "--soft-edge", "2", "-o", "s.mrc"],
        ["info", "missing.mrc"],
        ["recipe", "show", "missing.mrc"],
        ["recipe", "apply", "missing.mrc.json", "-o", "s.mrc"],
    ],
)
def test_missing_input_file_exits_1_naming_it(tmp_path, args):
    assert "missing.mrc" in fails(tmp_path, 1, *args)


def test_missing_output_folder_exits_1(tmp_path):
    assert "nowhere" in fails(tmp_path, 1, "sphere", "--box", "8", "--radius", "2", "-o", "nowhere/s.mrc")


def test_debug_shows_the_traceback(tmp_path):
    plain = run(tmp_path, "info", "missing.mrc")
    debug = run(tmp_path, "info", "missing.mrc", "--debug")
    first = run(tmp_path, "--debug", "info", "missing.mrc")
    assert plain.returncode == debug.returncode == first.returncode == 1
    assert "Traceback" not in plain.stderr
    assert "Traceback (most recent call last)" in debug.stderr and "FileNotFoundError" in debug.stderr
    assert "Traceback (most recent call last)" in first.stderr


def test_gui_with_a_missing_map_fails_before_starting_napari(tmp_path):
    assert "missing.mrc" in fails(tmp_path, 1, "gui", "missing.mrc")


def test_gui_screenshot(tmp_path, density_map):
    pytest.importorskip("napari_cryomask._napari.launch")
    pytest.importorskip("napari")
    if not os.environ.get("DISPLAY"):
        pytest.skip("no X display for napari (pytest-xvfb provides one)")
    shot = tmp_path / "window.png"
    ok(tmp_path, "gui", density_map, "--screenshot", shot)
    from imageio.v3 import imread

    image = imread(shot)
    assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 300
    assert image[..., :3].std() > 5  # not a blank window


def test_tight_on_a_real_map_keeps_its_header(tmp_path, shared_data):
    source = shared_data / "EMD-3001.map"  # anisotropic voxels, axes stored out of order
    vol = read_volume(source)
    ok(tmp_path, "tight", source, "--sigma", "1", "--extend", "1", "--soft-edge", "2", "-o", "t.mrc")
    out = read_volume(tmp_path / "t.mrc")
    assert out.data.shape == vol.data.shape == (73, 25, 43)
    assert out.voxel_size == pytest.approx(vol.voxel_size) and out.origin == pytest.approx(vol.origin)
    expected = tight_mask(vol.data, sigma_threshold(vol.data, 1), voxel_size=vol.voxel_size, extend_px=1, edge="cosine", edge_width_px=2)
    assert out.data.tobytes() == expected.tobytes()
    line = fails(tmp_path, 2, "tight", source, "--unit", "angstrom", "--extend", "2", "-o", "a.mrc")
    assert "--extend" in line
