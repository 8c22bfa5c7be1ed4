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

from napari_cryomask.io.atomic import PendingFile, atomic_write
from napari_cryomask.io.dispatch import is_supported, read_volume, volume_encoder, write_volume
from napari_cryomask.io.em import EM_SUFFIXES
from napari_cryomask.io.models import MODEL_SUFFIXES, AtomicModel, is_model_file, read_model
from napari_cryomask.io.mrc import MRC_SUFFIXES
from napari_cryomask.io.particles import PARTICLE_SUFFIXES, Particles, read_particles
from napari_cryomask.io.volume import Volume

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
