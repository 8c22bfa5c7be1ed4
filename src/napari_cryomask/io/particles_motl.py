"""cryoCAT / AV3 / TOM motive lists: EM files holding 20 numbers a particle, read with our EM codec.

The EM file is ``nx = 20`` by ``ny = N`` (by ``nz = 1``): row ``r`` (1-20) of particle ``i`` is
``data[0, i, r - 1]``. The rows, as cryoCAT names them: 1 score, 2 geom1, 3 geom2, 4 subtomo_id,
5 tomo_id, 6 object_id, 7 subtomo_mean, 8-10 x, y, z, 11-13 shift_x, shift_y, shift_z, 14 geom3,
15 geom4, 16 geom5, 17 phi, 18 psi, 19 theta, 20 class. Conventions:
:mod:`napari_cryomask.io.particles_conventions`.
"""

from __future__ import annotations

import numpy as np

from napari_cryomask.io.em import read_em
from napari_cryomask.io.particles import Particles, checked_numbers, whole_numbers
from napari_cryomask.io.particles_conventions import ONE_BASED, motl_rotations

MOTL_ROWS = (
    "score", "geom1", "geom2", "subtomo_id", "tomo_id", "object_id", "subtomo_mean", "x", "y", "z",
    "shift_x", "shift_y", "shift_z", "geom3", "geom4", "geom5", "phi", "psi", "theta", "class",
)


def looks_like_motl(path) -> bool:
    """Whether an EM file's header says 20 by N by 1 (a motive list rather than a map)."""
    import struct

    try:
        with open(path, "rb") as stream:
            raw = stream.read(16)
    except OSError:
        return False
    if len(raw) < 16 or raw[0] > 6:
        return False
    order = "<" if raw[0] in (1, 6) else ">"
    nx, ny, nz = struct.unpack(order + "3i", raw[4:16])
    return nx == len(MOTL_ROWS) and nz == 1 and ny >= 1


def read_motl(path, *, voxel_size=None) -> Particles:
    """Read a motive list (see the module's description of its rows).

    >>> import tempfile, pathlib
    >>> from napari_cryomask.io.em import write_em
    >>> motl = np.zeros((1, 2, 20)); motl[0, :, 7:10] = [[11, 21, 31], [1, 1, 1]]; motl[0, :, 4] = 1
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "motl.em"
    >>> write_em(path, motl)
    >>> read_motl(path).positions.tolist()  # (z, y, x), 0-based
    [[30.0, 20.0, 10.0], [0.0, 0.0, 0.0]]
    """
    import pandas as pd

    volume = read_em(path)
    nz, ny, nx = volume.data.shape
    if nx != len(MOTL_ROWS) or nz != 1:
        raise ValueError(
            f"{path}: not a motive list: an EM motive list is 20 numbers a particle (nx = 20, nz = 1), "
            f"this file is nx, ny, nz = {nx}, {ny}, {nz}"
        )
    table = pd.DataFrame(volume.data[0].astype(np.float64), columns=list(MOTL_ROWS))

    def where(i, column):
        return f"particle {i + 1}, row {MOTL_ROWS.index(column) + 1} ({column})"

    xyz = checked_numbers(path, table, ["x", "y", "z"], where)
    shifts = checked_numbers(path, table, ["shift_x", "shift_y", "shift_z"], where)
    angles = checked_numbers(path, table, ["phi", "theta", "psi"], where)
    ids = checked_numbers(path, table, ["tomo_id", "class"], where)
    positions = (xyz + shifts - ONE_BASED)[:, ::-1]
    return Particles(
        positions=np.ascontiguousarray(positions),
        rotations=motl_rotations(angles[:, 0], angles[:, 1], angles[:, 2]),
        tomo=whole_numbers(path, ids[:, 0], "tomo_id"),
        classes=whole_numbers(path, ids[:, 1], "class"),
        table=table,
        voxel_size=voxel_size,
        path=str(path),
        format="motive list",
    )
