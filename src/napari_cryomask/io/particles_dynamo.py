"""Dynamo tables (``.tbl``): plain text, one particle a line, numbers separated by spaces.

Columns (1-based, Dynamo's ``dthelp``): 1 tag, 2 aligned, 3 averaged, 4-6 dx, dy, dz, 7 tdrot,
8 tilt, 9 narot, 10 cc, 11 cc2, 12 cpu, 13 ftype, 14 ymintilt, 15 ymaxtilt, 16 xmintilt,
17 xmaxtilt, 18 fs1, 19 fs2, 20 tomo, 21 reg, 22 class, 23 annotation, 24-26 x, y, z, 27 dshift,
28 daxis, 29 dnarot, then further columns that we keep unnamed (``c30``, ...). At least 26 are
needed. Conventions: :mod:`napari_cryomask.io.particles_conventions`.
"""

from __future__ import annotations

import numpy as np

from napari_cryomask.io.particles import Particles, whole_numbers
from napari_cryomask.io.particles_conventions import ONE_BASED, dynamo_rotations

DYNAMO_COLUMNS = (
    "tag", "aligned", "averaged", "dx", "dy", "dz", "tdrot", "tilt", "narot", "cc", "cc2", "cpu", "ftype",
    "ymintilt", "ymaxtilt", "xmintilt", "xmaxtilt", "fs1", "fs2", "tomo", "reg", "class", "annotation",
    "x", "y", "z", "dshift", "daxis", "dnarot",
)
NEEDED = 26


def _column(name) -> int:
    return DYNAMO_COLUMNS.index(name)


def _parse(path):
    """The table's numbers as an (N, k) array; errors name the line and the column."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    rows, width, first = [], None, None
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith(("#", "%")):
            continue
        if width is None:
            width, first = len(fields), number
            if width < NEEDED:
                raise ValueError(
                    f"{path}: line {number} has {width} columns; a Dynamo table needs at least {NEEDED} "
                    "(x, y, z are columns 24-26)"
                )
        elif len(fields) != width:
            raise ValueError(f"{path}: line {number} has {len(fields)} columns, line {first} has {width}")
        try:
            rows.append([float(f) for f in fields])
        except ValueError:
            column = next(k for k, f in enumerate(fields) if not _number(f))
            raise ValueError(
                f"{path}: line {number}, column {column + 1} ({_name(column)}): {fields[column]!r} is not a number"
            ) from None
        bad = [k for k, v in enumerate(rows[-1]) if not np.isfinite(v)]
        if bad:
            k = bad[0]
            raise ValueError(f"{path}: line {number}, column {k + 1} ({_name(k)}): {fields[k]!r} is not a finite number")
    if width is None:
        return np.zeros((0, NEEDED))
    return np.array(rows, dtype=np.float64)


def _number(text) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _name(column) -> str:
    return DYNAMO_COLUMNS[column] if column < len(DYNAMO_COLUMNS) else f"c{column + 1}"


def read_dynamo(path, *, voxel_size=None) -> Particles:
    """Read a Dynamo table (see the module's description of its columns)."""
    import pandas as pd

    numbers = _parse(path)
    table = pd.DataFrame(numbers, columns=[_name(k) for k in range(numbers.shape[1])])
    xyz = numbers[:, [_column("x"), _column("y"), _column("z")]]
    shifts = numbers[:, [_column("dx"), _column("dy"), _column("dz")]]
    tdrot, tilt, narot = (numbers[:, _column(a)] for a in ("tdrot", "tilt", "narot"))
    return Particles(
        positions=np.ascontiguousarray((xyz + shifts - ONE_BASED)[:, ::-1]),
        rotations=dynamo_rotations(tdrot, tilt, narot),
        tomo=whole_numbers(path, numbers[:, _column("tomo")], "tomogram number"),
        classes=whole_numbers(path, numbers[:, _column("class")], "class"),
        table=table,
        voxel_size=voxel_size,
        path=str(path),
        format="Dynamo",
    )
