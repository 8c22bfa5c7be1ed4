"""The napari manifest: valid, installed where napari finds it, and matching io."""

import subprocess
import sys
from importlib.resources import as_file, files
from pathlib import Path

import npe2
import pytest

from napari_cryomask.io import EM_SUFFIXES, MRC_SUFFIXES
from napari_cryomask.io.models import MODEL_SUFFIXES

ROOT = Path(__file__).resolve().parents[1]
ROOT_MANIFEST = ROOT / "napari.yaml"


@pytest.fixture(scope="module")
def manifest():
    return npe2.PluginManifest.from_file(ROOT_MANIFEST)


def test_npe2_validate_with_imports_passes():
    result = subprocess.run(
        [sys.executable, "-m", "npe2", "validate", "--imports", "napari-cryomask"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout


def test_packaged_manifest_is_a_real_file_identical_to_the_root_manifest():
    # The root napari.yaml is the one people read; the package carries a copy, not a symlink,
    # so that a checkout without symlinks builds a wheel with a real manifest.
    packaged = files("napari_cryomask") / "napari.yaml"
    assert packaged.read_bytes() == ROOT_MANIFEST.read_bytes(), "src/napari_cryomask/napari.yaml differs from napari.yaml"
    with as_file(packaged) as path:
        assert not Path(path).is_symlink()


def test_napari_discovers_the_plugin(manifest):
    plugin_manager = npe2.PluginManager.instance()
    plugin_manager.discover()
    discovered = plugin_manager.get_manifest("napari-cryomask")
    assert discovered.name == manifest.name == "napari-cryomask"
    assert discovered.display_name == "napari-cryomask"
    assert len(discovered.contributions.readers) == len(manifest.contributions.readers)


def test_reader_patterns_are_the_io_suffixes_in_both_cases(manifest):
    reader = next(r for r in manifest.contributions.readers if r.command == "napari-cryomask.get_reader")
    suffixes = {suffix.lower() for suffix in (*MRC_SUFFIXES, *EM_SUFFIXES)}
    expected = {f"*{s}" for s in suffixes} | {f"*{s.upper()}" for s in suffixes}
    assert set(reader.filename_patterns) == expected
    assert not reader.accepts_directories


def test_model_reader_patterns_are_the_model_suffixes_gzipped_or_not_in_both_cases(manifest):
    [reader] = [r for r in manifest.contributions.readers if r.command == "napari-cryomask.get_model_reader"]
    names = {f"*{s}" for s in MODEL_SUFFIXES} | {f"*{s}.gz" for s in MODEL_SUFFIXES}
    assert set(reader.filename_patterns) == names | {n.upper() for n in names}
    assert not reader.accepts_directories


def test_writers_take_image_or_labels_layers_to_mrc_or_em(manifest):
    writers = {tuple(w.layer_types): w for w in manifest.contributions.writers}
    assert set(writers) == {("image",), ("labels",), ("image{2,4096}",)}
    for types, writer in writers.items():
        assert writer.filename_extensions == [".mrc", ".map", ".em"]
        most = sum(c.max() for c in writer.layer_type_constraints())
        assert most == (4096 if types == ("image{2,4096}",) else 1)


def test_sample_contribution(manifest):
    samples = {s.key: s for s in manifest.contributions.sample_data}
    assert samples["sample"].display_name == "Synthetic subtomogram average"
    assert samples["half_maps"].display_name == "Synthetic half maps (for the mask check)"


def test_commands_are_declared_and_used(manifest):
    contributions = manifest.contributions
    used = {r.command for r in contributions.readers}
    used |= {w.command for w in contributions.writers}
    used |= {s.command for s in contributions.sample_data}
    used |= {w.command for w in contributions.widgets or []}
    used |= {item.command for items in (contributions.menus or {}).values() for item in items
             if hasattr(item, "command")}
    declared = {c.id for c in contributions.commands}
    assert used <= declared
    assert declared <= used, f"unused commands: {declared - used}"
