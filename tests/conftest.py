"""Shared test fixtures."""

from pathlib import Path

import pytest

# Real public maps live beside the project (../shared/data), never inside it.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def shared_data():
    """Folder with the real EMDB maps; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test maps not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def sample_map_file(tmp_path):
    """The synthetic average written to a temporary .mrc file (4 Å voxels)."""
    from napari_cryomask.core.sample import synthetic_average
    from napari_cryomask.io import write_volume

    data, voxel_size = synthetic_average()
    path = tmp_path / "synthetic_average.mrc"
    write_volume(path, data, voxel_size=voxel_size)
    return path
