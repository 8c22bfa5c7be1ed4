"""The rest of cryoCAT's cryomask (issue 9 §1): our own behaviour, edge cases and errors.

File-level equality with cryoCAT is in test_cryomask_cryocat.py; here are what cryoCAT gets wrong
or leaves out: empty masks, masks at the box edge, odd and non-cubic boxes, bad input.
"""

import numpy as np
import pytest
from scipy import ndimage

from napari_cryomask import cryomask as cm
from napari_cryomask.core import shapes
from napari_cryomask.core.geometry import rotation_matrix
from napari_cryomask.core.morphology import _apply, footprint_steps, open_close
from napari_cryomask.core.spans import line_spans
from napari_cryomask.io import read_volume, write_volume


def test_every_new_name_is_public():
    for name in ["get_bounding_box", "get_mass_dimensions", "get_mass_center", "fill_hollow_mask", "shrink_full_mask",
                 "compute_solidity", "mask_overlap", "postprocess", "parse_shape_string", "get_correct_format",
                 "preprocess_params", "cylindrical_mask_from_points", "molmap_tight_mask"]:
        assert name in cm.__all__ and callable(getattr(cm, name))


# ---- bounding box, dimensions, centre


def test_an_empty_mask_has_an_empty_box_no_dimensions_and_no_centre():
    empty = np.zeros((5, 6, 7), np.float32)
    start, end = cm.get_bounding_box(empty)
    assert start.tolist() == [0, 0, 0] and end.tolist() == [-1, -1, -1]
    assert empty[start[0]:end[0] + 1].size == 0
    assert cm.get_mass_dimensions(empty).tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="empty"):
        cm.get_mass_center(empty)


def test_a_mask_filling_an_odd_non_cubic_box_spans_it():
    full = np.ones((5, 8, 3))
    assert [b.tolist() for b in cm.get_bounding_box(full)] == [[0, 0, 0], [4, 7, 2]]
    assert cm.get_mass_dimensions(full).tolist() == [5, 8, 3]
    assert cm.get_mass_center(full).tolist() == [2, 4, 1]  # 3.5 rounds up to 4


def test_values_below_1e_5_are_not_part_of_the_mask(tmp_path):
    m = np.zeros((9, 9, 9), np.float32)
    m[2, 3, 4], m[6, 7, 8], m[0, 0, 0] = 1, 0.5, 1e-6
    path = tmp_path / "m.mrc"
    write_volume(path, m)
    assert [b.tolist() for b in cm.get_bounding_box(str(path))] == [[2, 3, 4], [6, 7, 8]]


def test_measures_refuse_what_is_not_a_3d_mask():
    with pytest.raises(ValueError, match="3D"):
        cm.get_bounding_box(np.ones((4, 4)))


# ---- filling and shrinking


def test_fill_hollow_mask_fills_a_closed_shell_and_accepts_an_array_footprint():
    shell = cm.spherical_shell_mask((31, 34, 29), 2, 10)
    filled = cm.fill_hollow_mask(shell)
    solid = cm.spherical_mask((31, 34, 29), 11)
    assert filled.dtype == np.float32 and filled[15, 17, 14] == 1
    assert 2 * (filled * solid).sum() / (filled.sum() + solid.sum()) > 0.98
    cube = cm.fill_hollow_mask(shell, footprint=np.ones((3, 3, 3)))  # cryoCAT: "truth value ... ambiguous"
    reference = ndimage.binary_closing(ndimage.binary_opening(filled > 0, np.ones((3, 3, 3))), border_value=0)
    assert cube.sum() > 0 and abs(cube.sum() - reference.sum()) < 0.01 * reference.sum()


def test_fill_hollow_mask_of_a_mask_touching_the_edge_keeps_to_the_box(tmp_path):
    shell = cm.spherical_shell_mask(24, 3, 11, center=(0, 12, 23))
    out = tmp_path / "filled.em"
    filled = cm.fill_hollow_mask(str(_write(tmp_path, shell)), output_path=str(out))
    assert filled[0, 12, 23] == 1 and filled.shape == (24, 24, 24)
    assert np.array_equal(read_volume(out).data, filled)


