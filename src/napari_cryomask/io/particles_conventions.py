"""Where each particle-list format puts a particle and how it turns it: the conventions, in one place.

Every reader turns its format's numbers into our frame here and nowhere else:

- a **position** is a ``(z, y, x)`` float in voxels of the tomogram, with voxel ``[i, j, k]`` of the
  array at ``(i, j, k)`` (0-based, the voxel centre);
- a **rotation** is a 3 × 3 matrix taking ``(z, y, x)`` vectors of the particle's own frame (the
  average, the reference) into the tomogram's: the particle is the reference turned by it.

- **cryoCAT / AV3 / TOM motive list** (``.em``, 20 rows a particle): position rows 8-10
  ``x, y, z`` in voxels, 1-based; shift rows 11-13 added (``x + shift_x``); angles rows 17, 19, 18
  ``phi, theta, psi`` (ZXZ); rotation ``Rotation.from_euler("zxz", [phi, theta, psi])``.
- **STOPGAP STAR** (``data_stopgap_motivelist``): ``orig_x/y/z`` 1-based voxels plus
  ``x/y/z_shift``; ``phi, the, psi`` exactly as the motive list.
- **Dynamo** ``.tbl``: columns 24-26 ``x, y, z`` 1-based voxels plus columns 4-6 ``dx, dy, dz``;
  columns 7-9 ``tdrot, tilt, narot`` (ZXZ); rotation the inverse of
  ``from_euler("zxz", [tdrot, tilt, narot])``.
- **RELION 3.1 / 4**: ``rlnCoordinateX/Y/Z`` in pixels, 0-based; the particle is at
  ``coordinate - S · origin``, with ``rlnOriginX/Y/ZAngst`` in Å (``rlnOriginX/Y/Z`` pixels in
  RELION 3.0); rotation ``S · A``, ``A`` the inverse of ``from_euler("ZYZ", [rot, tilt, psi])`` of
  ``rlnAngleRot/Tilt/Psi``, ``S`` the same of ``rlnTomoSubtomogramRot/Tilt/Psi`` (identity when absent).
- **RELION 5**: ``rlnCenteredCoordinateX/Y/ZAngst``, Å from the tomogram's centre, which is
  ``rlnTomoSizeX/Y/Z / 2`` unbinned pixels of ``rlnTomoTiltSeriesPixelSize``; shifts and angles as
  RELION 3.1.

Sources. cryoCAT 0.7.1's ``cryomotl`` (``get_coordinates`` adds the shifts, ``get_rotations`` builds
the matrix, ``cryomap.place_object`` turns the reference by it and subtracts 1 from the positions).
STOPGAP's motive list holds the motl's numbers under other names (cryoCAT's ``StopgapMotl``).
Dynamo's wiki: the angles are "the rotation that we need to operate on the template in order to
align it with the particle", each turn clockwise (a negative angle) about z, the new x, the new z;
that is the inverse written above, as cryoCAT's ``DynamoMotl`` reads it (``phi = -narot``,
``psi = -tdrot``, ``theta = -tilt``). Dynamo crops with 1-based MATLAB indices. RELION's
``ParticleSet::getMatrix3x3`` ("maps coordinates from particle space to tomogram space") is
``A_subtomogram * A_particle``, each ``Euler::anglesToMatrix3`` (the transpose of the intrinsic ZYZ
rotation); ``ParticleSet::getPosition`` is ``coordinate - A_subtomogram * origin / pixel size``;
RELION 5 decentres with ``centred Å / tilt-series pixel + size / 2`` (``getParticleCoordDecenteredPixel``)
and, like RELION ≥ 4.1, adds no 1: its positions are 0-based array indices, as the SPA extraction
(``Preprocessing::extractParticlesFromOneFrame``) centres a box on voxel ``coordinate``.

cryoCAT reads RELION coordinates as 1-based (it places them one voxel lower than RELION does); we
follow RELION.
"""

from __future__ import annotations

import numpy as np

# Subtract from a 1-based position to get our 0-based one.
ONE_BASED = 1.0


def _euler(seq: str, angles) -> np.ndarray:
    from scipy.spatial.transform import Rotation  # imported on use: scipy is slow to import

    angles = np.asarray(angles, dtype=float).reshape(-1, 3)
    if angles.shape[0] == 0:
        return np.zeros((0, 3, 3))
    return Rotation.from_euler(seq, angles, degrees=True).as_matrix()


def zyx(matrices_xyz) -> np.ndarray:
    """Matrices acting on ``(x, y, z)`` vectors rewritten for ``(z, y, x)`` vectors (both axes reversed).

    >>> m = np.arange(9.0).reshape(1, 3, 3)
    >>> zyx(m)[0, 0].tolist()  # the (z, z) entry is the old (2, 2)
    [8.0, 7.0, 6.0]
    """
    return np.ascontiguousarray(np.asarray(matrices_xyz)[..., ::-1, ::-1])


def motl_rotations(phi, theta, psi) -> np.ndarray:
    """cryoCAT / AV3 / TOM and STOPGAP angles (degrees) as particle → tomogram matrices on ``(z, y, x)``.

    >>> m = motl_rotations([0], [90], [0])[0]
    >>> np.round(m @ [1, 0, 0], 6).tolist()  # the particle's z axis turns to -y
    [0.0, -1.0, 0.0]
    """
    return zyx(_euler("zxz", np.column_stack([phi, theta, psi])))


def dynamo_rotations(tdrot, tilt, narot) -> np.ndarray:
    """Dynamo angles (degrees) as particle → tomogram matrices on ``(z, y, x)``.

    >>> m = dynamo_rotations([0], [90], [0])[0]
    >>> np.round(m @ [1, 0, 0], 6).tolist()  # a clockwise tilt about x turns z to +y
    [0.0, 1.0, 0.0]
    """
    return zyx(np.swapaxes(_euler("zxz", np.column_stack([tdrot, tilt, narot])), 1, 2))


def relion_rotations(rot, tilt, psi) -> np.ndarray:
    """RELION angles (degrees) as particle → tomogram matrices on ``(z, y, x)`` (``Euler::anglesToMatrix3``).

    ``rot`` and ``tilt`` are the projection direction: the tomogram's z axis seen from the
    particle is ``(cos rot sin tilt, sin rot sin tilt, cos tilt)`` on ``(x, y, z)``.

    >>> m = relion_rotations([0], [90], [0])[0]
    >>> np.round(m.T @ [1, 0, 0], 6).tolist()  # tomogram z is the particle's +x, (z, y, x) = (0, 0, 1)
    [0.0, 0.0, 1.0]
    """
    return zyx(np.swapaxes(_euler("ZYZ", np.column_stack([rot, tilt, psi])), 1, 2))
