"""The mask check's warnings: what looks wrong, why it matters and what to do, in words.

Thresholds: the phase-randomised masked FSC should be below 0.1 at the reported resolution;
no more than 5% of the particle's density should lie outside the mask (the FSC-weighted average
of the half maps where it stands 3 σ above the noise of their half difference, each voxel weighted
by ``1 - m``).
"""

from __future__ import annotations

from .fsc_crossings import value_at
from .softness import suggest_soft_edge

RANDOMISED_LIMIT = 0.1
DENSITY_OUTSIDE_LIMIT = 0.05


def _edge_advice(resolution_A, voxel_size) -> str:
    if resolution_A is None:
        return "soften its edge or extend it"
    edge = suggest_soft_edge(resolution_A, voxel_size)
    return (f"soften its edge or extend it (for {resolution_A:.1f} Å: extend by about {edge.extend_px} and a soft "
            f"edge of about {edge.edge_width_px} voxels)")


def fsc_warnings(*, voxel_size, frequencies, randomised, resolution, randomise_shell, randomise_rule,
                 numbers=None, nyquist_A=None) -> list[str]:
    """The warnings of a mask check, most important first.

    Parameters
    ----------
    voxel_size : float
        Å.
    frequencies : array
        Shell frequencies (1/Å).
    randomised : array or None
        The phase-randomised masked FSC (None without a mask).
    resolution : dict
        ``{"unmasked": Å or None, "masked": ..., "corrected": ...}`` at FSC 0.143.
    randomise_shell : int or None
        Shell from which phases were randomised (None: none was found).
    randomise_rule : str
        How that shell was chosen, for the message when none was found.
    numbers : MaskNumbers, optional
    nyquist_A : float, optional
    """
    found = []
    masked = randomised is not None or numbers is not None
    reported = resolution.get("corrected") if masked else resolution.get("unmasked")
    if masked and randomise_shell is None:
        found.append(
            f"the unmasked FSC never falls below {randomise_rule} before Nyquist, so there is no shell to randomise "
            "phases from and the corrected FSC is the masked one; give the resolution to randomise from (in Å)"
        )
    if randomised is not None:
        at = 1.0 / reported if reported else frequencies[-1]
        value = value_at(frequencies, randomised, at)
        where = f"the reported {reported:.1f} Å" if reported else "Nyquist"
        if value > RANDOMISED_LIMIT:
            found.append(
                f"the phase-randomised masked FSC is {value:.2f} at {where} (above {RANDOMISED_LIMIT}): the mask itself "
                f"correlates the half maps, it is too sharp or too tight; {_edge_advice(reported, voxel_size)}"
            )
        shell_A = 1.0 / frequencies[randomise_shell] if randomise_shell else None
        if reported and shell_A and shell_A <= reported:
            found.append(
                f"phases were randomised only from {shell_A:.1f} Å, beyond the reported {reported:.1f} Å, so the "
                "correction does not reach the resolution reported; randomise from a lower resolution"
            )
    unmasked, corrected = resolution.get("unmasked"), resolution.get("corrected")
    # further by more than half a shell, so that shell-to-shell noise does not count
    half_shell = 0.5 * (frequencies[1] - frequencies[0])
    if masked and unmasked is not None and (corrected is None or 1 / unmasked > 1 / corrected + half_shell):
        found.append(
            f"the unmasked FSC reaches {unmasked:.1f} Å but the corrected masked FSC only "
            f"{'—' if corrected is None else f'{corrected:.1f} Å'}: the mask hurts the estimate; make sure it holds "
            "the whole particle, then soften or extend it"
        )
    if numbers is not None:
        if numbers.density_outside is not None and numbers.density_outside > DENSITY_OUTSIDE_LIMIT:
            found.append(
                f"{100 * numbers.density_outside:.0f}% of the map's positive density lies outside the mask: the mask "
                "cuts density; extend it or make it from a lower threshold"
            )
        if numbers.touches_edge:
            found.append(
                "the mask touches the box edge, where it is cut off with a hard step that correlates the half maps; "
                "keep it inside the box (shrink or move it, or use a larger box)"
            )
    curve = "corrected" if masked else "unmasked"
    if reported is None and nyquist_A:
        found.append(
            f"the {curve} FSC stays above 0.143 up to Nyquist ({nyquist_A:.2f} Å): the resolution is limited by the "
            "sampling, not measured; use a smaller voxel size to measure it"
        )
    return found
