"""Point-group and helical symmetry: RELION's settings, invariances, exact shape copies."""

import math

import cc3d
import numpy as np
import pytest

from napari_cryomask.core import shapes
from napari_cryomask.core.copies import moved_shapes, shape_copies_mask
from napari_cryomask.core.helix import helix_symmetrize, helix_z_clip, unit_numbers, units_in_box, z_profile
from napari_cryomask.core.symmetry import axis_rotation, parse_group, symmetrize, symmetry_operators
from napari_cryomask.recipes import apply_recipe, make_recipe

PHI = (1 + math.sqrt(5)) / 2


def _asymmetric(box=33):
    """A soft, rotated, off-centre ellipsoid plus a small sphere: no symmetry of its own."""
    a = shapes.ellipsoid(box, (3, 4, 6), center=(17, 14, 21), angles=(20, 35, 50), edge="cosine", edge_width_px=2)
    b = shapes.sphere(box, 2.5, center=(12, 20, 19))
    return np.maximum(a, b)


def _set(matrices):
    return {tuple(np.round(m, 6).ravel() + 0.0) for m in matrices}


def _angle(m):
    return math.degrees(math.acos(max(-1.0, min(1.0, (np.trace(m) - 1) / 2))))


# ---- the groups


@pytest.mark.parametrize(
    "group, order", [("C1", 1), ("C2", 2), ("C7", 7), ("C12", 12), ("D1", 2), ("D2", 4), ("D6", 12), ("T", 12), ("O", 24),
                     ("I", 60), ("I1", 60), ("I2", 60), ("I3", 60), ("I4", 60)],
)
def test_group_orders_and_closure(group, order):
    ops = symmetry_operators(group)
    assert len(ops) == order
    assert np.array_equal(ops[0], np.eye(3))
    for m in ops:
        assert np.allclose(m @ m.T, np.eye(3), atol=1e-12)
        assert np.isclose(np.linalg.det(m), 1.0)
    elements = _set(ops)
    assert len(elements) == order
    for a in ops:
        for b in ops[:: max(1, order // 12)]:
            assert tuple(np.round(a @ b, 6).ravel() + 0.0) in elements
        assert tuple(np.round(a.T, 6).ravel() + 0.0) in elements


@pytest.mark.parametrize(
    "group, angles", [
        ("T", {0: 1, 120: 8, 180: 3}),
        ("O", {0: 1, 90: 6, 120: 8, 180: 9}),
        ("I", {0: 1, 72: 12, 120: 20, 144: 12, 180: 15}),
    ],
)
def test_polyhedral_groups_have_their_axes(group, angles):
    counts = {}
    for m in symmetry_operators(group):
        a = round(_angle(m))
        counts[a] = counts.get(a, 0) + 1
    assert counts == angles


def test_group_names_parse_in_any_case_and_bad_ones_are_refused():
    assert parse_group(" c4 ") == ("C", 4)
    assert parse_group("i") == ("I", 2)
    for bad in ("C0", "D", "I5", "X2", "C100", "", "T2"):
        with pytest.raises(ValueError, match="symmetry group must be one of"):
            parse_group(bad)


def _contains_rotation(group, axis_xyz, fold):
    return tuple(np.round(axis_rotation(axis_xyz, 360 / fold), 6).ravel() + 0.0) in _set(symmetry_operators(group))


def test_relion_axes_cn_about_z_dn_twofold_on_x():
    # (z, y, x) vectors: x turns into ±y under a quarter turn of C4, so its axis is z.
    quarter = [m for m in symmetry_operators("C4") if round(_angle(m)) == 90]
    assert all(np.allclose(abs(m @ [0, 0, 1]), [0, 1, 0]) for m in quarter)
    assert _contains_rotation("D5", (1, 0, 0), 2)
    assert not _contains_rotation("D5", (0, 1, 0), 2)
    assert _contains_rotation("D5", (0, 0, 1), 5)


@pytest.mark.parametrize(
    "group, axes",
    [
        # The generator axes (x, y, z) that RELION's symmetries.cpp lists for each setting.
        ("T", [((0, 0, 1), 3), ((0, 0.816496, 0.577350), 2)]),
        ("O", [((0.5773502, 0.5773502, 0.5773502), 3), ((0, 0, 1), 4)]),
        ("I2", [((0, 0, 1), 2), ((0.525731114, 0, 0.850650807), 5), ((0, 0.356822076, 0.934172364), 3)]),
        ("I1", [((1, 0, 0), 2), ((0.85065080702670, 0, -0.5257311142635), 5), ((0.9341723640, 0.3568220765, 0), 3)]),
        ("I3", [((-0.5257311143, 0, 0.8506508070), 2), ((0, 0, 1), 5), ((-0.4911234778630044, 0.3568220764705179, 0.7946544753759428), 3)]),
        ("I4", [((0.5257311143, 0, 0.8506508070), 2), ((0.8944271932547096, 0, 0.4472135909903704), 5),
                ((0.4911234778630044, 0.3568220764705179, 0.7946544753759428), 3)]),
    ],
)
def test_settings_hold_relions_axes(group, axes):
    for axis, fold in axes:
        assert _contains_rotation(group, axis, fold), (group, axis, fold)


def _conjugated(group, rotation):
    return _set(rotation @ m @ rotation.T for m in symmetry_operators(group))


def test_icosahedral_settings_relate_as_documented():
    i2 = "I2"
    assert _set(symmetry_operators("I")) == _set(symmetry_operators(i2))
    about_y = (0, 1, 0)
    tilt = math.degrees(math.atan(1 / PHI))  # 31.72°: between a 5-fold and its neighbouring 2-fold
    assert _set(symmetry_operators("I1")) == _conjugated(i2, axis_rotation(about_y, 90))
    assert _set(symmetry_operators("I3")) == _conjugated(i2, axis_rotation(about_y, -tilt))
    assert _set(symmetry_operators("I4")) == _conjugated(i2, axis_rotation(about_y, tilt))
    assert _set(symmetry_operators("I1")) != _set(symmetry_operators(i2))


# ---- symmetrising masks


def test_c4_mask_is_invariant_under_a_quarter_turn_about_z():
    s = symmetrize(_asymmetric(), "C4")
    assert s.dtype == np.float32 and 0 <= s.min() and s.max() <= 1
    assert np.array_equal(np.rot90(s, 1, axes=(1, 2)), s)
    assert not np.array_equal(np.rot90(s, 1, axes=(0, 1)), s)


def test_d2_mask_is_invariant_under_a_half_turn_about_x_and_d3_is_not_about_y():
    d2 = symmetrize(_asymmetric(), "D2")
    assert np.array_equal(d2[::-1, ::-1, :], d2)  # 180° about x: z -> -z, y -> -y
    assert np.array_equal(d2[:, ::-1, ::-1], d2)  # 180° about z
    d3 = symmetrize(_asymmetric(), "D3")  # its 120° copies are interpolated: equal to rounding
    assert np.allclose(d3[::-1, ::-1, :], d3, atol=1e-5)
    assert not np.allclose(d3[::-1, :, ::-1], d3, atol=0.1)  # no 2-fold on y


def test_anisotropic_voxels_rotate_in_angstroms():
    m = _asymmetric()
    s = symmetrize(m, "C4", voxel_size=(3.0, 1.5, 1.5))
    assert np.array_equal(np.rot90(s, 1, axes=(1, 2)), s)
    d = symmetrize(m, "D2", voxel_size=(3.0, 1.5, 1.5))
    assert np.array_equal(d[::-1, ::-1, :], d)


def _blob_angles(mask, center):
    labels, n = cc3d.connected_components(mask >= 0.5, connectivity=26, return_N=True)
    out = []
    for i in range(1, n + 1):
        z, y, x = np.argwhere(labels == i).mean(axis=0)
        out.append((math.degrees(math.atan2(y - center[1], x - center[2])) % 360, z, int((labels == i).sum())))
    return sorted(out)


@pytest.mark.parametrize("exact", [True, False])
def test_off_centre_sphere_under_c6_becomes_six_spheres_sixty_degrees_apart(exact):
    box, c = 48, (24, 24, 24)
    at = math.radians(20)
    params = {"shape": "sphere", "radius": 4.0, "center": (24.0, 24.0 + 14 * math.sin(at), 24.0 + 14 * math.cos(at))}
    if exact:
        recipe = make_recipe("symmetrize", {"group": "C6"}, box_shape=box, inputs=[make_recipe("shape", params, box_shape=box)])
        s = apply_recipe(recipe)[0]
    else:
        s = symmetrize(shapes.shape_mask(box, **params), "C6")
    blobs = _blob_angles(s, c)
    assert len(blobs) == 6
    one = int((shapes.shape_mask(box, **params) >= 0.5).sum())
    for k, (angle, z, size) in enumerate(blobs):
        assert angle == pytest.approx((20 + 60 * k) % 360, abs=0.6)
        assert z == pytest.approx(24, abs=1e-6)
        assert abs(size - one) <= 0.1 * one


def test_exact_copies_of_a_shape_match_the_resampled_ones():
    box = 40
    params = {"shape": "cylinder", "radius": 3, "height": 10, "center": (22, 20, 27), "angles": (10, 60, 0),
              "edge": "cosine", "edge_width_px": 2}
    shape_recipe = make_recipe("shape", params, box_shape=box)
    exact = apply_recipe(make_recipe("symmetrize", {"group": "D3"}, box_shape=box, inputs=[shape_recipe]))[0]
    resampled = symmetrize(apply_recipe(shape_recipe)[0], "D3")
    assert np.abs(exact - resampled).mean() < 0.01
    assert np.abs(exact - resampled).max() < 0.6
    # the exact copies are rendered on voxel centres: a copy's plateau is 1 everywhere
    assert exact.max() == 1


def test_moved_shapes_compose_rotations_with_the_shapes_own():
    p = {"shape": "cuboid", "size": (2, 4, 8), "center": (10, 10, 14), "angles": (30, 0, 0)}
    quarter = axis_rotation((0, 0, 1), 90)
    copies = moved_shapes(p, [(np.eye(3), (0, 0, 0)), (quarter, (0, 0, 0))], (10, 10, 10), 21)
    assert copies[0] == p
    assert copies[1]["center"] == pytest.approx((10, 14, 10))
    expected = np.rot90(shapes.shape_mask(21, **p), 1, axes=(2, 1))  # x -> y
    got = shapes.shape_mask(21, **copies[1])
    assert np.abs(got - expected).max() == 0


def test_average_mode_keeps_what_enough_copies_cover():
    box = 33
    m = shapes.sphere(box, 5, center=(16, 16, 19))  # overlaps its C2 copy at (16, 16, 13)
    union = symmetrize(m, "C2")
    half = symmetrize(m, "C2", mode="average", threshold=0.5)
    both = symmetrize(m, "C2", mode="average", threshold=1.0)
    assert np.array_equal(half, union)
    assert np.array_equal(both, (m * m[:, ::-1, ::-1] >= 0.5).astype(np.float32))
    assert both.sum() < union.sum()
    with pytest.raises(ValueError, match="threshold"):
        symmetrize(m, "C2", mode="average", threshold=0)
    with pytest.raises(ValueError, match="mode"):
        symmetrize(m, "C2", mode="max")


def test_symmetrising_works_only_in_the_masks_block():
    m = np.zeros((200, 200, 200), np.float32)
    m[95:105, 95:105, 110:120] = 1
    s = symmetrize(m, "C4")
    assert s.sum() == 4 * m.sum()
    assert not s[:80].any() and not s[120:].any()


def test_shape_copies_mask_averages_exact_copies():
    p = {"shape": "sphere", "radius": 3, "center": (10, 10, 12)}
    q = dict(p, center=(10, 10, 13))
    m = shape_copies_mask(21, [p, q], mode="average", threshold=1.0)
    assert np.array_equal(m, shapes.sphere(21, 3, center=(10, 10, 12)) * shapes.sphere(21, 3, center=(10, 10, 13)))


# ---- helical masks


def test_z_profile_follows_relions_central_part_with_a_cosine_taper():
    p = z_profile(100, 0.3, 5)
    kept = np.flatnonzero(p == 1)
    assert (kept.min(), kept.max()) == (35, 65)  # |z - 50| <= 15
    assert p[33] == pytest.approx(0.5 + 0.5 * math.cos(math.pi * 2 / 5), abs=1e-6)
    assert p[:30].max() == 0 and p[71:].max() == 0
    with pytest.raises(ValueError, match="z_fraction"):
        z_profile(100, 0)


def test_helix_z_clip_multiplies_each_plane():
    m = np.ones((40, 8, 8), np.float32)
    c = helix_z_clip(m, 0.5, 0)
    assert c[:, 3, 3].tolist() == [0.0] * 10 + [1.0] * 21 + [0.0] * 9


def test_helical_units_are_numbered_as_relion_and_fill_the_box_by_default():
    assert unit_numbers(5) == [-2, -1, 0, 1, 2]
    assert unit_numbers(2) == [0, 1]
    assert units_in_box(64, 10) == 7


@pytest.mark.parametrize("exact", [True, False])
def test_helix_turns_right_handed_and_rises_along_z(exact):
    box = 41
    params = {"shape": "sphere", "radius": 2.5, "center": (20.0, 20.0, 30.0)}
    if exact:
        recipe = make_recipe(
            "helix", {"twist_deg": 90, "rise_px": 6, "units": 3}, box_shape=box, inputs=[make_recipe("shape", params, box_shape=box)]
        )
        h = apply_recipe(recipe)[0]
    else:
        h = helix_symmetrize(shapes.shape_mask(box, **params), 90, 6, units=3)
    labels, n = cc3d.connected_components(h >= 0.5, return_N=True)
    centres = sorted(tuple(np.round(np.argwhere(labels == i).mean(axis=0), 3)) for i in range(1, n + 1))
    # unit -1: 6 voxels down, turned -90° (x -> -y); unit +1: 6 up, +90° (x -> +y)
    assert centres == [(14.0, 10.0, 20.0), (20.0, 20.0, 30.0), (26.0, 30.0, 20.0)]


def test_helix_recipe_symmetrises_then_keeps_the_central_part():
    box = (60, 24, 24)
    shape = make_recipe("shape", {"shape": "sphere", "radius": 2, "center": (30, 12, 17)}, box_shape=box)
    recipe = make_recipe(
        "helix", {"twist_deg": 36, "rise_px": 3, "z_fraction": 0.5, "z_edge_px": 0}, box_shape=box, inputs=[shape]
    )
    h = apply_recipe(recipe)[0]
    planes = np.flatnonzero(h.any(axis=(1, 2)))
    assert planes.min() >= 15 and planes.max() <= 45
    assert len(cc3d.connected_components(h >= 0.5, connectivity=6, return_N=True)[1:]) == 1
