"""The Edit by hand model without Qt: a mask painted through napari's Labels layer, brought back soft and replayable."""

import numpy as np
import pytest
from napari.components import ViewerModel

from napari_cryomask._napari.edit_model import EditModel
from napari_cryomask._napari.mask_layer import STALE_KEY
from napari_cryomask._napari.shape_model import ShapeModel
from napari_cryomask.core.edge_rebuild import estimate_edge
from napari_cryomask.core.shapes import sphere
from napari_cryomask.recipes import METADATA_KEY, apply_recipe, data_digest


@pytest.fixture
def on_shape():
    """A sphere of 16 Å (8 voxels of 2 Å) with a cosine edge of 6 Å, on a map placed at an origin."""
    viewer = ViewerModel()
    viewer.add_image(np.random.default_rng(0).normal(size=(48, 48, 48)).astype(np.float32), scale=(2.0, 2.0, 2.0),
                     translate=(10.0, 20.0, 30.0), name="map")
    shape = ShapeModel(viewer)
    shape.update(radius=16.0, edge="cosine", edge_width=6.0, center=(24.0, 24.0, 24.0))
    return viewer, shape.layer, shape


def replays(layer):
    recipe = layer.metadata[METADATA_KEY]
    return np.array_equal(apply_recipe(recipe)[0], layer.data) and recipe["data_sha256"] == data_digest(layer.data)


def test_paint_with_a_ball_erase_apply_and_the_recipe_replays(on_shape):
    viewer, mask, _ = on_shape
    model = EditModel(viewer)
    assert model["mask"] is mask
    model.act("edit")
    labels = viewer.layers["shape mask edit"]
    assert np.array_equal(labels.data != 0, mask.data >= 0.5)
    assert tuple(labels.scale) == (2.0, 2.0, 2.0) and tuple(labels.translate) == (10.0, 20.0, 30.0)
    assert labels.mode == "paint" and viewer.layers.selection.active is labels
    assert "as its recipe says" in model.notice and (model["edge"], model["edge_width"]) == ("cosine", 6.0)

    model.update(brush="ball", brush_size=8.0)
    assert labels.brush_size == 4 and labels.n_edit_dimensions == 3
    labels.paint((24, 24, 40), 1)  # beside the sphere: a ball through neighbouring planes
    assert labels.data[22:27, 24, 40].all() and labels.data[24, 24, 36] == 0
    labels.paint((24, 24, 24), 0)  # erase the centre
    model.act("apply")
    out = model.layer
    assert out.name == "edited mask" and tuple(out.translate) == (10.0, 20.0, 30.0)
    assert viewer.layers.selection.active is labels and labels.mode == "paint"  # painting goes on in the edit
    recipe = out.metadata[METADATA_KEY]
    assert recipe["operation"] == "edit" and recipe["inputs"][0]["operation"] == "shape"
    assert recipe["params"]["edge"] == "cosine" and recipe["params"]["edge_width_px"] == 3.0
    assert recipe["origin"] == [10.0, 20.0, 30.0] and recipe["voxel_size"] == [2.0, 2.0, 2.0]
    assert replays(out) and not model.stale
    assert np.array_equal(out.data >= 0.5, labels.data != 0)
    assert np.array_equal(out.data[:, :, :14], mask.data[:, :, :14])  # away from the edits: the mask's own values
    assert "voxels added" in model.notice and "removed" in model.notice


def test_napari_undo_after_apply_marks_the_result_stale_until_applied_again(on_shape):
    viewer, mask, _ = on_shape
    model = EditModel(viewer)
    model.act("edit")
    labels = viewer.layers["shape mask edit"]
    labels.paint((24, 24, 40), 1)
    model.act("apply")
    out = model.layer
    painted = np.array(out.data)
    labels.undo()
    assert labels.data[24, 24, 40] == 0
    assert model.stale and STALE_KEY in out.metadata and "Apply" in model.status()
    model.act("apply")
    assert model.layer is out and not model.stale and replays(out)
    assert np.array_equal(out.data, mask.data) and not np.array_equal(out.data, painted)


def test_the_edit_stays_on_the_mask_as_it_was_when_editing_began(on_shape):
    viewer, mask, shape = on_shape
    model = EditModel(viewer)
    model.act("edit")
    labels = viewer.layers["shape mask edit"]
    before = mask.data >= 0.5
    labels.paint((24, 24, 40), 1)
    shape.set("radius", 20.0)  # the Shape mask widget recomputes the mask meanwhile
    assert not np.array_equal(mask.data >= 0.5, before)
    assert "'shape mask' has changed since its edit began" in model.notice and "delete 'shape mask edit'" in model.notice
    model.act("apply")
    assert np.array_equal(model.layer.data >= 0.5, labels.data != 0) and replays(model.layer)
    assert model.layer.metadata[METADATA_KEY]["inputs"][0]["params"]["radius"] == 8.0
    viewer.layers.remove(labels)  # start afresh on the new mask
    model.act("edit")
    assert np.array_equal(viewer.layers["shape mask edit"].data != 0, mask.data >= 0.5)


