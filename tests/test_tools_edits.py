"""Hand edits: runs, the rebuilt soft edge, exact replay, stale edits refused; slice interpolation."""

import json

import numpy as np
import pytest

from napari_cryomask.core import shapes
from napari_cryomask.core.edge_rebuild import level_depth, soft_from_binary
from napari_cryomask.core.edits import apply_edits, binary_digest, decode_runs, edit_runs, edited_mask, encode_runs, runs_of
from napari_cryomask.core.interpolate import interpolate_planes
from napari_cryomask.io import read_volume, write_volume
from napari_cryomask.recipes import apply_recipe, load_recipe, make_recipe, save_recipe
from napari_cryomask.recipes.tools_edit import edit_recipe, edits_path

# ---- runs


def test_runs_encode_and_decode_any_binary():
    rng = np.random.default_rng(3)
    for p in (0.0, 0.01, 0.5, 1.0):
        b = rng.random((7, 9, 11)) < p
        runs = runs_of(b)
        again = np.zeros(b.size, bool)
        for start, length in decode_runs(encode_runs(runs), b.size):
            again[start:start + length] = True
        assert np.array_equal(again.reshape(b.shape), b)


def test_bad_runs_are_refused_with_what_is_wrong():
    with pytest.raises(ValueError, match="not runs written by cryomask"):
        decode_runs("not base64!")
    with pytest.raises(ValueError, match="beyond the 10 voxels"):
        decode_runs(encode_runs([[8, 5]]), 10)
    with pytest.raises(ValueError, match="in order"):
        apply_edits(np.zeros(10, bool), [[5, 2], [3, 1]], [])


def test_edit_runs_record_what_was_added_and_removed():
    before = shapes.sphere(32, 8) >= 0.5
    after = before.copy()
    after[16, 16, 22:30] = True  # a stroke out of the sphere
    after[12:20, 12:20, 10:14] = False  # an erased corner
    added, removed = edit_runs(before, after)
    assert len(added) == 1 and len(removed) == 64
    assert np.array_equal(apply_edits(before, added, removed), after)


# ---- the rebuilt edge


@pytest.mark.parametrize("edge, width", [("cosine", 4), ("gaussian", 1.5), ("none", 0)])
def test_a_rebuilt_edge_gives_back_the_binary_and_the_mask_it_came_from(edge, width):
    m = shapes.ellipsoid(48, (8, 11, 14), angles=(10, 40, 70), edge=edge, edge_width_px=width)
    b = m >= 0.5
    rebuilt = soft_from_binary(b, edge, width)
    assert rebuilt.dtype == np.float32
    assert np.array_equal(rebuilt >= 0.5, b)
    assert np.abs(rebuilt - m).max() < 0.35
    assert abs(float(rebuilt.sum() - m.sum())) < 0.02 * m.sum()
    if edge != "none":
        # the edge lies half inside the contour, as it did: the plateau is the contour eroded by the depth
        assert (rebuilt >= 1).sum() == pytest.approx((m >= 1).sum(), rel=0.12)
        assert (rebuilt > 0).sum() == pytest.approx((m > 0).sum(), rel=0.12)
        assert level_depth(edge, width) > 0


def test_an_edited_mask_keeps_its_values_away_from_the_edits():
    m = shapes.sphere(48, 10, edge="cosine", edge_width_px=4)
    painted = m >= 0.5
    painted[24, 22:26, 36:44] = True
    e = edited_mask(m, painted, "cosine", 4)
    assert np.array_equal(e >= 0.5, painted)
    assert np.array_equal(e[:, :, :26], m[:, :, :26])
    assert e[24, 24, 40] > 0.5 and 0 < e[24, 24, 45] < 0.5
    assert np.array_equal(edited_mask(m, m >= 0.5, "cosine", 4), m)


def test_soft_from_binary_computes_only_near_the_binary():
    b = np.zeros((300, 300, 300), bool)
    b[140:160, 140:160, 140:160] = True
    m = soft_from_binary(b, "cosine", 6)
    assert m[:120].max() == 0 and m[:, :, 180:].max() == 0
    assert m[150, 150, 150] == 1


# ---- replay


def _sphere_recipe():
    return make_recipe("shape", {"shape": "sphere", "radius": 7, "edge": "cosine", "edge_width_px": 3}, box_shape=32, voxel_size=2.5)


def _painted(mask):
    edited = mask >= 0.5
    edited[16, 14:18, 24:31] = True  # a stroke out of the sphere
    edited[16:30, 4:12, 8:16] = False
    return edited


