"""Clip, apply, resample onto another grid, and the warning when a mask meets a map on another grid."""

import math
import warnings

import numpy as np
import pytest

from napari_cryomask.core import shapes
from napari_cryomask.core.apply import apply_mask, outside_mean
from napari_cryomask.core.clip import clip_box, clip_sphere
from napari_cryomask.core.edge_rebuild import estimate_edge
from napari_cryomask.core.grid_check import grid_mismatch, warn_grid_mismatch
from napari_cryomask.core.resample import resample_mask, resampled_values
from napari_cryomask.core.tight import lowpass

# ---- clip


def _distance_from(shape, center):
    z, y, x = np.indices(shape)
    return np.sqrt((z - center[0]) ** 2 + (y - center[1]) ** 2 + (x - center[2]) ** 2)


def test_clip_sphere_keeps_nothing_beyond_the_radius_and_everything_inside_the_taper():
    m = np.ones((40, 40, 40), np.float32)
    c = clip_sphere(m, 12, center=(20, 22, 19), edge_width_px=3)
    r = _distance_from(m.shape, (20, 22, 19))
    assert c[r >= 12].max() == 0
    assert c[r <= 9].min() == 1
    band = (r > 9.5) & (r < 11.5)
    assert 0 < c[band].min() and c[band].max() < 1


def test_clip_box_and_its_errors():
    m = shapes.sphere(32, 12, edge="cosine", edge_width_px=3)
    c = clip_box(m, (10, 32, 32))
    assert not c[:11].any() and not c[22:].any()
    assert np.array_equal(c[11:22], m[11:22])
    with pytest.raises(ValueError, match="narrower"):
        clip_box(m, (4, 10, 10), edge_width_px=2)
    with pytest.raises(ValueError, match="radius"):
        clip_sphere(m, 0)


# ---- apply


def test_apply_fills_outside_with_zero_the_outside_mean_or_a_lowpass():
    rng = np.random.default_rng(0)
    d = (rng.standard_normal((24, 24, 24)) + 3).astype(np.float32)
    m = shapes.sphere(24, 6, edge="cosine", edge_width_px=3)
    zero = apply_mask(d, m)
    assert np.array_equal(zero, d * m)
    mean = apply_mask(d, m, outside="mean")
    far = m == 0
    assert np.allclose(mean[far], outside_mean(d, m))
    assert np.array_equal(mean[m == 1], d[m == 1])
    low = apply_mask(d, m, outside="lowpass", lowpass_A=20, voxel_size=2.0)
    assert np.allclose(low[far], lowpass(d, 20, 2.0)[far])
    with pytest.raises(ValueError, match="share one box"):
        apply_mask(d, m[1:])
    with pytest.raises(ValueError, match="lowpass_A"):
        apply_mask(d, m, outside="lowpass")


# ---- resample


def _radius_of(count, voxel_A):
    return (3 * count / (4 * math.pi)) ** (1 / 3) * voxel_A


@pytest.mark.parametrize("edge, known", [("cosine", True), ("cosine", False), ("gaussian", True)])
def test_resampling_a_2A_sphere_to_4A_keeps_radius_and_edge_in_angstroms(edge, known):
    width_px = 6 if edge == "cosine" else 2.5
    m = shapes.sphere(96, 20, edge=edge, edge_width_px=width_px)  # at 2 Å: radius 40 Å
    kwargs = {"edge": edge, "edge_width_A": width_px * 2.0} if known else {}
    r = resample_mask(m, 2.0, 48, 4.0, **kwargs)
    assert r.dtype == np.float32 and r.shape == (48, 48, 48)
    assert abs(_radius_of((r >= 1).sum(), 4.0) - 40) <= 2.0  # half a 4 Å voxel
    assert abs(_radius_of((r >= 0.5).sum(), 4.0) - _radius_of((m >= 0.5).sum(), 2.0)) <= 2.0
    found, width_A = estimate_edge(r, voxel_size=4.0)
    assert found == edge
    assert width_A == pytest.approx(width_px * 2.0, rel=0.15)


def test_resampling_honours_the_origins():
    m = shapes.sphere(64, 8, center=(32, 30, 36))  # 2 Å voxels, origin 0: centre at (64, 60, 72) Å
    origin = (10.0, -5.0, 7.0)
    r = resample_mask(m, 2.0, (50, 50, 50), 3.0, like_origin=origin, edge="none")
    centre = np.argwhere(r >= 0.5).mean(axis=0)
    expected = (np.array([64.0, 60.0, 72.0]) - origin) / 3.0
    assert np.allclose(centre, expected, atol=0.5)


def test_resampling_to_the_same_grid_keeps_a_hard_mask():
    m = shapes.cuboid(30, (8, 10, 12))
    assert np.array_equal(resample_mask(m, 1.5, 30, 1.5, edge="none"), m)
    assert np.array_equal(resampled_values(m, 1.5, 30, 1.5), m)


def test_resampling_onto_anisotropic_voxels():
    m = shapes.sphere(64, 15, edge="cosine", edge_width_px=4)  # 1 Å
    r = resample_mask(m, 1.0, (16, 32, 64), (4.0, 2.0, 1.0), edge="cosine", edge_width_A=4)
    inside = r >= 0.5
    extent = [np.flatnonzero(inside.any(axis=tuple(a for a in range(3) if a != axis))) for axis in range(3)]
    spans_A = [(e.max() - e.min() + 1) * s for e, s in zip(extent, (4.0, 2.0, 1.0))]
    assert spans_A == pytest.approx([2 * 17 + 1] * 3, abs=4.0)


# ---- the warning


def test_grid_mismatch_names_both_and_says_what_differs():
    assert grid_mismatch((8, 8, 8), (2.0,) * 3, (8, 8, 8), (2.0001,) * 3) is None
    message = grid_mismatch((8, 8, 8), (2.0,) * 3, (8, 8, 8), (2.62,) * 3, mask="m.mrc", map="avg.mrc")
    assert "m.mrc" in message and "avg.mrc" in message and "2 Å" in message and "2.62 Å" in message
    assert "RELION" in message and "cryomask resample m.mrc --like avg.mrc" in message
    assert "8×8×8 voxels" in grid_mismatch((8, 8, 8), None, (8, 8, 9), None)
    assert "records no pixel size" in grid_mismatch((8, 8, 8), None, (8, 8, 8), (3.0,) * 3)
    assert grid_mismatch((8, 8, 8), (3.0,) * 3, (8, 8, 8), None) is None
    with pytest.warns(UserWarning, match="pytom"):
        assert warn_grid_mismatch((8, 8, 8), (1.0,) * 3, (4, 4, 4), (2.0,) * 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not warn_grid_mismatch((8, 8, 8), (1.0,) * 3, (8, 8, 8), (1.0,) * 3)
