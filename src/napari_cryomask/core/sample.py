"""A procedural synthetic subtomogram average to try masks on.

The map is made from scratch (nothing is downloaded): a four-lobed membrane
protein complex (about 300 kDa inside its half-maximum surface) standing on a
lipid bilayer, plus a little smooth noise. Positive density is protein, as in
a contrast-inverted average.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

# Lobes as axis-aligned Gaussian blobs: centre offset from the box centre and
# sigma (both z, y, x in Å), and peak amplitude. The half-maximum surface of a
# Gaussian lies at 1.177 sigma, so these lobes have radii of about 15-35 Å.
_LOBES = (
    # transmembrane domain, elongated across the bilayer
    ((-70.0, 0.0, 0.0), (18.0, 13.0, 13.0), 0.9),
    # stalk just above the membrane
    ((-26.0, 2.0, -4.0), (17.0, 20.0, 20.0), 1.0),
    # two head lobes of different sizes
    ((30.0, -30.0, -14.0), (26.0, 30.0, 27.0), 1.0),
    ((24.0, 36.0, 22.0), (21.0, 23.0, 21.0), 1.0),
)
_MEMBRANE_MIDPLANE_A = -70.0  # z offset of the bilayer centre from the box centre
_LEAFLET_HALF_SEPARATION_A = 19.0  # head-group peaks ~38 Å apart
_LEAFLET_SIGMA_A = 5.0
_LEAFLET_AMPLITUDE = 0.6
_MEMBRANE_RADIUS_A = 150.0  # the bilayer fades out laterally beyond this radius
_MEMBRANE_FADE_A = 30.0
_NOISE_STD = 0.03
_NOISE_SMOOTH_PX = 1.0


def synthetic_average(box=96, voxel_size_A=4.0, seed=0):
    """Make a synthetic subtomogram average of a membrane protein complex.

    The object is defined in Å about the box centre, so its physical size does
    not depend on ``box`` or ``voxel_size_A``; a box smaller than about 280 Å
    crops it. The bilayer lies 70 Å below the box centre, normal to z; the
    complex stands on it with its transmembrane lobe inside the bilayer.

    Parameters
    ----------
    box : int, optional
        Edge length of the cubic box in voxels (at least 8).
    voxel_size_A : float, optional
        Voxel size in Å (positive).
    seed : int, optional
        Seed of the noise; the same seed gives the same map.

    Returns
    -------
    data : numpy.ndarray
        float32 array of shape (box, box, box), indexed [z, y, x].
    voxel_size : tuple of float
        (z, y, x) voxel size in Å.

    Examples
    --------
    >>> data, voxel_size = synthetic_average()
    >>> data.shape, data.dtype.name, voxel_size
    ((96, 96, 96), 'float32', (4.0, 4.0, 4.0))
    """
    if isinstance(box, bool) or not isinstance(box, (int, np.integer)) or box < 8:
        raise ValueError(f"box must be an integer of at least 8 voxels, got {box!r}")
    try:
        voxel_size_A = float(voxel_size_A)
    except (TypeError, ValueError):
        raise ValueError(f"voxel_size_A must be a positive number, got {voxel_size_A!r}") from None
    if not np.isfinite(voxel_size_A) or voxel_size_A <= 0:
        raise ValueError(f"voxel_size_A must be a positive number, got {voxel_size_A!r}")

    # Coordinates in Å relative to the box centre (box // 2), identical per axis.
    axis = ((np.arange(box) - box // 2) * voxel_size_A).astype(np.float32)
    density = np.zeros((box, box, box), dtype=np.float32)

    for centre, sigma, amplitude in _LOBES:
        # An axis-aligned Gaussian is separable: an outer product of 1D profiles.
        pz, py, px = (
            np.exp(-0.5 * ((axis - c) / s) ** 2) for c, s in zip(centre, sigma)
        )
        density += amplitude * pz[:, None, None] * py[None, :, None] * px[None, None, :]

    leaflets = sum(
        np.exp(-0.5 * ((axis - _MEMBRANE_MIDPLANE_A - side * _LEAFLET_HALF_SEPARATION_A)
                       / _LEAFLET_SIGMA_A) ** 2)
        for side in (-1.0, 1.0)
    )
    radius_sq = axis[:, None] ** 2 + axis[None, :] ** 2
    beyond = np.clip(np.sqrt(radius_sq) - _MEMBRANE_RADIUS_A, 0, None)
    fade = np.exp(-0.5 * (beyond / _MEMBRANE_FADE_A) ** 2)
    density += _LEAFLET_AMPLITUDE * leaflets[:, None, None] * fade[None, :, :]

    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((box, box, box), dtype=np.float32)
    noise = ndimage.gaussian_filter(noise, _NOISE_SMOOTH_PX, mode="wrap")
    density += noise * np.float32(_NOISE_STD / max(float(noise.std()), 1e-12))

    return density.astype(np.float32, copy=False), (voxel_size_A,) * 3


# Half maps: the synthetic average plus fine texture inside the protein (detail for the FSC to
# find, down to about 10 Å), each with its own white Gaussian noise of this standard deviation.
_TEXTURE_STD = 0.2
_TEXTURE_SMOOTH_PX = 0.7
_TEXTURE_ENVELOPE = 0.5  # the texture is full strength where the density reaches this value
_HALF_MAP_NOISE_STD = 0.6


def synthetic_half_maps(box=96, voxel_size_A=4.0, noise_std=_HALF_MAP_NOISE_STD, seed=0):
    """Make two half maps of the synthetic average, as refinement makes them: one signal, independent noise.

    The signal is :func:`synthetic_average` plus a fine random texture inside the protein (the
    same in both halves); each half adds its own white Gaussian noise of ``noise_std``. The FSC
    of the pair therefore falls with resolution as the signal's power does, and a mask that
    leaves out the solvent raises it.

    Parameters
    ----------
    box, voxel_size_A, seed
        As for :func:`synthetic_average`; ``seed`` also fixes the texture and both noises.
    noise_std : float, optional
        Standard deviation of each half map's noise (the signal peaks near 1.4).

    Returns
    -------
    half1, half2 : numpy.ndarray
        float32 arrays of shape (box, box, box), indexed [z, y, x].
    voxel_size : tuple of float
        (z, y, x) voxel size in Å.

    Examples
    --------
    >>> half1, half2, voxel_size = synthetic_half_maps(box=32)
    >>> half1.shape, half1.dtype.name, voxel_size, bool((half1 != half2).any())
    ((32, 32, 32), 'float32', (4.0, 4.0, 4.0), True)
    """
    try:
        noise_std = float(noise_std)
    except (TypeError, ValueError):
        raise ValueError(f"noise_std must be a number of at least 0, got {noise_std!r}") from None
    if not np.isfinite(noise_std) or noise_std < 0:
        raise ValueError(f"noise_std must be a number of at least 0, got {noise_std!r}")
    signal, voxel_size = synthetic_average(box, voxel_size_A, seed)
    texture = np.random.default_rng([seed, 1]).standard_normal(signal.shape, dtype=np.float32)
    texture = ndimage.gaussian_filter(texture, _TEXTURE_SMOOTH_PX, mode="wrap")
    texture *= np.float32(_TEXTURE_STD / max(float(texture.std()), 1e-12))
    signal += texture * np.clip(signal / np.float32(_TEXTURE_ENVELOPE), 0, 1)
    halves = []
    for half in (2, 3):
        noise = np.random.default_rng([seed, half]).standard_normal(signal.shape, dtype=np.float32)
        halves.append(signal + np.float32(noise_std) * noise)
    return halves[0], halves[1], voxel_size
