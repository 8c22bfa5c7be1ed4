"""3D that keeps up: while a value moves in 3D a coarse proxy is drawn, then the full mask; never anything stale.

The widgets' model is driven without Qt on a ``ViewerModel`` with a runner that lets the test decide
when (and in which order) computations finish; one test drags a real slider of the real widget.
What "is drawn" is what a frame would show after each step: the mask's volume, its surface (with
the mesh it holds), or nothing.
"""

import numpy as np
import pytest
from manual_runner import ManualRunner
from napari.components import ViewerModel

from napari_cryomask._napari.shape_model import ShapeModel
from napari_cryomask._napari.surface import set_display_3d, surface_of
from napari_cryomask._napari.surface_mesh import mask_mesh, proxy_step
from napari_cryomask._napari.tight_model import TightModel
from napari_cryomask.recipes import METADATA_KEY, apply_recipe

BOX = 128  # step 2 proxies (64³)


def same_mesh(surface, mesh):
    vertices, faces = mesh
    return np.array_equal(surface.data[0], vertices) and np.array_equal(surface.data[1], faces)


class Frames:
    """What is on screen of the model's mask after each step, named by the values it shows."""

    def __init__(self, model):
        self.model = model
        self.seen = []

    def note(self):
        model, layer = self.model, self.model.layer
        surface = surface_of(layer)
        if layer.visible:
            recipe = layer.metadata[METADATA_KEY]
            assert np.array_equal(layer.data, apply_recipe(recipe)[0]), "the volume drawn is not its recipe's"
            self.seen.append(("volume", recipe["params"]["radius"]))
        elif surface is not None and surface.visible:
            step = proxy_step(layer.data.shape)
            if same_mesh(surface, mask_mesh(model.coarse(step), step=step)):
                self.seen.append(("proxy", model["radius"]))
            else:
                recipe = layer.metadata[METADATA_KEY]
                assert same_mesh(surface, mask_mesh(layer.data)), "the surface is neither the proxy nor the layer's mask"
                self.seen.append(("mesh", recipe["params"]["radius"]))
        else:
            self.seen.append(("nothing", None))


@pytest.fixture
def in_3d():
    """A Shape model in a 128³ box in a 3D view, its first mask shown."""
    viewer = ViewerModel()
    runner = ManualRunner()
    model = ShapeModel(viewer, runner=runner)
    model.update(box=(BOX, BOX, BOX), radius=30.0)
    runner.finish_all()
    viewer.dims.ndisplay = 3
    return viewer, model, runner


@pytest.mark.parametrize("display", ["surface", "volume"])
def test_a_drag_in_3d_shows_the_proxy_of_each_value_then_the_full_mask(in_3d, display):
    viewer, model, runner = in_3d
    set_display_3d(model.layer, display)
    frames = Frames(model)
    frames.note()
    for radius in (31.0, 32.0, 33.0):
        model.move("radius", radius)
        assert runner.jobs == []  # nothing full-size is computed while the value moves
        frames.note()
    model.rest()
    frames.note()
    runner.finish()
    frames.note()
    final = "mesh" if display == "surface" else "volume"
    assert frames.seen == [
        (final, 30.0), ("proxy", 31.0), ("proxy", 32.0), ("proxy", 33.0), ("proxy", 33.0), (final, 33.0)
    ]