def test_a_mask_without_recipe_or_file_is_edited_with_its_estimated_edge_and_says_it_cannot_replay():
    viewer = ViewerModel()
    soft = sphere(40, 8, edge="gaussian", edge_width_px=2.0)
    viewer.add_image(soft, name="drawn")
    model = EditModel(viewer)
    model.act("edit")
    assert model["edge"] == "gaussian" and model["edge_width"] == pytest.approx(2.0, abs=0.2)
    assert "estimated from the mask" in model.notice
    viewer.layers["drawn edit"].paint((20, 20, 32), 1)
    model.act("apply")
    assert "cannot be replayed" in model.notice
    edge, width = estimate_edge(model.layer.data)
    assert edge == "gaussian" and width == pytest.approx(2.0, abs=0.3)


def test_choosing_another_mask_continues_its_own_edit(on_shape):
    viewer, first, _ = on_shape
    second = viewer.add_image(sphere(48, 5, edge="cosine", edge_width_px=2.0), scale=(2.0, 2.0, 2.0), name="small")
    model = EditModel(viewer)
    model.set("mask", first)
    model.act("edit")
    model.act("apply")
    first_out = model.layer
    model.set("mask", second)
    assert model.layer is None and model["edge_width"] == 6.0  # the value shown stays until editing begins
    model.act("edit")
    assert model["edge"] == "cosine" and model["edge_width"] == pytest.approx(4.0, abs=0.8)  # its own: 2 voxels of 2 Å, estimated
    model.act("apply")
    assert model.layer is not first_out and model.layer.name == "edited mask [1]"
    model.set("mask", first)
    assert model.layer is first_out and model["edge_width"] == 6.0


def test_fill_between_outlines_of_a_shapes_layer_placed_otherwise(on_shape):
    """Outlines in a shapes layer of its own scale and origin land on the mask's voxels."""
    viewer, mask, _ = on_shape
    model = EditModel(viewer)
    model.act("edit")
    shapes = viewer.add_shapes(ndim=3, scale=(1.0, 1.0, 1.0), name="my outlines")  # napari's new shapes layer: world units

    def square(z, y, x, half):  # a square in voxels of the mask, given in world coordinates
        corners = [(y - half, x - half), (y - half, x + half), (y + half, x + half), (y + half, x - half)]
        return np.array([[10 + 2 * z, 20 + 2 * cy, 30 + 2 * cx] for cy, cx in corners], float)

    shapes.add_rectangles([square(4, 10, 10, 3), square(14, 10, 10, 3)])
    model.set("planes", shapes)
    model.act("fill")
    labels = viewer.layers["shape mask edit"]
    assert "filled 9 planes" in model.notice
    block = labels.data[4:15, 7:14, 7:14]
    assert block.all() and labels.data[3, 10, 10] == 0 and labels.data[15, 10, 10] == 0
    assert labels.data[9, 10, 14] == 0
    labels.undo()
    assert labels.data[9, 10, 10] == 0 and np.array_equal(labels.data != 0, mask.data >= 0.5)


def test_remove_mode_cuts_the_solid_out(on_shape):
    viewer, mask, _ = on_shape
    model = EditModel(viewer)
    model.act("draw_planes")
    planes = viewer.layers["shape mask planes"]
    assert model["planes"] is planes and planes.data.shape == mask.data.shape
    planes.data[18, 20:29, 20:29] = 1
    planes.data[30, 20:29, 20:29] = 1
    model.set("fill_mode", "remove")
    model.act("fill")
    labels = viewer.layers["shape mask edit"]
    assert not labels.data[18:31, 20:29, 20:29].any() and labels.data[24, 24, 18] == 1
    model.act("apply")
    assert replays(model.layer) and model.layer.data[24, 24, 24] < 0.5


def test_one_drawn_plane_is_not_enough_and_says_so(on_shape):
    viewer, _, _ = on_shape
    model = EditModel(viewer)
    model.act("draw_planes")
    viewer.layers["shape mask planes"].data[10, 5:9, 5:9] = 1
    model.act("fill")
    assert "only plane z = 10" in model.notice and "two or more planes" in model.notice


def test_the_edit_and_tools_models_need_no_qt():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] in ('qtpy', 'PyQt5', 'PyQt6', 'PySide2', 'PySide6'):\n"
        "            raise ImportError('no Qt: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import numpy as np\n"
        "from napari.components import ViewerModel\n"
        "from napari_cryomask._napari.edit_model import EditModel\n"
        "from napari_cryomask._napari.tools_model import ToolsModel\n"
        "from napari_cryomask.core.shapes import sphere\n"
        "viewer = ViewerModel()\n"
        "viewer.add_image(sphere(24, 4, center=(12, 12, 16)), name='m')\n"
        "edit = EditModel(viewer)\n"
        "edit.act('edit'); edit.act('apply')\n"
        "tools = ToolsModel(viewer)\n"
        "assert edit.layer is not None and tools.layer is not None and not edit.errors and not tools.errors\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
