"""``cryomask fsc``: the mask check from half-map files, its printout, its files and its errors."""

import csv
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from napari_cryomask.core.fsc import fsc
from napari_cryomask.core.sample import synthetic_average, synthetic_half_maps
from napari_cryomask.core.tight import tight_mask
from napari_cryomask.io import write_volume

CRYOMASK = Path(sys.executable).parent / "cryomask"


def run(cwd, *args):
    assert CRYOMASK.is_file(), f"console script not installed at {CRYOMASK}"
    return subprocess.run([str(CRYOMASK), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fsc")
    half1, half2, voxel_size = synthetic_half_maps(box=64)
    mask = tight_mask(synthetic_average(64)[0], 0.3, extend_px=3, edge="cosine", edge_width_px=4)
    write_volume(folder / "half1.mrc", half1, voxel_size=voxel_size)
    write_volume(folder / "half2.mrc", half2, voxel_size=voxel_size)
    write_volume(folder / "mask.mrc", mask, voxel_size=voxel_size)
    write_volume(folder / "half2_coarse.mrc", half2, voxel_size=(4.4, 4.4, 4.4))
    write_volume(folder / "half2_cropped.mrc", half2[:60], voxel_size=voxel_size)
    write_volume(folder / "mask_coarse.mrc", mask, voxel_size=(4.4, 4.4, 4.4))
    return folder, (half1, half2, mask, voxel_size)


def test_prints_resolutions_and_writes_csv_xml_png_json(files, tmp_path):
    folder, (half1, half2, mask, voxel_size) = files
    out = {kind: tmp_path / f"check.{kind}" for kind in ("csv", "xml", "png", "json")}
    result = run(folder, "fsc", "half1.mrc", "half2.mrc", "--mask", "mask.mrc", "--repeats", "2", "--seed", "4",
                 *[a for kind, path in out.items() for a in (f"--{kind}", path)])
    assert result.returncode == 0, result.stderr
    expected = fsc(half1, half2, voxel_size, mask, repeats=2, seed=4)
    corrected = expected.resolution_A["corrected"]
    line = next(line for line in result.stdout.splitlines() if line.strip().startswith("corrected"))
    assert f"FSC 0.143:    {corrected:.2f} Å" in line
    assert "phases randomised from" in result.stdout and "2 repeats, seed 4" in result.stdout
    assert "of the box (m > 0.5)" in result.stdout and "particle fraction f =" in result.stdout

    rows = list(csv.DictReader(out["csv"].open()))
    assert len(rows) == 33 and rows[0]["resolution_A"] == ""
    assert np.allclose([float(r["corrected"]) for r in rows], expected.corrected, atol=1e-5)
    assert np.allclose([float(r["frequency_per_A"]) for r in rows], expected.frequency_per_A, atol=1e-7)

    root = ET.parse(out["xml"]).getroot()
    assert root.tag == "fsc" and root.attrib["xaxis"] == "Resolution (A-1)" and root.attrib["yaxis"] == "Correlation Coefficient"
    points = [(float(c.find("x").text), float(c.find("y").text)) for c in root.iter("coordinate")]
    assert len(points) == 33
    assert np.allclose([x for x, _ in points], expected.frequency_per_A, atol=1e-6)
    assert np.allclose([y for _, y in points], expected.corrected, atol=1e-6)

    assert out["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out["png"].stat().st_size > 10_000

    data = json.loads(out["json"].read_text())
    assert data["voxel_size_A"] == 4.0 and data["randomised_from_A"] == pytest.approx(expected.randomised_from_A)
    assert data["resolution_A"]["corrected"] == pytest.approx(corrected)
    assert data["shells"][5]["randomised"] == pytest.approx(expected.randomised[5])
    assert data["warnings"] == list(expected.warnings)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_without_a_mask_the_masked_curves_are_null(files):
    folder, _ = files
    result = run(folder, "fsc", "half1.mrc", "half2.mrc", "--json", "-")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["resolution_A"]["masked"] is None and data["resolution_A"]["unmasked"] > 0
    assert all(s["masked"] is None and s["randomised"] is None and s["corrected"] is None for s in data["shells"])
    assert "Unmasked FSC" in result.stderr


def test_randomise_from_a_resolution(files):
    folder, _ = files
    result = run(folder, "fsc", "half1.mrc", "half2.mrc", "--mask", "mask.mrc", "--randomize-at", "40", "--json", "-")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["randomised_from_A"] == pytest.approx(256 / 6)  # int(64 × 4 / 40) = shell 6
    both = run(folder, "fsc", "half1.mrc", "half2.mrc", "--randomize-at", "40", "--randomize-at-fsc", "0.7")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


@pytest.mark.parametrize(("other", "message"), [
    ("half2_coarse.mrc", "half2_coarse.mrc has voxels of 4.4, 4.4, 4.4 Å but half1.mrc has 4, 4, 4 Å"),
    ("half2_cropped.mrc", "half2_cropped.mrc has shape (60, 64, 64) but half1.mrc has (64, 64, 64)"),
])
def test_half_maps_of_another_voxel_size_or_box_are_refused_naming_both(files, other, message):
    folder, _ = files
    result = run(folder, "fsc", "half1.mrc", other)
    assert result.returncode == 1
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_a_mask_of_another_box_fails_and_of_another_voxel_size_warns(files):
    folder, _ = files
    box = run(folder, "fsc", "half1.mrc", "half2.mrc", "--mask", "half2_cropped.mrc")
    assert box.returncode == 1 and "half2_cropped.mrc has shape (60, 64, 64) but the half maps (half1.mrc)" in box.stderr
    size = run(folder, "fsc", "half1.mrc", "half2.mrc", "--mask", "mask_coarse.mrc")
    assert size.returncode == 0
    assert "warning: mask_coarse.mrc has voxels of 4.4, 4.4, 4.4 Å but the half maps (half1.mrc) have 4, 4, 4 Å" in size.stderr


def test_existing_outputs_are_kept_without_force(files, tmp_path):
    folder, _ = files
    target = tmp_path / "curves.csv"
    target.write_text("mine")
    refused = run(folder, "fsc", "half1.mrc", "half2.mrc", "--csv", target)
    assert refused.returncode == 1 and "exists; add --force" in refused.stderr and target.read_text() == "mine"
    forced = run(folder, "fsc", "half1.mrc", "half2.mrc", "--csv", target, "--force")
    assert forced.returncode == 0 and target.read_text().startswith("shell,frequency_per_A")


def test_anisotropic_voxels_are_refused(shared_data, tmp_path):
    result = run(tmp_path, "fsc", shared_data / "EMD-3001.map", shared_data / "EMD-3001.map")
    assert result.returncode == 1
    assert "EMD-3001.map has voxels of" in result.stderr and "the FSC needs cubic voxels" in result.stderr


def test_a_real_map_against_itself_gives_one(shared_data, tmp_path):
    result = run(tmp_path, "fsc", shared_data / "EMD-3197.map", shared_data / "EMD-3197.map", "--json", "-")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["voxel_size_A"] == pytest.approx(11.4, abs=1e-3)
    assert all(s["unmasked"] == pytest.approx(1.0) for s in data["shells"])
