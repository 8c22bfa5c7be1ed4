"""Recipes and sidecars are data: validated before anything runs; written together with their mask."""

import json
import os
import threading

import numpy as np
import pytest

from napari_cryomask.core import limits, shapes
from napari_cryomask.io import PendingFile, read_volume, write_volume
from napari_cryomask.recipes import (
    apply_recipe,
    current_recipe,
    data_digest,
    load_recipe,
    make_recipe,
    save_recipe,
    sidecar_path,
    validate_recipe,
    write_with_recipe,
)
from napari_cryomask.recipes import sidecar as sidecar_module


def sphere_recipe(**extra):
    return make_recipe("shape", {"shape": "sphere", "radius": 3}, box_shape=16, voxel_size=2.0, **extra)


def soften_chain(depth):
    recipe = sphere_recipe()
    for _ in range(depth):
        recipe = {**sphere_recipe(), "operation": "soften", "params": {"edge": "cosine", "edge_width_px": 1}, "inputs": [recipe]}
    return recipe


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cryomask_recipe": True}, r"cryomask_recipe must be the number 1 \(the recipe version\), got True"),
        ({"cryomask_recipe": 1.5}, "not a cryomask recipe of version 1"),
        ({"colour": "red"}, r"recipe: unknown key 'colour' \(known: "),
        ({"voxel_size": [-2.0, 2.0, 2.0]}, r"voxel_size must hold three numbers \(z, y, x\), each of which must be ≥ 0.0001"),
        ({"voxel_size": [1e-300, 1, 1]}, r"voxel_size must hold three numbers"),
        ({"box_shape": [16, 16, 2**40]}, r"box_shape must be a box size: one whole number from 1 to 2,147,483,647"),
        ({"box_shape": "big"}, "box_shape must be a box size"),
        ({"origin": [0, float("nan"), 0]}, "origin must hold three numbers"),
        ({"params": [1, 2]}, r"recipe: params must be a JSON object, got \[1, 2\]"),
        ({"params": {"shape": "sphere", "radius": 10**400}}, r"params\.radius must be ≥ 0, got|params\.radius must be a finite number"),
        ({"inputs": "all"}, "inputs must be a list of recipes"),
        ({"inputs": [sphere_recipe()]}, "a shape recipe takes no inputs, got 1"),
        ({"data_sha256": "abc"}, "data_sha256 must be a SHA-256 digest"),
        ({"units": 3}, "units must be a JSON object"),
    ],
)
def test_bad_recipes_are_refused_with_one_clear_line(change, message):
    recipe = {**sphere_recipe(), **change}
    with pytest.raises(ValueError, match=message):
        validate_recipe(json.loads(json.dumps(recipe)))


def test_missing_keys_are_named():
    recipe = sphere_recipe()
    del recipe["params"]
    with pytest.raises(ValueError, match="recipe: key 'params' is missing"):
        validate_recipe(recipe)


def test_errors_inside_inputs_say_where():
    recipe = soften_chain(2)
    recipe["inputs"][0]["inputs"][0]["params"]["radius"] = -1
    with pytest.raises(ValueError, match=r"^inputs\[0\]\.inputs\[0\]: shape recipe: params\.radius must be ≥ 0"):
        validate_recipe(recipe)


def test_deep_nesting_is_refused_without_recursion_error(tmp_path):
    with pytest.raises(ValueError, match="nest deeper than 64"):
        validate_recipe(soften_chain(200))
    path = tmp_path / "deep.json"
    path.write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(ValueError, match=r"deep\.json is not a recipe: its JSON nests too deeply"):
        load_recipe(path)


def test_huge_sidecars_are_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr(sidecar_module, "MAX_SIDECAR_BYTES", 1000)
    path = tmp_path / "m.mrc.json"
    path.write_text(json.dumps(sphere_recipe(note="x" * 2000)))
    with pytest.raises(ValueError, match=r"m\.mrc\.json is larger than"):
        load_recipe(tmp_path / "m.mrc")


def test_a_box_that_cannot_fit_is_refused_before_replaying(monkeypatch):
    recipe = make_recipe("shape", {"shape": "sphere", "radius": 3}, box_shape=(2048, 2048, 1024))
    monkeypatch.setattr(limits, "available_bytes", lambda: 4 << 30)
    with pytest.raises(limits.TooLarge, match=r"box_shape of the shape recipe: 2048 x 2048 x 1024 float32 voxels need 16.0 GiB"):
        apply_recipe(recipe)
    combined = make_recipe("combine", {"operation": "union"}, box_shape=(1024, 1024, 512), inputs=[recipe, recipe])
    with pytest.raises(limits.TooLarge, match=r"combine recipe: .* need 6.0 GiB \(3 arrays\)"):
        apply_recipe(combined)


