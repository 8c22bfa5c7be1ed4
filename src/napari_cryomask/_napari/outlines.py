"""Outlines drawn on a few planes, as a binary on a mask's grid: from a Labels layer or a Shapes layer.

- A Labels layer counts where it is not 0; it must lie on the mask's grid (same box, voxel size
  and origin), as the one *Draw planes* makes does.
- A Shapes layer's polygons, rectangles, ellipses and paths (closed) are filled on the plane each
  was drawn on. Its vertices are taken through its own placement into the mask's voxels, so a
  shapes layer of another scale or origin (napari's *new shapes layer* button) works too. Lines
  enclose nothing and are left out; a shape drawn in the 3D view (not on one plane) is left out
  and counted.

:func:`plane_axis` tells across which axis the outlines were drawn: the one along which they
occupy the fewest planes.
"""

from __future__ import annotations

import numpy as np

FILLED = ("polygon", "rectangle", "ellipse", "path")


def drawn_binary(layer, like) -> tuple[np.ndarray, int]:
    """The outlines of ``layer`` on the grid of the layer ``like``: ``(binary, shapes left out)``.

    Raises ValueError, naming the layer, when a Labels layer is not on ``like``'s grid or the
    layer is neither Labels nor Shapes.
    """
    from napari.layers import Labels, Shapes

    box = tuple(int(n) for n in np.shape(like.data)[-3:])
    if isinstance(layer, Labels):
        data = np.asarray(layer.data)
        same_place = np.allclose(layer.scale[-3:], like.scale[-3:]) and np.allclose(layer.translate[-3:], like.translate[-3:])
        if data.shape != box or not same_place:
            raise ValueError(
                f"the labels layer {layer.name!r} is not on the grid of {like.name!r} ({data.shape} voxels of "
                f"{tuple(float(s) for s in layer.scale[-3:])} Å against {box} of {tuple(float(s) for s in like.scale[-3:])} Å); "
                "draw in the layer Draw planes makes"
            )
        return data != 0, 0
    if isinstance(layer, Shapes):
        if layer.ndim != 3:
            raise ValueError(f"the shapes layer {layer.name!r} is {layer.ndim}D; outlines on planes need a 3D shapes layer")
        out = np.zeros(box, bool)
        skipped = 0
        for vertices, kind in zip(layer.data, layer.shape_type):
            if kind not in FILLED:
                continue
            voxels = np.array([like.world_to_data(layer.data_to_world(v))[-3:] for v in vertices], dtype=float)
            if not _fill_shape(out, voxels, kind):
                skipped += 1
        return out, skipped
    raise ValueError(f"layer {layer.name!r} is a {type(layer).__name__} layer; outlines are drawn in a labels or shapes layer")


def _fill_shape(out, voxels, kind) -> bool:
    """Fill one shape (vertices in voxels of ``out``) on its plane; False when it lies on no one plane."""
    spread = np.ptp(voxels, axis=0)
    axis = int(np.argmin(spread))
    if spread[axis] > 0.5:
        return False
    plane = int(np.round(voxels[:, axis].mean()))
    if not 0 <= plane < out.shape[axis]:
        return True  # on a plane outside the box: nothing to fill
    rows, cols = [a for a in range(3) if a != axis]
    points = voxels[:, [rows, cols]]
    shape2d = (out.shape[rows], out.shape[cols])
    inside = _ellipse(points, shape2d) if kind == "ellipse" else _polygon(points, shape2d)
    index = [slice(None)] * 3
    index[axis] = plane
    out[tuple(index)] |= inside
    return True


def _polygon(points, shape2d) -> np.ndarray:
    from skimage.draw import polygon2mask

    return polygon2mask(shape2d, points)


def _ellipse(corners, shape2d) -> np.ndarray:
    """The ellipse inscribed in napari's bounding box of four corners (possibly turned)."""
    centre = corners.mean(axis=0)
    a, b = (corners[1] - corners[0]) / 2, (corners[2] - corners[1]) / 2
    la, lb = np.linalg.norm(a), np.linalg.norm(b)
    if la == 0 or lb == 0:
        return np.zeros(shape2d, bool)
    reach = np.ceil(np.abs(a) + np.abs(b)).astype(int) + 1
    low = np.maximum(np.floor(centre).astype(int) - reach, 0)
    high = np.minimum(np.ceil(centre).astype(int) + reach + 1, shape2d)
    out = np.zeros(shape2d, bool)
    if np.any(high <= low):
        return out
    r, c = np.mgrid[low[0]:high[0], low[1]:high[1]]
    d = np.stack([r - centre[0], c - centre[1]], axis=-1)
    u, v = d @ (a / la) / la, d @ (b / lb) / lb
    out[low[0]:high[0], low[1]:high[1]] = u**2 + v**2 <= 1
    return out


def plane_axis(binary, preferred: int = 0) -> int:
    """The axis the outlines were drawn across: the one along which they occupy the fewest planes.

    Ties go to ``preferred`` (the axis the 2D view slices through), then to the lower axis.

    >>> b = np.zeros((20, 30, 30), bool); b[4, 10:20, 10:20] = b[15, 10:20, 10:20] = True
    >>> plane_axis(b)
    0
    """
    b = np.asarray(binary, dtype=bool)
    counts = [int(np.count_nonzero(np.any(b, axis=tuple(a for a in range(3) if a != axis)))) for axis in range(3)]
    least = min(counts)
    return preferred if counts[preferred] == least else counts.index(least)
