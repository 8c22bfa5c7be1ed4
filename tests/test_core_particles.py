"""Masks at particle poses: exact shapes per particle, unions, labels, mask volumes, blocks and edge cases."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from napari_cryomask.core.geometry import rotation_matrix
from napari_cryomask.core.particles import particle_mask, placement
from napari_cryomask.core.shapes import shape_mask

BOX = (37, 42, 51)  # odd and non-cubic


def poses(n, seed=0, box=BOX, margin=0.0):
    rng = np.random.default_rng(seed)
    positions = rng.uniform(margin, 1 - margin, (n, 3)) * np.array(box)
    return positions, Rotation.random(n, random_state=seed).as_matrix()[:, ::-1, ::-1]


def matrices_of(angles):
    return np.array([rotation_matrix(a) for a in angles])


SHAPES = [
    dict(shape="sphere", radius=5.5),
    dict(shape="sphere", radius=7, thickness=2, edge="cosine", edge_width_px=2),
    dict(shape="ellipsoid", radii=(3, 5, 8), edge="gaussian", edge_width_px=1),
    dict(shape="cylinder", radius=3, height=14, edge="cosine", edge_width_px=3),
    dict(shape="tube", radius=5, inner_radius=3, height=9),
    dict(shape="cuboid", size=(4, 6, 9), rounding=1),
    dict(shape="cone", radius=4, height=12, thickness=1.5),
]


@pytest.mark.parametrize("kwargs", SHAPES, ids=lambda k: k["shape"])
def test_each_particle_is_the_exact_shape_at_its_pose(kwargs):
    angles = [(20, 40, 60), (0, 0, 0), (-120, 75, 10)]
    centres = np.array([[18.3, 20.1, 25.7], [5.0, 38.0, 3.0], [30.5, 9.25, 44.0]])
    union = particle_mask(BOX, (centres, matrices_of(angles)), **kwargs)
    expected = np.zeros(BOX, np.float32)
    for c, a in zip(centres, angles):
        # a sphere is the same at every turn: it is computed unturned, which the unturned shape is
        a = None if kwargs["shape"] == "sphere" else a
        expected = np.maximum(expected, shape_mask(BOX, center=c, angles=a, **kwargs))
    np.testing.assert_array_equal(union, expected)
    assert union.dtype == np.float32 and union.min() >= 0 and union.max() <= 1


def test_any_block_equals_the_same_crop_of_the_whole():
    plan = placement(BOX, poses(30), shape="cylinder", radius=3, height=12, edge="cosine", edge_width_px=2)
    whole = plan.render(workers=1)
    for region in [(slice(0, 9), slice(5, 42), slice(0, 51)), (slice(11, 12), slice(0, 42), slice(13, 40)),
                   (slice(30, 37), slice(40, 42), slice(50, 51))]:
        np.testing.assert_array_equal(plan.block(region), whole[region])
    np.testing.assert_array_equal(plan.render(workers=3), whole)


def test_duplicates_change_nothing_and_the_union_is_the_largest_value():
    positions, rotations = poses(5)
    kwargs = dict(shape="sphere", radius=6, edge="cosine", edge_width_px=4)
    once = particle_mask(BOX, (positions, rotations), **kwargs)
    twice = particle_mask(BOX, (np.vstack([positions, positions]), np.vstack([rotations, rotations])), **kwargs)
    np.testing.assert_array_equal(once, twice)
    # two overlapping soft spheres: the maximum, not the clipped sum
    a = shape_mask(BOX, "sphere", radius=6, center=(18, 20, 20), edge="cosine", edge_width_px=4)
    b = shape_mask(BOX, "sphere", radius=6, center=(18, 20, 30), edge="cosine", edge_width_px=4)
    both = particle_mask(BOX, np.array([[18.0, 20, 20], [18, 20, 30]]), **kwargs)
    np.testing.assert_array_equal(both, np.maximum(a, b))


def test_particles_partly_or_wholly_outside_the_box():
    centres = np.array([[0.0, 0.0, 0.0], [36.0, 41.0, 50.0], [-3.0, 20.0, 25.0], [18.0, 20.0, 300.0], [18.0, -50.0, 20.0]])
    m = particle_mask(BOX, centres, shape="sphere", radius=5)
    expected = np.maximum.reduce([shape_mask(BOX, "sphere", radius=5, center=c) for c in centres])
    np.testing.assert_array_equal(m, expected)
    assert m[0, 0, 0] == 1 and m[36, 41, 50] == 1 and m[0, 20, 25] == 1  # the sphere 3 voxels above the box reaches in
    plan = placement(BOX, centres, shape="sphere", radius=5)
    assert np.all(np.any(plan.lo[3:] >= plan.hi[3:], axis=1))  # nothing computed for the two that miss the box


def test_an_empty_list_gives_an_empty_mask_of_the_box():
    for particles in (np.zeros((0, 3)), (np.zeros((0, 3)), np.zeros((0, 3, 3)))):
        m = particle_mask(BOX, particles, shape="sphere", radius=4)
        assert m.shape == BOX and m.dtype == np.float32 and not m.any()
    labels = particle_mask(BOX, np.zeros((0, 3)), shape="sphere", radius=4, labels="particle")
    assert labels.dtype == np.uint16 and not labels.any()


def test_uint8_holds_the_union_at_half():
    kwargs = dict(shape="ellipsoid", radii=(3, 4, 6), edge="cosine", edge_width_px=3)
    soft = particle_mask(BOX, poses(8), **kwargs)
    hard = particle_mask(BOX, poses(8), dtype="uint8", **kwargs)
    assert hard.dtype == np.uint8
    np.testing.assert_array_equal(hard, (soft >= 0.5).astype(np.uint8))


class _Listed:
    def __init__(self, positions, rotations, classes):
        self.positions, self.rotations, self.classes = positions, rotations, classes


def test_labels_per_particle_and_per_class():
    centres = np.array([[10.0, 10, 10], [10, 10, 17], [25, 30, 40], [25, 30, 40]])
    rotations = np.broadcast_to(np.eye(3), (4, 3, 3))
    listed = _Listed(centres, rotations, np.array([3, 1, 2, 7]))
    labels = particle_mask(BOX, listed, shape="sphere", radius=4, labels="particle")
    assert labels.dtype == np.uint16
    assert labels[10, 10, 10] == 1 and labels[10, 10, 17] == 2
    assert labels[25, 30, 40] == 3  # a duplicate: the first in the list keeps its voxels
    assert labels[10, 10, 14] == 1  # inside both hard spheres: a tie, the first keeps it
    assert set(np.unique(labels)) == {0, 1, 2, 3}
    # with soft edges the voxel goes to the particle whose value there is larger
    soft = particle_mask(BOX, listed, shape="sphere", radius=3, edge="cosine", edge_width_px=4, labels="particle")
    assert soft[10, 10, 13] == 1 and soft[10, 10, 14] == 2
    union = particle_mask(BOX, listed, shape="sphere", radius=4)
    np.testing.assert_array_equal(labels > 0, union >= 0.5)
    classes = particle_mask(BOX, listed, shape="sphere", radius=4, labels="class")
    assert classes[10, 10, 10] == 3 and classes[10, 10, 17] == 1 and classes[25, 30, 40] == 2


def test_class_labels_need_classes_above_zero():
    listed = _Listed(np.array([[10.0, 10, 10]]), np.eye(3)[None], np.array([0]))
    with pytest.raises(ValueError, match="class numbers of at least 1; 1 particle"):
        particle_mask(BOX, listed, shape="sphere", radius=3, labels="class")


def test_many_labels_switch_to_int32():
    centres = np.zeros((70000, 3)) + 18
    plan = placement(BOX, centres, shape="sphere", radius=1, labels="particle")
    assert plan.dtype == np.int32


def test_a_mask_volume_unturned_at_whole_voxels_is_copied_exactly():
    volume = shape_mask((15, 17, 21), "cone", radius=5, height=10, edge="cosine", edge_width_px=2)
    m = particle_mask(BOX, np.array([[18.0, 20, 25], [3.0, 2, 49]]), mask=volume)
    expected = np.maximum(
        shape_mask(BOX, "cone", radius=5, height=10, center=(18, 20, 25), edge="cosine", edge_width_px=2),
        shape_mask(BOX, "cone", radius=5, height=10, center=(3, 2, 49), edge="cosine", edge_width_px=2),
    )
    np.testing.assert_allclose(m, expected, atol=1e-6)


def test_a_turned_mask_volume_matches_the_turned_shape():
    angles = (35, 70, -20)
    centre = np.array([[18.4, 20.7, 25.2]])
    volume = shape_mask(41, "cone", radius=8, height=22)
    placed = particle_mask((40, 44, 52), (centre, matrices_of([angles])), mask=volume) >= 0.5
    exact = shape_mask((40, 44, 52), "cone", radius=8, height=22, center=centre[0], angles=angles) >= 0.5
    assert 2 * (placed & exact).sum() / (placed.sum() + exact.sum()) > 0.9
    turned_back = particle_mask((40, 44, 52), (centre, matrices_of([angles]).transpose(0, 2, 1)), mask=volume) >= 0.5
    assert 2 * (turned_back & exact).sum() / (turned_back.sum() + exact.sum()) < 0.7


def test_mask_scale_takes_the_mask_voxels_to_the_tomogram_voxels():
    fine = shape_mask(61, "sphere", radius=20)  # 20 voxels of 2 Å = 40 Å
    m = particle_mask(BOX, np.array([[18.0, 21, 25]]), mask=fine, mask_scale=4 / 2)  # tomogram voxels of 4 Å
    coarse = shape_mask(BOX, "sphere", radius=10, center=(18, 21, 25))  # 40 Å in 4 Å voxels
    assert 2 * ((m >= 0.5) & (coarse > 0)).sum() / ((m >= 0.5).sum() + coarse.sum()) > 0.97


def test_offset_and_angles_place_the_object_in_the_particles_frame():
    turn = np.array([[[0.0, 0, 1], [0, 1, 0], [-1, 0, 0]]])  # the particle's z axis along tomogram -x
    centre = np.array([[18.0, 21.0, 25.0]])
    m = particle_mask(BOX, (centre, turn), shape="sphere", radius=2, offset=(6, 0, 0))
    assert m[18, 21, 19] == 1 and m[18, 21, 25] == 0
    # the object's own turn comes first, then the particle's: the same as one shape turned by their product
    own = (0, 90, 0)
    rod = particle_mask(BOX, (centre, turn), shape="cylinder", radius=1.5, height=20, angles=own)
    both = Rotation.from_matrix((turn[0] @ rotation_matrix(own))[::-1, ::-1]).as_euler("zxz", degrees=True)
    expected = shape_mask(BOX, "cylinder", radius=1.5, height=20, center=centre[0], angles=both)
    np.testing.assert_array_equal(rod, expected)
    assert rod[18, 12, 25] == 1 and rod[18, 21, 16] == 0  # own turn: z to -y; the particle's leaves y alone


@pytest.mark.parametrize("kwargs, needle", [
    (dict(), "give either shape"),
    (dict(shape="sphere", radius=3, mask=np.ones((3, 3, 3))), "give either shape"),
    (dict(mask=np.full((3, 3, 3), 2.0)), "mask values must be in [0, 1]"),
    (dict(mask=np.ones((3, 3))), "non-empty 3D volume"),
    (dict(shape="sphere", radius=3, dtype="int16"), "dtype must be float32 or uint8"),
    (dict(shape="sphere", radius=3, labels="particle", dtype="uint8"), "dtype applies to a union only"),
    (dict(shape="sphere", radius=3, labels="everything"), "labels must be"),
    (dict(shape="sphere"), "a sphere needs radius"),
    (dict(shape="sphere", radius=3, thickness=-1), "thickness must be a positive length"),
    (dict(mask=np.ones((3, 3, 3)), mask_scale=0), "mask_scale must be a positive number"),
])
def test_bad_requests_are_named(kwargs, needle):
    with pytest.raises(ValueError) as error:
        particle_mask(BOX, np.array([[10.0, 10, 10]]), **kwargs)
    assert needle in str(error.value)


def test_bad_poses_are_refused():
    with pytest.raises(ValueError, match="finite"):
        particle_mask(BOX, np.array([[np.nan, 1, 2]]), shape="sphere", radius=2)
    with pytest.raises(ValueError, match="2 positions but 1 rotations"):
        particle_mask(BOX, (np.zeros((2, 3)), np.eye(3)[None]), shape="sphere", radius=2)
    with pytest.raises(TypeError, match="unknown keyword 'colour'"):
        particle_mask(BOX, np.zeros((1, 3)), shape="sphere", radius=2, colour=1)
