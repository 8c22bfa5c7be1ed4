"""The sample half maps: the same signal with independent noise, in the core and under File → Open Sample."""

import numpy as np
import pytest

from napari_cryomask.core.fsc import fsc
from napari_cryomask.core.sample import synthetic_average, synthetic_half_maps
from napari_cryomask.core.tight import tight_mask


def test_half_maps_share_the_signal_and_have_independent_noise():
    half1, half2, voxel_size = synthetic_half_maps(noise_std=0.6)
    assert half1.shape == half2.shape == (96, 96, 96) and half1.dtype == np.float32 and voxel_size == (4.0, 4.0, 4.0)
    clean1, clean2, _ = synthetic_half_maps(noise_std=0.0)
    assert np.array_equal(clean1, clean2)  # one signal
    noise1, noise2 = half1 - clean1, half2 - clean2
    assert noise1.std() == pytest.approx(0.6, rel=0.01) and noise2.std() == pytest.approx(0.6, rel=0.01)
    assert abs(np.corrcoef(noise1.ravel(), noise2.ravel())[0, 1]) < 0.01  # independent
    # the signal is the synthetic average plus texture inside the protein only
    average, _ = synthetic_average()
    extra = clean1 - average
    assert np.abs(extra[average <= 0]).max() == 0 and np.abs(extra[average > 0.5]).std() > 0.1


def test_same_seed_same_pair():
    first = synthetic_half_maps(box=32, seed=2)
    again = synthetic_half_maps(box=32, seed=2)
    other = synthetic_half_maps(box=32, seed=3)
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


def test_a_mask_around_the_particle_raises_the_fsc():
    half1, half2, voxel_size = synthetic_half_maps()
    mask = tight_mask(synthetic_average()[0], 0.3, extend_px=3, edge="cosine", edge_width_px=5)
    result = fsc(half1, half2, voxel_size, mask)
    assert 16 < result.resolution_A["unmasked"] < 40
    assert result.resolution_A["corrected"] < 0.8 * result.resolution_A["unmasked"]


@pytest.mark.parametrize("noise_std", [-1, float("nan"), "loud"])
def test_bad_noise_is_refused(noise_std):
    with pytest.raises(ValueError, match="noise_std"):
        synthetic_half_maps(box=16, noise_std=noise_std)


def test_opens_as_sample_in_napari(make_napari_viewer):
    viewer = make_napari_viewer()
    layers = viewer.open_sample("napari-cryomask", "half_maps")
    assert [layer.name for layer in layers] == ["half map 1", "half map 2"]
    expected = synthetic_half_maps()
    for layer, data in zip(layers, expected[:2]):
        np.testing.assert_array_equal(layer.data, data)
        np.testing.assert_allclose(layer.scale, (4.0, 4.0, 4.0))
