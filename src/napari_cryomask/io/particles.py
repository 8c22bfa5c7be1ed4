"""Particle lists of subtomogram averaging, read into one record: :func:`read_particles` and :class:`Particles`.

Formats (each format's conventions: :mod:`napari_cryomask.io.particles_conventions`):

- cryoCAT / AV3 / TOM motive lists, ``.em`` files of 20 rows a particle (:mod:`.particles_motl`);
- RELION 3.1 to 5 particle STAR files and STOPGAP STAR motive lists (:mod:`.particles_star`);
- Dynamo ``.tbl`` tables (:mod:`.particles_dynamo`).

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "two.tbl"
>>> row = "1 1 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 {tomo} 0 1 0 {x} 11 21"
>>> _ = path.write_text(row.format(tomo=1, x=31) + "\\n" + row.format(tomo=2, x=41) + "\\n")
>>> p = read_particles(path)
>>> p.format, len(p), p.positions[0].tolist()  # (z, y, x), 0-based
('Dynamo', 2, [20.0, 10.0, 30.0])
>>> len(p.select("2"))
1
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from napari_cryomask.io.checks import existing_file

PARTICLE_SUFFIXES = (".em", ".star", ".tbl")


@dataclass(frozen=True, eq=False)
class Particles:
    """Particles of one list: where they are and how they are turned, in a tomogram's frame.

    Attributes
    ----------
    positions : (N, 3) float64
        ``(z, y, x)`` in voxels of the tomogram; voxel ``[i, j, k]`` is at ``(i, j, k)``.
    rotations : (N, 3, 3) float64
        Matrices taking ``(z, y, x)`` vectors of the particle's frame into the tomogram's.
    tomo : (N,) array
        The tomogram of each particle: numbers (motive lists, STOPGAP, Dynamo) or names (RELION).
    classes : (N,) int64
        Class numbers (1 where the file has none).
    table : pandas.DataFrame
        The file's own columns, one row a particle.
    voxel_size : float or None
        Å per voxel of ``positions``; None when the file does not say and none was given.
    path : str
        The file read.
    format : str
        ``"motive list"``, ``"RELION 3.1"``, ``"RELION 5"``, ``"STOPGAP"`` or ``"Dynamo"``.
    """

    positions: np.ndarray
    rotations: np.ndarray
    tomo: np.ndarray
    classes: np.ndarray
    table: object = None
    voxel_size: float | None = None
    path: str = ""
    format: str = ""

    def __post_init__(self):
        n = len(self.positions)
        if self.positions.shape != (n, 3) or self.rotations.shape != (n, 3, 3):
            raise ValueError(f"positions must be (N, 3) and rotations (N, 3, 3), got {self.positions.shape} and {self.rotations.shape}")
        if len(self.tomo) != n or len(self.classes) != n:
            raise ValueError(f"tomo and classes must have one entry per particle ({n})")

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def tomograms(self) -> list:
        """The tomograms the particles belong to, in order of first appearance."""
        seen = {}
        for t in self.tomo.tolist():
            seen.setdefault(t, None)
        return list(seen)

    def matches(self, name) -> np.ndarray:
        """Which particles belong to tomogram ``name``: its number, its name, or its file's name or stem."""
        name = str(name).strip()
        if self.tomo.dtype.kind in "iuf":
            try:
                number = float(name)
            except ValueError:
                return np.zeros(len(self), bool)
            return self.tomo == number
        values = [str(t) for t in self.tomo.tolist()]
        wanted = {name, Path(name).name, Path(name).stem}
        return np.array([v in wanted or Path(v).name in wanted or Path(v.split(":")[0]).stem in wanted for v in values], bool)

    def named_like(self, name):
        """The tomogram of the list a file or layer called ``name`` shows, or None.

        Its name or stem, else a number in it, the last first (``tomo_003.mrc`` is tomogram 3).

        >>> p = Particles(np.zeros((2, 3)), np.zeros((2, 3, 3)), np.array([1, 3]), np.ones(2, int))
        >>> p.named_like("tomo_003.mrc"), p.named_like("tomo_2")
        (3, None)
        """
        import re

        stem = Path(str(name)).stem
        for candidate in [str(name), stem, *reversed(re.findall(r"\d+", stem))]:
            hits = np.flatnonzero(self.matches(candidate))
            if len(hits):
                return self.tomo[hits[0]].item() if hasattr(self.tomo[hits[0]], "item") else self.tomo[hits[0]]
        return None

    def select(self, name) -> Particles:
        """The particles of tomogram ``name`` (see :meth:`matches`); an error names the tomograms there are."""
        keep = self.matches(name)
        if not keep.any() and len(self):
            shown = ", ".join(map(str, self.tomograms[:8])) + (", ..." if len(self.tomograms) > 8 else "")
            raise ValueError(f"{self.path}: no particles of tomogram {name!r}; the list has tomograms {shown}")
        return self.subset(keep)

    def subset(self, keep) -> Particles:
        """The particles where ``keep`` (booleans or indices) says."""
        table = self.table
        if table is not None:
            table = table.iloc[np.flatnonzero(keep) if np.asarray(keep).dtype == bool else keep].reset_index(drop=True)
        return Particles(
            self.positions[keep], self.rotations[keep], self.tomo[keep], self.classes[keep], table,
            self.voxel_size, self.path, self.format,
        )


