"""napari sample data: the procedural synthetic subtomogram average."""

from __future__ import annotations

from napari_cryomask._napari.layer_data import image_layer_kwargs
from napari_cryomask.core.sample import synthetic_average

SAMPLE_NAME = "synthetic average"


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