def _write(tmp_path, mask):
    path = tmp_path / "mask.mrc"
    write_volume(path, mask, overwrite=True)
    return path


def test_shrink_full_mask_pulls_the_surface_in_on_every_axis():
    box = np.zeros((20, 22, 24), np.float32)
    box[3:17, 4:18, 5:19] = 1
    shrunk = cm.shrink_full_mask(box, 2)
    assert [b.tolist() for b in cm.get_bounding_box(shrunk)] == [[5, 6, 7], [14, 15, 16]]
    assert cm.shrink_full_mask(box, 7).sum() == 0  # shrunk away entirely
    assert cm.shrink_full_mask(np.zeros((5, 5, 5)), 1).sum() == 0


@pytest.mark.parametrize("factor", [-1, 1.5, True, float("nan")])
def test_shrink_full_mask_needs_a_whole_non_negative_factor(factor):
    with pytest.raises(ValueError, match="shrink_factor"):
        cm.shrink_full_mask(np.ones((4, 4, 4)), factor)


def test_line_spans_match_a_python_loop():
    rng = np.random.default_rng(0)
    a = rng.random((6, 7, 30)) > 0.85
    for shrink in (0, 1, 2, 5):
        expected = np.zeros_like(a)
        for index in np.ndindex(a.shape[:2]):
            hits = np.flatnonzero(a[index])
            if hits.size and hits[-1] - hits[0] + 1 - 2 * shrink > 0:
                expected[index][hits[0] + shrink:hits[-1] + 1 - shrink] = True
        assert np.array_equal(line_spans(a, 2, shrink), expected)


FOOTPRINTS = [np.ones((2, 2, 2)), None, np.ones((3, 1, 2)), np.ones((4, 3, 2)), ndimage.generate_binary_structure(3, 2),
              np.array([[[1, 0, 0]]])]


@pytest.mark.parametrize("footprint", FOOTPRINTS, ids=range(len(FOOTPRINTS)))
def test_erosion_and_dilation_equal_scipys(footprint):
    rng = np.random.default_rng(2)
    for _ in range(15):
        image = rng.random(tuple(rng.integers(1, 9, 3))) > 0.4
        for fp, _n in footprint_steps(footprint):
            for n in (1, 2):
                for erode, function in ((True, ndimage.binary_erosion), (False, ndimage.binary_dilation)):
                    expected = image
                    for _ in range(n):  # iterations=n with a footprint larger than the image crashes SciPy 1.17
                        expected = function(expected, structure=fp, border_value=erode)
                    assert np.array_equal(_apply(image, [(fp, n)], erode), expected)


@pytest.mark.parametrize("footprint", FOOTPRINTS, ids=range(len(FOOTPRINTS)))
def test_opening_and_closing_in_the_block_equal_the_whole_box(footprint):
    rng = np.random.default_rng(5)
    image = np.zeros((30, 31, 32), bool)
    image[6:20, 12:25, 3:28] = rng.random((14, 13, 25)) > 0.3
    image[0, 0, 5] = True  # at the box edge too
    whole = image
    steps = footprint_steps(footprint)
    expected = _apply(_apply(whole, steps, True), steps, False)
    cross = footprint_steps(None)
    expected = _apply(_apply(expected, cross, False), cross, True)
    assert np.array_equal(open_close(image, footprint), expected)


# ---- solidity and overlap


def test_solidity_of_two_regions_counts_both_and_flat_masks_are_finite():
    a = np.zeros((12, 12, 30), bool)
    a[2:6, 2:6, 2:6] = True
    a[2:6, 2:6, 20:24] = True  # two cubes far apart: the hull spans the gap
    assert cm.compute_solidity(a) < 0.5
    flat = np.zeros((8, 8, 8))
    flat[4, 2:6, 2:6] = 1  # scikit-image, and so cryoCAT, give infinity
    assert cm.compute_solidity(flat) == 1.0
    line = np.zeros((5, 5, 9))
    line[2, 2, 1:8] = 1
    assert cm.compute_solidity(line) == 1.0


