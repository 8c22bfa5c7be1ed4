"""Masks in 3D: the 0.5 surface as a Surface layer that follows its mask layer, in a real viewer."""

import doctest

import numpy as np
import pytest
from scipy.ndimage import map_coordinates

from napari_cryomask._napari import surface as surface_module
from napari_cryomask._napari import surface_mesh
from napari_cryomask._napari.mask_layer import show_mask
from napari_cryomask._napari.surface import DISPLAY_3D_KEY, set_display_3d, show_proxy, surface_of
from napari_cryomask._napari.surface_mesh import mask_mesh, proxy_step
from napari_cryomask.core.shapes import shape_mask

BOX = 48
SCALE = (2.5, 2.5, 2.5)
TRANSLATE = (10.0, -20.0, 30.0)


def soft_sphere(center=(22.0, 24.0, 25.0), radius=10.0, width=8.0, box=BOX):
    """A sphere whose cosine edge crosses 0.5 at ``radius + width / 2`` voxels from ``center``."""
    return shape_mask(box, "sphere", radius=radius, center=center, edge="cosine", edge_width_px=width)


def levels(mask, points):
    """The mask (0 outside its box) interpolated linearly at ``points`` (n, 3) voxel indices."""
    return map_coordinates(np.asarray(mask, np.float64), np.asarray(points, np.float64).T, order=1, cval=0.0)


def world_vertices(layer, count=300):
    """Up to ``count`` of a Surface layer's vertices, taken evenly, mapped to world coordinates by napari."""
    vertices = layer.data[0]
    picked = vertices[np.linspace(0, len(vertices) - 1, min(count, len(vertices))).astype(int)]
    return np.array([layer.data_to_world(v) for v in picked])


def on_half_level(mask_layer, surface, tolerance=1e-3):
    """Every sampled vertex of ``surface``, taken to ``mask_layer``'s voxels through world coordinates, is at 0.5."""
    world = world_vertices(surface)
    data = np.array([mask_layer.world_to_data(w) for w in world])
    return len(world) > 0 and np.abs(levels(mask_layer.data, data) - 0.5).max() < tolerance


def drawn(mask_layer):
    """(mask volume drawn, surface drawn)."""
    surface = surface_of(mask_layer)
    return mask_layer.visible, surface is not None and surface.visible


@pytest.fixture
def scene(make_napari_viewer):
    """A map with voxels of 2.5 Å and an origin, and one soft sphere mask over it."""
    viewer = make_napari_viewer()
    density = np.random.default_rng(0).random((BOX,) * 3, dtype=np.float32)
    map_layer = viewer.add_image(density, name="map", scale=SCALE, translate=TRANSLATE)
    mask_layer = show_mask(viewer, soft_sphere(), name="shape mask", reference=map_layer)
    return viewer, map_layer, mask_layer


# -- the mesh ---------------------------------------------------------------------------------


def test_mesh_modules_doctests():
    for module in (surface_mesh, surface_module):
        assert doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0


def test_mesh_vertices_are_on_the_half_level_of_a_soft_sphere():
    mask = soft_sphere()
    vertices, faces = mask_mesh(mask)
    assert len(faces) > 1000 and faces.max() < len(vertices) and faces.dtype == np.int32
    assert np.abs(levels(mask, vertices) - 0.5).max() < 1e-4
    distance = np.linalg.norm(vertices - np.array([22.0, 24.0, 25.0]), axis=1)
    assert np.abs(distance - 14.0).max() < 0.1


def test_mesh_is_closed_where_the_mask_meets_the_box():
    mask = np.zeros((10, 10, 10), np.float32)
    mask[:, 2:8, 2:8] = 1.0  # runs through the box along z
    vertices, faces = mask_mesh(mask)
    assert vertices[:, 0].min() == pytest.approx(-0.5) and vertices[:, 0].max() == pytest.approx(9.5)
    # closed: every edge is shared by exactly two triangles
    edges = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]), axis=1)
    _, counts = np.unique(edges, axis=0, return_counts=True)
    assert set(counts.tolist()) == {2}


