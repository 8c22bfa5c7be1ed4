"""Read and write cryo-EM maps (MRC family and EM) as ``[z, y, x]`` arrays.

Qt-free: needs only NumPy and mrcfile.

Examples
--------
>>> import tempfile, pathlib
>>> import numpy as np
>>> from napari_cryomask.io import read_volume, write_volume
>>> target = pathlib.Path(tempfile.mkdtemp()) / "mask.mrc"
>>> write_volume(target, np.ones((4, 5, 6)), voxel_size=(2.0, 2.0, 2.0))
>>> read_volume(target).data.shape
(4, 5, 6)
"""

import importlib

from napari_cryomask.io.atomic import PendingFile, atomic_write
from napari_cryomask.io.dispatch import is_supported, read_volume, volume_encoder, write_volume
from napari_cryomask.io.em import EM_SUFFIXES
from napari_cryomask.io.mrc import MRC_SUFFIXES
from napari_cryomask.io.volume import Volume

# Imported on first use: making or reading a map needs neither particle lists nor atomic models.
_LATER = {
    **dict.fromkeys(("MODEL_SUFFIXES", "AtomicModel", "is_model_file", "read_model"), "models"),
    **dict.fromkeys(("PARTICLE_SUFFIXES", "Particles", "read_particles"), "particles"),
}

__all__ = [
    "EM_SUFFIXES",
    "MODEL_SUFFIXES",
    "MRC_SUFFIXES",
    "PARTICLE_SUFFIXES",
    "AtomicModel",
    "Particles",
    "PendingFile",
    "Volume",
    "atomic_write",
    "is_model_file",
    "is_supported",
    "read_model",
    "read_particles",
    "read_volume",
    "volume_encoder",
    "write_volume",
]


def __getattr__(name):
    if name not in _LATER:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_LATER[name]}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