def test_solidity_of_an_empty_mask_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        cm.compute_solidity(np.zeros((4, 4, 4)))


def test_mask_overlap_counts_voxels_and_refuses_different_boxes():
    a = np.zeros((4, 5, 6))
    a[1:3, 1:3, 1:3] = 1
    assert cm.mask_overlap(a, a) == 8 and cm.mask_overlap(a, np.zeros_like(a)) == 0
    assert cm.mask_overlap(a, np.zeros_like(a), threshold=0.5) == 8
    with pytest.raises(ValueError, match="share one box"):
        cm.mask_overlap(a, np.zeros((4, 5, 7)))


# ---- helpers


def test_parse_shape_string_takes_decimals_and_gives_radii_in_zyx():
    assert cm.parse_shape_string("ellipsoid_rx4_ry6_rz8.5") == ("ellipsoid", [8.5, 6, 4])
    kind, radii = cm.parse_shape_string("ellipsoid_rx4_ry6_rz8")
    assert np.array_equal(cm.ellipsoid_mask(24, radii=radii), cm.generate_mask("ellipsoid_rx4_ry6_rz8", 24))
    with pytest.raises(ValueError, match="does not match"):
        cm.parse_shape_string("cube_r4")


def test_get_correct_format_takes_numpy_numbers_and_refuses_the_rest():
    assert cm.get_correct_format(np.int64(5)).tolist() == [5, 5, 5]  # cryoCAT returns None
    assert cm.get_correct_format(np.array([3.9, 4, 5])).tolist() == [3, 4, 5]
    for bad in ((1, 2), "64", (1, float("nan"), 3)):
        with pytest.raises(ValueError):
            cm.get_correct_format(bad)
    with pytest.raises(ValueError, match="reference_size"):
        cm.get_correct_format(None)


def test_preprocess_params_refuses_a_negative_blur():
    with pytest.raises(ValueError, match="gaussian"):
        cm.preprocess_params(4, -1, True)


def test_postprocess_blurs_rotates_and_writes(tmp_path):
    rod = cm.cylindrical_mask(24, 3, 16)
    out = cm.postprocess(rod, 0, (0, 90, 0), output_path=str(tmp_path / "p.mrc"))
    assert out[12, 4, 12] > 0.5 and out[4, 12, 12] < 0.5  # turned about x: the rod lies along y
    assert np.array_equal(read_volume(tmp_path / "p.mrc").data, out)
    assert np.array_equal(cm.postprocess(rod, 0, None), rod)


# ---- the cylinder between two markers


def _axis(mask):
    """Unit principal axis (z, y, x) of a mask's voxels."""
    points = np.argwhere(mask > 0.5).astype(float)
    points -= points.mean(axis=0)
    return np.linalg.eigh(points.T @ points)[1][:, -1]


@pytest.mark.parametrize("m1, m2", [((10, 20, 30), (50, 40, 35)), ((30, 30, 10), (30, 30, 70)), ((60, 10, 40), (10, 60, 40))])
def test_cylinder_from_points_runs_from_marker_to_marker(m1, m2):
    box = (41, 38, 44)  # odd and non-cubic
    pixel = 1.5
    m = cm.cylindrical_mask_from_points(m1, m2, box, pixel_size=pixel, radius=3)
    start, end = np.divide(m1, pixel), np.divide(m2, pixel)
    direction = (end - start) / np.linalg.norm(end - start)
    assert abs(_axis(m) @ direction) > 0.999
    for t in (0.1, 0.5, 0.9):
        assert m[tuple(np.round(start + t * (end - start)).astype(int))] == 1
    beyond = np.round(end + 3 * direction).astype(int)
    if all(0 <= b < n for b, n in zip(beyond, box)):
        assert m[tuple(beyond)] == 0


