"""File-level equivalence with cryoCAT 0.7.1: the same request writes the same voxel values.

cryoCAT indexes arrays [x, y, z] and takes sizes, centres and radii in that order; we use
[z, y, x]. Read back by cryoCAT's own reader, a file we write holds cryoCAT's array.
"""

import warnings

import numpy as np
import pytest
from scipy import ndimage

cryocat = pytest.importorskip("cryocat")
from cryocat import cryomap  # noqa: E402
from cryocat import cryomask as cc  # noqa: E402

from napari_cryomask import cryomask as cm  # noqa: E402
from napari_cryomask.io import read_volume  # noqa: E402

# Both compute the blur in floating point: theirs in float64 then stored as float32, ours in float32.
BLUR_ATOL = 2e-7

pytestmark = pytest.mark.filterwarnings("ignore")


def xyz(t):
    return tuple(reversed(t))


CASES = [
    ("hard sphere", lambda: cm.spherical_mask(32, 10), lambda: cc.spherical_mask(32, 10)),
    (
        "off-centre sphere in a non-cubic box",
        lambda: cm.spherical_mask((36, 32, 40), 9, center=(15, 16, 20)),
        lambda: cc.spherical_mask(xyz((36, 32, 40)), 9, center=xyz((15, 16, 20))),
    ),
    ("blurred sphere", lambda: cm.spherical_mask(48, 10, gaussian=3), lambda: cc.spherical_mask(48, 10, gaussian=3)),
    (
        "sphere blurred inwards",
        lambda: cm.spherical_mask(40, 10, gaussian=2, gaussian_outwards=False),
        lambda: cc.spherical_mask(40, 10, gaussian=2, gaussian_outwards=False),
    ),
    ("cylinder", lambda: cm.cylindrical_mask(40, 8, 20), lambda: cc.cylindrical_mask(40, 8, 20)),
    ("cylinder odd height", lambda: cm.cylindrical_mask(40, 8, 21), lambda: cc.cylindrical_mask(40, 8, 21)),
    ("blurred cylinder", lambda: cm.cylindrical_mask(48, 6, 11, gaussian=1.5), lambda: cc.cylindrical_mask(48, 6, 11, gaussian=1.5)),
    ("ellipsoid", lambda: cm.ellipsoid_mask(40, (8, 6, 4)), lambda: cc.ellipsoid_mask(40, (4, 6, 8))),
    (
        "off-centre ellipsoid in a non-cubic box",
        lambda: cm.ellipsoid_mask((32, 36, 40), (8, 6, 5), center=(14, 18, 22)),
        lambda: cc.ellipsoid_mask(xyz((32, 36, 40)), xyz((8, 6, 5)), center=xyz((14, 18, 22))),
    ),
    ("blurred ellipsoid", lambda: cm.ellipsoid_mask(48, (8, 6, 4), gaussian=2), lambda: cc.ellipsoid_mask(48, (4, 6, 8), gaussian=2)),
    ("spherical shell", lambda: cm.spherical_shell_mask(40, 4, 12), lambda: cc.spherical_shell_mask(40, 4, 12)),
    (
        "blurred spherical shell",
        lambda: cm.spherical_shell_mask(40, 3, 12, gaussian=1),
        lambda: cc.spherical_shell_mask(40, 3, 12, gaussian=1),
    ),
    ("ellipsoid shell", lambda: cm.ellipsoid_shell_mask(40, 2, (12, 10, 8)), lambda: cc.ellipsoid_shell_mask(40, 2, (8, 10, 12))),
] + [
    (f"generate {n}", lambda n=n: cm.generate_mask(n), lambda n=n: cc.generate_mask(n))
    for n in ["sphere_r10", "cylinder_r5_h20", "s_shell_r10_s4", "ellipsoid_rx4_ry6_rz8", "e_shell_rx8_ry9_rz10_s2"]
]


def _density():
    rng = np.random.default_rng(1)
    return ndimage.gaussian_filter(rng.normal(size=(40, 44, 48)), 2).astype(np.float32)


def _tight_cases():
    d = _density()
    t = float(d.std() * 1.5)
    dx = d.transpose(2, 1, 0).copy()
    return [
        ("tight mask", lambda: cm.map_tight_mask(d, t), lambda: cc.map_tight_mask(dx, t)),
        (
            "tight mask, 2 regions, dilated and blurred",
            lambda: cm.map_tight_mask(d, t, dilation_size=3, gaussian=2, n_regions=2),
            lambda: cc.map_tight_mask(dx, t, dilation_size=3, gaussian=2, n_regions=2),
        ),
        (
            "tight mask below a negative threshold",
            lambda: cm.map_tight_mask(d, -t, dilation_size=1),
            lambda: cc.map_tight_mask(dx, -t, dilation_size=1),
        ),
    ]


