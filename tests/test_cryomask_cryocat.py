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


# ---- The rest of cryoCAT's cryomask (issue 9 §1)


def _hollow(box, thickness, radius, center=None, angles=None):
    """A hollow ellipsoidal shell with a gap, the kind of mask fill_hollow_mask is for."""
    shell = cm.ellipsoid_shell_mask(box, thickness, (radius, radius * 0.8, radius * 1.2), center=center, angles=angles)
    shell[:, :2] = 0
    return shell


def _molmap():
    from napari_cryomask.core.model_density import model_density

    rng = np.random.default_rng(4)
    atoms = rng.normal((20, 18, 23), (4, 3, 5), size=(60, 3))
    return model_density(atoms, resolution_A=6, box_shape=(37, 40, 44), voxel_size=1.5, weights=rng.integers(6, 9, 60))


def _more_cases():
    hollow = _hollow((33, 36, 40), 3, 10, center=(16, 18, 19), angles=(20, 30, 40))
    edge = cm.spherical_shell_mask((24, 26, 22), 3, 12, center=(2, 13, 21))
    soft = cm.spherical_shell_mask(31, 3, 9, gaussian=1)
    rand = (np.random.default_rng(3).random((17, 19, 23)) > 0.65).astype(np.float32)
    density = _molmap()
    fp_seq = ((np.ones((3, 1, 1)), 1), (np.ones((1, 2, 3)), 2))
    fp_seq_xyz = tuple((f.transpose(2, 1, 0), n) for f, n in fp_seq)
    cases = []
    for label, m in [("hollow", hollow), ("touching the edge", edge), ("soft", soft), ("random", rand), ("empty", np.zeros((9, 10, 11)))]:
        mx = m.transpose(2, 1, 0).copy()
        cases += [
            (f"fill_hollow_mask {label}", lambda m=m: cm.fill_hollow_mask(m), lambda mx=mx: cc.fill_hollow_mask(mx)),
            (
                f"fill_hollow_mask {label}, no opening/closing",
                lambda m=m: cm.fill_hollow_mask(m, apply_opening_closing=False),
                lambda mx=mx: cc.fill_hollow_mask(mx, apply_opening_closing=False),
            ),
            (
                f"fill_hollow_mask {label}, footprint sequence",
                lambda m=m: cm.fill_hollow_mask(m, footprint=fp_seq),
                lambda mx=mx: cc.fill_hollow_mask(mx, footprint=fp_seq_xyz),
            ),
        ] + [
            (f"shrink_full_mask {label} by {s}", lambda m=m, s=s: cm.shrink_full_mask(m, s), lambda mx=mx, s=s: cc.shrink_full_mask(mx, s))
            for s in (0, 1, 3)
        ]
    dx = density.transpose(2, 1, 0).copy()
    cases += [
        ("molmap_tight_mask", lambda: cm.molmap_tight_mask(density), lambda: cc.molmap_tight_mask(dx)),
        ("molmap_tight_mask above 0.01", lambda: cm.molmap_tight_mask(density, 0.01), lambda: cc.molmap_tight_mask(dx, 0.01)),
        (
            "molmap_tight_mask dilated",
            lambda: cm.molmap_tight_mask(density, dilation_size=2),
            lambda: cc.molmap_tight_mask(dx, dilation_size=2),
        ),
        (
            "molmap_tight_mask blurred outwards",
            lambda: cm.molmap_tight_mask(density, gaussian=1),
            lambda: cc.molmap_tight_mask(dx, gaussian=1),
        ),
        (
            "molmap_tight_mask blurred in place",
            lambda: cm.molmap_tight_mask(density, 0.02, gaussian=1.5, gaussian_outwards=False),
            lambda: cc.molmap_tight_mask(dx, 0.02, gaussian=1.5, gaussian_outwards=False),
        ),
        (
            "postprocess blur",
            lambda: cm.postprocess(edge, 1.5, None),
            lambda: cc.postprocess(edge.transpose(2, 1, 0).copy(), 1.5, None, None),
        ),
        (
            "postprocess nothing",
            lambda: cm.postprocess(rand, 0, (0, 0, 0)),
            lambda: cc.postprocess(rand.transpose(2, 1, 0), 0, (0, 0, 0), None),
        ),
        ("ellipsoid with a zero semi-axis", lambda: cm.ellipsoid_mask(9, radii=(0, 1, 2)), lambda: cc.ellipsoid_mask(9, radii=(2, 1, 0))),
        (
            "ellipsoid with a zero semi-axis, blurred outwards",
            lambda: cm.ellipsoid_mask((20, 22, 24), radii=(0, 3, 4), gaussian=1),
            lambda: cc.ellipsoid_mask((24, 22, 20), radii=(4, 3, 0), gaussian=1),
        ),
    ]
    return cases