def test_cylinder_from_points_is_the_exact_cylinder_at_the_markers():
    m1, m2 = (12.0, 20.0, 30.0), (40.0, 28.0, 14.0)
    ours = cm.cylindrical_mask_from_points(m1, m2, 40, pixel_size=(2, 2, 2), chimera_origin_idx=(1, 2, 3), radius=4, gaussian=1)
    start, end = np.divide(m1, 2) + (1, 2, 3), np.divide(m2, 2) + (1, 2, 3)
    from napari_cryomask.core.segment import segment_placement

    center, length, angles = segment_placement(start, end)
    assert np.allclose(rotation_matrix(angles) @ (1, 0, 0), (end - start) / length)
    assert np.array_equal(ours, cm.cylindrical_mask(40, 4, length, center=center, angles=angles, gaussian=1))


def test_cylinder_from_points_outside_the_box_or_without_direction_is_an_error():
    with pytest.raises(ValueError, match="outside the 32x32x32 box"):
        cm.cylindrical_mask_from_points((500, 500, 500), (520, 510, 500), 32, radius=3)
    with pytest.raises(ValueError, match="same"):
        cm.cylindrical_mask_from_points((5, 5, 5), (5, 5, 5), 32)
    with pytest.raises(ValueError, match="pixel_size"):
        cm.cylindrical_mask_from_points((5, 5, 5), (9, 5, 5), 32, pixel_size=0)


# ---- molmap tight mask and the zero semi-axis


def test_molmap_tight_mask_ignores_nan_and_refuses_bad_parameters():
    d = np.zeros((10, 11, 12), np.float32)
    d[4:6, 4:6, 4:6] = 1
    d[0, 0, 0] = np.nan
    assert cm.molmap_tight_mask(d).sum() == 8
    with pytest.raises(ValueError, match="dilation_size"):
        cm.molmap_tight_mask(d, dilation_size=-1)
    with pytest.raises(ValueError, match="3D"):
        cm.molmap_tight_mask(np.ones((3, 3)))
    assert cm.molmap_tight_mask(np.zeros((6, 6, 6))).sum() == 0


def test_a_zero_semi_axis_gives_an_empty_ellipsoid_and_a_negative_one_an_error():
    assert cm.ellipsoid_mask(9, radii=(0, 1, 2)).sum() == 0
    assert shapes.shape_mask((9, 10, 11), "ellipsoid", radii=(3, 0, 2), edge="cosine", edge_width_px=2).sum() == 0
    assert cm.ellipsoid_shell_mask(20, 2, (0, 5, 6)).sum() > 0  # the outer surface is not flat
    with pytest.raises(ValueError, match="radii"):
        cm.ellipsoid_mask(9, radii=(-1, 1, 2))
    with pytest.raises(ValueError, match="radii"):
        shapes.shape_mask(9, "ellipsoid", radii=(-1, 1, 2))


# ---- cross dilation (map_tight_mask)


def test_taxicab_distance_equals_the_chamfer_distance_up_to_the_cap():
    from napari_cryomask.cryomask import _taxicab_distance

    rng = np.random.default_rng(4)
    for ndim in (1, 2, 3):
        for _ in range(20):
            shape = tuple(int(n) for n in rng.integers(1, 14, ndim))
            binary = rng.random(shape) < rng.choice([0.0, 0.02, 0.1, 0.5, 1.0])
            cap = int(rng.integers(0, 16))
            got = _taxicab_distance(binary, cap)
            if binary.any():
                exact = ndimage.distance_transform_cdt(~binary, metric="taxicab")
            else:
                exact = np.full(shape, cap + 1)
            assert got.shape == shape and np.array_equal(got, np.minimum(exact, cap + 1))


def test_cross_dilation_of_a_block_touching_the_box_faces():
    from napari_cryomask.cryomask import _cross_dilated_block

    rng = np.random.default_rng(5)
    inside = rng.random((6, 9, 4)) < 0.2
    block = (slice(0, 6), slice(3, 12), slice(8, 12))
    shape = (10, 12, 12)
    whole = np.zeros(shape, bool)
    whole[block] = inside
    grown_inside, grown = _cross_dilated_block(inside, block, 3, shape)
    out = np.zeros(shape, bool)
    out[grown] = grown_inside
    cross = ndimage.generate_binary_structure(3, 1)
    assert np.array_equal(out, ndimage.binary_dilation(whole, cross, iterations=3))
    assert grown_inside.flags.c_contiguous