def test_a_proxy_lies_on_the_half_level_of_its_values(in_3d):
    viewer, model, runner = in_3d
    model.update(edge_width=8.0)
    runner.finish()
    model.move("radius", 20.0)
    surface = surface_of(model.layer)
    distance = np.linalg.norm(surface.data[0] - BOX // 2, axis=1)
    # the cosine edge crosses 0.5 half its width outside the radius; a coarse voxel is 2 voxels
    assert np.abs(distance - 24.0).max() < 1.0


def test_a_late_result_of_earlier_values_never_reaches_the_screen(in_3d):
    viewer, model, runner = in_3d
    frames, dropped = Frames(model), model.dropped
    model.move("radius", 35.0)
    model.rest()  # the job of 35 Å waits
    model.move("radius", 36.0)
    frames.note()
    runner.finish(0)  # 35 Å arrives after 36 Å is on screen: dropped
    frames.note()
    model.rest()
    runner.finish(-1)
    frames.note()
    assert frames.seen == [("proxy", 36.0), ("proxy", 36.0), ("mesh", 36.0)]
    assert model.dropped == dropped + 1


def test_into_3d_while_the_layer_holds_2d_previews_draws_the_proxy(in_3d):
    viewer, model, runner = in_3d
    viewer.dims.ndisplay = 2
    model.move("radius", 40.0)  # the displayed plane of 40 Å is written into the 30 Å volume
    mixed = np.array(model.layer.data)
    assert not np.array_equal(mixed, apply_recipe(model.layer.metadata[METADATA_KEY])[0])
    viewer.dims.ndisplay = 3
    frames = Frames(model)
    frames.note()
    assert frames.seen == [("proxy", 40.0)]
    assert not same_mesh(surface_of(model.layer), mask_mesh(mixed))


def test_the_tight_model_moves_its_threshold_with_a_proxy_of_the_sampled_map():
    viewer = ViewerModel()
    grid = np.indices((BOX,) * 3, dtype=np.float32)
    density = np.exp(-sum((g - c) ** 2 for g, c in zip(grid, (60, 64, 70))) / (2 * 12.0**2)).astype(np.float32)
    viewer.add_image(density, name="blob", scale=(3.0, 3.0, 3.0))
    runner = ManualRunner()
    model = TightModel(viewer, runner=runner)
    model.update(threshold=0.5, edge="none")
    runner.finish_all()
    viewer.dims.ndisplay = 3
    model.move("threshold", 0.3)
    surface = surface_of(model.layer)
    # the 0.3 contour of the Gaussian, 12·sqrt(2 ln(1/0.3)) voxels out, within a coarse voxel
    distance = np.linalg.norm(surface.data[0] - [60, 64, 70], axis=1)
    assert np.abs(np.median(distance) - 12.0 * np.sqrt(2 * np.log(1 / 0.3))) < 2.0
    assert not model.layer.visible and surface.visible
    model.rest()
    runner.finish()
    assert same_mesh(surface, mask_mesh(model.layer.data)) and model.layer.metadata[METADATA_KEY]["params"]["threshold"] == 0.3


def test_dragging_a_real_slider_in_3d(make_napari_viewer, qtbot):
    from gui_helpers import drag, settle

    from napari_cryomask._napari.shape_widget import ShapeMaskWidget

    viewer = make_napari_viewer()
    widget = ShapeMaskWidget(viewer)
    viewer.window.add_dock_widget(widget, name="Shape mask")
    model = widget.model
    model.update(box=(BOX, BOX, BOX), shape="ellipsoid", radii=(20.0, 30.0, 40.0))
    settle(qtbot, widget)
    viewer.dims.ndisplay = 3
    layer = model.layer
    surface = surface_of(layer)
    meshes = []
    surface.events.data.connect(lambda event: meshes.append((model["phi"], surface.data[0].copy())))
    slider = widget.editors["phi"].slider
    start = slider.value()
    drag(slider, [start + 10 * i for i in range(1, 6)])
    phis = [phi for phi, _ in meshes]
    assert len(set(phis)) == 5 and phis == sorted(phis)  # one proxy per position, in order, none older
    settle(qtbot, widget)
    assert model["phi"] == phis[-1] and layer.metadata[METADATA_KEY]["params"]["angles"][0] == phis[-1]
    assert same_mesh(surface, mask_mesh(layer.data)) and not layer.visible and surface.visible
    assert np.array_equal(layer.data, apply_recipe(layer.metadata[METADATA_KEY])[0])


def test_the_model_mask_moves_its_threshold_with_a_proxy_of_the_sampled_density(tmp_path):
    from atomic_models import helix_atoms, write

    from napari_cryomask._napari.model_mask_model import ModelMaskModel
    from napari_cryomask._napari.model_reader import read_models

    viewer = ViewerModel()
    viewer.add_image(np.zeros((BOX,) * 3, np.float32), scale=(1.5, 1.5, 1.5), name="map")
    runner = ManualRunner()
    model = ModelMaskModel(viewer, runner=runner)
    data, kwargs, _ = read_models(str(write(tmp_path / "helix.cif", helix_atoms(20, start=(60.0, 96.0, 96.0)))))[0]
    viewer.add_points(data, **kwargs)
    model.update(level="threshold", threshold=0.05, edge="cosine", edge_width=6.0, extend=3.0)
    runner.finish_all()
    viewer.dims.ndisplay = 3
    model.move("threshold", 0.1)
    step = proxy_step(model.layer.data.shape)
    proxy, surface = model.coarse(step), surface_of(model.layer)
    assert step == 2 and proxy.sum() > 0 and not model.layer.visible and surface.visible
    assert same_mesh(surface, mask_mesh(proxy, step=step))
    model.rest()
    runner.finish()
    layer = model.layer
    assert layer.metadata[METADATA_KEY]["params"]["threshold"] == 0.1 and same_mesh(surface, mask_mesh(layer.data))
    # the proxy is the full mask sampled at every other voxel, but near its surface
    assert np.mean(np.abs(layer.data[::step, ::step, ::step] - proxy) < 0.25) > 0.97


@pytest.fixture
def tools_in_3d():
    """The Mask tools model on an off-centre soft ellipsoid of 128³ (2 Å voxels), in a 3D view."""
    from napari_cryomask._napari.tools_model import ToolsModel
    from napari_cryomask.core.shapes import shape_mask

    viewer = ViewerModel()
    blob = shape_mask(BOX, "ellipsoid", radii=(20, 12, 8), center=(64, 64, 84), edge="cosine", edge_width_px=4)
    viewer.add_image(blob, scale=(2.0, 2.0, 2.0), name="blob")
    runner = ManualRunner()
    model = ToolsModel(viewer, runner=runner)
    runner.finish_all()
    viewer.dims.ndisplay = 3
    return viewer, model, runner


def settled(model, runner, **values):
    model.update(**values)
    runner.finish_all()
    return model.layer


@pytest.mark.parametrize("operation, values, moved", [
    ("helix", {"helical": True, "twist": 30.0, "rise": 6.0}, ("twist", 40.0)),
    ("symmetrize", {"group": "C3", "mode": "average", "edge_width": 6.0}, ("threshold", 0.3)),
    ("clip", {"clip_by": "box", "size": (60.0, 200.0, 200.0), "taper": 6.0}, ("taper", 10.0)),
])
def test_the_tools_model_moves_a_value_in_3d_with_a_proxy_of_the_sampled_mask(tools_in_3d, operation, values, moved):
    viewer, model, runner = tools_in_3d
    layer = settled(model, runner, operation=operation, **values)
    surface = surface_of(layer)
    model.move(*moved)
    assert runner.jobs == []  # nothing full-size is computed while the value moves
    step = proxy_step(layer.data.shape)
    proxy = model.coarse(step)
    assert step == 2 and proxy.sum() > 0 and not layer.visible and surface.visible
    assert same_mesh(surface, mask_mesh(proxy, step=step))
    model.rest()
    runner.finish()
    assert layer.metadata[METADATA_KEY]["params"] and same_mesh(surface, mask_mesh(layer.data))
    # the proxy is the moved value's result sampled at every other voxel, but near its surface
    assert np.mean(np.abs(layer.data[::step, ::step, ::step] - proxy) < 0.25) > 0.99
    assert (proxy >= 0.5).sum() > 100


def test_the_tools_model_has_no_proxy_onto_another_map(tools_in_3d):
    viewer, model, runner = tools_in_3d
    viewer.add_image(np.ones((BOX,) * 3, np.float32), scale=(2.0, 2.0, 2.0), name="map")
    layer = settled(model, runner, operation="apply to map", map=viewer.layers["map"])
    before = np.array(layer.data)
    model.move("outside", "mean")
    assert model.coarse(2) is None and model.preview_box() is None
    assert np.array_equal(layer.data, before)  # the last result stays until the new one arrives
