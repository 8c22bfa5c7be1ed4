"""Particle-mask benchmarks: masks at particle poses against cryoCAT 0.7.1, the write floor, peak memory, tomogram scale.

Rows (``make bench`` runs them through ``run.py``; alone: ``python tests/benchmarks/particles.py``):

- *shells, 512×512×256*: 200 spherical shells (radius 10-25 voxels from the list's ``geom5``,
  thickness 3) at random positions and turns, the request of cryoCAT's ``tomogram_shell_mask``:
  ``cryomask.tomogram_shell_mask`` against cryoCAT's, both reading the same motive list and writing
  an int8 MRC file; and in memory, :func:`particle_mask` (uint8) against cryoCAT's
  ``cryomap.place_object`` with the shells ``generate_mask`` makes (which is what its
  ``tomogram_shell_mask`` calls).
- *turned cylinders with a soft edge, 512×512×256*: 200 cylinders (radius 8, height 40, 4-voxel
  cosine edge), float32; no reference (cryoCAT places only voxel masks, resampled).
- *1024×1024×512 with 2,000 particles*: the shells and the soft cylinders in memory (uint8 and
  float32), and the shells streamed to an MRC file slab by slab; cryoCAT is not run at this size
  (it would take tens of minutes and 4 GiB of float64 for the volume alone).

Each row gives the median time, the write floor (allocating the output and writing it once,
``np.empty`` + ``fill``, measured in the same run), time / floor, the per-particle cost above the
floor, and the traced peak memory over the output's size (tracemalloc: NumPy arrays, for both sides).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 7
SHELL = 3
SPEEDUP_TARGET = 50.0
PEAK_TARGET = 1.2
FLOOR_TARGET = 5.0


def _request(box, n, seed=SEED):
    """Positions (z, y, x voxels, 0-based), turns (ZXZ degrees) and radii of ``n`` particles in ``box``."""
    rng = np.random.default_rng(seed)
    positions = rng.uniform(0, 1, (n, 3)) * np.asarray(box)
    angles = rng.uniform(0, 360, (n, 3))
    radii = rng.integers(10, 26, n).astype(float)
    return positions, angles, radii


def _motl(path, box, n):
    """The request as a motive list (1-based x, y, z; phi, psi, theta; the radius in geom5)."""
    from napari_cryomask.io.em import write_em
    from napari_cryomask.io.particles_motl import MOTL_ROWS

    positions, angles, radii = _request(box, n)
    motl = np.zeros((1, n, 20))
    column = MOTL_ROWS.index
    motl[0, :, column("x"):column("z") + 1] = positions[:, ::-1] + 1
    motl[0, :, [column("phi"), column("theta"), column("psi")]] = angles.T
    motl[0, :, column("tomo_id")] = 1
    motl[0, :, column("geom5")] = radii
    write_em(path, motl)
    return path


def floor(shape, dtype, repeats=3) -> float:
    """Median seconds to allocate an array of ``shape`` and write every voxel once."""
    seconds = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        out = np.empty(shape, dtype)
        out.fill(1)
        seconds.append(time.perf_counter() - start)
        del out
    return statistics.median(seconds)


def measure(run, repeats, budget) -> dict:
    """One traced run (peak memory), then timed runs while they fit in ``budget`` seconds.

    The modules the sides import are imported before (:func:`_import_first`): what is traced is the work.
    """
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    result = run()
    traced_s = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    output = int(result.nbytes) if isinstance(result, np.ndarray) else None
    del result
    seconds, cpu = [], []
    while len(seconds) < repeats and sum(seconds) < budget:
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = run()
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        del result
    return {"median_s": statistics.median(seconds or [traced_s]), "seconds": seconds, "cpu_s": statistics.median(cpu or [0.0]),
            "traced_s": traced_s, "peak_bytes": peak, "output_bytes": output}


# ---- the sides


def _ours_shells(box, n):
    """What ``tomogram_shell_mask`` computes, in memory: one placement with a radius per particle."""
    from napari_cryomask.core.particles import placement
    from napari_cryomask.io.particles import read_particles

    def run(listed):
        particles = read_particles(listed)
        radii = np.asarray(particles.table["geom5"], dtype=int)
        return placement(box, particles, shape="sphere", radius=radii + SHELL / 2, thickness=SHELL, dtype="uint8").render()

    return run


def _cryocat_shells(box):
    def run(listed):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from cryocat import cryomap, cryomotl
            from cryocat import cryomask as cc

            motl = cryomotl.Motl.load(str(listed))
            motl.df["class"] = 1
            radii = motl.df["geom5"].values.astype(int).astype(str)
            features = [cc.generate_mask(f"s_shell_r{r}_s{SHELL}") for r in radii]
            return cryomap.place_object(features, motl, volume_shape=tuple(box[::-1]), feature_to_color="class")

    return run


def _ours_cylinders(box, n, dtype="float32"):
    from scipy.spatial.transform import Rotation

    from napari_cryomask.core.particles import particle_mask

    positions, angles, _ = _request(box, n)
    rotations = Rotation.from_euler("zxz", angles, degrees=True).as_matrix()[:, ::-1, ::-1]
    edge = dict(edge="cosine", edge_width_px=4) if dtype == "float32" else {}
    return lambda: particle_mask(box, (positions, rotations), shape="cylinder", radius=8, height=40, dtype=dtype, **edge)


def _available_gib() -> float:
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return float("inf")


def _import_first():
    """What the sides import on first use, imported before any is traced."""
    import pandas  # noqa: F401
    import scipy.ndimage  # noqa: F401
    import scipy.spatial.transform  # noqa: F401
    import starfile  # noqa: F401

    import napari_cryomask.io.particles_motl  # noqa: F401
    import napari_cryomask.io.particles_write  # noqa: F401

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import cryocat.cryomap  # noqa: F401
            import cryocat.cryomask  # noqa: F401
            import cryocat.cryomotl  # noqa: F401
    except ImportError:
        pass


def run(repeats=3, budget=60.0, reference_budget=240.0, big=True, log=print) -> dict:
    """Measure every row; returns JSON-ready results."""
    _import_first()
    results = {"rows": [], "notes": [], "floors": {}}
    with tempfile.TemporaryDirectory(prefix="cryomask-particles-bench-") as folder:
        folder = Path(folder)
        box, n = (256, 512, 512), 200
        listed = _motl(folder / "shells.em", box, n)
        results["floors"]["256x512x512 uint8"] = f8 = floor(box, np.uint8)
        results["floors"]["256x512x512 float32"] = f32 = floor(box, np.float32)
        ours = measure(lambda: _ours_shells(box, n)(listed), repeats, budget)
        row = {"key": "shells_memory", "title": f"{n} shells in 512×512×256, in memory (uint8)", "particles": n, "floor_s": f8,
               "ours": ours, "reference_name": "cryoCAT place_object"}
        try:
            row["reference"] = measure(lambda: _cryocat_shells(box)(listed), 1, reference_budget)
        except ImportError as error:
            row["skipped"] = f"cryoCAT is not installed ({error.name})"
        results["rows"].append(row)
        log(f"  shells in memory: ours {ours['median_s']:.3f} s" + _reference_note(row))

        from napari_cryomask import cryomask as cm

        ours = measure(lambda: cm.tomogram_shell_mask(listed, box, SHELL, output_prefix=str(folder / "ours_")), repeats, budget)
        ours["output_bytes"] = int(np.prod(box))
        row = {"key": "shells_file", "title": f"tomogram_shell_mask, {n} shells, 512×512×256 int8 MRC", "particles": n, "floor_s": f8,
               "ours": ours, "reference_name": "cryoCAT tomogram_shell_mask"}
        try:
            from cryocat import cryomask as cc

            def theirs():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    cc.tomogram_shell_mask(str(listed), list(box[::-1]), SHELL, output_prefix=str(folder / "cc_"))

            row["reference"] = measure(theirs, 1, reference_budget)
        except ImportError as error:
            row["skipped"] = f"cryoCAT is not installed ({error.name})"
        results["rows"].append(row)
        log(f"  tomogram_shell_mask: ours {ours['median_s']:.3f} s" + _reference_note(row))

        ours = measure(_ours_cylinders(box, n), repeats, budget)
        results["rows"].append({"key": "cylinders", "title": f"{n} turned cylinders, cosine edge 4, 512×512×256 (float32)",
                                "particles": n, "floor_s": f32, "ours": ours})
        log(f"  soft cylinders: ours {ours['median_s']:.3f} s")

        if big:
            _big_rows(results, folder, repeats, budget, log)
    return results


def _reference_note(row) -> str:
    return f", cryoCAT {row['reference']['median_s']:.1f} s" if "reference" in row else ""


def _big_rows(results, folder, repeats, budget, log):
    box, n = (512, 1024, 1024), 2000
    need = 2 * np.prod(box) * 4 / 2**30 + 1
    if _available_gib() < need:
        results["notes"].append(f"1024×1024×512 rows not run: {_available_gib():.1f} GiB available, {need:.1f} GiB needed.")
        return
    listed = _motl(folder / "big.em", box, n)
    results["floors"]["512x1024x1024 uint8"] = f8 = floor(box, np.uint8)
    results["floors"]["512x1024x1024 float32"] = f32 = floor(box, np.float32)
    ours = measure(lambda: _ours_shells(box, n)(listed), repeats, budget)
    results["rows"].append({"key": "big_shells", "title": f"{n} shells in 1024×1024×512, in memory (uint8)", "particles": n,
                            "floor_s": f8, "ours": ours})
    log(f"  big shells: ours {ours['median_s']:.2f} s")
    ours = measure(_ours_cylinders(box, n), repeats, budget)
    results["rows"].append({"key": "big_cylinders", "title": f"{n} turned soft cylinders in 1024×1024×512 (float32)", "particles": n,
                            "floor_s": f32, "ours": ours})
    log(f"  big cylinders: ours {ours['median_s']:.2f} s")

    from napari_cryomask.core.particles import placement
    from napari_cryomask.io.particles import read_particles
    from napari_cryomask.io.particles_write import write_mask_file

    particles = read_particles(listed)
    plan = placement(box, particles, shape="sphere", radius=17, thickness=SHELL, dtype="uint8")
    target = folder / "big.mrc"

    def stream():
        write_mask_file(target, plan, overwrite=True)

    entry = measure(stream, 1, budget)
    entry["output_bytes"] = plan.nbytes
    results["rows"].append({"key": "big_stream", "title": f"{n} shells, 1024×1024×512 uint8 streamed to MRC (with its digest)",
                            "particles": n, "floor_s": f8, "ours": entry})
    log(f"  big stream: {entry['median_s']:.2f} s")
    target.unlink(missing_ok=True)


# ---- the report


def _duration(seconds) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1e3:.0f} ms" if seconds < 1 else f"{seconds:.3g} s"


def markdown(results) -> str:
    lines = [
        "### Masks at particle poses",
        "",
        "| Case | napari-cryomask (CPU) | Reference (CPU) | Speed-up | Time / floor | Per particle above the floor | Peak / output "
        "| Reference peak |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in results["rows"]:
        ours, ref = row["ours"], row.get("reference")
        output = ours["output_bytes"]
        peak = f"{ours['peak_bytes'] / 2**20:,.0f} MB"
        if output:
            peak = f"{ours['peak_bytes'] / output:.2f}× ({peak})"
        per = (ours["median_s"] - row["floor_s"]) / row["particles"]
        if ref is not None:
            ref_cell = f"{_duration(ref['median_s'])} ({_duration(ref['cpu_s'])}, {row['reference_name']})"
            speedup = f"{ref['median_s'] / ours['median_s']:.0f}×"
            ref_peak = f"{ref['peak_bytes'] / 2**20:,.0f} MB"
        else:
            ref_cell, speedup, ref_peak = (f"not run: {row['skipped']}" if "skipped" in row else "(no reference)"), "—", "—"
        lines.append(f"| {row['title']} | {_duration(ours['median_s'])} ({_duration(ours['cpu_s'])}) | {ref_cell} | {speedup} | "
                     f"{ours['median_s'] / row['floor_s']:.1f} | {max(per, 0) * 1e3:.2f} ms | {peak} | {ref_peak} |")
    lines += ["", "Write floors (allocate the output and write it once): "
              + ", ".join(f"{k} {_duration(v)}" for k, v in results["floors"].items()) + "."]
    lines += ["CPU: this process's CPU seconds (all its threads), which a loaded machine changes less than wall time."]
    lines += [f"Targets: at least {SPEEDUP_TARGET:g}× cryoCAT on the 512×512×256 shells; peak memory at most {PEAK_TARGET:g}× the "
              f"output; time within {FLOOR_TARGET:g}× the floor plus a small cost per particle."]
    lines += [f"- {note}" for note in results["notes"]]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--budget", type=float, default=60.0, help="stop repeating a row after this many seconds")
    parser.add_argument("--no-big", action="store_true", help="skip the 1024×1024×512 rows")
    parser.add_argument("--out-dir", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    results = run(args.repeats, args.budget, big=not args.no_big, log=lambda m: print(m, file=sys.stderr, flush=True))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "particles.json").write_text(json.dumps(results, indent=1) + "\n")
    text = markdown(results)
    (args.out_dir / "particles.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
