"""Phase randomisation of a real map beyond a Fourier shell, keeping it real.

Each coefficient of the ``rfftn`` spectrum from the chosen shell on is turned by a phase drawn
uniformly from [0, 2π), independently per coefficient (as RELION's ``randomizePhasesBeyond``
does; the amplitudes stay). A real map's spectrum is Hermitian, ``F(-k) = F(k)*``: ``rfftn``
stores one of each pair, except in the planes ``x = 0`` and (for even ``nx``) ``x = nx / 2``,
which hold both mates. There the second mate gets the opposite phase of the first, and the
coefficients that are their own mates (real, at indices 0 or n/2 on every axis) are multiplied
by a random sign. The randomised spectrum is therefore exactly Hermitian and its inverse
``irfftn`` is the real map it describes.
"""

from __future__ import annotations

import numpy as np


def random_phases(shape, randomise, rng) -> np.ndarray:
    """Unit complex factors for the ``rfftn`` spectrum of a real box: random where ``randomise``, 1 elsewhere.

    Parameters
    ----------
    shape : (z, y, x) ints
        The real-space box; the factors have the ``rfftn`` shape ``(z, y, x // 2 + 1)``.
    randomise : bool array of the ``rfftn`` shape
        Which coefficients to randomise; must be symmetric under ``k -> -k`` (a set of whole shells is).
    rng : numpy.random.Generator

    Returns
    -------
    complex64 array
        Factors ``exp(iφ)`` whose product with a Hermitian spectrum is Hermitian.

    Examples
    --------
    >>> shape = (4, 4, 4)
    >>> everywhere = np.ones((4, 4, 3), bool)
    >>> u = random_phases(shape, everywhere, np.random.default_rng(0))
    >>> spectrum = np.fft.rfftn(np.random.default_rng(1).standard_normal(shape))
    >>> real = np.fft.irfftn(spectrum * u, s=shape)
    >>> bool(np.allclose(np.fft.rfftn(real), spectrum * u, atol=1e-6))   # nothing was lost
    True
    """
    nz, ny, nx = (int(n) for n in shape)
    half = (nz, ny, nx // 2 + 1)
    randomise = np.asarray(randomise, dtype=bool)
    if randomise.shape != half:
        raise ValueError(f"randomise has shape {randomise.shape}, the rfftn grid of {tuple(shape)} is {half}")
    angle = rng.random(half, dtype=np.float32)
    angle *= np.float32(2 * np.pi)
    angle *= randomise
    factors = np.empty(half, dtype=np.complex64)
    np.cos(angle, out=factors.real)
    np.sin(angle, out=factors.imag)
    for x in (0,) if nx % 2 else (0, nx // 2):
        factors[:, :, x] = _hermitian_plane(factors[:, :, x])
    return factors


def _hermitian_plane(plane) -> np.ndarray:
    """Make a plane of factors Hermitian: u(-k) = u(k)*, and u real (±1) where k = -k."""
    nz, ny = plane.shape
    mate_z = (-np.arange(nz)) % nz
    mate_y = (-np.arange(ny)) % ny
    order = np.arange(nz * ny).reshape(nz, ny)
    mate_order = order[mate_z][:, mate_y]
    mate = plane[mate_z][:, mate_y]
    out = np.where(order < mate_order, plane, np.conj(mate))
    own = order == mate_order
    out[own] = np.where(plane[own].real >= 0, 1, -1)
    return out
