"""Whole-process benchmarks: the ``cryomask`` command line against ``ttmask``, alternating.

Both tools start, compute and write an MRC file of the box. Same task, each tool's own
definitions: a sphere of radius ``n/4`` with a 6-voxel cosine soft edge, and a tight mask of
:func:`blobs.blob_map` at :data:`blobs.THRESHOLD` extended by 3 voxels with a 6-voxel soft edge
(cryomask also keeps only the largest region; ttmask keeps all of them).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from blobs import THRESHOLD
from cases import EDGE_PX, EXTEND_PX

from napari_cryomask.io import write_volume

FLOOR = Path(__file__).resolve().parent / "process_floor.py"


def tool(name: str) -> str | None:
    """Path of a console script installed next to this Python, else on PATH."""
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


@dataclass
class ProcessCase:
    key: str
    title: str
    ours: list
    reference: list
    floor: list


def process_cases(n: int, folder: Path, density) -> list[ProcessCase]:
    """The two command pairs for box ``n``, with their floors; writes the tight-mask input map into ``folder``."""
    cryomask, ttmask = tool("cryomask"), tool("ttmask")
    density_path = folder / "map.mrc"
    write_volume(density_path, density, voxel_size=(1.0, 1.0, 1.0), overwrite=True)
    return [
        ProcessCase(
            "sphere", f"sphere r=n/4, cosine soft edge {EDGE_PX}",
            [cryomask, "sphere", "--box", n, "--radius", n / 4, "--soft-edge", EDGE_PX, "--edge", "cosine",
             "--pixel-size", 1, "-o", folder / "ours.mrc", "--force"],
            [ttmask, "sphere", "--sidelength", n, "--sphere-diameter", n / 2, "--soft-edge-width", EDGE_PX,
             "--pixel-size", 1, "--output", folder / "theirs.mrc"],
            [sys.executable, FLOOR, n, folder / "floor.mrc"],
        ),
        ProcessCase(
            "tight", f"tight mask, extend {EXTEND_PX}, soft edge {EDGE_PX}",
            [cryomask, "tight", density_path, "--threshold", THRESHOLD, "--extend", EXTEND_PX,
             "--soft-edge", EDGE_PX, "-o", folder / "ours.mrc", "--force"],
            [ttmask, "map2mask", "--input-map", density_path, "--binarization-threshold", THRESHOLD,
             "--padding-width", EXTEND_PX, "--soft-edge-width", EDGE_PX, "--pixel-size", 1,
             "--output-mask", folder / "theirs.mrc"],
            [sys.executable, FLOOR, n, folder / "floor.mrc", density_path],
        ),
    ]


def scratch_folder() -> tempfile.TemporaryDirectory:
    """A temporary folder for the maps and masks the processes read and write."""
    return tempfile.TemporaryDirectory(prefix="cryomask-bench-")
