"""Is the mask right? Fourier shell correlation of two half maps, with and without the mask,
and corrected by phase randomisation (Chen et al. 2013), as RELION's postprocess does.

The curves, one value per Fourier shell (see :mod:`.fourier_shells` for the shells):

- ``unmasked``: FSC of the half maps as they are;
- ``masked``: FSC of the half maps times the mask (``FSC_t``);
- ``randomised``: FSC of the half maps, their phases randomised from shell ``r`` on
  (:mod:`.phase_randomise`), then masked (``FSC_n``), averaged over the repeats;
- ``corrected``: ``FSC_t`` below shell ``r + 2``, and ``(FSC_t − FSC_n) / (1 − FSC_n)`` from
  there on (RELION's ``calculateFSCtrue``).

Shell 0 (the mean) is 1 in every curve, as in RELION. ``r`` is the first shell from 1 on where
the unmasked FSC falls below ``randomize_at_fsc`` (0.8, RELION's default), or the shell
``int(N · voxel size / randomize_at_A)`` of a resolution given in Å (``N`` the longest box edge).
Resolutions are where a curve first falls below 0.143 (and 0.5), linear between shells.
Each half map gets its own random phases; ``seed`` makes them reproducible (0 by default, so the
same inputs give the same answer).

Transforms are real-to-complex, single precision, threaded (``scipy.fft`` with ``workers``); the
shell sums are accumulated in float64.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np
import scipy.fft

from .fourier_shells import FourierShells
from .fsc_crossings import crossing_resolution, value_at
from .fsc_inputs import check_half_maps, check_mask
from .fsc_warnings import fsc_warnings
from .mask_numbers import MaskNumbers, fsc_part, mask_numbers
from .phase_randomise import random_phases

THRESHOLD = 0.143
HALF_BIT = 0.5
CURVES = ("unmasked", "masked", "randomised", "corrected")
_MASK_TOLERANCE = 1e-3


def _workers(workers):
    if workers is not None:
        return int(workers)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


def _plain(value):
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass(frozen=True, eq=False)
class FSCResult:
    """The curves, resolutions, mask numbers and warnings of one mask check.

    Curves are float64 arrays, one value per shell; the masked curves are None without a mask.
    ``resolution_A`` and ``resolution_half_A`` map each curve to where it first falls below 0.143
    and 0.5 (Å, or None when it never does).
    """

    voxel_size_A: float
    shape: tuple
    frequency_per_A: np.ndarray
    shell_resolution_A: np.ndarray
    unmasked: np.ndarray
    masked: np.ndarray | None = None
    randomised: np.ndarray | None = None
    corrected: np.ndarray | None = None
    randomised_from_shell: int | None = None
    randomise_rule: str = ""
    repeats: int = 0
    seed: int | None = None
    mask: MaskNumbers | None = None
    resolution_A: dict = field(default_factory=dict)
    resolution_half_A: dict = field(default_factory=dict)
    warnings: tuple = ()

    @property
    def randomised_from_A(self) -> float | None:
        """Resolution in Å of the shell from which phases were randomised."""
        shell = self.randomised_from_shell
        return None if shell is None else float(self.shell_resolution_A[shell])

    @property
    def reported_resolution_A(self) -> float | None:
        """The corrected FSC's 0.143 resolution with a mask, the unmasked one without."""
        return self.resolution_A["corrected" if self.masked is not None else "unmasked"]

    @property
    def fsc_part(self) -> np.ndarray | None:
        """The unmasked FSC corrected by the mask's particle fraction (cisTEM's FSC_part, as RELION reports it)."""
        if self.mask is None or self.mask.particle_fraction is None:
            return None
        return fsc_part(self.unmasked, self.mask.particle_fraction)

    def curves(self) -> dict:
        """The four curves by name (masked ones None without a mask)."""
        return {name: getattr(self, name) for name in CURVES}

    def as_json(self) -> dict:
        """The result in plain JSON types: resolutions at 0.143, one record per shell, the warnings."""
        curves = self.curves()
        shells = []
        for i, frequency in enumerate(self.frequency_per_A):
            record = {"frequency_per_A": float(frequency), "resolution_A": _plain(self.shell_resolution_A[i])}
            record.update({name: None if curve is None else _plain(curve[i]) for name, curve in curves.items()})
            shells.append(record)
        return {
            "voxel_size_A": self.voxel_size_A,
            "randomised_from_A": self.randomised_from_A,
            "resolution_A": {name: self.resolution_A.get(name) for name in ("unmasked", "masked", "corrected")},
            "shells": shells,
            "warnings": list(self.warnings),
        }

    def verdict(self) -> str:
        """One or two sentences for a person: what the mask does to the resolution."""
        res = self.resolution_A

        def text(value):
            return "does not fall below 0.143" if value is None else f"{value:.1f} Å"

        if self.masked is None:
            return f"Unmasked FSC: {text(res['unmasked'])} at 0.143 (no mask given)."
        words = f"Corrected FSC {text(res['corrected'])}, unmasked {text(res['unmasked'])} (at 0.143)."
        if not self.warnings:
            return "The mask looks right. " + words
        return f"Check the mask: {len(self.warnings)} warning{'s' if len(self.warnings) > 1 else ''}. " + words

    def summary(self, warnings: bool = True) -> str:
        """Lines for a person: resolutions, randomisation, mask numbers and (unless ``warnings=False``) the warnings."""
        lines = [self.verdict()]
        names = [n for n in ("unmasked", "masked", "corrected") if getattr(self, n) is not None]
        for name in names:
            r, h = self.resolution_A.get(name), self.resolution_half_A.get(name)
            lines.append(f"  {name:10s} FSC 0.143: {'—' if r is None else f'{r:.2f} Å':>10s}"
                         f"   FSC 0.5: {'—' if h is None else f'{h:.2f} Å':>10s}")
        if self.masked is not None:
            if self.randomised_from_shell is None:
                lines.append("  phases not randomised (no shell found)")
            else:
                lines.append(f"  phases randomised from {self.randomised_from_A:.2f} Å (shell {self.randomised_from_shell}, "
                             f"{self.randomise_rule}), {self.repeats} repeat{'s' if self.repeats != 1 else ''}, seed {self.seed}")
        if self.mask is not None:
            m = self.mask
            lines.append(f"  mask: {100 * m.fraction:.2f}% of the box (m > 0.5), {m.mass_kda:,.0f} kDa as protein (0.81 Da/Å³)")
            if m.particle_fraction is not None:
                part = crossing_resolution(self.frequency_per_A, self.fsc_part, THRESHOLD)
                lines.append(f"  particle fraction f = {m.particle_fraction:.3f}; FSC_part 0.143: "
                             f"{'—' if part is None else f'{part:.2f} Å'}")
            if m.density_outside is not None:
                lines.append(f"  positive density outside the mask: {100 * m.density_outside:.1f}%")
        if warnings:
            lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def randomised_at_reported(self) -> float | None:
        """The phase-randomised masked FSC at the reported resolution (at Nyquist when none)."""
        if self.randomised is None:
            return None
        reported = self.reported_resolution_A
        at = 1.0 / reported if reported else self.frequency_per_A[-1]
        return value_at(self.frequency_per_A, self.randomised, at)