def read_particles(path, *, voxel_size=None, tomograms=None) -> Particles:
    """Read a particle list; positions in voxels of the tomogram, ``(z, y, x)``, our array frame.

    Parameters
    ----------
    path : str or os.PathLike
        ``.em`` motive list, ``.star`` (RELION 3.1-5 or STOPGAP) or Dynamo ``.tbl``.
    voxel_size : float, optional
        The tomogram's voxel size in Å. Needed where the file gives Å (RELION 5) or pixels of
        another size (RELION's pixel sizes); positions are then in voxels of this size. Motive
        lists, STOPGAP and Dynamo tables are in the tomogram's voxels already.
    tomograms : str, os.PathLike, dict or (z, y, x), optional
        For RELION 5: its tomograms STAR file (sizes, tilt-series pixel size, binning), or the
        tomograms' shapes in voxels (a dict by name, or one shape for all) when that file is not
        at hand.

    Returns
    -------
    Particles

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        An unknown format, or a file that breaks its format; the message names the file, the
        line or column, and what is wrong.
    """
    path = existing_file(path, "particle list")
    suffix = path.suffix.lower()
    if voxel_size is not None:
        voxel_size = float(voxel_size)
        if not np.isfinite(voxel_size) or voxel_size <= 0:
            raise ValueError(f"{path}: voxel_size must be a positive number of Å, got {voxel_size!r}")
    if suffix == ".em":
        from napari_cryomask.io.particles_motl import read_motl

        return read_motl(path, voxel_size=voxel_size)
    if suffix == ".star":
        from napari_cryomask.io.particles_star import read_star

        return read_star(path, voxel_size=voxel_size, tomograms=tomograms)
    if suffix == ".tbl":
        from napari_cryomask.io.particles_dynamo import read_dynamo

        return read_dynamo(path, voxel_size=voxel_size)
    raise ValueError(
        f"{path}: unknown particle list type {suffix or '(no suffix)'!r}; use a motive list (.em), "
        "a RELION or STOPGAP .star file, or a Dynamo .tbl table"
    )


def is_particle_list(path) -> bool:
    """Whether ``path`` names a particle list we read (by suffix; .em also names maps, so look inside)."""
    suffix = Path(path).suffix.lower()
    if suffix in (".star", ".tbl"):
        return True
    if suffix != ".em":
        return False
    from napari_cryomask.io.particles_motl import looks_like_motl

    return looks_like_motl(path)


def checked_numbers(path, table, columns, where) -> np.ndarray:
    """The ``columns`` of ``table`` as an (N, k) float64 array; an error names the row and column of a bad value.

    ``where(row, column)`` says where a value is in the file (a line, a row of the motive list).
    """
    out = np.empty((len(table), len(columns)), np.float64)
    for k, column in enumerate(columns):
        values = table[column]
        try:
            out[:, k] = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            bad = next(i for i, v in enumerate(values) if not _is_number(v))
            raise ValueError(f"{path}: {where(bad, column)}: {_plain(values.iloc[bad])!r} is not a number") from None
        finite = np.isfinite(out[:, k])
        if not finite.all():
            bad = int(np.flatnonzero(~finite)[0])
            raise ValueError(f"{path}: {where(bad, column)}: {_plain(values.iloc[bad])!r} is not a finite number")
    return out