@pytest.mark.parametrize("in_file", [False, True])
def test_edits_replay_byte_for_byte_through_a_saved_sidecar(tmp_path, in_file):
    shape = _sphere_recipe()
    mask = apply_recipe(shape)[0]
    target = tmp_path / "edited.mrc"
    kwargs = {"edits_file": edits_path(target)} if in_file else {}
    recipe, edited = edit_recipe(shape, mask, _painted(mask), voxel_size=2.5, **kwargs)
    assert recipe["params"]["edge"] == "cosine" and recipe["params"]["edge_width_px"] == 3
    assert ("edits_file" in recipe["params"]) == in_file
    write_volume(target, edited, voxel_size=2.5)
    save_recipe(target, recipe, edited)
    replayed, voxel_size = apply_recipe(json.loads(json.dumps(load_recipe(target))))
    assert replayed.tobytes() == read_volume(target).data.tobytes()
    assert voxel_size == (2.5, 2.5, 2.5)
    assert np.array_equal(replayed >= 0.5, _painted(mask))


def test_a_missing_or_stale_edits_file_is_an_error_that_says_so(tmp_path):
    shape = _sphere_recipe()
    mask = apply_recipe(shape)[0]
    path = tmp_path / "m.mrc.edits.npz"
    recipe, _ = edit_recipe(shape, mask, _painted(mask), edits_file=path)
    other, _ = edit_recipe(shape, mask, mask >= 0.5, edits_file=tmp_path / "other.npz")
    (tmp_path / "other.npz").replace(path)  # another edit's file in its place
    with pytest.raises(ValueError, match="stale"):
        apply_recipe(recipe)
    path.unlink()
    with pytest.raises(FileNotFoundError, match="missing"):
        apply_recipe(recipe)


def test_edits_drawn_on_another_mask_are_refused():
    shape = _sphere_recipe()
    mask = apply_recipe(shape)[0]
    recipe, _ = edit_recipe(shape, mask, _painted(mask))
    recipe["inputs"][0]["params"]["radius"] = 8  # the input now makes another mask
    with pytest.raises(ValueError, match="stale"):
        apply_recipe(recipe)


def test_edit_of_a_file_mask_estimates_its_edge(tmp_path):
    from napari_cryomask.recipes import file_recipe

    path = tmp_path / "m.mrc"
    write_volume(path, shapes.sphere(40, 9, edge="gaussian", edge_width_px=2), voxel_size=3)
    volume = read_volume(path)
    recipe, edited = edit_recipe(file_recipe(path, volume), volume.data, volume.data >= 0.5)
    assert recipe["params"]["edge"] == "gaussian"
    assert recipe["params"]["edge_width_px"] == pytest.approx(2, rel=0.1)
    assert binary_digest(edited >= 0.5) == recipe["params"]["before_sha256"]
    assert apply_recipe(recipe)[0].tobytes() == edited.tobytes()


# ---- interpolation between drawn planes


def _disc(shape, z, radius, center=(16, 16)):
    b = np.zeros(shape, bool)
    y, x = np.indices(shape[1:])
    b[z] = (y - center[0]) ** 2 + (x - center[1]) ** 2 <= radius**2
    return b


def test_two_equal_discs_give_a_cylinder():
    shape = (32, 32, 32)
    drawn = _disc(shape, 6, 7) | _disc(shape, 24, 7)
    solid = interpolate_planes(drawn)
    for z in range(6, 25):
        assert np.array_equal(solid[z], _disc(shape, 6, 7)[6])
    assert not solid[:6].any() and not solid[25:].any()


def test_discs_of_two_sizes_give_a_frustum_and_moved_discs_slide():
    shape = (32, 32, 32)
    solid = interpolate_planes(_disc(shape, 4, 4) | _disc(shape, 20, 12))
    radii = [np.sqrt(solid[z].sum() / np.pi) for z in range(4, 21)]
    assert all(b >= a for a, b in zip(radii, radii[1:]))
    assert np.allclose(radii, np.linspace(4, 12, len(radii)), atol=0.7)  # a straight side: a frustum
    moved = interpolate_planes(_disc(shape, 2, 6, (12, 12)) | _disc(shape, 12, 6, (20, 20)))
    centres = [np.argwhere(moved[z]).mean(axis=0)[0] for z in range(2, 13)]
    assert all(b > a for a, b in zip(centres, centres[1:]))
    assert centres[5] == pytest.approx(16, abs=0.01)


def test_interpolation_across_other_axes_and_listed_planes():
    shape = (32, 32, 32)
    drawn = np.moveaxis(_disc(shape, 6, 5) | _disc(shape, 24, 5), 0, 2)  # planes across x
    solid = interpolate_planes(drawn, axis=2)
    assert solid[:, :, 6:25].any(axis=(0, 1)).all()
    ended = interpolate_planes(_disc(shape, 6, 5), planes=[6, 20])  # drawn as empty at 20
    assert ended[6].any() and not ended[7:].any()
    with pytest.raises(ValueError, match="planes must lie"):
        interpolate_planes(drawn, planes=[40])
