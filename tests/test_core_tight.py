"""The tight-mask pipeline, its cache and its threshold suggestions."""

import numpy as np
import pytest

from napari_cryomask.core import thresholds
from napari_cryomask.core.measure import PROTEIN_DENSITY_DA_PER_A3
from napari_cryomask.core.tight import TightMask, largest_regions, largest_regions_block, lowpass, tight_mask


@pytest.fixture
def blobs():
    """Two cubes of density (big and small) and a lone voxel on a zero background."""
    d = np.zeros((40, 40, 40), np.float32)
    d[10:20, 10:20, 10:20] = 1.0
    d[28:32, 28:32, 28:32] = 0.8
    d[2, 2, 37] = 0.9
    return d


def test_threshold_keeps_the_largest_region(blobs):
    m = tight_mask(blobs, 0.5)
    assert m.sum() == 1000 and m[15, 15, 15] == 1 and m[30, 30, 30] == 0


def test_n_regions_keeps_that_many_largest(blobs):
    assert tight_mask(blobs, 0.5, n_regions=2).sum() == 1000 + 64
    assert tight_mask(blobs, 0.5, n_regions=3).sum() == 1000 + 64 + 1


def test_regions_are_six_connected():
    b = np.zeros((1, 3, 3), bool)
    b[0, 0, 0] = b[0, 1, 1] = b[0, 2, 2] = True  # diagonal neighbours only
    assert largest_regions(b, 1).sum() == 1


def test_extension_is_euclidean_not_a_diamond(blobs):
    single = np.zeros((41, 41, 41), np.float32)
    single[20, 20, 20] = 1
    m = tight_mask(single, 0.5, extend_px=6)
    # a Euclidean ball of radius 6, not the octahedron that 6 cross dilations grow
    assert m[20, 20, 26] == 1 and m[20, 24, 24] == 1  # sqrt(32) < 6, taxicab 8 > 6
    assert m[20, 25, 24] == 0  # sqrt(41) > 6
    assert m.sum() == pytest.approx(4 / 3 * np.pi * 6**3, rel=0.05)


def test_fill_holes():
    d = np.zeros((20, 20, 20), np.float32)
    d[5:15, 5:15, 5:15] = 1
    d[8:12, 8:12, 8:12] = 0
    assert tight_mask(d, 0.5)[10, 10, 10] == 0
    assert tight_mask(d, 0.5, fill_holes=True)[10, 10, 10] == 1


def test_soft_edge_and_invert(blobs):
    m = tight_mask(blobs, 0.5, extend_px=2, edge="cosine", edge_width_px=4)
    assert m[15, 15, 15] == 1 and m[15, 15, 21] == 1  # extended by 2
    assert m[15, 15, 23] == pytest.approx(0.5, abs=1e-6)  # 2 + w/2 from the face at x = 19
    assert m[15, 15, 25] == 0
    inv = tight_mask(blobs, 0.5, extend_px=2, edge="cosine", edge_width_px=4, invert=True)
    np.testing.assert_allclose(inv, 1 - m, atol=1e-7)


def test_changing_extend_or_edge_reuses_the_distance_map(blobs):
    tm = TightMask(blobs)
    tm.update(0.5, extend_px=1, edge="cosine", edge_width_px=2)
    assert tm.distance_transforms == 1
    for extend, width in [(3, 2), (3, 5), (0, 0), (8, 1)]:
        tm.update(0.5, extend_px=extend, edge="gaussian", edge_width_px=width)
        tm.update(0.5, extend_px=extend, edge="cosine", edge_width_px=width, invert=True)
    assert tm.distance_transforms == 1
    tm.update(0.6, extend_px=1)
    assert tm.distance_transforms == 2
    tm.update(0.6, extend_px=1, lowpass_A=8.0)
    assert tm.distance_transforms == 3


def test_cached_result_equals_a_fresh_computation(blobs):
    tm = TightMask(blobs)
    tm.update(0.5, extend_px=1)
    again = tm.update(0.5, extend_px=4, edge="cosine", edge_width_px=3, n_regions=1)
    assert np.array_equal(again, tight_mask(blobs, 0.5, extend_px=4, edge="cosine", edge_width_px=3))


def test_nan_in_the_map_is_ignored(blobs):
    d = blobs.copy()
    d[0, :, :] = np.nan
    d[12, 12, 12] = np.nan
    m = tight_mask(d, 0.5, extend_px=1, edge="cosine", edge_width_px=2, lowpass_A=3.0)
    assert np.all(np.isfinite(m)) and m.dtype == np.float32
    assert 0 <= m.min() and m.max() == 1
    assert m[15, 15, 15] == 1
    assert np.isfinite(thresholds.sigma_threshold(d)) and np.isfinite(thresholds.otsu_threshold(d))


def test_threshold_above_everything_gives_an_empty_mask(blobs):
    m = tight_mask(blobs, 5.0, extend_px=3, edge="cosine", edge_width_px=2)
    assert m.sum() == 0 and m.dtype == np.float32


def test_lowpass_halves_the_amplitude_at_the_cutoff():
    n, voxel, resolution = 64, 2.0, 16.0
    x = np.arange(n) * voxel
    wave = np.cos(2 * np.pi * x / resolution).astype(np.float32)
    d = np.broadcast_to(wave, (n, n, n)).copy()
    filtered = lowpass(d, resolution, voxel_size=voxel)
    amplitude = np.abs(np.fft.rfft(filtered[32, 32]))[n * 2 // 16] / np.abs(np.fft.rfft(d[32, 32]))[n * 2 // 16]
    assert amplitude == pytest.approx(0.5, abs=0.03)


def test_suggested_thresholds():
    rng = np.random.default_rng(0)
    d = rng.normal(0, 0.1, (40, 40, 40)).astype(np.float32)
    d[10:30, 10:30, 10:30] += 1.0
    otsu = thresholds.otsu_threshold(d)
    assert 0.3 < otsu < 0.7
    assert thresholds.sigma_threshold(d, 0) == pytest.approx(float(d.mean()), rel=1e-5)
    # 20³ voxels of 2 Å hold 8000 * 8 Å³ * 0.81 Da/Å³
    kda = 8000 * 8 * PROTEIN_DENSITY_DA_PER_A3 / 1000
    t = thresholds.mass_threshold(d, kda, voxel_size=2.0)
    assert (d > t).sum() == pytest.approx(8000, abs=1)


def test_bad_tight_parameters():
    d = np.zeros((8, 8, 8), np.float32)
    with pytest.raises(ValueError, match="threshold"):
        tight_mask(d, float("nan"))
    with pytest.raises(ValueError, match="n_regions"):
        tight_mask(d, 0.5, n_regions=0)
    with pytest.raises(ValueError, match="extend"):
        tight_mask(d, 0.5, extend_px=-1)
    with pytest.raises(ValueError, match="3D"):
        TightMask(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="finite"):
        thresholds.otsu_threshold(np.full((3, 3, 3), np.nan))
    with pytest.raises(ValueError, match="mass"):
        thresholds.mass_threshold(d, -5)


def test_largest_regions_in_their_block(blobs):
    binary = blobs > 0.5
    for n in (1, 2, 5):
        kept, block = largest_regions_block(binary, n)
        full = np.zeros(binary.shape, bool)
        full[block] = kept
        assert np.array_equal(full, largest_regions(binary, n))
    assert largest_regions_block(np.zeros((4, 4, 4), bool)) == (None, None)
