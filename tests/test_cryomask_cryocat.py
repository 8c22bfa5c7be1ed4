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
