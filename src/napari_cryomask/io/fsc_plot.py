"""The mask check's plot with matplotlib: the four FSC curves, the 0.143 and 0.5 lines, the resolutions.

:func:`draw_fsc` draws on any matplotlib Axes (a PNG here, the Mask check widget's dock); the
x axis is spatial frequency, labelled in Å. ``theme="dark"`` matches napari's dark theme.
matplotlib is imported only when a plot is made.
"""

from __future__ import annotations

import numpy as np

from .atomic import atomic_write

THEMES = {
    "light": {"background": "white", "foreground": "#222222", "grid": "#dddddd",
              "unmasked": "#2a9d4b", "masked": "#1f5fbf", "randomised": "#c0392b", "corrected": "#111111"},
    "dark": {"background": "#262930", "foreground": "#f0f1f2", "grid": "#3b3f48",
             "unmasked": "#5fd17a", "masked": "#6aa8ff", "randomised": "#ff7a6b", "corrected": "#ffffff"},
}
LABELS = {"unmasked": "unmasked", "masked": "masked", "randomised": "phase-randomised, masked", "corrected": "corrected"}


def _resolution_label(frequency, _position=None) -> str:
    return "" if frequency <= 0 else f"{1 / frequency:.3g}"


def draw_fsc(ax, result, theme: str = "light") -> None:
    """Draw a mask check's curves on ``ax`` (cleared first).

    Each curve's legend entry gives where it falls below 0.143; the randomisation shell is a
    vertical dotted line.
    """
    from matplotlib.ticker import FuncFormatter

    colours = THEMES[theme]
    ax.clear()
    ax.set_facecolor(colours["background"])
    ax.figure.set_facecolor(colours["background"])
    f = result.frequency_per_A
    for name, curve in result.curves().items():
        if curve is None:
            continue
        label = LABELS[name]
        if name != "randomised":
            at = result.resolution_A.get(name)
            label += f" ({'> Nyquist' if at is None else f'{at:.1f} Å'})"
        width = 2.2 if name == "corrected" or (name == "unmasked" and result.masked is None) else 1.4
        ax.plot(f, curve, color=colours[name], linewidth=width, label=label)
    ax.axhline(0.143, color=colours["foreground"], linestyle="--", linewidth=0.8)
    ax.axhline(0.5, color=colours["foreground"], linestyle=":", linewidth=0.6)
    ax.axhline(0.0, color=colours["grid"], linewidth=0.8)
    ax.text(f[-1], 0.153, "0.143", color=colours["foreground"], fontsize=7, ha="right", va="bottom")
    if result.randomised_from_shell is not None:
        ax.axvline(f[result.randomised_from_shell], color=colours["randomised"], linestyle=":", linewidth=0.8)
    ax.set_xlim(0, f[-1])
    low = min(-0.1, float(np.nanmin([np.nanmin(c) for c in result.curves().values() if c is not None])) - 0.05)
    ax.set_ylim(max(low, -0.5), 1.05)
    ax.xaxis.set_major_formatter(FuncFormatter(_resolution_label))
    ax.set_xlabel("resolution (Å)", color=colours["foreground"])
    ax.set_ylabel("FSC", color=colours["foreground"])
    ax.tick_params(colors=colours["foreground"], labelsize=8)
    for spine in ax.spines.values():
        spine.set_color(colours["grid"])
    ax.grid(True, color=colours["grid"], linewidth=0.5)
    legend = ax.legend(loc="lower left", fontsize=7, frameon=False)  # curves fall from the upper left
    for text in legend.get_texts():
        text.set_color(colours["foreground"])


def fsc_figure(result, theme: str = "light", size_in=(6.4, 4.2), dpi=120):
    """A matplotlib Figure (no pyplot, no global state) with :func:`draw_fsc` drawn on it."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=size_in, dpi=dpi, layout="constrained")
    ax = figure.add_subplot()
    draw_fsc(ax, result, theme)
    reported = result.reported_resolution_A
    ax.set_title(f"{'Mask check' if result.masked is not None else 'FSC'}: "
                 f"{'does not fall below 0.143' if reported is None else f'{reported:.2f} Å at 0.143'}",
                 color=THEMES[theme]["foreground"], fontsize=10)
    return figure


def write_fsc_png(path, result, *, overwrite: bool = False, theme: str = "light") -> None:
    """Write the mask check's plot as a PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = fsc_figure(result, theme)
    FigureCanvasAgg(figure)

    def write(stream):
        figure.savefig(stream, format="png", facecolor=figure.get_facecolor())

    atomic_write(path, write, overwrite=overwrite)
