"""The block-wise, threaded, mirror-aware Gaussian blur equals SciPy's whole-box filter bit for bit."""

import numpy as np
import pytest
from scipy import ndimage

from napari_cryomask import cryomask
from napari_cryomask.core import shapes
from napari_cryomask.core.blur import blur_binary, gaussian_blur

SIGMAS = [0.3, 1.0, 2.5, 6.0]


def reference(mask, sigma):
    return ndimage.gaussian_filter(np.asarray(mask, np.float32), sigma, mode="nearest", truncate=4.0, output=np.float32)


def assert_same(mask, sigma):
    expected = reference(mask, sigma)
    assert np.array_equal(gaussian_blur(mask, sigma), expected)
    in_place = np.asarray(mask, np.float32).copy()
    assert gaussian_blur(in_place, sigma, in_place=True) is in_place
    assert np.array_equal(in_place, expected)


def random_masks(seed=7):
    rng = np.random.default_rng(seed)
    for box in [(1, 1, 9), (30, 31, 32), (5, 40, 3), (9, 70, 41), (2, 2, 2)]:
        corner = np.zeros(box, np.float32)  # density reaching the box faces
        block = tuple(slice(int(rng.integers(0, n)), None) for n in box)
        corner[block] = rng.random(corner[block].shape) > 0.6
        yield corner
        points = np.zeros(box, np.float32)  # a few scattered voxels
        points[tuple(rng.integers(0, n, 5) for n in box)] = rng.random(5)
        yield points


@pytest.mark.parametrize("sigma", SIGMAS)
def test_random_masks(sigma):
    for mask in random_masks():
        assert_same(mask, sigma)


SYMMETRIC = {
    "centred sphere, even box": lambda: cryomask.spherical_mask(64, 16),
    "centred sphere, odd box": lambda: cryomask.spherical_mask(65, 16),
    "sphere in a non-cubic box": lambda: cryomask.spherical_mask((40, 50, 61), 9),
    "sphere near a face": lambda: cryomask.spherical_mask(64, 16, center=(10, 32, 33)),
    "cylinder": lambda: cryomask.cylindrical_mask((41, 60, 60), 12, 30),
    "ellipsoid": lambda: cryomask.ellipsoid_mask(70, (10, 15, 20)),
    "cuboid": lambda: shapes.cuboid(50, (10, 11, 20)),
    "spherical shell": lambda: cryomask.spherical_shell_mask(64, 4, 16),
    "sphere filling the box": lambda: shapes.sphere(64, 31.5),
    "rotated ellipsoid": lambda: cryomask.ellipsoid_mask(70, (10, 15, 20), angles=(30, 45, 60)),
    "small sphere": lambda: cryomask.spherical_mask(33, 3),
}


@pytest.mark.parametrize("name", SYMMETRIC)
@pytest.mark.parametrize("sigma", SIGMAS)
def test_symmetric_masks_take_the_mirror_path_exactly(name, sigma):
    assert_same(SYMMETRIC[name](), sigma)


def test_lower_dimensions_and_empty_masks():
    line = np.zeros(50, np.float32)
    line[10] = 1
    assert_same(line, 2.0)
    plane = np.zeros((40, 50), np.float32)
    plane[10:20, 30:33] = 1
    assert_same(plane, 2.0)
    assert not gaussian_blur(np.zeros((8, 8, 8)), 2.0).any()


def test_blur_of_a_boolean_block_equals_blurring_the_whole_box():
    rng = np.random.default_rng(3)
    box = (30, 33, 28)
    for block in [(slice(5, 20), slice(0, 12), slice(9, 28)), (slice(0, 30), slice(4, 5), slice(0, 1)), (slice(7, 7),) * 3]:
        inside = rng.random(tuple(s.stop - s.start for s in block)) > 0.5
        whole = np.zeros(box, np.float32)
        whole[block] = inside
        for sigma in (0.0, 0.7, 2.0):
            assert np.array_equal(blur_binary(box, inside, block, sigma), reference(whole, sigma))


def test_within_skips_the_scan_without_changing_the_values():
    mask = np.zeros((40, 40, 40), np.float32)
    mask[10:20, 12:30, 5:9] = 1
    mask[15, 15, 7] = 0.25
    for within in [(slice(10, 20), slice(12, 30), slice(5, 9)), (slice(0, 40),) * 3, (slice(8, 22), slice(10, 35), slice(0, 12))]:
        assert np.array_equal(gaussian_blur(mask, 1.5, within=within), reference(mask, 1.5))
    assert not gaussian_blur(mask, 1.5, within=(slice(30, 40),) * 3).any()


def test_repeated_lines_with_several_runs_are_filtered_once_and_stay_exact():
    # Few distinct z lines, each with gaps, so the first pass filters each distinct line once.
    rng = np.random.default_rng(11)
    patterns = rng.random((4, 24)) > 0.5
    choice = rng.integers(0, len(patterns), (20, 22))
    inside = np.moveaxis(patterns[choice], -1, 0)
    box = (40, 30, 31)
    block = (slice(8, 32), slice(5, 25), slice(4, 26))
    whole = np.zeros(box, np.float32)
    whole[block] = inside
    for sigma in (0.7, 2.0):
        assert np.array_equal(blur_binary(box, inside, block, sigma), reference(whole, sigma))
        assert_same(whole, sigma)
