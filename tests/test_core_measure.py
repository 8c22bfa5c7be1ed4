"""What a mask holds, measured in slabs on every CPU, against the plain whole-array formulas."""

import numpy as np
import pytest

from napari_cryomask.core.measure import mask_stats
from napari_cryomask.core.shapes import shape_mask


def _plain(mask, density):
    """The formulas on whole arrays: the mask's sum, and the share of the positive finite density inside it."""
    positive = np.where(np.isfinite(density) & (density > 0), density, 0).astype(np.float32)
    return float(mask.sum(dtype=np.float64)), float((positive * mask).sum(dtype=np.float64)) / float(positive.sum(dtype=np.float64))


@pytest.mark.parametrize("shape", [(70, 90, 110), (3, 5, 7), (1, 1, 1)])
def test_the_volume_and_the_density_share_match_the_whole_array_formulas(shape):
    rng = np.random.default_rng(5)
    density = rng.normal(0.2, 1.0, shape).astype(np.float32)
    density.flat[: min(4, density.size - 1)] = [np.nan, np.inf, -np.inf, -3.0][: min(4, density.size - 1)]
    density.flat[-1] = 2.0  # at least one positive voxel
    mask = shape_mask(shape, "ellipsoid", radii=tuple(n / 3 for n in shape), edge="cosine", edge_width_px=2)
    mask.flat[-1] = 0.5
    stats = mask_stats(mask, (2.0, 1.5, 1.0), density)
    voxels, share = _plain(mask, density)
    assert stats.volume_voxels == pytest.approx(voxels, rel=1e-12)
    assert stats.volume_nm3 == pytest.approx(voxels * 3.0 / 1000, rel=1e-12)
    assert stats.density_fraction == pytest.approx(share, rel=1e-9)


def test_a_map_with_no_positive_density_has_no_share_inside():
    density = np.full((8, 8, 8), -1.0, np.float32)
    density[0, 0, 0] = np.nan
    assert mask_stats(np.ones((8, 8, 8)), 1.0, density).density_fraction == 0.0


def test_a_density_of_another_shape_is_refused():
    with pytest.raises(ValueError, match="density has shape"):
        mask_stats(np.ones((4, 4, 4)), 1.0, np.ones((4, 4, 5)))
