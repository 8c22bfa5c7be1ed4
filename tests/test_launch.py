"""The launcher behind ``cryomask gui``: napari with a map and the mask widgets, to a screenshot."""

import imageio.v3 as iio
import numpy as np
import pytest

from napari_cryomask._napari.launch import WINDOW_SIZE, launch

# Window chrome and docked widgets hold a few hundred orange pixels (layer thumbnails); a mask
# drawn over the map on the canvas in the first colour of the cycle adds thousands.
OVERLAY_PIXELS = 3000


def orange_pixels(png):
    """Pixels tinted by the first mask colour (Okabe & Ito orange): red well above green, green above blue."""
    rgb = iio.imread(png)[..., :3].astype(int)
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return int(((red - blue > 60) & (red - green > 15) & (green - blue > 15)).sum())


def test_screenshot_of_the_sample_shows_the_mask_over_the_map(tmp_path, qapp):
    out = tmp_path / "s.png"
    assert launch(screenshot=out) == 0
    height, width = iio.imread(out).shape[:2]
    assert width == WINDOW_SIZE[0] and height >= WINDOW_SIZE[1]
    assert orange_pixels(out) > OVERLAY_PIXELS


def test_screenshot_of_a_map_file(tmp_path, qapp, sample_map_file):
    out = tmp_path / "file.png"
    assert launch(sample_map_file, screenshot=out) == 0
    assert orange_pixels(out) > OVERLAY_PIXELS


def test_missing_map_or_folder_is_reported_before_napari_opens(tmp_path, qapp):
    import napari

    with pytest.raises(FileNotFoundError, match="nothing.mrc"):
        launch(tmp_path / "nothing.mrc", screenshot=tmp_path / "s.png")
    with pytest.raises(FileNotFoundError, match="no_such_folder"):
        launch(screenshot=tmp_path / "no_such_folder" / "s.png")
    assert napari.current_viewer() is None


def test_orange_count_needs_an_overlay(tmp_path):
    grey = np.full((50, 60, 3), 120, np.uint8)
    iio.imwrite(tmp_path / "grey.png", grey)
    grey[10:30, 10:40] = (230, 160, 0)
    iio.imwrite(tmp_path / "overlay.png", grey)
    assert orange_pixels(tmp_path / "grey.png") == 0
    assert orange_pixels(tmp_path / "overlay.png") == 600
