"""Analytic properties of the shape masks."""

import math

import numpy as np
import pytest

from napari_cryomask.core import shapes
from napari_cryomask.core.geometry import rotation_matrix
from napari_cryomask.core.shapes import SHAPES, shape_mask

PARAMS = {
    "sphere": dict(radius=9),
    "ellipsoid": dict(radii=(5, 8, 11)),
    "cylinder": dict(radius=6, height=15),
    "tube": dict(radius=9, inner_radius=5, height=12),
    "cuboid": dict(size=(9, 13, 17), rounding=2),
    "cone": dict(radius=8, height=16),
}


def test_every_shape_has_test_parameters():
    assert set(PARAMS) == set(SHAPES)


@pytest.mark.parametrize("radius", [10.5, 17, 25])
def test_sphere_volume_matches_four_thirds_pi_r_cubed(radius):
    volume = shapes.sphere(64, radius).sum()
    assert volume == pytest.approx(4 / 3 * math.pi * radius**3, rel=0.025)


def test_ellipsoid_volume_matches_four_thirds_pi_abc():
    m = shapes.ellipsoid(64, (10, 14, 20))
    assert m.sum() == pytest.approx(4 / 3 * math.pi * 10 * 14 * 20, rel=0.025)


def test_cylinder_and_cone_volumes():
    assert shapes.cylinder(64, 12, 30).sum() == pytest.approx(math.pi * 12**2 * 31, rel=0.03)
    assert shapes.cone(96, 20, 40).sum() == pytest.approx(math.pi * 20**2 * 40 / 3, rel=0.04)


@pytest.mark.parametrize("shape", SHAPES)
def test_masks_are_float32_in_unit_interval(shape):
    for edge in ("none", "cosine", "gaussian"):
        m = shape_mask(40, shape, edge=edge, edge_width_px=3, angles=(15, 35, 55), **PARAMS[shape])
        assert m.dtype == np.float32 and m.shape == (40, 40, 40)
        assert m.min() == 0 and m.max() == 1


@pytest.mark.parametrize("shape", SHAPES)
def test_odd_box_is_symmetric_about_its_centre(shape):
    m = shape_mask(41, shape, **PARAMS[shape])
    if shape != "cone":  # a cone's apex points along +z
        assert np.array_equal(m, m[::-1, :, :])
    assert np.array_equal(m, m[:, ::-1, :])
    assert np.array_equal(m, m[:, :, ::-1])


@pytest.mark.parametrize("shape", SHAPES)
def test_centre_of_mass_is_the_centre(shape):
    center = (20.0, 23.5, 18.25)
    m = shape_mask((44, 48, 40), shape, center=center, angles=(20, 50, 10), edge="cosine", edge_width_px=2, **PARAMS[shape])
    com = np.array([np.sum(m * g) for g in np.indices(m.shape)]) / m.sum()
    if shape == "cone":
        # the centroid of a solid cone lies a quarter of the height above its base
        axis = rotation_matrix((20, 50, 10))[:, 0]
        expected = np.array(center) + axis * (-PARAMS["cone"]["height"] / 2 + PARAMS["cone"]["height"] / 4)
        np.testing.assert_allclose(com, expected, atol=0.6)
    else:
        np.testing.assert_allclose(com, center, atol=0.05)


def test_default_centre_is_size_floor_half():
    m = shapes.sphere((20, 21, 22), 1)
    assert np.argwhere(m == 1).mean(axis=0).tolist() == [10, 10, 11]


def test_rotation_by_90_degrees_equals_an_axis_swap():
    # theta = 90 about x turns the cylinder's z axis onto -y: the mask equals a transpose of z and y.
    m = shapes.cylinder(41, 5, 21)
    rotated = shapes.cylinder(41, 5, 21, angles=(0, 90, 0))
    assert np.array_equal(rotated, m.transpose(1, 0, 2))
    # phi = 90 about z swaps x and y of an ellipsoid.
    e = shapes.ellipsoid(41, (6, 9, 14))
    assert np.array_equal(shapes.ellipsoid(41, (6, 9, 14), angles=(90, 0, 0)), e.transpose(0, 2, 1))


def test_rotation_is_active_as_in_cryocat():
    # phi rotates x towards y: the tip of a rod along x moves to +y.
    rod = shapes.cuboid(41, (3, 3, 21), center=(20, 20, 25))
    rotated = shapes.cuboid(41, (3, 3, 21), center=(20, 20, 25), angles=(90, 0, 0))
    assert rod[20, 20, 34] == 1 and rod[20, 29, 25] == 0
    assert rotated[20, 29, 25] == 1


@pytest.mark.parametrize("edge", ["cosine", "gaussian"])
def test_soft_edge_follows_its_profile_with_distance(edge):
    w = 6.0
    m = shapes.sphere(64, 12, edge=edge, edge_width_px=w)
    for d in (0.0, w / 2, w, 2 * w):
        value = m[32, 32, int(32 + 12 + d)]
        expected = 0.5 * (1 + math.cos(math.pi * min(d, w) / w)) if edge == "cosine" else math.exp(-d * d / (2 * w * w))
        assert value == pytest.approx(expected, abs=1e-6)


def test_cosine_edge_values_at_zero_half_and_full_width():
    m = shapes.cuboid(64, (20, 20, 20), edge="cosine", edge_width_px=8)
    profile = m[32, 32, 42:51]  # the face is at x = 42
    assert profile[0] == 1
    assert profile[4] == pytest.approx(0.5, abs=1e-7)
    assert profile[8] == 0


