"""A bad recipe sidecar never stops a good mask from being opened or used; it is ignored, with why."""

import contextlib
import io
import json
import warnings

import pytest

from napari_cryomask._napari.reader import map_layer_data
from napari_cryomask.cli import main
from napari_cryomask.core import shapes
from napari_cryomask.io import write_volume
from napari_cryomask.recipes import load_recipe, make_recipe, sidecar_path, write_with_recipe


def other_recipe():
    return make_recipe("shape", {"shape": "sphere", "radius": 2}, box_shape=16, voxel_size=2.0)


def _deep(path):
    path.write_text("[" * 50000 + "]" * 50000)


def _true_version(path):
    path.write_text(json.dumps({**other_recipe(), "cryomask_recipe": True}))


def _stale(path):
    path.write_text(json.dumps({**other_recipe(), "data_sha256": "0" * 64}))


BAD = {
    "not JSON": (lambda p: p.write_text("{oops"), "not valid JSON"),
    "not UTF-8": (lambda p: p.write_bytes(b"\xff\xfe\x00junk"), "not UTF-8"),
    "deep nesting": (_deep, "nests too deeply"),
    "version true": (_true_version, "cryomask_recipe must be the number 1"),
    "stale digest": (_stale, "data_sha256 differs"),
    "a folder": (lambda p: p.mkdir(), "not a file"),
    "unknown key": (lambda p: p.write_text(json.dumps({**other_recipe(), "colour": 1})), "unknown key 'colour'"),
}


@pytest.fixture(params=sorted(BAD))
def bad(request, tmp_path):
    path = tmp_path / "mask.mrc"
    write_volume(path, shapes.sphere(16, 5), voxel_size=2.0)
    spoil, reason = BAD[request.param]
    spoil(sidecar_path(path))
    return path, reason


def run(*args):
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def test_the_napari_reader_opens_the_mask_without_the_recipe(bad):
    path, reason = bad
    with pytest.warns(UserWarning, match=rf"mask\.mrc: opened without its recipe: ignoring .*mask\.mrc\.json \(.*{reason}"):
        data, kwargs, kind = map_layer_data(path)
    assert kind == "image" and data.shape == (16, 16, 16)
    assert "cryomask_recipe" not in kwargs["metadata"]


def test_info_describes_the_mask_and_says_the_sidecar_was_ignored(bad):
    path, reason = bad
    code, out, err = run("info", path)
    assert code == 0, err
    assert "shape (Z,Y,X): 16 x 16 x 16 voxels" in out
    assert "recipe: none usable (ignored" in out and reason in out
    assert "warning: ignoring the recipe sidecar" in err


@pytest.mark.parametrize("command", [["soften", "{mask}", "--soft-edge", "2"], ["union", "{mask}", "{mask}"]])
def test_soften_and_union_use_the_mask_and_record_the_file(bad, command):
    path, reason = bad
    output = path.with_name("out.mrc")
    code, out, err = run(*[path if c == "{mask}" else c for c in command], "-o", output)
    assert code == 0, err
    assert f"ignoring the recipe sidecar {sidecar_path(path)}" in err and reason in err
    recipe = load_recipe(output)
    assert {r["operation"] for r in recipe["inputs"]} == {"file"}


def test_a_good_sidecar_is_carried_on(tmp_path):
    path = tmp_path / "mask.mrc"
    write_with_recipe(path, shapes.sphere(16, 2), other_recipe(), voxel_size=2.0)
    code, out, err = run("soften", path, "--soft-edge", "2", "-o", tmp_path / "out.mrc")
    assert code == 0 and "ignoring" not in err
    assert load_recipe(tmp_path / "out.mrc")["inputs"][0]["operation"] == "shape"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert map_layer_data(path)[1]["metadata"]["cryomask_recipe"]["operation"] == "shape"


def test_viewer_opens_a_mask_whose_sidecar_is_broken(make_napari_viewer, tmp_path):
    path = tmp_path / "mask.mrc"
    write_volume(path, shapes.sphere(16, 5), voxel_size=2.0)
    sidecar_path(path).write_text("{oops")
    viewer = make_napari_viewer()
    with pytest.warns(UserWarning, match="opened without its recipe"):
        [layer] = viewer.open(str(path), plugin="napari-cryomask")
    assert layer.data.shape == (16, 16, 16) and "cryomask_recipe" not in layer.metadata


def test_output_sidecar_is_replaced_only_with_force(tmp_path):
    output = tmp_path / "m.mrc"
    sidecar_path(output).write_text("my notes")
    code, out, err = run("sphere", "--box", "16", "--radius", "3", "-o", output)
    assert code == 1 and "m.mrc.json exists (the recipe of" in err and "--force" in err
    assert sidecar_path(output).read_text() == "my notes" and not output.exists()
    code, out, err = run("sphere", "--box", "16", "--radius", "3", "-o", output, "--force")
    assert code == 0, err
    assert load_recipe(output)["operation"] == "shape"
