"""napari sample data: the procedural synthetic subtomogram average, and a pair of its half maps."""

from __future__ import annotations

from napari_cryomask._napari.layer_data import image_layer_kwargs
from napari_cryomask.core.sample import synthetic_average, synthetic_half_maps

SAMPLE_NAME = "synthetic average"
HALF_MAP_NAMES = ("half map 1", "half map 2")


def make_sample():
    """The synthetic average (96³ voxels at 4 Å) as one napari image layer.

    Returns
    -------
    list of tuple
        ``[(data, kwargs, "image")]`` with scale (4.0, 4.0, 4.0) Å.

    Examples
    --------
    >>> [(data, kwargs, kind)] = make_sample()
    >>> data.shape, kwargs["scale"], kwargs["name"], kind
    ((96, 96, 96), (4.0, 4.0, 4.0), 'synthetic average', 'image')
    """
    data, voxel_size = synthetic_average()
    kwargs = image_layer_kwargs(
        data,
        voxel_size,
        name=SAMPLE_NAME,
        metadata={"source": "napari_cryomask.core.sample.synthetic_average"},
    )
    return [(data, kwargs, "image")]


def make_half_maps_sample():
    """Two half maps of the synthetic average (96³ voxels at 4 Å): one signal, independent noise.

    Returns
    -------
    list of tuple
        ``[(half1, kwargs, "image"), (half2, kwargs, "image")]``, named "half map 1" and "half map 2".

    Examples
    --------
    >>> [(one, kwargs, kind), (two, _, _)] = make_half_maps_sample()
    >>> one.shape, kwargs["scale"], kwargs["name"], kind
    ((96, 96, 96), (4.0, 4.0, 4.0), 'half map 1', 'image')
    """
    *halves, voxel_size = synthetic_half_maps()
    metadata = {"source": "napari_cryomask.core.sample.synthetic_half_maps"}
    return [(data, image_layer_kwargs(data, voxel_size, name=name, metadata=dict(metadata)), "image")
            for data, name in zip(halves, HALF_MAP_NAMES)]
