"""The README's particle-mask screenshot: a synthetic tomogram, its motive list, the Particle mask widget.

Run under a display or Xvfb::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python screenshots/make_particle_screenshot.py [OUT_DIR]

Writes ``particles.png`` (default folder: the one this script is in). The tomogram holds rods of
density along each particle's z axis; the widget reads the list, shows it as Points and Vectors
aligned with the tomogram, and places a soft-edged cylinder along each particle's axis.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import napari
import numpy as np
from scipy.spatial.transform import Rotation

from napari_cryomask._napari.launch import PLUGIN, WINDOW_SIZE, save_window, settle
from napari_cryomask.core.particles import particle_mask
from napari_cryomask.io import write_volume
from napari_cryomask.io.em import write_em
from napari_cryomask.io.particles_motl import MOTL_ROWS

BOX = (64, 200, 200)
VOXEL_A = 10.0


def synthetic(folder: Path, n: int = 45, seed: int = 4):
    """A tomogram of rods at random poses (a slab of them near z = 32) and their motive list."""
    rng = np.random.default_rng(seed)
    positions = np.column_stack([rng.uniform(26, 38, n), rng.uniform(15, 185, (n, 2))])
    angles = rng.uniform(0, 360, (n, 3))
    angles[:, 1] = rng.uniform(60, 120, n)  # lying roughly in the slab, so the rods show in a slice
    rotations = Rotation.from_euler("zxz", angles, degrees=True).as_matrix()[:, ::-1, ::-1]
    rods = particle_mask(BOX, (positions, rotations), shape="cylinder", radius=2.5, height=14, edge="gaussian", edge_width_px=1.5)
    tomogram = rods + rng.normal(0, 0.35, BOX).astype(np.float32)
    tomogram_path = folder / "tomo_1.mrc"
    write_volume(tomogram_path, tomogram, voxel_size=VOXEL_A, overwrite=True)
    motl = np.zeros((1, n, 20))
    motl[0, :, MOTL_ROWS.index("x"):MOTL_ROWS.index("z") + 1] = positions[:, ::-1] + 1
    motl[0, :, [MOTL_ROWS.index(a) for a in ("phi", "theta", "psi")]] = angles.T
    motl[0, :, MOTL_ROWS.index("tomo_id")] = 1
    motl_path = folder / "particles.em"
    write_em(motl_path, motl, overwrite=True)
    return tomogram_path, motl_path


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        tomogram_path, motl_path = synthetic(Path(folder))
        viewer = napari.Viewer(title="napari-cryomask")
        viewer.window.resize(*WINDOW_SIZE)
        viewer.open(str(tomogram_path), plugin=PLUGIN)
        widget = viewer.window.add_plugin_dock_widget(PLUGIN, "Particle mask")[1]
        model = widget.model
        model.update(particles=str(motl_path), object="cylinder", radius=50.0, height=200.0, edge="cosine", edge_width=30.0)
        settle([widget])
        viewer.dims.set_current_step(0, 32)
        viewer.reset_view()
        save_window(viewer, out / "particles.png", [widget])
        viewer.close()
    print("wrote particles.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
