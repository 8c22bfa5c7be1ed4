"""The ``cryomask`` command starts fast: building the parser imports no heavy library, and a recipe
operation's module is imported only when one of its recipes is made, checked or replayed."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from napari_cryomask.cli import main
from napari_cryomask.recipes import registry

# Each of these takes longer to import than a small mask takes to make (scipy.fft alone ~0.25 s here).
HEAVY = ("scipy.fft", "scipy.ndimage", "scipy.sparse", "dask", "matplotlib", "starfile", "gemmi")


def _modules_after(code):
    """The names in sys.modules after running ``code`` in a fresh interpreter."""
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


def _heavy(modules):
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize("argv", [
    ["sphere", "--box", "64", "--radius", "10", "-o", "s.mrc"],
    ["tight", "map.mrc", "--threshold", "0.3", "--extend", "3", "--soft-edge", "6", "-o", "t.mrc"],
], ids=lambda argv: argv[0])
def test_parsing_a_command_imports_no_heavy_library(argv):
    modules = _modules_after(f"import napari_cryomask.cli as cli\ncli.parse({argv!r})")
    assert _heavy(modules) == []
    # the recipe operations of other commands are not imported either
    for name in ("tools", "tools_edit", "model", "particles"):
        assert f"napari_cryomask.recipes.{name}" not in modules


def test_the_recipes_package_imports_no_operation_module_but_its_own_builtins():
    modules = _modules_after("import napari_cryomask.recipes")
    imported = {m.rsplit(".", 1)[1] for m in modules if m.startswith("napari_cryomask.recipes.")}
    assert imported.isdisjoint(set(registry.DEFINED_IN.values()) - {"builtin"})
    assert _heavy(modules) == []


def test_each_operation_is_registered_by_the_module_the_registry_names():
    code = (
        "import importlib\n"
        "from napari_cryomask.recipes import registry\n"
        "for module in set(registry.DEFINED_IN.values()):\n"
        "    importlib.import_module('napari_cryomask.recipes.' + module)\n"
        "found = {name: op.replay.__module__.rsplit('.', 1)[1] for name, op in registry.OPERATIONS.registered().items()}\n"
        "print(json.dumps(found))"
    )
    script = f"import json\n{code}"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == registry.DEFINED_IN


def test_looking_up_an_operation_imports_its_module_on_first_use():
    modules = _modules_after(
        "from napari_cryomask.recipes import OPERATIONS, make_recipe, validate_recipe\n"
        "assert 'symmetrize' in OPERATIONS and 'napari_cryomask.recipes.tools' not in sys.modules\n"
        "r = make_recipe('symmetrize', {'group': 'C2', 'center': None, 'mode': 'union', 'threshold': 0.5},\n"
        "                inputs=[make_recipe('shape', {'shape': 'sphere', 'radius': 3}, box_shape=16)])\n"
        "validate_recipe(r)\n"
        "assert OPERATIONS['symmetrize'].replay.__module__ == 'napari_cryomask.recipes.tools'"
    )
    assert "napari_cryomask.recipes.tools" in modules


def test_unknown_operations_are_still_refused_with_every_name_listed():
    from napari_cryomask.recipes import make_recipe

    with pytest.raises(ValueError, match="one of shape, generate, .*, edit, got 'blob'"):
        make_recipe("blob", {})
    assert "blob" not in registry.OPERATIONS
    with pytest.raises(KeyError):
        registry.OPERATIONS["blob"]


def test_the_command_table_names_the_group_of_every_subcommand():
    import argparse

    from napari_cryomask import cli

    found = {}
    for group in cli.GROUPS:
        sub = argparse.ArgumentParser().add_subparsers()
        cli.group_module(group).add_commands(sub)
        found.update(dict.fromkeys(sub.choices, group))
    assert found == cli.COMMAND_GROUPS


def test_a_command_imports_only_its_own_group():
    modules = _modules_after("import napari_cryomask.cli as cli\ncli.parse(['sphere', '--box', '8', '--radius', '2', '-o', 's.mrc'])")
    groups = {m.rsplit(".", 1)[1] for m in modules if m.startswith("napari_cryomask.cli.")}
    assert groups == {"shapes", "options", "output"}


def test_writing_a_map_imports_neither_particle_lists_nor_models(tmp_path):
    modules = _modules_after(
        "from napari_cryomask.cli import main\n"
        f"assert main(['sphere', '--box', '16', '--radius', '4', '-o', {str(tmp_path / 's.mrc')!r}]) == 0"
    )
    assert (tmp_path / "s.mrc").exists() and "napari_cryomask.io.mrc" in modules
    assert {"napari_cryomask.io.particles", "napari_cryomask.io.models"}.isdisjoint(modules)


def test_the_io_package_still_gives_every_name_it_lists():
    import napari_cryomask.io as io
    from napari_cryomask.io import models, particles

    assert all(hasattr(io, name) for name in io.__all__) and set(io.__all__) <= set(dir(io))
    assert (io.read_particles, io.Particles, io.read_model) == (particles.read_particles, particles.Particles, models.read_model)
    with pytest.raises(AttributeError, match="has no attribute 'read_nothing'"):
        io.read_nothing  # noqa: B018


@pytest.mark.parametrize("argv, message", [
    (["sphre", "--box", "8"], "invalid choice: 'sphre'"),
    (["--debug", "sphere", "--box", "8"], "the following arguments are required"),
])
def test_usage_errors_read_as_with_the_whole_parser(argv, message, capsys):
    from napari_cryomask.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    if argv[0] == "sphre":
        assert "union" in err and "particles" in err  # every command is listed


def test_the_program_prints_everything_and_keeps_its_exit_code_when_it_exits_quickly(tmp_path, capsys, monkeypatch):
    # The console script skips Python's teardown; piped output must still arrive whole.
    program = [str(Path(sys.executable).parent / "cryomask")]
    made = subprocess.run([*program, "sphere", "--box", "16", "--radius", "4", "-o", tmp_path / "s.mrc"],
                          capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(f"wrote {tmp_path / 's.mrc'} (16x16x16 voxels") and made.stdout.endswith("s.mrc.json\n")
    again = subprocess.run([sys.executable, "-m", "napari_cryomask.cli", "sphere", "--box", "16", "--radius", "4",
                            "-o", tmp_path / "s.mrc"], capture_output=True, text=True)
    assert again.returncode == 1
    assert again.stderr == f"cryomask: error: {tmp_path / 's.mrc'} exists; add --force to overwrite it\n"
    monkeypatch.setenv("COLUMNS", "100")
    listed = subprocess.run([*program, "--help"], capture_output=True, text=True)
    assert listed.returncode == 0
    assert main(["--help"]) == 0
    assert listed.stdout == capsys.readouterr().out
