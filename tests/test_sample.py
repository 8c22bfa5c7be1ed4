"""The synthetic subtomogram average (core) and its napari sample contribution."""

import time

import numpy as np
import pytest

from napari_cryomask.core.sample import synthetic_average

DALTON_PER_A3 = 0.81


def _protein_mass_kda(data, voxel_size, above_z):
    """Mass above half maximum in the slices from ``above_z`` up (membrane excluded)."""
    voxels = np.count_nonzero(data[above_z:] > 0.5)
    return voxels * np.prod(voxel_size) * DALTON_PER_A3 / 1000.0


def test_shape_type_and_voxel_size():
    data, voxel_size = synthetic_average()
    assert data.shape == (96, 96, 96)
    assert data.dtype == np.float32
    assert voxel_size == (4.0, 4.0, 4.0)
    assert np.isfinite(data).all()


def test_same_seed_same_map_other_seed_other_noise():
    first, _ = synthetic_average(seed=3)
    again, _ = synthetic_average(seed=3)
    other, _ = synthetic_average(seed=4)
    np.testing.assert_array_equal(first, again)
    difference = np.abs(first - other)
    assert difference.max() > 0
    assert difference.mean() < 0.1  # only the noise differs


def test_is_fast():
    synthetic_average()  # warm up imports and caches
    best = min(_timed(synthetic_average) for _ in range(3))
    assert best < 0.5


def _timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def test_bilayer_has_two_leaflets_below_the_complex():
    data, _ = synthetic_average()
    # A column beside the complex but inside the membrane patch (100 Å off-centre).
    profile = data[:, 48, 48 + 25]
    peaks = [z for z in range(1, 95)
             if profile[z] > 0.3 and profile[z] >= profile[z - 1] and profile[z] >= profile[z + 1]]
    assert len(peaks) == 2
    separation_A = (peaks[1] - peaks[0]) * 4.0
    assert 30.0 <= separation_A <= 46.0
    between = profile[peaks[0] + 1:peaks[1]].min()
    assert between < 0.5 * profile[peaks].min()
    assert max(peaks) < 48  # below the box centre, where the complex is


def test_complex_is_a_few_hundred_kda_of_positive_density():
    data, voxel_size = synthetic_average()
    top_leaflet = 48 + round((-70 + 19 + 10) / 4.0)
    mass = _protein_mass_kda(data, voxel_size, top_leaflet)
    assert 200.0 < mass < 800.0
    assert data[48:].max() > 0.9  # protein is positive density
    corner = data[80:, :10, :10]
    assert 0.005 < corner.std() < 0.1  # only low-level noise far from everything


def test_object_size_is_physical_not_in_voxels():
    fine, fine_size = synthetic_average(box=96, voxel_size_A=4.0)
    coarse, coarse_size = synthetic_average(box=48, voxel_size_A=8.0)
    mass_fine = _protein_mass_kda(fine, fine_size, 48 - 10)
    mass_coarse = _protein_mass_kda(coarse, coarse_size, 24 - 5)
    assert mass_coarse == pytest.approx(mass_fine, rel=0.2)


@pytest.mark.parametrize(
    "kwargs",
    [{"box": 4}, {"box": 32.5}, {"box": True}, {"voxel_size_A": 0}, {"voxel_size_A": -1.0},
     {"voxel_size_A": float("nan")}, {"voxel_size_A": "four"}],
)
def test_bad_parameters_raise(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        synthetic_average(**kwargs)


def test_opens_as_sample_in_napari(make_napari_viewer):
    viewer = make_napari_viewer()

    [layer] = viewer.open_sample("napari-cryomask", "sample")

    assert layer.name == "synthetic average"
    assert layer.data.shape == (96, 96, 96)
    np.testing.assert_allclose(layer.scale, (4.0, 4.0, 4.0))
    low, high = layer.contrast_limits
    assert low < 0.1 < high <= float(np.max(layer.data))


def test_sample_map_file_fixture_round_trips(sample_map_file):
    from napari_cryomask.io import read_volume

    volume = read_volume(sample_map_file)
    expected, voxel_size = synthetic_average()
    np.testing.assert_array_equal(volume.data, expected)
    np.testing.assert_allclose(volume.voxel_size, voxel_size)
