"""Files of a mask check: a CSV of all curves, the FSC XML that EMDB takes for deposition, JSON for scripts.

Each writer replaces a file only with ``overwrite=True`` and writes atomically (a failed write
leaves an existing file intact).

- CSV: one row per Fourier shell, columns ``shell, frequency_per_A, resolution_A, unmasked,
  masked, randomised, corrected, fsc_part``; cells are empty where a curve does not exist (no
  mask) or has no value (shell 0's resolution, a shell without power).
- XML: EMDB's FSC format, as RELION's postprocess writes it: ``<fsc title=... xaxis="Resolution
  (A-1)" yaxis="Correlation Coefficient">`` holding one ``<coordinate><x>…</x><y>…</y></coordinate>``
  per shell, ``x`` the spatial frequency in 1/Å and ``y`` the corrected FSC (the unmasked FSC
  when there is no mask).
- JSON: :meth:`~napari_cryomask.core.fsc.FSCResult.as_json`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import xml.etree.ElementTree as ET

from ..core.fsc import CURVES
from .atomic import atomic_write

CSV_COLUMNS = ("shell", "frequency_per_A", "resolution_A", *CURVES, "fsc_part")


def _cell(value) -> str:
    if value is None or not math.isfinite(value):
        return ""
    return f"{float(value):.6g}"


def fsc_rows(result) -> list[list[str]]:
    """The CSV's rows, header first."""
    curves = {**result.curves(), "fsc_part": result.fsc_part}
    rows = [list(CSV_COLUMNS)]
    for i, frequency in enumerate(result.frequency_per_A):
        row = [str(i), _cell(frequency), _cell(result.shell_resolution_A[i])]
        row += [_cell(None if curve is None else curve[i]) for curve in curves.values()]
        rows.append(row)
    return rows


def write_fsc_csv(path, result, *, overwrite: bool = False) -> None:
    """Write every curve of a mask check, one row per shell."""
    rows = fsc_rows(result)

    def write(stream):
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        csv.writer(text).writerows(rows)
        text.flush()
        text.detach()

    atomic_write(path, write, overwrite=overwrite)


def fsc_xml(result, title: str | None = None) -> bytes:
    """The EMDB FSC XML of a mask check's reported curve (corrected, or unmasked without a mask).

    Examples
    --------
    >>> import numpy as np
    >>> from napari_cryomask.core.fsc import fsc
    >>> rng = np.random.default_rng(0)
    >>> half = rng.standard_normal((8, 8, 8))
    >>> print(fsc_xml(fsc(half, half, 2.0)).decode().splitlines()[1])
    <fsc title="napari-cryomask unmasked FSC" xaxis="Resolution (A-1)" yaxis="Correlation Coefficient">
    """
    name = "corrected" if result.corrected is not None else "unmasked"
    curve = result.corrected if result.corrected is not None else result.unmasked
    root = ET.Element("fsc", {
        "title": title or f"napari-cryomask {name} FSC",
        "xaxis": "Resolution (A-1)",
        "yaxis": "Correlation Coefficient",
    })
    for frequency, value in zip(result.frequency_per_A, curve):
        if not math.isfinite(value):
            continue
        point = ET.SubElement(root, "coordinate")
        ET.SubElement(point, "x").text = f"{float(frequency):.6f}"
        ET.SubElement(point, "y").text = f"{float(value):.6f}"
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def write_fsc_xml(path, result, *, overwrite: bool = False) -> None:
    """Write the EMDB FSC XML of a mask check (see :func:`fsc_xml`)."""
    data = fsc_xml(result)
    atomic_write(path, lambda stream: stream.write(data), overwrite=overwrite)


def write_fsc_json(path, result, *, overwrite: bool = False) -> None:
    """Write :meth:`~napari_cryomask.core.fsc.FSCResult.as_json` as indented JSON."""
    text = json.dumps(result.as_json(), indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    atomic_write(path, lambda stream: stream.write(text.encode("utf-8")), overwrite=overwrite)