def test_mesh_of_a_coarse_sampling_is_in_voxels_of_the_box():
    full = soft_sphere(box=64, center=(32.0, 32.0, 32.0), radius=16, width=8)
    step = proxy_step(full.shape, voxels=16**3)
    assert step == 4
    coarse = shape_mask(16, "sphere", radius=4, center=(8.0, 8.0, 8.0), edge="cosine", edge_width_px=2)
    np.testing.assert_allclose(coarse, full[::4, ::4, ::4], atol=1e-6)
    vertices, _ = mask_mesh(coarse, step=step)
    distance = np.linalg.norm(vertices - 32.0, axis=1)
    assert np.abs(distance - 20.0).max() < 1.0  # the 0.5 level, within a quarter of a coarse voxel


def test_mesh_of_nothing_and_bad_input():
    assert [len(part) for part in mask_mesh(np.full((5, 5, 5), 0.4, np.float32))] == [0, 0]
    with pytest.raises(ValueError, match="3D array"):
        mask_mesh(np.zeros((5, 5)))
    with pytest.raises(ValueError, match="step"):
        mask_mesh(np.zeros((5, 5, 5)), step=0)


# -- the layer in a viewer --------------------------------------------------------------------


def test_each_mask_gets_a_surface_right_above_it_at_the_first_3d_view(scene):
    viewer, map_layer, mask_layer = scene
    second = show_mask(viewer, soft_sphere(radius=5), name="shape mask", reference=map_layer)
    assert surface_of(mask_layer) is None and len(viewer.layers) == 3  # none in 2D: nothing to draw there
    viewer.dims.ndisplay = 3
    assert [layer.name for layer in viewer.layers] == [
        "map", "shape mask", "shape mask surface", "shape mask [1]", "shape mask [1] surface"
    ]
    assert surface_of(second) is viewer.layers[-1] and surface_of(mask_layer) is viewer.layers[2]
    # the selection is left as it was
    assert viewer.layers.selection.active is second and set(viewer.layers.selection) == {second}
    # updating a mask in place keeps its one surface; one made in 3D has its surface at once
    surface = surface_of(mask_layer)
    assert show_mask(viewer, soft_sphere(radius=6), name="shape mask", layer=mask_layer) is mask_layer
    assert surface_of(mask_layer) is surface
    third = show_mask(viewer, soft_sphere(radius=7), name="shape mask", reference=map_layer)
    assert surface_of(third) is viewer.layers[-1] and on_half_level(third, surface_of(third))
    viewer.dims.ndisplay = 2
    assert len(viewer.layers) == 7 and not any(surface_of(m).visible for m in (mask_layer, second, third))


def test_in_3d_the_surface_lies_on_the_mask_in_world_coordinates(scene):
    viewer, map_layer, mask_layer = scene
    viewer.dims.ndisplay = 3
    surface = surface_of(mask_layer)
    assert drawn(mask_layer) == (False, True)
    assert on_half_level(mask_layer, surface)
    center_world = np.array(TRANSLATE) + np.array(SCALE) * np.array([22.0, 24.0, 25.0])
    distance = np.linalg.norm(world_vertices(surface) - center_world, axis=1)
    assert np.abs(distance - 14.0 * 2.5).max() < 0.1 * 2.5


def test_surface_follows_new_data_in_3d_and_in_place_edits_at_the_next_3d_view(scene):
    viewer, _, mask_layer = scene
    viewer.dims.ndisplay = 3
    surface = surface_of(mask_layer)
    mask_layer.data = soft_sphere(center=(30.0, 20.0, 18.0), radius=6)
    assert on_half_level(mask_layer, surface)
    assert np.abs(surface.data[0].mean(axis=0) - [30.0, 20.0, 18.0]).max() < 0.1

    viewer.dims.ndisplay = 2
    mask_layer.data[:, :, :18] = 0.0  # an edit in place, then a refresh, as napari asks
    mask_layer.refresh()
    viewer.dims.ndisplay = 3
    assert on_half_level(mask_layer, surface)
    assert surface.data[0][:, 2].min() >= 17.5


def test_surface_follows_scale_and_translate(scene):
    viewer, _, mask_layer = scene
    viewer.dims.ndisplay = 3
    surface = surface_of(mask_layer)
    mask_layer.scale = (1.0, 2.0, 3.0)
    mask_layer.translate = (-5.0, 7.0, 100.0)
    assert surface.scale.tolist() == [1.0, 2.0, 3.0] and surface.translate.tolist() == [-5.0, 7.0, 100.0]
    assert on_half_level(mask_layer, surface)