@pytest.mark.parametrize("shape", SHAPES)
def test_region_equals_crop_of_full_mask(shape):
    kw = dict(center=(19.5, 21, 22.25), angles=(30, 60, 90), edge="cosine", edge_width_px=3, **PARAMS[shape])
    full = shape_mask(44, shape, **kw)
    for z in (0, 12, 20, 31, 43):
        part = shape_mask(44, shape, region=(slice(z, z + 1), slice(None), slice(None)), **kw)
        assert np.array_equal(part, full[z : z + 1])
    block = (slice(5, 30), slice(10, 12), slice(0, 44))
    assert np.array_equal(shape_mask(44, shape, region=block, **kw), full[block])


@pytest.mark.parametrize("shape", SHAPES)
def test_shell_is_the_band_inside_the_surface(shape):
    t = 2.0
    solid = shape_mask(48, shape, **PARAMS[shape])
    shell = shape_mask(48, shape, thickness=t, **PARAMS[shape])
    assert np.all(shell <= solid)
    assert 0 < shell.sum() < solid.sum()
    # every shell voxel is near the surface: one voxel step further in leaves the solid or hits the hole
    from scipy import ndimage

    core = ndimage.binary_erosion(solid > 0, iterations=int(t) + 2)
    assert not np.any(shell.astype(bool) & core)


def test_spherical_shell_radii():
    m = shapes.sphere(64, 20, thickness=4)
    d = np.sqrt(((np.indices(m.shape) - 32) ** 2).sum(axis=0))
    assert np.all(m[(d > 16) & (d <= 20)] == 1)
    assert np.all(m[(d <= 16) | (d > 20)] == 0)


def test_tube_is_cylinder_minus_inner_cylinder():
    tube = shapes.tube(40, 10, 6, 20)
    inner = shapes.cylinder(40, 6, 20)
    outer = shapes.cylinder(40, 10, 20)
    # the inner surface belongs to the tube
    on_inner = inner.astype(bool) & (np.sqrt(((np.indices(tube.shape)[1:] - 20) ** 2).sum(axis=0)) == 6)
    expected = (outer.astype(bool) & ~inner.astype(bool)) | on_inner
    assert np.array_equal(tube.astype(bool), expected)


def test_shape_reaching_outside_the_box_is_clipped_not_an_error():
    m = shapes.cylinder(32, 10, 100, angles=(0, 45, 0))
    assert m.shape == (32, 32, 32) and m.max() == 1
    assert shapes.sphere(16, 3, center=(100, 100, 100)).sum() == 0


def test_sub_voxel_centre_moves_the_mask():
    a = shapes.sphere(32, 5, center=(16, 16, 16))
    b = shapes.sphere(32, 5, center=(16, 16, 16.5))

    def com(m):
        return (np.indices(m.shape)[2] * m).sum() / m.sum()

    assert com(b) - com(a) == pytest.approx(0.5, abs=0.05)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(box_shape=0, shape="sphere", radius=3), "mask_size"),
        (dict(box_shape=(10, -2, 10), shape="sphere", radius=3), "mask_size"),
        (dict(box_shape=16, shape="sphere", radius=-1), "radius"),
        (dict(box_shape=16, shape="sphere"), "radius"),
        (dict(box_shape=16, shape="ellipsoid", radii=(1, 2)), "radii"),
        (dict(box_shape=16, shape="tube", radius=3, inner_radius=5, height=4), "inner_radius"),
        (dict(box_shape=16, shape="sphere", radius=3, edge="fuzzy"), "edge"),
        (dict(box_shape=16, shape="sphere", radius=3, edge="cosine", edge_width_px=-2), "width"),
        (dict(box_shape=16, shape="sphere", radius=3, thickness=0), "thickness"),
        (dict(box_shape=16, shape="pyramid", radius=3), "shape"),
        (dict(box_shape=16, shape="sphere", radius=3, center=(1, 2)), "center"),
        (dict(box_shape=16, shape="sphere", radius=3, angles=(1, float("nan"), 0)), "angles"),
    ],
)
def test_bad_parameters_name_themselves(kwargs, message):
    with pytest.raises(ValueError, match=message):
        shape_mask(**kwargs)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("placement", [{}, {"angles": (30, 45, 60), "center": (14.3, 20, 17.5)}, {"thickness": 2.5}])
def test_boolean_block_is_the_hard_mask(shape, placement):
    inside, block = shapes.shape_inside((40, 42, 38), shape, **placement, **PARAMS[shape])
    full = np.zeros((40, 42, 38), bool)
    full[block] = inside
    assert np.array_equal(full, shape_mask((40, 42, 38), shape, **placement, **PARAMS[shape]) > 0)
    assert block == shapes.shape_block((40, 42, 38), shape, center=placement.get("center"), angles=placement.get("angles"),
                                       **PARAMS[shape])


def test_sphere_rows_pass_the_same_float32_test_as_every_voxel():
    rng = np.random.default_rng(11)
    for _ in range(200):
        radius = float(rng.integers(1, 30)) if rng.random() < 0.5 else float(rng.uniform(0.3, 30))
        center = tuple(np.round(rng.uniform(0, 50, 3) * 2) / 2) if rng.random() < 0.5 else tuple(rng.uniform(0, 50, 3))
        box = (60, 61, 62)
        mask = shapes.sphere(box, radius, center=center)
        dz, dy, dx = (np.arange(n, dtype=np.float32) - np.float32(c) for n, c in zip(box, center))
        every = dz[:, None, None] ** 2 + dy[None, :, None] ** 2 + dx[None, None, :] ** 2 <= np.float32(radius) ** 2
        assert np.array_equal(mask > 0, every)
