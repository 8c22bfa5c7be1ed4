"""Particle STAR files: RELION 3.1 to 5 and STOPGAP motive lists, parsed by the ``starfile`` package.

Which file it is: a ``data_stopgap_motivelist`` block is STOPGAP's; a table with
``rlnCenteredCoordinateX/Y/ZAngst`` is RELION 5's; one with ``rlnCoordinateX/Y/Z`` is RELION 3.1
or 4 (or 3.0, with ``rlnOriginX/Y/Z`` in pixels). Conventions:
:mod:`napari_cryomask.io.particles_conventions`.

Pixel sizes. RELION's coordinates are in pixels of a size the file gives per optics group: the
first of ``rlnTomoTiltSeriesPixelSize`` (RELION 4, unbinned tilt-series pixels), the particle's
``rlnPixelSize`` and the optics group's ``rlnImagePixelSize`` (RELION 3.1, as cryoCAT reads it).
Positions come out in voxels of ``voxel_size`` (the tomogram's) when it is given, else of the
file's pixel size when all particles share one. RELION 5's centred Å are decentred with its
tomograms STAR (``rlnTomoSizeX/Y/Z``, unbinned pixels of ``rlnTomoTiltSeriesPixelSize``); without
``voxel_size`` the tomogram's voxel is ``rlnTomoTiltSeriesPixelSize × rlnTomoTomogramBinning``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from napari_cryomask.io.particles import Particles, checked_numbers, whole_numbers
from napari_cryomask.io.particles_conventions import ONE_BASED, motl_rotations, relion_rotations

XYZ = ("X", "Y", "Z")
STOPGAP_BLOCK = "stopgap_motivelist"
STOPGAP_NEEDED = ("orig_x", "orig_y", "orig_z", "phi", "psi", "the")


def read_star(path, *, voxel_size=None, tomograms=None) -> Particles:
    """Read a RELION or STOPGAP particle STAR file (see the module's description)."""
    blocks = _blocks(path)
    if STOPGAP_BLOCK in blocks:
        return _stopgap(path, blocks[STOPGAP_BLOCK], voxel_size)
    name, table = _particle_table(path, blocks)
    return _Relion(path, table, blocks.get("optics"), voxel_size, _block_line_finder(path, name)).read(tomograms)


def _blocks(path) -> dict:
    import starfile

    try:
        blocks = starfile.read(path, always_dict=True)
    except Exception as err:  # starfile and pandas raise many kinds of errors for broken files
        raise ValueError(f"{path}: not a readable STAR file ({type(err).__name__}: {err})") from None
    if not blocks:
        raise ValueError(f"{path}: no data blocks found; not a STAR file?")
    return blocks


def _particle_table(path, blocks):
    """The block holding the particles: ``data_particles``, else the one table with coordinates."""
    import pandas as pd

    tables = {k: v for k, v in blocks.items() if isinstance(v, pd.DataFrame)}
    for name in ("particles", *tables):
        table = tables.get(name)
        if table is not None and any(c in table.columns for c in ("rlnCoordinateX", "rlnCenteredCoordinateXAngst")):
            return name, table
    found = ", ".join(f"data_{k}" for k in blocks) or "none"
    raise ValueError(
        f"{path}: no particle table: no block has rlnCoordinateX/Y/Z or rlnCenteredCoordinateX/Y/ZAngst "
        f"(blocks: {found}), nor is there a data_{STOPGAP_BLOCK} block"
    )


def _block_line_finder(path, block):
    """A function giving the file line of row ``i`` of block ``data_<block>`` (None when not found)."""
    lines = None

    def line_of(i):
        nonlocal lines
        if lines is None:
            lines = _data_lines(path, block)
        return lines[i] if 0 <= i < len(lines) else None

    return line_of


def _data_lines(path, block) -> list[int]:
    """Line numbers (1-based) of the data rows of the loop in ``data_<block>``."""
    text = Path(path).read_bytes().decode("utf-8", errors="replace").splitlines()
    rows, state = [], "seek"
    for number, line in enumerate(text, start=1):
        word = line.strip()
        if state == "seek":
            state = "block" if word == f"data_{block}" else "seek"
        elif state == "block":
            state = "labels" if word.startswith("loop_") else "block"
        elif state in ("labels", "rows"):
            if not word or word.startswith("#"):
                continue
            if word.startswith("_") and state == "labels":
                continue
            if word.startswith("data_"):
                break
            state = "rows"
            rows.append(number)
    return rows


def _where(line_of):
    def where(i, column):
        line = line_of(i)
        return f"line {line}, particle {i + 1}, {column}" if line else f"particle {i + 1}, {column}"

    return where


def _require(path, table, columns, block):
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: data_{block} has no column {', '.join(missing)}")


def _stopgap(path, table, voxel_size) -> Particles:
    import pandas as pd

    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"{path}: data_{STOPGAP_BLOCK} is not a table (loop_)")
    _require(path, table, STOPGAP_NEEDED, STOPGAP_BLOCK)
    where = _where(_block_line_finder(path, STOPGAP_BLOCK))
    xyz = checked_numbers(path, table, ["orig_x", "orig_y", "orig_z"], where)
    shifts = _optional(path, table, ["x_shift", "y_shift", "z_shift"], where, 0.0)
    phi, psi, the = checked_numbers(path, table, ["phi", "psi", "the"], where).T
    tomo = _optional(path, table, ["tomo_num"], where, 1.0)[:, 0]
    classes = _optional(path, table, ["class"], where, 1.0)[:, 0]
    return Particles(
        positions=np.ascontiguousarray((xyz + shifts - ONE_BASED)[:, ::-1]),
        rotations=motl_rotations(phi, the, psi),
        tomo=whole_numbers(path, tomo, "tomo_num"),
        classes=whole_numbers(path, classes, "class"),
        table=table.reset_index(drop=True),
        voxel_size=voxel_size,
        path=str(path),
        format="STOPGAP",
    )


