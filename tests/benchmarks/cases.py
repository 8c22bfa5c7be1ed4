"""The in-process benchmark cases: napari-cryomask against a reference, with the same arguments.

Each case builds, for one box size, the project's side and (when there is one) the reference's
side. A side is a function timed on an argument that ``prepare`` makes fresh, untimed, before
each call (cryoCAT's ``subtraction`` subtracts in place, so it gets a copy of its first mask).

To add a case, append a :class:`Case` to :data:`CASES`: a key (for ``--cases``), a title, the
reference's name ("" for none), ``ours(n, inputs)`` returning the :class:`Side` to time, and
optionally ``reference(n, inputs)``, the largest box the reference runs at by default, the
shared :class:`Inputs` the case reads (``uses``, so that large inputs are freed once no case
left needs them) and the largest box the case itself runs at (``up_to``). A new shared input is
a cached property of :class:`Inputs`. The runner times the case at every box of ``--sizes``,
measures its peak memory against the array it returns, and the report adds it to every table.

Arguments scale with the box ``n``: spheres of radius ``n // 4``; an ellipsoid with semi-axes
``n * (0.15, 0.2, 0.3)`` along x, y, z turned by Euler angles (30, 45, 60); tight masks of
:func:`blobs.blob_map` at :data:`blobs.THRESHOLD`; the operations on two soft-edged spheres.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from blobs import THRESHOLD, blob_map

from napari_cryomask import cryomask as cm
from napari_cryomask.core import shapes
from napari_cryomask.core.tight import TightMask, tight_mask

# cryoCAT's fill and shrink call scikit-image functions that warn at every call.
warnings.filterwarnings("ignore", category=FutureWarning, module="cryocat")

CRYOCAT = "cryoCAT 0.7.1"
TTMASK = "ttmask"
ANGLES = (30, 45, 60)
# Tight masks in the core: extend by 3 voxels, then a 6-voxel cosine edge (ttmask: padding 3, soft edge 6).
EXTEND_PX, EDGE_PX = 3, 6


def _cryocat():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from cryocat import cryomask as cc
    return cc


def _none():
    return None


@dataclass
class Side:
    """``run(prepare())`` is what is timed; only ``run`` counts."""

    run: Callable
    prepare: Callable = _none


class Inputs:
    """The inputs every case of one box size shares, made once on first use.

    Builders read them before making a :class:`Side`, so that making them is never timed.
    """

    def __init__(self, n: int):
        self.n = n

    def keep_only(self, names) -> None:
        """Free the inputs made so far that are not in ``names`` (None keeps all)."""
        if names is None:
            return
        for name in [k for k in vars(self) if k != "n" and k not in names]:
            del self.__dict__[name]

    @cached_property
    def density(self) -> np.ndarray:
        return blob_map(self.n)

    @cached_property
    def two_masks(self) -> tuple[np.ndarray, np.ndarray]:
        n = self.n
        first = shapes.sphere(n, n / 4, edge="cosine", edge_width_px=4)
        second = shapes.sphere(n, n / 5, center=(n // 2, n // 2, n // 2 + n // 6), edge="cosine", edge_width_px=4)
        return first, second


@dataclass
class Case:
    """One benchmark case.

    ``ours(n, inputs)`` and ``reference(n, inputs)`` return the :class:`Side` to time; a missing
    reference package raises ImportError. ``reference_up_to`` is the largest box the reference
    runs at by default (None: every size), ``up_to`` the largest box the case runs at. ``uses``
    names the :class:`Inputs` properties the case reads (None: unknown, so all are kept for it).
    """

    key: str
    title: str
    reference_name: str
    ours: Callable
    reference: Callable | None = None
    reference_up_to: int | None = None
    uses: tuple[str, ...] | None = None
    up_to: int | None = None


def _spheres(gaussian):
    def ours(n, inputs):
        return Side(lambda _: cm.spherical_mask(n, radius=n // 4, gaussian=gaussian))

    def reference(n, inputs):
        cc = _cryocat()
        return Side(lambda _: cc.spherical_mask(n, radius=n // 4, gaussian=gaussian))

    return ours, reference


def _ellipsoid_radii(n):
    """Semi-axes (x, y, z) as cryoCAT takes them; napari-cryomask takes (z, y, x)."""
    return 0.15 * n, 0.2 * n, 0.3 * n


def _ellipsoid(n, inputs):
    return Side(lambda _: cm.ellipsoid_mask(n, radii=_ellipsoid_radii(n)[::-1], angles=ANGLES, gaussian=2))


def _ellipsoid_reference(n, inputs):
    cc = _cryocat()
    return Side(lambda _: cc.ellipsoid_mask(n, radii=_ellipsoid_radii(n), angles=ANGLES, gaussian=2))


def _map_tight(n, inputs):
    d = inputs.density
    return Side(lambda _: cm.map_tight_mask(d, threshold=THRESHOLD, dilation_size=3, gaussian=2))


def _map_tight_reference(n, inputs):
    cc, d = _cryocat(), inputs.density
    return Side(lambda _: cc.map_tight_mask(d, threshold=THRESHOLD, dilation_size=3, gaussian=2))


def _union(n, inputs):
    a, b = inputs.two_masks
    return Side(lambda _: cm.union([a, b]))


def _union_reference(n, inputs):
    cc, (a, b) = _cryocat(), inputs.two_masks
    return Side(lambda _: cc.union([a, b]))


def _subtraction(n, inputs):
    a, b = inputs.two_masks
    return Side(lambda _: cm.subtraction([a, b]))


def _subtraction_reference(n, inputs):
    cc = _cryocat()
    a, b = inputs.two_masks
    return Side(cc.subtraction, prepare=lambda: [a.copy(), b])


def _tight(n, inputs):
    d = inputs.density
    return Side(lambda _: tight_mask(d, THRESHOLD, extend_px=EXTEND_PX, edge="cosine", edge_width_px=EDGE_PX))


def _tight_reference(n, inputs):
    from ttmask.map2mask import mask_from_map

    d = inputs.density
    return Side(lambda _: mask_from_map(d, THRESHOLD, EXTEND_PX, EDGE_PX))


def _tight_update(n, inputs):
    model = TightMask(inputs.density)
    model.update(THRESHOLD, extend_px=EXTEND_PX, edge="cosine", edge_width_px=EDGE_PX)
    # Alternate between two settings, as a user dragging the sliders would.
    settings = itertools.cycle([(EXTEND_PX + 1, EDGE_PX + 2), (EXTEND_PX, EDGE_PX)])

    def update(_):
        extend, width = next(settings)
        return model.update(THRESHOLD, extend_px=extend, edge="cosine", edge_width_px=width)

    return Side(update)


# References at most at 384³ by default: cryoCAT's float64 grids need about 5 GB at 512³.
REFERENCE_UP_TO = 384

CASES = (
    Case("sphere", "spherical_mask, radius n/4", CRYOCAT, *_spheres(0.0), reference_up_to=REFERENCE_UP_TO, uses=()),
    Case("sphere_g3", "spherical_mask, radius n/4, gaussian=3", CRYOCAT, *_spheres(3.0), reference_up_to=REFERENCE_UP_TO,
         uses=()),
    Case("ellipsoid_g2", "ellipsoid_mask, rotated (30,45,60), gaussian=2", CRYOCAT, _ellipsoid, _ellipsoid_reference,
         reference_up_to=256, uses=()),
    Case("map_tight", "map_tight_mask, dilation_size=3, gaussian=2", CRYOCAT, _map_tight, _map_tight_reference,
         reference_up_to=REFERENCE_UP_TO, uses=("density",)),
    Case("tight", f"core tight_mask, extend {EXTEND_PX}, cosine edge {EDGE_PX} (ttmask mask_from_map)", TTMASK,
         _tight, _tight_reference, reference_up_to=256, uses=("density",)),
    Case("tight_update", "TightMask.update, only extend/edge change (cached distance)", "", _tight_update,
         uses=("density",)),
    Case("union", "union of two masks", CRYOCAT, _union, _union_reference, reference_up_to=REFERENCE_UP_TO,
         uses=("two_masks",)),
    Case("subtraction", "subtraction of two masks", CRYOCAT, _subtraction, _subtraction_reference,
         reference_up_to=REFERENCE_UP_TO, uses=("two_masks",)),
)


def edge_sweep(n: int, widths=(2, 4, 8, 16), inputs: Inputs | None = None):
    """Sides that make one tight mask of the same map with each soft-edge width (a cost-vs-width check)."""
    d = (inputs or Inputs(n)).density
    return {w: Side(lambda _, w=w: tight_mask(d, THRESHOLD, extend_px=EXTEND_PX, edge="cosine", edge_width_px=w))
            for w in widths}


# ---- fill_hollow_mask and shrink_full_mask: cryoCAT loops over every line in Python; ours is vectorised.


def _hollow_shell(n):
    """A spherical shell of radius n/3, 4 voxels thick, open at one side (a hollow average's mask)."""
    shell = shapes.sphere(n, n / 3, thickness=4)
    shell[:, : n // 4] = 0
    return shell


def _fill(n, inputs):
    shell = _hollow_shell(n)
    return Side(lambda _: cm.fill_hollow_mask(shell))


def _fill_reference(n, inputs):
    cc, shell = _cryocat(), _hollow_shell(n)
    return Side(lambda _: cc.fill_hollow_mask(shell))


def _shrink(n, inputs):
    full = shapes.sphere(n, n / 3)
    return Side(lambda _: cm.shrink_full_mask(full, 3))


def _shrink_reference(n, inputs):
    cc, full = _cryocat(), shapes.sphere(n, n / 3)
    return Side(lambda _: cc.shrink_full_mask(full, 3))


CASES += (
    Case("fill_hollow", "fill_hollow_mask, open shell of radius n/3", CRYOCAT, _fill, _fill_reference, reference_up_to=256),
    Case("shrink_full", "shrink_full_mask by 3, sphere of radius n/3", CRYOCAT, _shrink, _shrink_reference, reference_up_to=256),
)


# --- MRC writes (issue 14): write_volume of a soft sphere against np.save of the same array, and
# against writing it through mrcfile as napari-cryomask did before (header statistics with a
# temporary the size of the map). write_volume is atomic: it includes an fsync and the rename;
# mrc_encode writes the same bytes without them, as mrcfile does, to tell the two costs apart.

_WRITES = []


def _write_folder():
    import tempfile

    if not _WRITES:
        _WRITES.append(tempfile.TemporaryDirectory(prefix="cryomask-bench-write-"))
    return _WRITES[0].name


def _mrc_write(n, inputs):
    from napari_cryomask.io import write_volume

    mask, target = inputs.two_masks[0], f"{_write_folder()}/ours.mrc"
    return Side(lambda _: write_volume(target, mask, voxel_size=1.0, overwrite=True))


def _mrc_encode(n, inputs):
    # The same bytes as write_volume, into a plain file: no fsync and no rename, as mrcfile writes.
    from napari_cryomask.io.mrc import mrc_encoder

    mask, target = inputs.two_masks[0], f"{_write_folder()}/ours-plain.mrc"

    def write(_):
        encode = mrc_encoder(target, mask, voxel_size=1.0)
        with open(target, "wb") as stream:
            encode(stream)

    return Side(write)


def _np_save(n, inputs):
    mask, target = inputs.two_masks[0], f"{_write_folder()}/reference.npy"
    return Side(lambda _: np.save(target, mask))


def _mrcfile_write(n, inputs):
    import mrcfile

    mask, target = inputs.two_masks[0], f"{_write_folder()}/mrcfile.mrc"

    def write(_):
        with mrcfile.new(target, overwrite=True) as mrc:
            mrc.set_data(mask)
            mrc.voxel_size = 1.0

    return Side(write)


CASES += (
    Case("mrc_write", "write_volume .mrc of a soft sphere (atomic: fsync, rename)", "np.save", _mrc_write, _np_save),
    Case("mrc_write_mrcfile", "write_volume .mrc against mrcfile.new + set_data", "mrcfile", _mrc_write, _mrcfile_write),
    Case("mrc_encode", "the same MRC bytes into a plain file (no fsync, no rename) against mrcfile", "mrcfile",
         _mrc_encode, _mrcfile_write),
)


# ---- mask check (issue 10): FSC of two half maps with a mask and one phase randomisation, against cryoCAT's
# corrected_fsc with the same number of repeats. The half maps are the blob map plus independent noise (std 0.5),
# the mask a sphere of radius 0.35 n with a 4-voxel cosine edge; both randomise from shell n // 10 (cryoCAT's
# own default for boxes under 100). cryoCAT keeps one int64 box per shell (129 boxes, 16 GB at 256³), so it
# runs up to 128³.

FSC_REPEATS = 1
FSC_VOXEL_A = 2.0


_FSC_INPUTS = {}


def _fsc_inputs(n):
    """Half maps, mask and randomisation shell for box n (only the last box's are kept)."""
    if n not in _FSC_INPUTS:
        _FSC_INPUTS.clear()
        density = blob_map(n)
        rng = np.random.default_rng(10)
        half1 = density + np.float32(0.5) * rng.standard_normal(density.shape, dtype=np.float32)
        half2 = density + np.float32(0.5) * rng.standard_normal(density.shape, dtype=np.float32)
        mask = shapes.sphere(n, 0.35 * n, edge="cosine", edge_width_px=4)
        _FSC_INPUTS[n] = half1, half2, mask, n // 10
    return _FSC_INPUTS[n]


def _fsc(n, inputs):
    from napari_cryomask.core.fsc import fsc

    half1, half2, mask, shell = _fsc_inputs(n)
    # a resolution just inside shell `shell`, which int(n · voxel / Å) maps back to it
    at_A = n * FSC_VOXEL_A / (shell + 1e-6)
    return Side(lambda _: fsc(half1, half2, FSC_VOXEL_A, mask, randomize_at_A=at_A, repeats=FSC_REPEATS))


def _fsc_reference(n, inputs):
    import contextlib
    import io

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import cryocat.cryomap  # noqa: F401  (corrected_fsc reads its inputs through cryocat.cryomap)
        import cryocat.cryomask  # noqa: F401
        from cryocat import fsc as cryocat_fsc
    half1, half2, mask, shell = _fsc_inputs(n)

    def run(_):
        with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
            return cryocat_fsc.corrected_fsc(half1, half2, pixelsize_angstrom=FSC_VOXEL_A, fsc_mask_name=mask,
                                             n_repeats=FSC_REPEATS, init_fourier_cutoff=shell)

    return Side(run)


CASES += (
    Case("fsc_mask_check", "mask check: FSC with a mask and one phase randomisation (corrected_fsc)", CRYOCAT,
         _fsc, _fsc_reference, reference_up_to=128),
)
