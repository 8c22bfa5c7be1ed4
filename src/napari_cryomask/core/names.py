"""cryoCAT's mask names, such as ``sphere_r10`` or ``e_shell_rx8_ry9_rz10_s2``; decimals allowed."""

from __future__ import annotations

import re

_NUMBER = r"(\d+(?:\.\d+)?)"
_PATTERNS = {
    "sphere": ("r",),
    "cylinder": ("r", "h"),
    "s_shell": ("r", "s"),
    "ellipsoid": ("rx", "ry", "rz"),
    "e_shell": ("rx", "ry", "rz", "s"),
}
_GRAMMAR = {
    kind: re.compile("^" + kind + "".join(f"_{key}{_NUMBER}" for key in keys) + "$")
    for kind, keys in _PATTERNS.items()
}


def parse_mask_name(name: str) -> tuple[str, dict[str, float]]:
    """Split a cryoCAT mask name into its kind and its numbers (voxels).

    Examples
    --------
    >>> parse_mask_name("cylinder_r5_h20")
    ('cylinder', {'r': 5.0, 'h': 20.0})
    >>> parse_mask_name("e_shell_rx8_ry9_rz10_s2.5")
    ('e_shell', {'rx': 8.0, 'ry': 9.0, 'rz': 10.0, 's': 2.5})
    """
    for kind, pattern in _GRAMMAR.items():
        match = pattern.match(str(name))
        if match:
            return kind, {key: float(v) for key, v in zip(_PATTERNS[kind], match.groups())}
    examples = "sphere_r10, cylinder_r5_h20, s_shell_r10_s4, ellipsoid_rx4_ry6_rz8, e_shell_rx8_ry9_rz10_s2"
    raise ValueError(f"mask name {name!r} does not match any known shape; examples: {examples}")
