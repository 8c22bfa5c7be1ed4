"""Recipes: building, saving beside a mask, loading, and exact replay."""

import json

import numpy as np
import pytest

from napari_cryomask import cryomask
from napari_cryomask.core import shapes
from napari_cryomask.core.tight import tight_mask
from napari_cryomask.io import Volume, read_volume, write_volume
from napari_cryomask.recipes import (
    apply_recipe,
    data_digest,
    file_recipe,
    load_recipe,
    make_recipe,
    recipe_with_like,
    save_recipe,
    sidecar_path,
)


def _density():
    z, y, x = np.mgrid[:24, :28, :32]
    blob = np.exp(-((z - 12.0) ** 2 + (y - 14.0) ** 2 + (x - 15.0) ** 2) / 30)
    return (blob + 0.5 * np.exp(-((z - 5.0) ** 2 + (y - 6.0) ** 2 + (x - 25.0) ** 2) / 6)).astype(np.float32)


def test_sidecar_is_mask_name_plus_json_for_mrc_and_em(tmp_path):
    assert sidecar_path(tmp_path / "m.mrc") == tmp_path / "m.mrc.json"
    assert sidecar_path(tmp_path / "m.em") == tmp_path / "m.em.json"


def test_save_and_load_round_trip_through_the_sidecar(tmp_path):
    recipe = make_recipe("shape", {"shape": "sphere", "radius": 4.5}, box_shape=(16, 18, 20), voxel_size=2.0, origin=(1, 2, 3))
    written = save_recipe(tmp_path / "m.em", recipe)
    assert written == tmp_path / "m.em.json"
    assert load_recipe(tmp_path / "m.em") == recipe
    assert load_recipe(written) == recipe
    assert not list(tmp_path.glob(".*tmp"))


def test_shape_recipe_replays_the_core_mask_after_json():
    params = {
        "shape": "cone", "radius": 5.5, "height": 9, "center": (9, 10.5, 11), "angles": (10, 70, -30),
        "edge": "cosine", "edge_width_px": 2.5,
    }
    recipe = json.loads(json.dumps(make_recipe("shape", params, box_shape=(20, 22, 24))))
    mask, voxel_size = apply_recipe(recipe)
    assert voxel_size is None
    expected = shapes.shape_mask((20, 22, 24), **params)
    assert mask.tobytes() == expected.tobytes()


def test_generate_recipe_uses_the_map_box_when_given_like():
    recipe = make_recipe("generate", {"name": "sphere_r6", "mask_size": None, "mask_expansion": 4})
    assert np.array_equal(apply_recipe(recipe)[0], cryomask.generate_mask("sphere_r6"))
    like = Volume(np.zeros((20, 22, 24), np.float32), (3.0, 3.0, 3.0), (0.0, 0.0, 0.0))
    mask, voxel_size = apply_recipe(recipe, like)
    assert mask.shape == (20, 22, 24) and voxel_size == (3.0, 3.0, 3.0)
    assert np.array_equal(mask, cryomask.generate_mask("sphere_r6", (20, 22, 24)))


def test_tight_recipe_prefers_its_own_voxel_size_over_the_map_header(tmp_path):
    density = _density()
    write_volume(tmp_path / "map.mrc", density, voxel_size=5.0)
    params = {"threshold": 0.3, "lowpass_A": 30.0, "n_regions": 1, "extend_px": 1.5, "edge": "gaussian", "edge_width_px": 1.0}
    recipe = make_recipe("tight", params, voxel_size=2.0, map=str(tmp_path / "map.mrc"))
    mask, voxel_size = apply_recipe(recipe)
    assert voxel_size == (2.0, 2.0, 2.0)
    p = dict(params)
    expected = tight_mask(density, p.pop("threshold"), voxel_size=2.0, **p)
    assert np.array_equal(mask, expected)
    assert not np.array_equal(mask, tight_mask(density, 0.3, voxel_size=5.0, **p))


@pytest.mark.parametrize("operation", ["shape", "generate", "tight", "combine"])
def test_recipe_with_like_replays_like_apply_with_like(tmp_path, operation):
    density = _density()
    like_path = tmp_path / "like.mrc"
    write_volume(like_path, density, voxel_size=(2.0, 2.5, 3.0), origin=(4, 5, 6))
    like = read_volume(like_path)
    write_volume(tmp_path / "other.mrc", density[::-1].copy(), voxel_size=7.0)
    sphere = make_recipe("shape", {"shape": "sphere", "radius": 5}, box_shape=12, voxel_size=1.0)
    recipes = {
        "shape": sphere,
        "generate": make_recipe("generate", {"name": "cylinder_r4_h8", "mask_size": None, "mask_expansion": 4}),
        "tight": make_recipe("tight", {"threshold": 0.4, "lowpass_A": 20.0}, map=str(tmp_path / "other.mrc")),
        "combine": make_recipe(
            "combine", {"operation": "subtraction"},
            inputs=[make_recipe("tight", {"threshold": 0.2}, map=str(tmp_path / "other.mrc")), sphere],
        ),
    }
    recipe = dict(recipes[operation], data_sha256="0" * 64)
    rebased = recipe_with_like(recipe, like, like_path)
    assert "data_sha256" not in rebased
    assert rebased["box_shape"] == [24, 28, 32] and rebased["origin"] == [4.0, 5.0, 6.0]
    alone, size_alone = apply_recipe(json.loads(json.dumps(rebased)))
    with_like, size_like = apply_recipe(recipe, like)
    assert alone.shape == (24, 28, 32)
    assert alone.tobytes() == with_like.tobytes()
    assert tuple(size_alone) == tuple(size_like) == (2.0, 2.5, 3.0)


def test_file_recipe_refuses_a_changed_file(tmp_path):
    path = tmp_path / "m.mrc"
    write_volume(path, shapes.sphere(16, 4), voxel_size=2.0)
    recipe = file_recipe(path, read_volume(path))
    assert recipe["params"]["sha256"] == data_digest(shapes.sphere(16, 4))
    assert np.array_equal(apply_recipe(recipe)[0], shapes.sphere(16, 4))
    write_volume(path, shapes.sphere(16, 5), voxel_size=2.0, overwrite=True)
    with pytest.raises(ValueError, match="m.mrc has changed"):
        apply_recipe(recipe)


def test_data_digest_depends_on_values_not_dtype_or_byte_order():
    a = shapes.sphere(8, 2)
    assert data_digest(a) == data_digest(a.astype(">f4")) == data_digest(a.astype(np.float64))
    b = a.copy()
    b[0, 0, 0] = 1e-7
    assert data_digest(a) != data_digest(b)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"cryomask_recipe": 2, "operation": "shape"}', "version 1"),
        ('{"cryomask_recipe": 1, "operation": "melt"}', "must be one of"),
        ("[1, 2]", "JSON object"),
    ],
)
def test_load_recipe_names_the_file_and_the_problem(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message) as err:
        load_recipe(path)
    assert "bad.json" in str(err.value)


def test_load_recipe_without_sidecar_names_the_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"m\.mrc\.json does not exist"):
        load_recipe(tmp_path / "m.mrc")