class MaskCheck:
    """The half maps' part of a mask check, computed once; :meth:`run` adds a mask.

    The unmasked spectra, the unmasked FSC, the phase-randomised half maps (for one shell, seed
    and number of repeats) and the density above the noise are kept, so checking another mask costs
    two forward transforms per map and repeat.

    Parameters
    ----------
    half1, half2 : 3D arrays of one shape
    voxel_size : float or (z, y, x) floats, Å
        Must be the same on every axis.
    workers : int, optional
        Threads for the transforms; default: the CPUs this process may use.
    shell_edges : {"centred", "floor"}
        Shell ``k`` holds radii ``[k - ½, k + ½)`` (RELION's binning, the default) or ``[k, k + 1)``
        (cryoCAT's ``calculate_fsc``, whose shell ``k + 1`` this shell ``k`` then is).
    names : (str, str)
        The half maps' names for messages (file names, layer names).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> signal = rng.standard_normal((32, 32, 32))
    >>> check = MaskCheck(signal, signal, voxel_size=2.0)
    >>> bool(np.allclose(check.unmasked, 1))
    True
    """

    def __init__(self, half1, half2, voxel_size, *, workers=None, shell_edges="centred", names=("half map 1", "half map 2")):
        half1, half2 = np.asarray(half1), np.asarray(half2)
        voxel = check_half_maps(half1.shape, half2.shape, voxel_size, voxel_size, names)
        for name, half in zip(names, (half1, half2)):
            if half.dtype.kind not in "biuf":
                raise ValueError(f"{name} must hold real numbers, not {half.dtype}")
            if not np.isfinite(half).all():
                raise ValueError(f"{name} holds NaN or infinite values; the FSC needs finite maps")
        self.names = tuple(names)
        self.voxel_size = voxel
        self.shape = half1.shape
        self.workers = _workers(workers)
        self.shells = FourierShells(self.shape, shell_edges)
        self._halves = (np.ascontiguousarray(half1, dtype=np.float32), np.ascontiguousarray(half2, dtype=np.float32))
        self._spectra = tuple(self._forward(h) for h in self._halves)
        self._unmasked_sums = self.shells.correlation_sums(*self._spectra, workers=self.workers)
        cross, power1, power2 = self._unmasked_sums
        with np.errstate(divide="ignore", invalid="ignore"):
            self.unmasked = cross / np.sqrt(power1 * power2)
        self.unmasked[0] = 1.0
        self.frequency_per_A = self.shells.frequencies(voxel)
        self.shell_resolution_A = self.shells.resolutions(voxel)
        self._randomised_maps = {}
        self._average = None

    def _forward(self, data):
        return scipy.fft.rfftn(data, workers=self.workers)

    def _correlation(self, a, b):
        curve = self.shells.correlation(a, b, self.workers)
        curve[0] = 1.0
        return curve

    def randomise_shell(self, randomize_at_fsc=0.8, randomize_at_A=None) -> int | None:
        """The shell from which phases are randomised (see the module notes); None when the FSC never falls low enough."""
        n = self.shells.n_shells
        if randomize_at_A is not None:
            value = float(randomize_at_A)
            box_A = self.shells.edge * self.voxel_size
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"randomize_at_A must be a positive resolution in Å, got {randomize_at_A!r}")
            shell = int(box_A / value)
            if shell < 1:
                raise ValueError(f"randomise at {value:g} Å: coarser than the box ({box_A:g} Å); give a finer resolution")
            if shell > n - 1:
                raise ValueError(f"randomise at {value:g} Å: beyond Nyquist ({2 * self.voxel_size:g} Å); give a coarser resolution")
            return shell
        threshold = float(randomize_at_fsc)
        if not (math.isfinite(threshold) and -1 < threshold < 1):
            raise ValueError(f"randomize_at_fsc must be an FSC value between -1 and 1, got {randomize_at_fsc!r}")
        below = np.flatnonzero(self.unmasked[1:] < threshold)
        return int(below[0]) + 1 if below.size else None

    def _randomised(self, shell, repeats, seed):
        key = (shell, repeats, seed)
        if key not in self._randomised_maps or seed is None:  # no seed: fresh phases every time
            self._randomised_maps.clear()
            rng = np.random.default_rng(seed)
            beyond = self.shells.index >= shell
            maps = []
            for _ in range(repeats):
                pair = []
                for spectrum in self._spectra:
                    factors = random_phases(self.shape, beyond, rng)
                    factors *= spectrum
                    pair.append(scipy.fft.irfftn(factors, s=self.shape, workers=self.workers).astype(np.float32, copy=False))
                    del factors
                maps.append(tuple(pair))
            self._randomised_maps[key] = maps
        return self._randomised_maps[key]

    def _weights(self) -> np.ndarray:
        """√(2 FSC / (1 + FSC)) per shell of the unmasked FSC, 0 where FSC ≤ 0 and beyond Nyquist."""
        fsc = np.nan_to_num(self.unmasked, nan=0.0)
        weights = np.zeros(int(self.shells.index.max()) + 1)
        positive = fsc > 0
        weights[: fsc.size][positive] = np.sqrt(2 * fsc[positive] / (1 + fsc[positive]))
        return weights

    def particle_density(self) -> np.ndarray:
        """The density that stands above the noise: the FSC-weighted average of the half maps where it
        exceeds 3 σ of their equally weighted half difference, 0 elsewhere (float32).

        Weights are √(2 FSC / (1 + FSC)) per shell (0 where FSC ≤ 0), as in RELION's sharpening. σ
        comes from the shell sums by Parseval's theorem, without a transform of the difference.
        """
        if self._average is None:
            weights = self._weights()
            cross, power1, power2 = self._unmasked_sums
            voxels = float(np.prod(self.shape))
            # Σ|(F1 - F2) w / 2|² over the transform, and the mean (the weighted DC difference)
            energy = float(np.sum(weights[: cross.size] ** 2 * (power1 + power2 - 2 * cross))) / 4
            first, second = self._spectra
            mean = float((first.flat[0] - second.flat[0]).real) * weights[0] / 2 / voxels
            noise = math.sqrt(max(energy / voxels**2 - mean**2, 0.0))
            spectrum = first + second
            spectrum *= np.take(weights.astype(np.float32) * np.float32(0.5), self.shells.index)
            average = scipy.fft.irfftn(spectrum, s=self.shape, workers=self.workers)
            del spectrum
            average = average.astype(np.float32, copy=False)
            average[average <= 3 * noise] = 0
            self._average = average
        return self._average

    def run(self, mask=None, *, randomize_at_fsc=0.8, randomize_at_A=None, repeats=1, seed=0,
            mask_name="the mask", mask_voxel_size=None) -> FSCResult:
        """Check a mask (or, without one, report the unmasked FSC).

        Parameters
        ----------
        mask : array in [0, 1] of the half maps' shape, optional
        randomize_at_fsc : float
            Randomise from the first shell where the unmasked FSC falls below this (default 0.8).
        randomize_at_A : float, optional
            Randomise from this resolution in Å instead.
        repeats : int
            Randomisations averaged (each half map gets new phases every repeat).
        seed : int or None
            Seed of the random phases; None draws fresh ones.
        mask_name, mask_voxel_size :
            For the messages: the mask's name, and its voxel size (Å) when it is known, which
            gives a warning when it differs from the half maps'.
        """
        freq, res = self.frequency_per_A, self.shell_resolution_A
        common = dict(voxel_size_A=self.voxel_size, shape=self.shape, frequency_per_A=freq, shell_resolution_A=res,
                      unmasked=self.unmasked)
        if mask is None:
            resolution = {"unmasked": crossing_resolution(freq, self.unmasked, THRESHOLD), "masked": None, "corrected": None}
            half = {"unmasked": crossing_resolution(freq, self.unmasked, HALF_BIT), "masked": None, "corrected": None}
            found = fsc_warnings(voxel_size=self.voxel_size, frequencies=freq, randomised=None, resolution=resolution,
                                 randomise_shell=None, randomise_rule="", nyquist_A=2 * self.voxel_size)
            return FSCResult(**common, resolution_A=resolution, resolution_half_A=half, warnings=tuple(found))
        repeats = int(repeats)
        if repeats < 1:
            raise ValueError(f"repeats must be at least 1, got {repeats}")
        m = self._mask(mask, mask_name)
        found = check_mask(m.shape, mask_voxel_size, self.shape, self.voxel_size, (mask_name, self.names[0]))
        masked = self._correlation(*(self._forward(h * m) for h in self._halves))
        shell = self.randomise_shell(randomize_at_fsc, randomize_at_A)
        rule = f"given {float(randomize_at_A):g} Å" if randomize_at_A is not None else f"unmasked FSC < {float(randomize_at_fsc):g}"
        randomised = corrected = None
        if shell is None:
            corrected = masked.copy()
        else:
            total = np.zeros_like(masked)
            for pair in self._randomised(shell, repeats, seed):
                total += self._correlation(*(self._forward(r * m) for r in pair))
            randomised = total / repeats
            corrected = masked.copy()
            start = shell + 2
            with np.errstate(divide="ignore", invalid="ignore"):
                corrected[start:] = (masked[start:] - randomised[start:]) / (1 - randomised[start:])
        curves = {"unmasked": self.unmasked, "masked": masked, "corrected": corrected}
        resolution = {k: crossing_resolution(freq, c, THRESHOLD) for k, c in curves.items()}
        half = {k: crossing_resolution(freq, c, HALF_BIT) for k, c in curves.items()}
        numbers = mask_numbers(m, self.voxel_size, density=self.particle_density())
        found += fsc_warnings(voxel_size=self.voxel_size, frequencies=freq, randomised=randomised, resolution=resolution,
                              randomise_shell=shell, randomise_rule=rule.replace("unmasked FSC < ", ""), numbers=numbers,
                              nyquist_A=2 * self.voxel_size)
        return FSCResult(**common, masked=masked, randomised=randomised, corrected=corrected, randomised_from_shell=shell,
                         randomise_rule=rule, repeats=repeats if shell is not None else 0, seed=seed, mask=numbers,
                         resolution_A=resolution, resolution_half_A=half, warnings=tuple(found))

    def _mask(self, mask, name):
        m = np.asarray(mask)
        if m.shape != self.shape:
            check_mask(m.shape, None, self.shape, self.voxel_size, (name, self.names[0]))
        if m.dtype.kind not in "biuf":
            raise ValueError(f"{name} must hold numbers in [0, 1], not {m.dtype}")
        m = np.ascontiguousarray(m, dtype=np.float32)
        low, high = float(m.min()), float(m.max())
        if not (math.isfinite(low) and math.isfinite(high)) or low < -_MASK_TOLERANCE or high > 1 + _MASK_TOLERANCE:
            raise ValueError(f"{name} holds values from {low:g} to {high:g}; a mask holds values in [0, 1]")
        if high <= 0:
            raise ValueError(f"{name} is empty (no voxel above 0): nothing to check")
        return np.clip(m, 0, 1) if low < 0 or high > 1 else m