# --- writing -------------------------------------------------------------------------------


def test_existing_sidecar_is_replaced_only_with_overwrite(tmp_path):
    mask = tmp_path / "m.mrc"
    save_recipe(mask, sphere_recipe())
    before = sidecar_path(mask).read_bytes()
    with pytest.raises(FileExistsError, match=r"m\.mrc\.json"):
        save_recipe(mask, sphere_recipe(note="new"))
    assert sidecar_path(mask).read_bytes() == before
    with pytest.raises(FileExistsError, match=r"m\.mrc\.json"):
        write_with_recipe(mask, np.zeros((16, 16, 16)), sphere_recipe())
    assert not mask.exists()
    save_recipe(mask, sphere_recipe(note="new"), overwrite=True)
    assert load_recipe(mask)["note"] == "new"


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_planted_symlink_at_the_old_temporary_name_is_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("another user's file")
    mask = tmp_path / "m.mrc"
    (tmp_path / f".m.mrc.json.{os.getpid()}.tmp").symlink_to(victim)
    save_recipe(mask, sphere_recipe())
    assert victim.read_text() == "another user's file"
    assert load_recipe(mask)["operation"] == "shape"


def test_mask_and_recipe_are_written_together_with_the_digest(tmp_path):
    path = tmp_path / "m.mrc"
    mask = shapes.sphere(16, 3)
    written = write_with_recipe(path, mask, sphere_recipe(), voxel_size=2.0)
    assert written == sidecar_path(path)
    recipe, reason = current_recipe(path, read_volume(path).data)
    assert reason is None and recipe["data_sha256"] == data_digest(mask)


def test_failed_recipe_write_leaves_no_new_mask(tmp_path, monkeypatch):
    path = tmp_path / "m.mrc"
    real = PendingFile.commit

    def fail_for_sidecars(self):
        if self.path.suffix == ".json":
            raise OSError(28, "No space left on device")
        real(self)

    monkeypatch.setattr(PendingFile, "commit", fail_for_sidecars)
    with pytest.raises(OSError, match=r"No space left") as raised:
        write_with_recipe(path, shapes.sphere(16, 3), sphere_recipe())
    assert raised.value.filename == str(sidecar_path(path))
    assert os.listdir(tmp_path) == []


def test_invalid_recipe_writes_nothing(tmp_path):
    path = tmp_path / "m.mrc"
    write_volume(path, np.ones((16, 16, 16)))
    before = path.read_bytes()
    with pytest.raises(ValueError, match="unknown key"):
        write_with_recipe(path, shapes.sphere(16, 3), {**sphere_recipe(), "colour": 1}, overwrite=True)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.mrc"]


def test_replaced_mask_with_an_old_sidecar_is_detected(tmp_path, monkeypatch):
    path = tmp_path / "m.mrc"
    write_with_recipe(path, shapes.sphere(16, 3), sphere_recipe())
    real = PendingFile.commit

    def fail_for_sidecars(self):
        if self.path.suffix == ".json":
            raise OSError(5, "Input/output error")
        real(self)

    monkeypatch.setattr(PendingFile, "commit", fail_for_sidecars)
    with pytest.raises(OSError):
        write_with_recipe(path, shapes.sphere(16, 5), sphere_recipe(), overwrite=True)
    recipe, reason = current_recipe(path, read_volume(path).data)
    assert recipe is None and "data_sha256 differs" in reason


def test_concurrent_writers_of_a_mask_and_its_recipe_one_wins(tmp_path):
    path = tmp_path / "m.mrc"
    start = threading.Barrier(8)
    outcome = {}

    def create(i):
        mask = shapes.sphere(16, 2 + i / 4)
        start.wait()
        try:
            write_with_recipe(path, mask, make_recipe("shape", {"shape": "sphere", "radius": 2 + i / 4}, box_shape=16))
            outcome[i] = "created"
        except FileExistsError:
            outcome[i] = "exists"

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert list(outcome.values()).count("created") == 1, outcome
    recipe, reason = current_recipe(path, read_volume(path).data)
    assert reason is None
    assert np.array_equal(apply_recipe(recipe)[0], read_volume(path).data)
    assert sorted(os.listdir(tmp_path)) == ["m.mrc", "m.mrc.json"]