def whole_numbers(path, values, name) -> np.ndarray:
    """Tomogram or class numbers as int64, rounded; a value no integer column can hold is an error naming the particle."""
    values = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(values) | (np.abs(values) > np.iinfo(np.int32).max)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{path}: particle {i + 1}: {name} {values[i]:g} is not a whole number below 2^31")
    return values.round().astype(np.int64)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def tomogram_geometry(path):
    """A tomogram's shape ``(z, y, x)``, voxel size (Å, None when unrecorded) and origin (Å), from its header alone.

    A tomogram can be larger than memory; only the header is read.

    >>> import tempfile, pathlib
    >>> from napari_cryomask.io import write_volume
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "tomo.mrc"
    >>> write_volume(target, np.zeros((4, 5, 6)), voxel_size=10.0, origin=(0, 0, 20))
    >>> tomogram_geometry(target)
    ((4, 5, 6), (10.0, 10.0, 10.0), (0.0, 0.0, 20.0))
    """
    from napari_cryomask.io.em import EM_SUFFIXES, HEADER_BYTES, PIXEL_SIZE_PARAM, _parse_header

    path = existing_file(path, "tomogram")
    if path.suffix.lower() in EM_SUFFIXES:
        with open(path, "rb") as stream:
            raw = stream.read(HEADER_BYTES)
        if len(raw) < HEADER_BYTES:
            raise ValueError(f"{path}: {len(raw)} bytes, too short for the {HEADER_BYTES}-byte EM header")
        _, _, (nx, ny, nz), _, params, _ = _parse_header(path, raw)
        pixel = params[PIXEL_SIZE_PARAM]
        return (nz, ny, nx), ((pixel / 1000,) * 3 if pixel > 0 else None), (0.0, 0.0, 0.0)
    return _mrc_geometry(path)


def _mrc_geometry(path):
    import warnings

    import mrcfile

    from napari_cryomask.io.mrc import _decimal

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with mrcfile.open(path, header_only=True, permissive=True) as mrc:
                header = mrc.header.copy()
        except ValueError as error:
            raise ValueError(f"{path}: not a readable MRC file ({error})") from None
    if header is None:
        raise ValueError(f"{path}: not a readable MRC file (no header)")
    counts = (int(header.nz), int(header.ny), int(header.nx))  # sections, rows, columns
    axes = (int(header.mapc), int(header.mapr), int(header.maps))
    if min(counts) <= 0 or sorted(axes) != [1, 2, 3]:
        raise ValueError(f"{path}: MRC dimensions {counts[::-1]} or axis order {axes} are not usable")
    # stored axes (sections, rows, columns) run along the real axes (maps, mapr, mapc)
    real_axis = {0: axes[2], 1: axes[1], 2: axes[0]}
    shape = tuple(next(counts[s] for s, a in real_axis.items() if a == want) for want in (3, 2, 1))
    cell = [_decimal(c) for c in header.cella.item()]
    sampling = [int(header.mx), int(header.my), int(header.mz)]
    known = all(np.isfinite(c) and c > 0 and m > 0 for c, m in zip(cell, sampling))
    spacing = tuple(c / m for c, m in zip(cell, sampling))[::-1] if known else None
    origin = [_decimal(v) for v in header.origin.item()]
    if not (all(np.isfinite(v) for v in origin) and any(origin)):
        start_xyz = [0, 0, 0]
        for axis, start in zip(axes, (int(header.nxstart), int(header.nystart), int(header.nzstart))):
            start_xyz[axis - 1] = start
        origin = [s * v for s, v in zip(start_xyz, spacing[::-1] if spacing else (1.0, 1.0, 1.0))]
    return shape, spacing, tuple(float(v) for v in origin[::-1])
