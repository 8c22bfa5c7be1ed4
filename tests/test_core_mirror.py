"""Solids computed in one half of their block and mirrored equal the solids computed whole."""

import numpy as np
import pytest

from napari_cryomask.core import mirror, shapes

CASES = [
    dict(shape="sphere", radius=9.5, edge="cosine", edge_width_px=4),
    dict(shape="sphere", radius=7, edge="gaussian", edge_width_px=2),
    dict(shape="sphere", radius=8, thickness=3, edge="cosine", edge_width_px=3),
    dict(shape="sphere", radius=10),
    dict(shape="ellipsoid", radii=(6, 8.5, 11), edge="cosine", edge_width_px=3),
    dict(shape="cylinder", radius=7, height=15, edge="gaussian", edge_width_px=1.5),
    dict(shape="tube", radius=9, height=12, inner_radius=4, edge="cosine", edge_width_px=2),
    dict(shape="cuboid", size=(9, 13, 17), rounding=2, edge="cosine", edge_width_px=3),
    dict(shape="cone", radius=8, height=14, edge="cosine", edge_width_px=3),
]
CENTRES = [None, (16, 15.5, 17), (16.5, 16.5, 16.5), (14, 15, 3), (16.25, 16, 16)]


def _whole(monkeypatch, box, **kwargs):
    with monkeypatch.context() as m:
        m.setattr(shapes, "symmetric_axes", lambda *a: [])
        return shapes.shape_mask(box, **kwargs)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["shape"] + "-" + c.get("edge", "hard"))
@pytest.mark.parametrize("center", CENTRES, ids=str)
def test_mirrored_equals_whole(monkeypatch, case, center):
    box = (33, 32, 34)
    mirrored = shapes.shape_mask(box, center=center, **case)
    whole = _whole(monkeypatch, box, center=center, **case)
    assert mirrored.tobytes() == whole.tobytes()
    assert mirrored.max() == 1


def test_mirrored_region_and_inside(monkeypatch):
    case = dict(shape="sphere", radius=9.5, edge="cosine", edge_width_px=4)
    region = (slice(2, 31), slice(16, 17), slice(0, 32))
    part = shapes.shape_mask(32, region=region, **case)
    assert part.tobytes() == shapes.shape_mask(32, **case)[region].tobytes()
    inside, block = shapes.shape_inside(32, "sphere", radius=9.5)
    with monkeypatch.context() as m:
        m.setattr(shapes, "symmetric_axes", lambda *a: [])
        whole, same = shapes.shape_inside(32, "sphere", radius=9.5)
    assert block == same and np.array_equal(inside, whole)


def test_symmetric_axes_need_a_centred_block():
    block = (slice(2, 9), slice(2, 10), slice(0, 5))
    assert mirror.symmetric_axes(block, (5, 5.5, 2.25), (0, 1, 2)) == [0, 1]
    assert mirror.symmetric_axes(block, (5, 5.5, 2), (0, 2)) == [0, 2]
    assert mirror.symmetric_axes(block, (4, 6, 2), (0, 1, 2)) == [2]


def test_rotated_solids_are_not_mirrored(monkeypatch):
    calls = []
    real = shapes.symmetric_axes
    monkeypatch.setattr(shapes, "symmetric_axes", lambda *a: calls.append(a) or real(*a))
    shapes.shape_mask(24, "ellipsoid", radii=(4, 6, 8), angles=(10, 20, 30), edge="cosine", edge_width_px=2)
    assert calls == []