def test_one_visibility_for_the_mask_whichever_layer_draws_it(scene):
    viewer, _, mask_layer = scene
    viewer.dims.ndisplay = 3
    surface = surface_of(mask_layer)
    surface.visible = False  # the eye of the layer drawn in 3D hides the mask
    assert drawn(mask_layer) == (False, False)
    viewer.dims.ndisplay = 2
    assert drawn(mask_layer) == (False, False)
    mask_layer.visible = True
    viewer.dims.ndisplay = 3
    assert drawn(mask_layer) == (False, True)
    # turning on the volume in 3D draws the mask as a volume; turning on the surface goes back
    mask_layer.visible = True
    assert drawn(mask_layer) == (True, False) and mask_layer.metadata[DISPLAY_3D_KEY] == "volume"
    surface.visible = True
    assert drawn(mask_layer) == (False, True) and mask_layer.metadata[DISPLAY_3D_KEY] == "surface"


def test_volume_display_draws_the_mask_layer_in_3d(scene):
    viewer, _, mask_layer = scene
    set_display_3d(mask_layer, "volume")
    viewer.dims.ndisplay = 3
    assert drawn(mask_layer) == (True, False)
    set_display_3d(mask_layer, "surface")
    assert drawn(mask_layer) == (False, True) and on_half_level(mask_layer, surface_of(mask_layer))
    with pytest.raises(ValueError, match="3D display must be one of surface, volume"):
        set_display_3d(mask_layer, "mesh")


def test_surface_takes_the_mask_colour_and_name(scene):
    viewer, _, mask_layer = scene
    mask_layer.colormap = "green"
    viewer.dims.ndisplay = 3
    surface = surface_of(mask_layer)
    np.testing.assert_allclose(surface.colormap.map(np.array([0.0, 1.0])), [[0, 1, 0, 1], [0, 1, 0, 1]], atol=1e-6)
    mask_layer.colormap = "blue"
    np.testing.assert_allclose(surface.colormap.map(np.array([1.0])), [[0, 0, 1, 1]], atol=1e-6)
    mask_layer.name = "lid"
    assert surface.name == "lid surface"


def test_an_empty_surface_leaves_the_view_to_the_mask(make_napari_viewer):
    viewer = make_napari_viewer()
    mask_layer = show_mask(viewer, soft_sphere(), name="shape mask")
    viewer.dims.ndisplay = 3
    mask_layer.data = np.zeros_like(mask_layer.data)
    assert len(surface_of(mask_layer).data[1]) == 0
    empty = show_mask(viewer, np.zeros((BOX,) * 3, np.float32), name="empty")  # made in 3D, nothing inside
    assert len(surface_of(empty).data[1]) == 0
    viewer.reset_view()
    np.testing.assert_allclose(viewer.camera.center, [(BOX - 1) / 2] * 3)


def test_deleting_the_mask_deletes_its_surface(scene):
    viewer, _, mask_layer = scene
    viewer.dims.ndisplay = 3
    viewer.layers.remove(mask_layer)
    assert [layer.name for layer in viewer.layers] == ["map"]
    assert surface_of(mask_layer) is None


def test_deleting_the_surface_leaves_the_mask_drawn_as_a_volume(scene):
    viewer, _, mask_layer = scene
    viewer.dims.ndisplay = 3
    viewer.layers.remove(surface_of(mask_layer))
    assert mask_layer.visible and mask_layer.metadata[DISPLAY_3D_KEY] == "volume"
    assert surface_of(mask_layer) is None
    mask_layer.data = soft_sphere(radius=4)  # nothing follows it any more, nothing breaks
    viewer.dims.ndisplay = 2
    assert mask_layer.visible and [layer.name for layer in viewer.layers] == ["map", "shape mask"]


