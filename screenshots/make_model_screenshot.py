"""The README's model-mask screenshot: a four-helix bundle over its density, and the Model mask widget.

Run under a display or Xvfb (``make screenshots`` runs it too)::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python screenshots/make_model_screenshot.py [OUT_DIR]

Writes ``model.png`` (default folder: the one this script is in). The script writes the model with
gemmi (the backbone and Cβ of four ideal α-helices along z) and a map of it: its simulated density
at 7 Å with noise, on 1.2 Å voxels in a frame away from 0, as a fitted map would be. Both are opened
as File → Open does; the widget makes the mask; the view is from the side, through the bundle.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import gemmi
import napari
import numpy as np

from napari_cryomask._napari.launch import PLUGIN, WINDOW_SIZE, save_window, settle
from napari_cryomask.core.model_density import model_density
from napari_cryomask.io import read_model, write_volume

BOX, VOXEL_A, ORIGIN = (56, 44, 44), 1.2, (-30.0, 110.0, 42.0)
CENTRE = tuple(o + n * VOXEL_A / 2 for o, n in zip(ORIGIN, BOX))
RESIDUES = 26
# Backbone and Cβ of an α-helix along z: element, radius from the axis (Å), turn (°), rise (Å).
HELIX_ATOMS = (("N", 1.55, -28, -0.9), ("C", 2.3, 0, 0.0), ("C", 1.6, 28, 0.8), ("O", 1.9, 40, 1.8), ("C", 3.3, -10, -0.4))


def bundle():
    """Chains A-D: four helices 10 Å apart around the box centre, as ``(chain, element, (z, y, x))``."""
    atoms = []
    for chain, (dy, dx) in zip("ABCD", ((-5, -5), (-5, 5), (5, 5), (5, -5))):
        z0 = CENTRE[0] - 1.5 * RESIDUES / 2
        for i in range(RESIDUES):
            for element, radius, turn, rise in HELIX_ATOMS:
                phi = np.radians(100 * i + turn)
                position = (z0 + 1.5 * i + rise, CENTRE[1] + dy + radius * np.sin(phi), CENTRE[2] + dx + radius * np.cos(phi))
                atoms.append((chain, element, position))
    return atoms


def write_model(path: Path) -> Path:
    st = gemmi.Structure()
    model = gemmi.Model("1")
    for name in "ABCD":
        chain = gemmi.Chain(name)
        for i, (_, element, (z, y, x)) in enumerate(a for a in bundle() if a[0] == name):
            residue = gemmi.Residue()
            residue.name, residue.seqid = "ALA", gemmi.SeqId(i // len(HELIX_ATOMS) + 1, " ")
            atom = gemmi.Atom()
            atom.name, atom.element, atom.pos, atom.occ, atom.b_iso = element, gemmi.Element(element), gemmi.Position(x, y, z), 1.0, 30.0
            residue.add_atom(atom)
            chain.add_residue(residue)
        model.add_chain(chain)
    st.add_model(model)
    st.setup_entities()
    st.make_mmcif_document().write_file(str(path))
    return path


def write_map(path: Path, model_path: Path) -> Path:
    density = model_density(read_model(model_path), resolution_A=7.0, box_shape=BOX, voxel_size=VOXEL_A, origin=ORIGIN)
    noise = np.random.default_rng(1).normal(0, 0.12 * density.max(), BOX)
    write_volume(path, (density + noise).astype(np.float32), voxel_size=VOXEL_A, origin=ORIGIN, overwrite=True)
    return path


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        model_path = write_model(Path(folder) / "bundle.cif")
        map_path = write_map(Path(folder) / "bundle_map.mrc", model_path)
        viewer = napari.Viewer(title="napari-cryomask")
        viewer.window.resize(*WINDOW_SIZE)
        viewer.open(str(map_path), plugin=None)
        viewer.open(str(model_path), plugin=None)
        widget = viewer.window.add_plugin_dock_widget(PLUGIN, "Model mask")[1]
        widget.model.update(resolution=7.0, enclose=95.0, extend=2.4, edge="cosine", edge_width=6.0, display="edge band")
        settle([widget])
        viewer.dims.order = (1, 0, 2)  # from the side: z up against x, slicing through y
        viewer.scene.camera.orientation = ("towards", "up", "right")
        viewer.dims.set_point(1, CENTRE[1] - 5)  # through helices A and B
        viewer.dims.thickness = (1.0, 6.0, 1.0)  # the atoms within 3 Å of the plane
        viewer.reset_view()
        save_window(viewer, out / "model.png", [widget])
        viewer.close()
    print("wrote model.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
