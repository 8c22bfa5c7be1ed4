"""Design cryo-ET masks: shapes, tight masks, soft edges and boolean operations.

The core (``napari_cryomask.core``, ``napari_cryomask.io`` and the cryoCAT-named
``napari_cryomask.cryomask``) needs neither Qt nor napari.
"""

__version__ = "0.1.0"