def _optional(path, table, columns, where, default) -> np.ndarray:
    """Columns that may be absent (then ``default``); all or none of them."""
    if all(c in table.columns for c in columns):
        return checked_numbers(path, table, columns, where)
    return np.full((len(table), len(columns)), float(default))


class _Relion:
    """One RELION particle table turned into positions and rotations."""

    def __init__(self, path, table, optics, voxel_size, line_of):
        self.path, self.table, self.optics, self.voxel_size = path, table.reset_index(drop=True), optics, voxel_size
        self.where = _where(line_of)
        self.n = len(table)

    def numbers(self, columns):
        return checked_numbers(self.path, self.table, list(columns), self.where)

    def has(self, *columns) -> bool:
        return all(c in self.table.columns for c in columns)

    def optics_value(self, label):
        """``label`` of each particle's optics group, or None when the optics table lacks it."""
        import pandas as pd

        if not isinstance(self.optics, pd.DataFrame) or label not in self.optics.columns:
            return None
        values = dict(zip(self.optics["rlnOpticsGroup"], self.optics[label])) if "rlnOpticsGroup" in self.optics.columns else {}
        if not self.has("rlnOpticsGroup"):
            if len(self.optics) != 1:
                raise ValueError(f"{self.path}: particles have no rlnOpticsGroup but data_optics has {len(self.optics)} groups")
            return np.full(self.n, float(self.optics[label].iloc[0]))
        groups = self.numbers(["rlnOpticsGroup"])[:, 0]
        out = np.empty(self.n)
        for i, g in enumerate(groups):
            if g not in values:
                known = ", ".join(str(k) for k in values)
                where = self.where(i, "rlnOpticsGroup")
                raise ValueError(f"{self.path}: {where}: optics group {g:g} is not in data_optics (groups {known})")
            out[i] = float(values[g])
        bad = ~(np.isfinite(out) & (out > 0))
        if bad.any():
            raise ValueError(f"{self.path}: data_optics: {label} must be a positive number of Å, got {out[bad][0]!r}")
        return out

    def rotations(self):
        """``S · A`` per particle (:func:`relion_rotations` of each), and ``S`` alone (for the shifts)."""
        identity = np.broadcast_to(np.eye(3), (self.n, 3, 3))
        angles = ("rlnAngleRot", "rlnAngleTilt", "rlnAnglePsi")
        sub_angles = ("rlnTomoSubtomogramRot", "rlnTomoSubtomogramTilt", "rlnTomoSubtomogramPsi")
        for group in (angles, sub_angles):
            present = [c for c in group if c in self.table.columns]
            if present and len(present) != 3:
                raise ValueError(f"{self.path}: has {', '.join(present)} but not all of {', '.join(group)}")
        particle = relion_rotations(*self.numbers(angles).T) if self.has(*angles) else identity
        subtomogram = relion_rotations(*self.numbers(sub_angles).T) if self.has(*sub_angles) else identity
        return subtomogram @ particle, subtomogram

    def origins_angstrom(self, image_pixel):
        """Origin shifts in Å on ``(z, y, x)``; RELION 3.0's pixel origins use the image pixel size."""
        if self.has(*(f"rlnOrigin{a}Angst" for a in XYZ)):
            return self.numbers([f"rlnOrigin{a}Angst" for a in XYZ])[:, ::-1]
        if self.has(*(f"rlnOrigin{a}" for a in XYZ)):
            pixels = self.numbers([f"rlnOrigin{a}" for a in XYZ])[:, ::-1]
            if not pixels.any():
                return pixels
            if image_pixel is None:
                raise ValueError(
                    f"{self.path}: rlnOriginX/Y/Z are in pixels of a size the file does not give; "
                    "give the tomogram's voxel size (voxel_size=, or --pixel-size)"
                )
            return pixels * image_pixel[:, None]
        return np.zeros((self.n, 3))

    def image_pixel(self):
        """The pixel size of the particle images (rlnPixelSize, else the optics' rlnImagePixelSize), or None."""
        if self.has("rlnPixelSize"):
            return self.numbers(["rlnPixelSize"])[:, 0]
        return self.optics_value("rlnImagePixelSize")

    def names(self):
        for column in ("rlnTomoName", "rlnMicrographName"):
            if column in self.table.columns:
                return np.array([str(v) for v in self.table[column]], dtype=object)
        return np.array([""] * self.n, dtype=object)

    def read(self, tomograms) -> Particles:
        rotations, subtomogram = self.rotations()
        image_pixel = self.image_pixel()
        if self.has(*(f"rlnCenteredCoordinate{a}Angst" for a in XYZ)):
            angstrom, target, version = self._relion5(tomograms, image_pixel, subtomogram)
        else:
            _require(self.path, self.table, [f"rlnCoordinate{a}" for a in XYZ], "particles")
            angstrom, target, version = self._relion3(image_pixel, subtomogram)
        classes = self.numbers(["rlnClassNumber"])[:, 0] if self.has("rlnClassNumber") else np.ones(self.n)
        return Particles(
            positions=np.ascontiguousarray(angstrom if target is None else angstrom / target),
            rotations=np.ascontiguousarray(rotations),
            tomo=self.names(),
            classes=whole_numbers(self.path, classes, "rlnClassNumber"),
            table=self.table,
            voxel_size=None if target is None else float(target),
            path=str(self.path),
            format=version,
        )

    def _shifted(self, angstrom, image_pixel, subtomogram):
        origins = self.origins_angstrom(image_pixel)
        return angstrom - np.einsum("nij,nj->ni", subtomogram, origins)

    def _relion3(self, image_pixel, subtomogram):
        coordinates = self.numbers([f"rlnCoordinate{a}" for a in XYZ])[:, ::-1]
        pixel = self.optics_value("rlnTomoTiltSeriesPixelSize")
        if pixel is None:
            pixel = image_pixel
        version = "RELION 4" if self.has("rlnTomoName") else "RELION 3.1"
        if pixel is None and self.voxel_size is None:
            # No pixel size anywhere: positions stay in the file's pixels, and so must the origins.
            if self.has(*(f"rlnOrigin{a}Angst" for a in XYZ)) and self.origins_angstrom(None).any():
                raise ValueError(
                    f"{self.path}: origins are in Å but the file gives no pixel size; give the tomogram's voxel size "
                    "(voxel_size=, or --pixel-size) to convert them"
                )
            origins = self.numbers([f"rlnOrigin{a}" for a in XYZ])[:, ::-1] if self.has(*(f"rlnOrigin{a}" for a in XYZ)) else 0.0
            return coordinates - np.einsum("nij,nj->ni", subtomogram, np.broadcast_to(origins, coordinates.shape)), None, version
        if pixel is None:
            pixel = np.full(self.n, self.voxel_size)
        angstrom = self._shifted(coordinates * pixel[:, None], image_pixel if image_pixel is not None else pixel, subtomogram)
        return angstrom, self._target(pixel, "pixel sizes"), version

    def _target(self, sizes, what) -> float:
        """The voxel size positions come out in: the given one, else the file's when all particles share it."""
        if self.voxel_size is not None:
            return self.voxel_size
        unique = np.unique(np.round(sizes, 6))
        if len(unique) > 1:
            shown = ", ".join(f"{v:g}" for v in unique[:6])
            raise ValueError(
                f"{self.path}: particles come in {len(unique)} {what} ({shown} Å); give the "
                "tomogram's voxel size in Å (voxel_size=, or --pixel-size) to put them in its voxels"
            )
        return float(unique[0]) if len(unique) else 1.0

    def _relion5(self, tomograms, image_pixel, subtomogram):
        centred = self.numbers([f"rlnCenteredCoordinate{a}Angst" for a in XYZ])[:, ::-1]
        names = self.names()
        if tomograms is None:
            raise ValueError(
                f"{self.path}: RELION 5 coordinates are Å from each tomogram's centre; give tomograms= "
                "(the tomograms STAR file with rlnTomoSizeX/Y/Z) or the tomograms' shapes"
            )
        if isinstance(tomograms, (str, Path)):
            centre, voxel = _tomogram_table(Path(tomograms), names, self.optics_value("rlnTomoTiltSeriesPixelSize"), self.path)
        else:
            if self.voxel_size is None:
                raise ValueError(f"{self.path}: tomogram shapes in voxels need the tomogram's voxel size (voxel_size=, or --pixel-size)")
            centre = np.array([_shape_of(tomograms, name, self.path) for name in names]) / 2 * self.voxel_size
            voxel = np.full(self.n, self.voxel_size)
        angstrom = self._shifted(centred + centre, image_pixel, subtomogram)
        return angstrom, self._target(voxel, "tomogram voxel sizes"), "RELION 5"