def test_the_3d_canvas_shows_the_mesh_in_the_mask_colour(make_napari_viewer):
    viewer = make_napari_viewer(show=True)  # a canvas that is not shown draws no 3D scene
    mask_layer = show_mask(viewer, soft_sphere(), name="shape mask")
    mask_layer.colormap = "green"
    viewer.dims.ndisplay = 3
    middle = viewer.screenshot(canvas_only=True, flash=False)
    h, w = middle.shape[:2]
    r, g, b = middle[h // 2 - 2 : h // 2 + 3, w // 2 - 2 : w // 2 + 3, :3].astype(int).mean(axis=(0, 1))
    assert g > 60 and g > 2 * r and g > 2 * b
    surface_of(mask_layer).visible = False
    hidden = viewer.screenshot(canvas_only=True, flash=False)
    assert hidden[h // 2, w // 2, 1] < 30


# -- while a control moves ---------------------------------------------------------------------


class Screen:
    """What the canvas would draw of one mask after each change: ("volume" | "mesh", its source)."""

    def __init__(self, mask_layer):
        self.mask_layer = mask_layer
        self.frames = []

    def note(self, source):
        volume, mesh = drawn(self.mask_layer)
        self.frames.append(("volume" if volume else "mesh" if mesh else "nothing", source))


def coarse_sphere(radius, step):
    """A soft sphere at the scene's centre sampled at every ``step``-th voxel (computed at that spacing)."""
    box = -(-BOX // step)
    return shape_mask(box, "sphere", radius=radius / step, center=(22 / step, 24 / step, 25 / step), edge="cosine", edge_width_px=8 / step)


@pytest.mark.parametrize("display", ["surface", "volume"])
def test_a_drag_draws_each_proxy_then_the_full_mask_and_nothing_stale(scene, display):
    viewer, _, mask_layer = scene
    set_display_3d(mask_layer, display)
    viewer.dims.ndisplay = 3
    screen = Screen(mask_layer)
    step = proxy_step(mask_layer.data.shape, voxels=12**3)
    radii = [8.0, 9.0, 10.0, 11.0]
    for radius in radii:
        assert show_proxy(mask_layer, coarse_sphere(radius, step), step)
        surface = surface_of(mask_layer)
        # the proxy's mesh is of the values just set
        distance = np.linalg.norm(surface.data[0] - [22.0, 24.0, 25.0], axis=1)
        assert abs(np.median(distance) - (radius + 4.0)) < step / 2
        screen.note(("proxy", radius))
    mask_layer.data = soft_sphere(radius=radii[-1])
    screen.note(("full", radii[-1]))
    final = "mesh" if display == "surface" else "volume"
    assert screen.frames == [("mesh", ("proxy", r)) for r in radii] + [(final, ("full", radii[-1]))]
    if display == "surface":
        assert on_half_level(mask_layer, surface)


def test_no_proxy_in_2d_and_a_proxy_ends_with_the_3d_view(scene):
    viewer, _, mask_layer = scene
    assert not show_proxy(mask_layer, coarse_sphere(5.0, 4), 4)
    assert drawn(mask_layer) == (True, False) and surface_of(mask_layer) is None
    set_display_3d(mask_layer, "volume")
    viewer.dims.ndisplay = 3
    assert surface_of(mask_layer) is None  # a volume display needs a surface only for a proxy
    assert show_proxy(mask_layer, coarse_sphere(5.0, 4), 4)
    assert drawn(mask_layer) == (False, True)
    viewer.dims.ndisplay = 2
    viewer.dims.ndisplay = 3
    assert drawn(mask_layer) == (True, False)  # the layer's own data again, not the dropped proxy


def test_no_proxy_once_the_surface_was_deleted(scene):
    viewer, _, mask_layer = scene
    viewer.dims.ndisplay = 3
    viewer.layers.remove(surface_of(mask_layer))
    assert not show_proxy(mask_layer, coarse_sphere(5.0, 4), 4)
    assert drawn(mask_layer) == (True, False) and len(viewer.layers) == 2


def test_a_proxy_of_a_mask_at_the_box_face_stays_inside_the_box(scene):
    viewer, _, mask_layer = scene
    viewer.dims.ndisplay = 3
    step = 4
    coarse = np.ones((BOX // step,) * 3, np.float32)  # the whole box
    assert show_proxy(mask_layer, coarse, step)
    vertices = surface_of(mask_layer).data[0]
    assert vertices.min() == -0.5 and vertices.max() <= BOX - 0.5  # unclipped, it would reach -2
