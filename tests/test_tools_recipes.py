"""Recipes of symmetrize, helix, clip, apply, resample and edit: schemas, exact replay, moving onto a map."""

import json

import numpy as np
import pytest

from napari_cryomask.core import shapes
from napari_cryomask.io import Volume, write_volume
from napari_cryomask.recipes import apply_recipe, file_recipe, make_recipe, recipe_with_like, validate_recipe
from napari_cryomask.recipes.tools import known_edge


def _shape(box=32, voxel_size=2.0):
    params = {"shape": "ellipsoid", "radii": (4, 5, 7), "center": (15, 17, 19), "angles": (0, 30, 10), "edge": "cosine", "edge_width_px": 2}
    return make_recipe("shape", params, box_shape=box, voxel_size=voxel_size)


def _density(box=32):
    z, y, x = np.mgrid[:box, :box, :box]
    return np.exp(-((z - 16.0) ** 2 + (y - 15.0) ** 2 + (x - 17.0) ** 2) / 40).astype(np.float32)


CASES = {
    "symmetrize union": ("symmetrize", {"group": "D3"}),
    "symmetrize average": ("symmetrize", {"group": "C2", "mode": "average", "threshold": 0.5, "edge": "cosine", "edge_width_px": 2}),
    "helix": ("helix", {"twist_deg": 40, "rise_px": 3, "units": 5, "z_fraction": 0.6, "z_edge_px": 3}),
    "helix clip only": ("helix", {"z_fraction": 0.3}),
    "clip sphere": ("clip", {"by": "sphere", "radius": 9, "edge_width_px": 2}),
    "clip box": ("clip", {"by": "box", "size": (10, 30, 12), "center": (16, 16, 18)}),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("source", ["shape", "file"])
def test_recipes_replay_byte_for_byte_after_json(tmp_path, name, source):
    operation, params = CASES[name]
    shape = _shape()
    if source == "file":
        path = tmp_path / "m.mrc"
        write_volume(path, apply_recipe(shape)[0], voxel_size=2.0)
        from napari_cryomask.io import read_volume

        shape = file_recipe(path, read_volume(path))
    recipe = make_recipe(operation, params, box_shape=32, voxel_size=2.0, inputs=[shape])
    first, voxel_size = apply_recipe(recipe)
    again, _ = apply_recipe(json.loads(json.dumps(recipe)))
    assert first.dtype == np.float32 and first.tobytes() == again.tobytes()
    assert voxel_size == (2.0, 2.0, 2.0)
    assert 0 <= first.min() and first.max() <= 1 and first.any()


def test_apply_and_resample_recipes_replay_and_move_onto_a_map(tmp_path):
    density = _density()
    map_path = tmp_path / "map.mrc"
    write_volume(map_path, density, voxel_size=2.0, origin=(4.0, 0.0, -2.0))
    from napari_cryomask.io import read_volume
    from napari_cryomask.recipes import data_digest

    volume = read_volume(map_path)
    applied = make_recipe(
        "apply", {"outside": "mean"}, box_shape=32, voxel_size=2.0, inputs=[_shape()], map=str(map_path), map_sha256=data_digest(density)
    )
    masked, _ = apply_recipe(json.loads(json.dumps(applied)))
    assert masked.tobytes() == apply_recipe(applied)[0].tobytes()
    write_volume(map_path, density * 2, voxel_size=2.0, overwrite=True)
    with pytest.raises(ValueError, match="has changed"):
        apply_recipe(applied)
    moved = recipe_with_like(applied, volume, map_path)
    assert "map_sha256" not in moved and moved["map"] == str(map_path.resolve())

    resample = make_recipe(
        "resample", {"from_voxel_size": (2.0, 2.0, 2.0), "from_origin": (0, 0, 0), "edge": "cosine", "edge_width_A": 4.0},
        box_shape=20, voxel_size=3.0, origin=(1.0, 1.0, 1.0), inputs=[_shape()],
    )
    r, voxel_size = apply_recipe(resample)
    assert r.shape == (20, 20, 20) and voxel_size == (3.0, 3.0, 3.0)
    assert apply_recipe(json.loads(json.dumps(resample)))[0].tobytes() == r.tobytes()
    like = Volume(np.zeros((24, 24, 24), np.float32), (2.5, 2.5, 2.5), (0.0, 0.0, 0.0))
    onto = recipe_with_like(resample, like, "like.mrc")
    assert onto["params"]["from_voxel_size"] == [2.5, 2.5, 2.5]
    assert apply_recipe(onto)[0].shape == (24, 24, 24)


def test_symmetrize_recipe_moves_onto_a_larger_map():
    recipe = make_recipe("symmetrize", {"group": "C4"}, box_shape=32, inputs=[_shape()])
    like = Volume(np.zeros((41, 41, 41), np.float32), (2.0, 2.0, 2.0), (0.0, 0.0, 0.0))
    m = apply_recipe(recipe_with_like(recipe, like, "like.mrc"))[0]
    assert m.shape == (41, 41, 41)
    assert np.allclose(np.rot90(m, 1, axes=(1, 2)), m, atol=1e-5)


@pytest.mark.parametrize(
    "operation, params, message",
    [
        ("symmetrize", {"group": "C0"}, "params.group must be a symmetry group"),
        ("symmetrize", {"group": "C2", "mode": "max"}, "params.mode must be one of union, average"),
        ("symmetrize", {"group": "C2", "threshold": 0}, "params.threshold must be > 0"),
        ("helix", {"z_fraction": 1.5}, "params.z_fraction must be ≤ 1"),
        ("clip", {"by": "cylinder"}, "params.by must be one of sphere, box"),
        ("clip", {"by": "sphere", "radius": -2}, "params.radius must be > 0"),
        ("resample", {"from_voxel_size": (1, 1, 1), "edge": "cosine"}, "parameter 'edge_width_A' is missing"),
        ("edit", {"before_sha256": "x", "colour": 1}, "unknown parameter 'colour'"),
    ],
)
def test_schemas_refuse_bad_parameters_with_one_line(operation, params, message):
    recipe = {"cryomask_recipe": 1, "operation": operation, "params": params, "inputs": [_shape()]}
    with pytest.raises(ValueError, match=message):
        validate_recipe(recipe)


def test_known_edge_follows_a_recipe_through_union_copies_and_clips():
    shape = _shape()
    assert known_edge(shape) == ("cosine", 2)
    sym = make_recipe("symmetrize", {"group": "C3"}, box_shape=32, inputs=[shape])
    clip = make_recipe("clip", {"by": "sphere", "radius": 12}, box_shape=32, inputs=[sym])
    assert known_edge(clip) == ("cosine", 2)
    combined = make_recipe("combine", {"operation": "union"}, box_shape=32, inputs=[shape, shape])
    assert known_edge(combined) is None
    resampled = make_recipe("resample", {"from_voxel_size": (2, 2, 2), "edge": "gaussian", "edge_width_A": 6}, box_shape=16,
                            voxel_size=3.0, inputs=[shape])
    assert known_edge(resampled) == ("gaussian", 2.0)


def test_exact_symmetry_of_a_shape_recipe_keeps_soft_edges_exact():
    # cryoCAT applies phi first, so a turn about z after the shape's own rotation adds to psi
    recipe = make_recipe("symmetrize", {"group": "C2"}, box_shape=32, inputs=[_shape()])
    m = apply_recipe(recipe)[0]
    one = shapes.shape_mask(32, **_shape()["params"])
    other = shapes.shape_mask(32, **dict(_shape()["params"], center=(15.0, 15.0, 13.0), angles=(0.0, 30.0, 190.0)))
    assert np.abs(m - np.maximum(one, other)).max() < 1e-5
