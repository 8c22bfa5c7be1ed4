"""The exact distance to an ellipsoid's surface, its lower bound, and the soft edge built from them."""

import numpy as np
import pytest
from scipy import optimize

from napari_cryomask.core.edges import soft_edge
from napari_cryomask.core.ellipsoid_distance import ellipsoid_surface_distance, outside_distance_bound
from napari_cryomask.core.geometry import object_coordinates
from napari_cryomask.core.shapes import make_solid, shape_block, shape_mask

RADII = (26.7, 46.7, 66.7)  # (z, y, x), the elongated ellipsoid of the latency benchmark


def _points(seed, count=60):
    """Points around the ellipsoid, outside and inside, in its own frame."""
    rng = np.random.default_rng(seed)
    directions = rng.standard_normal((3, count))
    directions /= np.linalg.norm(directions, axis=0)
    scale = rng.uniform(0.6, 1.4, count)
    return directions * np.asarray(RADII)[:, None] * scale


def _distance_by_search(point):
    """Distance to the surface by minimising over its parametrisation from many starts (independent of Newton)."""
    def squared(angles):
        theta, phi = angles
        on_surface = np.asarray(RADII) * np.array([np.cos(theta), np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi)])
        return float(np.sum((on_surface - point) ** 2))

    starts = [(t, p) for t in np.linspace(0.1, 3.0, 7) for p in np.linspace(-3.0, 3.0, 9)]
    best = min(starts, key=squared)
    found = optimize.minimize(squared, best, method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 4000})
    return float(np.sqrt(found.fun))


@pytest.mark.parametrize("seed", [0, 1])
def test_the_distance_equals_a_search_over_the_surface(seed):
    points = _points(seed, 25)
    found = ellipsoid_surface_distance(points, RADII)
    searched = [_distance_by_search(p) for p in points.T]
    np.testing.assert_allclose(found, searched, atol=1e-5)


def test_the_bound_never_exceeds_the_distance_and_is_exact_on_the_short_axis():
    points = _points(2, 2000)
    q = sum((c / r) ** 2 for c, r in zip(points, RADII))
    bound = outside_distance_bound(points, [r * r for r in RADII], q)
    exact = ellipsoid_surface_distance(points, RADII)
    outside = q > 1
    assert outside.sum() > 500
    assert np.all(bound[outside] <= exact[outside] * (1 + 1e-12))
    assert np.all(bound[~outside] == 0)
    on_axis = np.array([[40.0], [0.0], [0.0]])
    assert outside_distance_bound(on_axis, [r * r for r in RADII], np.array([(40.0 / RADII[0]) ** 2]))[0] == pytest.approx(40.0 - RADII[0])


@pytest.mark.parametrize(
    ("angles", "edge", "width"), [((33.0, 0.0, 0.0), "cosine", 6.0), ((30.0, 45.0, 60.0), "gaussian", 3.0), (None, "cosine", 1.5)]
)
def test_the_soft_edge_is_the_edge_of_the_exact_distance_at_every_voxel(angles, edge, width):
    """The mask computes exact distances only near the surface; everywhere else it must not matter."""
    box, center = (64, 100, 150), (31.5, 50.0, 74.25)
    mask = shape_mask(box, "ellipsoid", radii=RADII, center=center, angles=angles, edge=edge, edge_width_px=width)
    block = shape_block(box, "ellipsoid", radii=RADII, center=center, angles=angles, edge=edge, edge_width_px=width)
    shape = tuple(s.stop - s.start for s in block)
    u = [np.broadcast_to(c, shape) for c in object_coordinates(block, center, angles)]
    sdf = make_solid("ellipsoid", radii=RADII).sdf(*u)  # no band: exact at every voxel
    inside = make_solid("ellipsoid", radii=RADII).inside(*u)
    expected = np.zeros(box, np.float32)
    expected[block] = np.where(inside, np.float32(1), soft_edge(sdf, edge, width))
    assert np.array_equal(mask, expected)
