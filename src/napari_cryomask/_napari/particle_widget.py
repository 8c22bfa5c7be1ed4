"""The Particle mask dock widget: the form of a :class:`~napari_cryomask._napari.particle_model.ParticleModel`.

A shape or a mask layer placed at every particle of a list in a tomogram; the particles show as a
Points layer with a Vectors layer of their z axes, aligned with the tomogram. In the 2D view each
change draws the displayed plane at once and the whole tomogram-sized mask follows from a worker
(the busy bar runs meanwhile).
"""

from __future__ import annotations

from .design_widget import DesignWidget
from .particle_model import ParticleModel

OUTPUT_NAME = ParticleModel.output_name


class ParticleMaskWidget(DesignWidget):
    """Place a shape or a mask at every particle of a particle list, in a tomogram, live.

    Parameters
    ----------
    napari_viewer : napari.Viewer
        Masks go to layers named "particle mask", "particle mask [1]", ...
    """

    model_class = ParticleModel

    def __init__(self, napari_viewer):
        super().__init__(napari_viewer)