def fsc(half1, half2, voxel_size, mask=None, *, randomize_at_fsc=0.8, randomize_at_A=None, repeats=1, seed=0,
        workers=None, shell_edges="centred") -> FSCResult:
    """Fourier shell correlation of two half maps, masked and corrected by phase randomisation.

    Parameters
    ----------
    half1, half2 : 3D arrays of one shape
        The two half maps, indexed ``[z, y, x]``. Any box shape; voxels must be cubic.
    voxel_size : float or (z, y, x) floats
        Voxel size in Å.
    mask : array in [0, 1], optional
        The mask to check; without it only the unmasked curve is computed.
    randomize_at_fsc : float
        Randomise phases from the first shell where the unmasked FSC falls below this (0.8).
    randomize_at_A : float, optional
        Randomise phases from this resolution (Å) instead.
    repeats : int
        Phase randomisations averaged (1).
    seed : int or None
        Seed of the random phases (0); None draws fresh ones.
    workers : int, optional
        Threads for the FFTs (default: all usable CPUs).
    shell_edges : {"centred", "floor"}
        See :class:`MaskCheck`.

    Returns
    -------
    FSCResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> signal = rng.standard_normal((32, 32, 32))
    >>> r = fsc(signal + rng.standard_normal(signal.shape), signal + rng.standard_normal(signal.shape), 2.0)
    >>> round(float(r.unmasked[1:].mean()), 1)     # SNR 1 in every shell: FSC = SNR / (1 + SNR)
    0.5
    """
    return MaskCheck(half1, half2, voxel_size, workers=workers, shell_edges=shell_edges).run(
        mask, randomize_at_fsc=randomize_at_fsc, randomize_at_A=randomize_at_A, repeats=repeats, seed=seed
    )
