"""Extreme values on the command line: a clear one-line error or a correct result, quickly.

Run in-process through ``napari_cryomask.cli.main`` for speed; tests/test_cli.py runs the
installed console script.
"""

import contextlib
import io
import re
import time
import warnings

import numpy as np
import pytest
from test_io_particles import relion_file

from napari_cryomask.cli import main
from napari_cryomask.core.thresholds import otsu_threshold
from napari_cryomask.io import read_volume, write_volume

BARE = ("OverflowError", "ZeroDivisionError", "IndexError", "MemoryError", "RecursionError", "TypeError", "KeyError", "Traceback")
HOSTILE = ["1e308", "1e-300", "nan", "3e38", "200000", "0"]
COMMANDS = {
    "sphere": (["sphere", "--box", "16", "--radius", "4"], ["--radius", "--soft-edge", "--center", "--angles"]),
    "gaussian": (["sphere", "--box", "16", "--radius", "4", "--edge", "gaussian", "--soft-edge", "2"], ["--soft-edge"]),
    "angstrom": (["cylinder", "--box", "16", "--radius", "4", "--height", "6", "--unit", "angstrom", "--pixel-size", "2"],
                 ["--pixel-size", "--radius", "--height", "--angles"]),
    "tight": (["tight", "map.mrc"], ["--lowpass", "--soft-edge", "--extend", "--pixel-size", "--threshold", "--sigma", "--mass"]),
    "extreme map": (["tight", "extreme.mrc", "--edge", "gaussian"], ["--soft-edge", "--sigma", "--lowpass"]),
    "soften": (["soften", "mask.mrc", "--soft-edge", "2", "--edge", "gaussian"], ["--soft-edge", "--threshold"]),
    "generate": (["generate", "sphere_r4"], ["--box", "--expansion", "--pixel-size"]),
    "particles": (["particles", "list.star", "--box", "16", "--pixel-size", "2", "--shape", "sphere", "--radius", "3"],
                  ["--pixel-size", "--radius", "--soft-edge", "--offset", "--angles", "--box"]),
    "clip": (["clip", "mask.mrc", "--radius", "6"], ["--radius"]),
    "resample": (["resample", "mask.mrc", "--like", "map.mrc"], ["--pixel-size", "--soft-edge"]),
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("extremes")
    rng = np.random.default_rng(0)
    write_volume(folder / "map.mrc", rng.random((16, 16, 16)).astype(np.float32), voxel_size=2.0)
    mask = np.zeros((16, 16, 16), np.float32)
    mask[4:12, 4:12, 4:12] = 1
    write_volume(folder / "mask.mrc", mask, voxel_size=2.0)
    extreme = np.zeros((16, 16, 16), np.float32)
    extreme[::2], extreme[1::2] = 3e38, -3e38
    extreme[6:10, 6:10, 6:10] = 1e38
    write_volume(folder / "extreme.mrc", extreme, voxel_size=2.0)
    relion_file(folder / "list.star", [((8.0, 8.0, 8.0), (10, 20, 30))], pixel=2.0)
    return folder


def run(folder, args):
    err, out = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    args = [str(folder / a) if a.endswith((".mrc", ".star")) else a for a in args]
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main([*args, "-o", str(folder / "out.mrc"), "--force"])
    return code, err.getvalue(), time.perf_counter() - start


def cases():
    for name, (base, options) in COMMANDS.items():
        for option in options:
            for value in HOSTILE:
                args = list(base)
                if option in args:
                    del args[args.index(option):args.index(option) + 2]
                text = f"{value},1,1" if option in ("--center", "--angles", "--offset") else value
                yield pytest.param(args + [option, text], id=f"{name} {option} {value}")


@pytest.mark.parametrize("args", list(cases()))
def test_hostile_values_give_a_clear_error_or_a_mask(folder, args):
    code, err, seconds = run(folder, args)
    lines = err.strip().splitlines()
    assert code in (0, 1, 2), err
    assert seconds < 10, f"took {seconds:.0f} s"
    assert not any(word in err for word in BARE), err
    if code:
        assert len(lines) == 1 and lines[0].startswith("cryomask") and "error:" in lines[0], err
    else:
        mask = read_volume(folder / "out.mrc").data
        assert np.isfinite(mask).all() and mask.min() >= 0 and mask.max() <= 1


def test_otsu_on_a_map_holding_plus_and_minus_3e38(folder):
    threshold = otsu_threshold(read_volume(folder / "extreme.mrc").data)
    assert -3e38 < threshold < 3e38
    code, err, _ = run(folder, ["tight", "extreme.mrc", "--otsu"])
    assert code == 0, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sphere", "--box", "100000", "--radius", "3"],
         r"argument --box: the mask: 100000 x 100000 x 100000 float32 voxels need 3725290.3 GiB"),
        (["tight", "map.mrc", "--lowpass", "200000"],
         r"lowpass 200000 Å: a Gaussian of sigma 18739.1 voxels is wider than the box \(16 voxels\); use a resolution of at most 170.8 Å"),
        (["tight", "map.mrc", "--lowpass", "1e-300"], r"lowpass 1e-300 Å is finer than the voxel size \(2 Å\)"),
        (["sphere", "--box", "16", "--radius", "3", "--soft-edge", "1e308"], r"argument --soft-edge: 1e308 is too large"),
        (["generate", "sphere_r4", "--box", "1e308"], r"argument --box: 1e308 is too large"),
        (["sphere", "--box", "16", "--radius", "3", "--pixel-size", "1e-300"],
         r"argument --pixel-size: every voxel size must lie between 0.0001 and 1e\+06 Å, got '1e-300'"),
        (["sphere", "--box", "16", "--radius", "3", "--angles", "nan,0,0"], r"argument --angles: 'nan' is not a finite number"),
        (["helix", "mask.mrc", "--twist", "10", "--rise", "1e-300", "-o", "h.mrc"],
         r"--rise 1e-300 gives 1.6e\+301 units in the box; at most 1000"),
    ],
)
def test_what_the_issue_names_is_refused_clearly(folder, args, message):
    code, err, seconds = run(folder, args)
    assert code in (1, 2) and seconds < 5
    assert re.search(message, err), err


def test_tight_widget_histogram_of_a_map_holding_plus_and_minus_3e38(folder):
    from napari_cryomask._napari.tight_model import histogram_of

    counts, edges = histogram_of(read_volume(folder / "extreme.mrc").data, bins=8)
    assert counts.sum() == 16**3 and np.isfinite(edges).all()
