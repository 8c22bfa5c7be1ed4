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


def blobs_of_runs(box, seed):
    """Unions of random boxes and balls: z lines with one long run, short runs, several runs, and
    runs reaching the box faces (where SciPy's "nearest" repeats ones), in a non-cubic box."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(box, bool)
    grid = np.indices(box)
    for _ in range(6):
        centre = [rng.uniform(-2, n + 2) for n in box]
        radius = [rng.uniform(1, n / 2) for n in box]
        if rng.random() < 0.5:
            mask |= sum(((g - c) / r) ** 2 for g, c, r in zip(grid, centre, radius)) <= 1
        else:
            mask |= np.all([np.abs(g - c) <= r for g, c, r in zip(grid, centre, radius)], axis=0)
    mask[tuple(rng.integers(0, n, 20) for n in box)] = True  # isolated voxels: runs of one
    return mask


@pytest.mark.parametrize("sigma", [0.5, 1.0, 1.5, 2.0, 3.0, 4.0])
def test_runs_of_ones_filtered_as_moved_copies_stay_exact(sigma):
    for seed, box in enumerate([(61, 40, 47), (30, 64, 22), (90, 33, 35)]):
        mask = blobs_of_runs(box, seed)
        whole = mask.astype(np.float32)
        expected = reference(whole, sigma)
        block = (slice(None),) * 3
        assert np.array_equal(blur_binary(box, mask, block, sigma), expected)
        assert_same(whole, sigma)
        # The same mask inside a larger box: runs away from the faces, and zero margins.
        big = tuple(n + 30 for n in box)
        inner = tuple(slice(15, 15 + n) for n in box)
        padded = np.zeros(big, np.float32)
        padded[inner] = whole
        assert np.array_equal(blur_binary(big, mask, inner, sigma), reference(padded, sigma))


def test_lines_with_a_constant_stretch_in_some_places_and_not_others():
    # Long runs, runs of exactly 2 reach and 2 reach + 1 ones, and lines with two runs a few voxels apart.
    box = (70, 12, 13)
    sigma = 2.0
    reach = int(4 * sigma + 0.5)
    mask = np.zeros(box, bool)
    for y in range(box[1]):
        for x in range(box[2]):
            start = 5 + (3 * y + x) % 9
            length = [1, 2 * reach, 2 * reach + 1, 2 * reach + 2, 40][(y + x) % 5]
            mask[start:start + length, y, x] = True
            if (y * x) % 4 == 1:
                mask[start + length + 1 + y % 3:start + length + 4 + y % 3, y, x] = True
    block = (slice(0, 70), slice(2, 14), slice(1, 14))
    big = (75, 16, 14)
    whole = np.zeros(big, np.float32)
    whole[block] = mask
    for s in (0.5, sigma, 3.5):
        assert np.array_equal(blur_binary(big, mask, block, s), reference(whole, s))


@pytest.mark.parametrize("sigma", [0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0])
def test_the_filter_keeps_a_window_of_ones_at_exactly_one(sigma):
    # The first pass writes only what changes around the ends of runs; the inside of a long run
    # stays 1 because SciPy sums the weights in float64 and they sum to 1 within far less than
    # float32's precision. (If this failed, the pass would fall back to filtering every line.)
    ones = ndimage.gaussian_filter1d(np.ones((3, 200), np.float32), sigma, axis=1, mode="nearest", truncate=4.0)
    assert np.all(ones == 1)
    zeros = np.zeros((3, 200), np.float32)
    zeros[:, 50:150] = 1
    line = ndimage.gaussian_filter1d(zeros, sigma, axis=1, mode="nearest", truncate=4.0)
    reach = int(4 * sigma + 0.5)
    assert np.all(line[:, 50 + reach:150 - reach] == 1) and np.all(line[:, :50 - reach] == 0)


def test_lines_of_several_long_runs_stay_exact():
    # Along z: two or three long runs with gaps of exactly 2 reach, more, and less, and runs
    # reaching the ends of the pass block (such lines are filtered one by one).
    sigma = 1.5
    reach = int(4 * sigma + 0.5)
    box = (120, 9, 7)
    mask = np.zeros(box, bool)
    for y in range(box[1]):
        for x in range(box[2]):
            at = 8 + (y + 2 * x) % 5
            for length, gap in [(2 * reach + 1 + y, 2 * reach - 1 + x), (30, 2 * reach), (2 * reach + 1, 0)]:
                mask[at:at + length, y, x] = True
                at += length + gap
    mask[:3, 0, 0] = True  # a run at the face of the box
    whole = mask.astype(np.float32)
    for s in (sigma, 1.0, 2.0):
        assert_same(whole, s)
        inner = (slice(4, 124), slice(3, 12), slice(2, 9))
        padded = np.zeros((130, 15, 12), np.float32)
        padded[inner] = whole
        assert np.array_equal(blur_binary(padded.shape, mask, inner, s), reference(padded, s))