@pytest.mark.parametrize("suffix", [".em", ".mrc"])
@pytest.mark.parametrize("name, ours, theirs", CASES + _tight_cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_files_hold_cryocats_voxel_values(tmp_path, suffix, name, ours, theirs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = np.asarray(theirs(), dtype=np.float32)
    ours_path = str(tmp_path / f"ours{suffix}")
    mask = ours()
    assert mask.dtype == np.float32
    cm.write_out(mask, ours_path)
    read_by_cryocat = cryomap.read(ours_path)
    assert read_by_cryocat.shape == reference.shape
    np.testing.assert_allclose(read_by_cryocat, reference, rtol=0, atol=BLUR_ATOL)
    if reference.max() in (0, 1) and np.all((reference == 0) | (reference == 1)):
        assert np.array_equal(read_by_cryocat, reference)

    theirs_path = str(tmp_path / f"theirs{suffix}")
    cryomap.write(reference, theirs_path, data_type=np.single)
    np.testing.assert_allclose(read_volume(theirs_path).data, mask, rtol=0, atol=BLUR_ATOL)


@pytest.mark.parametrize("op", ["union", "intersection", "subtraction", "difference"])
def test_boolean_operations_match_on_files(tmp_path, op):
    a = cm.spherical_mask(32, 8)
    b = cm.spherical_mask(32, 6, center=(16, 16, 20), gaussian=1)
    paths = []
    for name, m in (("a", a), ("b", b)):
        path = str(tmp_path / f"{name}.em")
        cm.write_out(m, path)
        paths.append(path)
    reference = getattr(cc, op)(paths)
    ours = getattr(cm, op)(paths, output_name=str(tmp_path / "out.mrc"))
    np.testing.assert_allclose(cryomap.read(str(tmp_path / "out.mrc")), reference, atol=BLUR_ATOL)
    np.testing.assert_allclose(ours, reference.transpose(2, 1, 0), atol=BLUR_ATOL)


@pytest.mark.parametrize("angles", [(0, 90, 0), (90, 0, 0), (20, 40, 60)])
def test_rotations_turn_the_same_way(angles):
    """cryoCAT resamples the voxel mask; we compute the rotated shape exactly, so compare overlap."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = np.asarray(cc.ellipsoid_mask(48, (14, 9, 6), angles=angles)).transpose(2, 1, 0) > 0.5
    ours = cm.ellipsoid_mask(48, (6, 9, 14), angles=angles) > 0.5
    dice = 2 * (ours & theirs).sum() / (ours.sum() + theirs.sum())
    assert dice > 0.95
    unrotated = cm.ellipsoid_mask(48, (6, 9, 14)) > 0.5
    assert 2 * (ours & unrotated).sum() / (ours.sum() + unrotated.sum()) < 0.9 or angles == (0, 0, 0)


# ---- tomogram_shell_mask: the files cryoCAT writes, read with cryoCAT's reader


def _shell_motl(path, angles, seed=5, n=30):
    from napari_cryomask.io.em import write_em

    rng = np.random.default_rng(seed)
    motl = np.zeros((1, n, 20))
    motl[0, :, 4] = 1 + (np.arange(n) % 2) * 10  # tomograms 1 and 11
    motl[0, :, 7:10] = rng.uniform(0, 1, (n, 3)) * [61, 51, 41]  # x, y, z; some shells cross the box edge
    motl[0, :, 10:13] = rng.uniform(-1, 1, (n, 3))
    motl[0, :, 15] = rng.uniform(3, 12, n)  # geom5: the radius
    motl[0, :, 16:19] = angles(rng, n)
    write_em(path, motl)
    return path


def _at_surfaces(mask):
    """Voxels within one voxel of a mask's surface, and the box's outer layer (where cryoCAT's spline reaches past the box)."""
    cube = np.ones((3, 3, 3))
    near = ndimage.binary_dilation(mask == 1, cube) & ~ndimage.binary_erosion(mask == 1, cube)
    near[[0, -1]] = near[:, [0, -1]] = near[:, :, [0, -1]] = True
    return near


@pytest.mark.parametrize("suffix", [".mrc", ".em"])
def test_tomogram_shell_mask_writes_cryocats_files_for_unturned_and_right_angle_turns(tmp_path, suffix):
    motl = _shell_motl(tmp_path / "motl.em", lambda rng, n: rng.choice([0, 90, 180, 270], (n, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cc.tomogram_shell_mask(str(motl), [61, 51, 41], 2.7, radius_offset=0.3, output_prefix=str(tmp_path / "cc_"), output_suffix=suffix)
    written = cm.tomogram_shell_mask(
        motl, (41, 51, 61), 2.7, radius_offset=0.3, output_prefix=str(tmp_path / "ours_"), output_suffix=suffix,
    )
    assert written == [str(tmp_path / f"ours_{t}{suffix}") for t in ("01", "11")]
    for t in ("01", "11"):
        theirs = cryomap.read(str(tmp_path / f"cc_00{t}{suffix}"))  # cryoCAT pads to the digits of str(11.0)
        ours = cryomap.read(str(tmp_path / f"ours_{t}{suffix}"))
        assert ours.dtype == theirs.dtype == np.int8 and ours.shape == theirs.shape == (61, 51, 41)
        assert np.array_equal(ours, theirs) and ours.any()


def test_tomogram_shell_mask_keeps_the_shell_of_turned_particles(tmp_path):
    """cryoCAT resamples each shell with its particle's turn (cubic spline, > 0.1), which thickens it; a shell is the same at any turn."""
    motl = _shell_motl(tmp_path / "motl.em", lambda rng, n: rng.uniform(0, 360, (n, 3)), seed=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cc.tomogram_shell_mask(str(motl), [61, 51, 41], 3, output_prefix=str(tmp_path / "cc_"))
    cm.tomogram_shell_mask(motl, (41, 51, 61), 3, output_prefix=str(tmp_path / "ours_"))
    theirs, ours = cryomap.read(str(tmp_path / "cc_0001.mrc")), cryomap.read(str(tmp_path / "ours_01.mrc"))
    differ = theirs != ours
    assert theirs.sum() > 1.1 * ours.sum()  # theirs is thicker
    assert differ.sum() > 0 and np.all(_at_surfaces(ours) | ~differ)
    # unturned, the same particles give cryoCAT's file exactly
    unturned = tmp_path / "unturned.em"
    cryomotl = pytest.importorskip("cryocat.cryomotl")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = cryomotl.Motl.load(str(motl))
        m.df[["phi", "psi", "theta"]] = 0.0
        m.write_out(str(unturned))
        cc.tomogram_shell_mask(str(unturned), [61, 51, 41], 3, output_prefix=str(tmp_path / "flat_cc_"))
    cm.tomogram_shell_mask(unturned, (41, 51, 61), 3, output_prefix=str(tmp_path / "flat_ours_"))
    assert np.array_equal(cryomap.read(str(tmp_path / "flat_cc_0001.mrc")), cryomap.read(str(tmp_path / "flat_ours_01.mrc")))


def test_tomogram_shell_mask_on_the_real_motive_list_and_dimension_files(tmp_path, shared_data):
    motl = shared_data / "particles" / "motl_c10x10.em"  # geom5 is 0: the radius comes from radius_offset
    dims = tmp_path / "dims.txt"
    dims.write_text("1 16 18 20\n")  # cryoCAT's file: tomogram x y z
    com = tmp_path / "tilt.com"
    com.write_text("$tilt -StandardInput\nFULLIMAGE 16 18\nTHICKNESS 20\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cc.tomogram_shell_mask(str(motl), str(dims), 2, radius_offset=3, output_prefix=str(tmp_path / "cc_"))
    reference = cryomap.read(str(tmp_path / "cc_001.mrc"))
    for tomo_dim, name in ((dims, "txt_"), (com, "com_"), ({1: (20, 18, 16)}, "dict_"), ((20, 18, 16), "zyx_")):
        cm.tomogram_shell_mask(motl, tomo_dim, 2, radius_offset=3, output_prefix=str(tmp_path / name), tomo_digits=3)
        ours = cryomap.read(str(tmp_path / f"{name}001.mrc"))
        assert ours.shape == reference.shape == (16, 18, 20)
        # its particles are turned (normals of a cube): the same shells, cryoCAT's thicker at their surfaces
        assert reference.sum() > ours.sum() and (reference[ours == 1] == 1).mean() > 0.99
        assert np.all(_at_surfaces(ours) | (reference == ours))


def test_tomogram_shell_mask_errors_name_the_problem(tmp_path):
    motl = _shell_motl(tmp_path / "motl.em", lambda rng, n: np.zeros((n, 3)))
    with pytest.raises(ValueError, match="no size for tomogram 11"):
        cm.tomogram_shell_mask(motl, {1: (41, 51, 61)}, 2, output_prefix=str(tmp_path / "x_"))
    with pytest.raises(ValueError, match="'radius' is not a column"):
        cm.tomogram_shell_mask(motl, (41, 51, 61), 2, motl_radius_id="radius", output_prefix=str(tmp_path / "x_"))
    with pytest.raises(ValueError, match="shell_size must be at least 1"):
        cm.tomogram_shell_mask(motl, (41, 51, 61), 0.5, output_prefix=str(tmp_path / "x_"))
    with pytest.raises(ValueError, match="is empty; check geom5 and radius_offset"):
        cm.tomogram_shell_mask(motl, (41, 51, 61), 2, radius_offset=-20, output_prefix=str(tmp_path / "x_"))
