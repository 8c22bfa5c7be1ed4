"""The cryoCAT-named API: the README tour, the defects we fix, and its errors."""

import subprocess
import sys

import numpy as np
import pytest

from napari_cryomask import cryomask
from napari_cryomask.io import read_volume


def test_readme_tour_runs_as_shown(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    my_mask = cryomask.spherical_mask(64, radius=20)
    my_mask = cryomask.add_gaussian(my_mask, 1)
    other = cryomask.cylindrical_mask(64, radius=8, height=50)
    both = cryomask.union([my_mask, other])
    ring = cryomask.subtraction([both, cryomask.spherical_mask(64, radius=10)])
    cryomask.write_out(my_mask, "my_mask.em")
    back = read_volume("my_mask.em").data
    np.testing.assert_array_equal(back, my_mask)
    assert ring.dtype == np.float32 and ring[32, 32, 32] == 0 and both[32, 32, 32] == 1


def test_every_function_returns_float32_in_unit_interval():
    d = np.random.default_rng(0).normal(size=(24, 24, 24)).astype(np.float32)
    results = [
        cryomask.spherical_mask(24, 6),
        cryomask.cylindrical_mask(24, 5, 10, angles=(10, 20, 30), gaussian=1),
        cryomask.ellipsoid_mask(24, (4, 5, 6), angles=(10, 20, 30), gaussian=1),
        cryomask.spherical_shell_mask(24, 2, 6),
        cryomask.ellipsoid_shell_mask(24, 2, (5, 6, 7), angles=(0, 30, 0)),
        cryomask.map_tight_mask(d, 1.0, angles=(0, 45, 0), gaussian=1),
        cryomask.generate_mask("sphere_r4"),
        cryomask.rotate(cryomask.spherical_mask(24, 6, gaussian=2), (30, 30, 30)),
        cryomask.subtraction([np.ones((4, 4, 4), bool), np.eye(4, dtype=bool)[None].repeat(4, 0)]),
    ]
    for r in results:
        assert r.dtype == np.float32
        assert r.min() >= 0 and r.max() <= 1


def test_odd_box_ellipsoid_is_centred():
    m = cryomask.ellipsoid_mask(33, (5, 7, 9))
    assert np.array_equal(m, m[::-1, ::-1, ::-1])
    assert m[16, 16, 16 + 9] == 1 and m[16, 16, 16 - 9] == 1


def test_ellipsoid_takes_fractional_radii_and_centres():
    a = cryomask.ellipsoid_mask(40, (6, 8, 10))
    b = cryomask.ellipsoid_mask(40, (6, 8, 10.7))
    c = cryomask.ellipsoid_mask(40, (6, 8, 10), center=(20, 20, 20.5))
    assert b.sum() > a.sum()
    assert not np.array_equal(a, c)


def test_cylinder_taller_than_the_box_is_clipped():
    m = cryomask.cylindrical_mask(20, radius=4, height=60)
    assert m.shape == (20, 20, 20) and np.all(m[:, 10, 10] == 1)
    m = cryomask.cylindrical_mask(20, radius=4, height=10, center=(1, 10, 10))
    assert m[0, 10, 10] == 1 and m[7, 10, 10] == 0


def test_default_tight_threshold_finds_the_particle():
    rng = np.random.default_rng(3)
    d = rng.normal(0.2, 0.05, (32, 32, 32)).astype(np.float32)  # positive median, like a real map
    d[10:20, 10:20, 10:20] += 1.0
    m = cryomask.map_tight_mask(d)
    assert m.sum() == pytest.approx(1000, abs=30) and m[15, 15, 15] == 1


def test_output_path_is_an_alias_of_output_name(tmp_path):
    p = tmp_path / "s.mrc"
    m = cryomask.spherical_mask(16, 4, output_path=str(p))
    assert np.array_equal(read_volume(p).data, m)
    with pytest.raises(ValueError, match="output_name"):
        cryomask.spherical_mask(16, 4, output_name=str(tmp_path / "a.mrc"), output_path=str(tmp_path / "b.mrc"))


def test_write_out_replaces_an_existing_file_like_cryocat(tmp_path):
    p = str(tmp_path / "m.em")
    cryomask.write_out(cryomask.spherical_mask(16, 4), p)
    cryomask.write_out(cryomask.spherical_mask(16, 6), p)
    assert read_volume(p).data.sum() == cryomask.spherical_mask(16, 6).sum()


def test_masks_can_be_files(tmp_path):
    a, b = str(tmp_path / "a.mrc"), str(tmp_path / "b.em")
    cryomask.spherical_mask(20, 6, output_name=a)
    cryomask.spherical_mask(20, 3, output_name=b)
    shell = cryomask.subtraction([a, b])
    assert shell[10, 10, 10] == 0 and shell[10, 10, 15] == 1
    tight = cryomask.map_tight_mask(a, threshold=0.5)
    assert np.array_equal(tight, read_volume(a).data)


def test_rotate_keeps_values_in_unit_interval():
    m = cryomask.spherical_mask(48, 6, gaussian=1)
    r = cryomask.rotate(m, (33, 47, 12))
    assert r.min() >= 0 and r.max() <= 1
    # a sphere about the box centre is unchanged by rotation, up to linear interpolation
    assert np.abs(r - m).max() < 0.2 and np.abs(r - m).mean() < 5e-3
    # an off-centre blob moves the way the shapes rotate
    blob = cryomask.spherical_mask(48, 3, center=(24, 24, 34))
    moved = cryomask.rotate(blob, (90, 0, 0))
    assert moved[24, 34, 24] > 0.9 and moved[24, 24, 34] == 0


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: cryomask.spherical_mask(0, 3), "mask_size"),
        (lambda: cryomask.spherical_mask(16, -3), "radius"),
        (lambda: cryomask.cylindrical_mask(16, 3, -2), "height"),
        (lambda: cryomask.ellipsoid_mask(16, (1, -2, 3)), "radii"),
        (lambda: cryomask.spherical_shell_mask(16, 0, 5), "shell_thickness"),
        (lambda: cryomask.generate_mask("cube_r3"), "cube_r3"),
        (lambda: cryomask.union([np.zeros((4, 4, 4)), np.zeros((5, 5, 5))]), r"\(5, 5, 5\).*\(4, 4, 4\)"),
        (lambda: cryomask.union("mask.em"), "mask_list"),
        (lambda: cryomask.map_tight_mask(np.zeros((4, 4))), "input_map"),
        (lambda: cryomask.add_gaussian(np.zeros((4, 4, 4)), -1), "sigma"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_missing_mask_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.em"):
        cryomask.union([str(tmp_path / "nowhere.em")])


def test_core_and_io_import_neither_qt_nor_napari():
    code = (
        "import sys; import napari_cryomask.cryomask, napari_cryomask.io, napari_cryomask.recipes;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('napari', 'qtpy', 'PyQt5', 'PyQt6', 'PySide2', 'PySide6', 'magicgui')];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