@pytest.mark.parametrize("suffix", [".em", ".mrc"])
@pytest.mark.parametrize("name, ours, theirs", _more_cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_the_rest_of_the_module_writes_cryocats_voxel_values(tmp_path, suffix, name, ours, theirs):
    test_files_hold_cryocats_voxel_values(tmp_path, suffix, name, ours, theirs)


def test_output_path_writes_what_output_name_writes(tmp_path):
    m = _hollow(30, 2, 9)
    a, b = str(tmp_path / "a.mrc"), str(tmp_path / "b.mrc")
    cm.fill_hollow_mask(m, output_name=a)
    cm.fill_hollow_mask(m, output_path=b)
    cm.shrink_full_mask(cm.fill_hollow_mask(m), 2, output_path=str(tmp_path / "s.em"))
    assert np.array_equal(cryomap.read(a), cryomap.read(b))
    assert np.array_equal(cryomap.read(str(tmp_path / "s.em")), cc.shrink_full_mask(cc.fill_hollow_mask(m.transpose(2, 1, 0)), 2))


def test_molmap_tight_mask_applies_the_threshold_when_it_dilates():
    """cryoCAT dilates the map's non-zero voxels and drops the threshold; ours thresholds first."""
    density = _molmap()
    ours = cm.molmap_tight_mask(density, 0.02, dilation_size=2)
    thresholded = (density > 0.02).transpose(2, 1, 0).astype(np.float32)
    assert np.array_equal(ours, np.asarray(cc.molmap_tight_mask(thresholded, dilation_size=2), np.float32).transpose(2, 1, 0))
    assert ours.sum() < np.asarray(cc.molmap_tight_mask(density.transpose(2, 1, 0), 0.02, dilation_size=2)).sum()


@pytest.mark.parametrize("label, mask", [
    ("off-centre block", np.pad(np.ones((3, 5, 2)), ((4, 7), (1, 2), (10, 0)))),
    ("single voxel at the corner", np.pad(np.ones((1, 1, 1)), ((0, 8), (0, 9), (0, 10)))),
    ("faint blur", cm.spherical_mask((21, 24, 27), 5, center=(8, 10, 20), gaussian=2)),
    ("even span", np.pad(np.ones((4, 5, 6)), ((1, 2), (3, 0), (0, 1)))),
])
def test_measures_match_cryocat_in_zyx(label, mask):
    mx = mask.transpose(2, 1, 0)
    start, end = cm.get_bounding_box(mask)
    their_start, their_end = cc.get_bounding_box(mx)
    assert start.tolist() == their_start[::-1].tolist() and end.tolist() == their_end[::-1].tolist()
    assert cm.get_mass_dimensions(mask).tolist() == cc.get_mass_dimensions(mx)[::-1].tolist()
    assert cm.get_mass_center(mask).tolist() == cc.get_mass_center(mx)[::-1].tolist()


@pytest.mark.parametrize("label, mask", [
    ("sphere", cm.spherical_mask(21, 7)),
    ("rotated ellipsoid in a non-cubic box", cm.ellipsoid_mask((27, 30, 33), (5, 8, 11), angles=(10, 35, 70))),
    ("hollow shell", cm.spherical_shell_mask(31, 3, 10)),
    ("L shape", np.pad(np.ones((6, 6, 2)), ((2, 2), (2, 2), (2, 6))) + np.pad(np.ones((2, 6, 6)), ((2, 6), (2, 2), (2, 2)))),
    ("touching the edge", cm.spherical_mask((15, 16, 17), 6, center=(0, 8, 16))),
    ("cube", np.ones((4, 5, 6))),
])
def test_solidity_matches_cryocat_for_one_region(label, mask):
    theirs = cc.compute_solidity(mask.transpose(2, 1, 0) > 0)
    assert cm.compute_solidity(mask) == pytest.approx(theirs, rel=1e-12)


def test_mask_overlap_and_helpers_match_cryocat():
    a = cm.spherical_mask((30, 32, 34), 8, gaussian=1)
    b = cm.spherical_mask((30, 32, 34), 8, center=(15, 16, 22))
    for threshold in (1.9, 1.0, 0.5):
        assert cm.mask_overlap(a, b, threshold) == cc.mask_overlap(a.transpose(2, 1, 0), b.transpose(2, 1, 0), threshold)
    for name in ("sphere_r10", "cylinder_r5_h20", "s_shell_r10_s4"):
        assert cm.parse_shape_string(name) == cc.parse_shape_string(name)
    kind, numbers = cm.parse_shape_string("e_shell_rx8_ry9_rz10_s2")
    theirs = cc.parse_shape_string("e_shell_rx8_ry9_rz10_s2")[1]
    assert kind == "e_shell" and numbers == theirs[2::-1] + theirs[3:]
    for value, reference in [(64, None), ((30, 32, 34), None), ([7], None), (None, (64, 65, 10)), (None, 33), (12.7, None)]:
        assert cm.get_correct_format(value, reference).tolist() == cc.get_correct_format(value, reference).tolist()
    for radius, gaussian, outwards in [(10, 1.5, True), (10, 1.5, False), (7, 0, True), (np.array([3, 4, 5]), 0.7, True)]:
        assert np.array_equal(cm.preprocess_params(radius, gaussian, outwards), cc.preprocess_params(radius, gaussian, outwards))


def test_cylinder_from_points_is_cryocats_intended_cylinder():
    """cryoCAT 0.7.1's function stops with a NameError (``srot`` is not imported); its intent is a
    cylinder rotated onto the markers' direction and moved to their midpoint: the same voxels,
    up to its spline resampling."""
    with pytest.raises(NameError):
        cc.cylindrical_mask_from_points((10, 12, 14), (30, 26, 20), 48)
    m1, m2 = (24.0, 40.0, 36.0), (60.0, 52.0, 84.0)  # (z, y, x) Å
    ours = cm.cylindrical_mask_from_points(m1, m2, 48, pixel_size=2, chimera_origin_idx=(1, -2, 0), radius=5, height=24)
    from scipy.spatial.transform import Rotation

    direction = np.subtract(m2, m1)[::-1]
    angles = Rotation.align_vectors([direction / np.linalg.norm(direction)], [[0, 0, 1]])[0].as_euler("zxz", degrees=True)
    center = (np.add(m1, m2) / 2 / 2 + (1, -2, 0))[::-1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = cryomap.recenter(cryomap.rotate(cc.cylindrical_mask(48, radius=5, height=24), rotation_angles=angles), center)
    theirs = theirs.transpose(2, 1, 0) > 0.5
    dice = 2 * ((ours > 0.5) & theirs).sum() / ((ours > 0.5).sum() + theirs.sum())
    assert dice > 0.9
