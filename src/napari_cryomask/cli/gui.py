"""``cryomask gui [MAP]``: napari with the cryomask widgets. napari is imported only when it runs."""

from __future__ import annotations

from pathlib import Path

from .options import add_debug


def add_commands(sub):
    p = sub.add_parser(
        "gui", help="open napari with the cryomask widgets", description="Open napari with the cryomask widgets, optionally with a map."
    )
    p.set_defaults(run=run_gui)
    p.add_argument("map", nargs="?", help="map to open")
    p.add_argument("--screenshot", metavar="PNG", help="save a screenshot of the window to PNG and quit")
    add_debug(p)


def run_gui(args):
    """Open napari with the cryomask widgets (and ``args.map``)."""
    if args.map is not None and not Path(args.map).is_file():
        raise FileNotFoundError(f"{args.map} does not exist")
    try:
        from .._napari.launch import launch
    except ImportError as err:
        raise RuntimeError(f"the gui needs napari ({err}); install it with: pip install 'napari-cryomask[gui]'") from None
    return launch(args.map, args.screenshot)
