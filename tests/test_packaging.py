"""The package builds and installs everywhere: a wheel from a checkout without symlinks, a complete sdist.

The build backend (setuptools, as pyproject.toml asks) is installed with pip into a folder of its
own, as pip's build isolation does, and run on a copy of the project.
"""

import email
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

import napari_cryomask

ROOT = Path(__file__).resolve().parents[1]
SKIP = {".git", ".venv", "build", "dist", ".hypothesis", ".ruff_cache", ".pytest_cache", "__pycache__", "results"}


def project_files():
    """The files of the project: those git tracks, or (in an unpacked sdist) those on disk."""
    if (ROOT / ".git").exists() and shutil.which("git"):
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
        return [ROOT / name for name in listed.decode().split("\0") if name]
    return [p for p in ROOT.rglob("*") if not p.is_dir() and not SKIP & set(p.relative_to(ROOT).parts)]


def copy_without_symlinks(target: Path) -> Path:
    """Copy the project as a checkout without symlinks has it: a link becomes a file holding its target's path."""
    for path in project_files():
        if not os.path.lexists(path):
            continue
        destination = target / path.relative_to(ROOT)
        destination.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            destination.write_text(os.readlink(path))
        else:
            shutil.copyfile(path, destination)
    return target


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    folder = tmp_path_factory.mktemp("backend")
    requires = ["setuptools>=77", "wheel"]
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target", str(folder), *requires],
                          capture_output=True, text=True, timeout=600)
    if done.returncode:
        pytest.skip(f"cannot install the build backend: {done.stderr[-500:]}")
    return folder


def build(backend, source: Path, kind: str, out: Path) -> Path:
    code = f"import setuptools.build_meta as b; print(b.build_{kind}({str(out)!r}))"
    done = subprocess.run([sys.executable, "-c", code], cwd=source, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(backend)})
    assert done.returncode == 0, done.stderr[-3000:]
    return out / done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    return copy_without_symlinks(tmp_path_factory.mktemp("checkout"))


def test_wheel_from_a_checkout_without_symlinks_has_a_real_manifest(backend, checkout, tmp_path):
    wheel = build(backend, checkout, "wheel", tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        manifest = yaml.safe_load(archive.read("napari_cryomask/napari.yaml"))
        metadata = email.message_from_bytes(archive.read(next(n for n in archive.namelist() if n.endswith("METADATA"))))
        entry_points = archive.read(next(n for n in archive.namelist() if n.endswith("entry_points.txt"))).decode()
    assert isinstance(manifest, dict) and manifest["name"] == "napari-cryomask"
    assert manifest["contributions"]["readers"]
    assert "napari-cryomask = napari_cryomask:napari.yaml" in entry_points
    assert metadata["Version"] == napari_cryomask.__version__
    assert metadata["Requires-Python"] == ">=3.10"
    runtime = [r for r in metadata.get_all("Requires-Dist") if "extra ==" not in r]
    assert not any(r.startswith("npe2") for r in runtime), "npe2 is not imported at run time"
    classifiers = metadata.get_all("Classifier")
    assert {"Programming Language :: Python :: 3.10", "Operating System :: Microsoft :: Windows"} <= set(classifiers)
    gui = [r for r in metadata.get_all("Requires-Dist") if "extra == \"gui\"" in r]
    assert any("python_version < \"3.11\"" in r for r in gui), gui


def test_sdist_holds_what_its_tests_need_and_they_pass_from_it(backend, checkout, tmp_path):
    sdist = build(backend, checkout, "sdist", tmp_path)
    safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "unpacked", **safe)
    [unpacked] = (tmp_path / "unpacked").iterdir()
    tracked = {p.relative_to(ROOT).as_posix() for p in project_files() if p.relative_to(ROOT).parts[0] == "tests"}
    found = {p.relative_to(unpacked).as_posix() for p in (unpacked / "tests").rglob("*") if p.is_file()}
    assert tracked <= found, f"missing from the sdist: {sorted(tracked - found)}"
    for name in ("napari.yaml", "tests/conftest.py", "Makefile", "LICENSE", "src/napari_cryomask/napari.yaml"):
        assert (unpacked / name).is_file(), name
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_manifest.py", "tests/test_io_errors.py"],
        cwd=unpacked, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": str(unpacked / "src")},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_version_comes_from_one_place():
    done = subprocess.run([sys.executable, "-m", "napari_cryomask.cli", "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"cryomask {napari_cryomask.__version__}"
    assert not re.search(r"^version\s*=\s*\"", (ROOT / "pyproject.toml").read_text(), re.MULTILINE)


def test_the_cryocat_face_imports_without_scipy():
    # scipy.ndimage takes longer to import than most masks take to make; rotate() imports it on use
    code = "import sys, napari_cryomask.cryomask; print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