def _shape_of(tomograms, name, path):
    if isinstance(tomograms, dict):
        if name not in tomograms:
            raise ValueError(f"{path}: no shape given for tomogram {name!r} (given: {', '.join(map(str, tomograms))})")
        shape = tomograms[name]
    else:
        shape = tomograms
    shape = np.asarray(shape, dtype=float).ravel()
    if shape.size != 3 or not np.all(shape > 0):
        raise ValueError(f"{path}: a tomogram shape is three positive sizes (z, y, x), got {shape.tolist()}")
    return shape


def _tomogram_table(path, names, optics_pixel, particles_path):
    """Each particle's tomogram centre in Å from voxel 0 (z, y, x) and its tomogram's voxel size."""
    blocks = _blocks(path)
    table = blocks.get("global")
    if table is None or not hasattr(table, "columns"):
        raise ValueError(f"{path}: not a RELION 5 tomograms STAR file (no data_global table)")
    sizes = [f"rlnTomoSize{a}" for a in XYZ]
    _require(path, table, ["rlnTomoName", *sizes], "global")
    line_of = _where(_block_line_finder(path, "global"))
    size_xyz = checked_numbers(path, table, sizes, line_of)

    def column(name):
        return checked_numbers(path, table, [name], line_of)[:, 0] if name in table.columns else None

    pixel, binning = column("rlnTomoTiltSeriesPixelSize"), column("rlnTomoTomogramBinning")
    rows = {str(n): i for i, n in enumerate(table["rlnTomoName"])}
    missing = sorted({n for n in names if n not in rows})
    if missing:
        raise ValueError(
            f"{particles_path}: tomogram {missing[0]!r} is not in {path} (it lists {', '.join(list(rows)[:8])})"
        )
    index = np.array([rows[n] for n in names], dtype=np.int64)
    if optics_pixel is not None:
        ts_pixel = optics_pixel
    elif pixel is not None:
        ts_pixel = pixel[index]
    else:
        raise ValueError(f"{path}: no rlnTomoTiltSeriesPixelSize here or in {particles_path}'s data_optics")
    centre = size_xyz[index][:, ::-1] / 2 * ts_pixel[:, None]
    # RELION writes the binning to 6 decimals (7.407407 for 10 Å from 1.35 Å): 0.0001 Å is what it means.
    voxel = np.round(ts_pixel * (binning[index] if binning is not None else 1.0), 4)
    return centre, voxel
