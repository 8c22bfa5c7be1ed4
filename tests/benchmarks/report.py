"""The Markdown report of a benchmark run: tables, growth exponents and the targets."""

from __future__ import annotations

import math

import numpy as np

SPEEDUP_TARGET = 20.0
UPDATE_TARGET_S = 0.1
# Peak memory over the returned array, at PEAK_BOX (768³: 1.7 GiB of float32).
PEAK_TARGET = 1.5
PEAK_BOX = 768
TARGET_BOX = 256
CRYOCAT_TARGET_CASES = ("sphere", "sphere_g3", "ellipsoid_g2", "map_tight")
# Cases that should cost at most this many times writing their output once.
FLOOR_TARGETS = {"union": 2.0, "subtraction": 2.0}


def duration(seconds) -> str:
    """``12.3 ms`` or ``4.56 s``; an em dash for no value."""
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms" if seconds < 0.1 else f"{seconds * 1e3:.0f} ms"
    return f"{seconds:.3g} s"


def megabytes(n_bytes) -> str:
    return "—" if n_bytes is None else f"{n_bytes / 2**20:,.0f} MB"


def ratio(value, digits: int = 3) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.{digits}g}×"


def growth_exponent(sizes, seconds, smallest: int = 0) -> float | None:
    """Slope of log(time) against log(box edge) over the sizes ≥ ``smallest`` that have a time."""
    points = [(n, t) for n, t in zip(sizes, seconds) if t and n >= smallest]
    if len(points) < 2:
        return None
    n, t = np.log(np.array(points, dtype=float)).T
    return float(np.polyfit(n, t, 1)[0])


def _box(n) -> str:
    return f"{n}³"


def in_process_table(results) -> list[str]:
    lines = [
        "| Case | Box | napari-cryomask | Reference | Speed-up | Time / floor | Peak / output | Reference peak |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for case in results["cases"]:
        for n, entry in case["sizes"].items():
            ours, ref = entry["ours"], entry.get("reference")
            floor = results["floors"][n]
            peak = ours["peak_bytes"] / ours["output_bytes"] if ours["output_bytes"] else None
            if ref is not None:
                ref_cell = f"{duration(ref['median_s'])} ({case['reference']})"
                speedup = ratio(ref["median_s"] / ours["median_s"])
                ref_peak = megabytes(ref["peak_bytes"])
            elif case["reference"]:
                ref_cell, speedup, ref_peak = f"not run: {entry['skipped']}", "—", "—"
            else:
                ref_cell, speedup, ref_peak = "(no reference)", "—", "—"
            lines.append(
                f"| {case['title']} | {_box(n)} | {duration(ours['median_s'])} | {ref_cell} | {speedup} "
                f"| {ours['median_s'] / floor:.1f} | {ratio(peak, 2)} ({megabytes(ours['peak_bytes'])}) | {ref_peak} |"
            )
    return lines


def process_table(results) -> list[str]:
    lines = [
        "| Command | Box | cryomask | cryomask peak RSS | ttmask | ttmask peak RSS | Speed-up | Floor | ttmask / floor |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for case in results["processes"]:
        for n, entry in case["sizes"].items():
            ours, ref, floor = entry["ours"], entry.get("reference"), entry.get("floor")
            if ref is None:
                ref_time = ref_rss = f"not run: {entry['skipped']}"
                speedup = most = "—"
            else:
                ref_time, ref_rss = duration(ref["median_s"]), megabytes(ref["max_rss_bytes"])
                speedup = ratio(ref["median_s"] / ours["median_s"])
                most = ratio(ref["median_s"] / floor["median_s"]) if floor else "—"
            lines.append(
                f"| {case['title']} | {_box(n)} | {duration(ours['median_s'])} | {megabytes(ours['max_rss_bytes'])} "
                f"| {ref_time} | {ref_rss} | {speedup} | {duration(floor['median_s']) if floor else '—'} | {most} |"
            )
    return lines


def growth_table(results) -> list[str]:
    lines = [
        "| Case | napari-cryomask, all sizes | napari-cryomask, 128³ to the largest | Reference, all sizes run |",
        "|---|---|---|---|",
    ]

    def fmt(value):
        return "—" if value is None else f"{value:.2f}"

    groups = [(c["title"], c["sizes"]) for c in results["cases"]]
    groups += [(f"process: {c['title']}", c["sizes"]) for c in results["processes"]]
    for title, sizes in groups:
        ns = [int(n) for n in sizes]
        ours = [sizes[n]["ours"]["median_s"] for n in sizes]
        ref = [(sizes[n].get("reference") or {}).get("median_s") for n in sizes]
        lines.append(
            f"| {title} | {fmt(growth_exponent(ns, ours))} | {fmt(growth_exponent(ns, ours, 128))} "
            f"| {fmt(growth_exponent(ns, ref))} |"
        )
    return lines


def _at(group, key, n):
    for case in group:
        if case["key"] == key:
            return case["sizes"].get(str(n))
    return None


def targets(results) -> list[str]:
    """One line per target at the target box, with the measured value and whether it is met."""
    n = TARGET_BOX
    lines = []

    def verdict(ok):
        return "met" if ok else "**not met**"

    for key in CRYOCAT_TARGET_CASES:
        entry = _at(results["cases"], key, n)
        if entry and entry.get("reference"):
            s = entry["reference"]["median_s"] / entry["ours"]["median_s"]
            lines.append(f"- ≥ {SPEEDUP_TARGET:g}× cryoCAT, {key} at {n}³: {s:.1f}× — {verdict(s >= SPEEDUP_TARGET)}")
    for case in results["processes"]:
        entry = case["sizes"].get(str(n))
        if entry and entry.get("reference"):
            s = entry["reference"]["median_s"] / entry["ours"]["median_s"]
            floor = entry.get("floor")
            most = "" if floor is None else (
                f" (cryomask takes {entry['ours']['median_s'] / floor['median_s']:.2f}× the floor; ttmask / floor: "
                f"{entry['reference']['median_s'] / floor['median_s']:.1f}×, the most any command that imports NumPy "
                "and writes the box durably reaches here)")
            lines.append(f"- ≥ {SPEEDUP_TARGET:g}× ttmask as processes, {case['key']} at {n}³: {s:.1f}× — "
                         f"{verdict(s >= SPEEDUP_TARGET)}{most}")
    entry = _at(results["cases"], "tight_update", n)
    if entry:
        t = entry["ours"]["median_s"]
        lines.append(f"- TightMask.update (extend/edge only) ≤ {UPDATE_TARGET_S * 1e3:.0f} ms at {n}³: "
                     f"{duration(t)} — {verdict(t <= UPDATE_TARGET_S)}")
    floor = results["floors"].get(str(n))
    for key, most in FLOOR_TARGETS.items():
        entry = _at(results["cases"], key, n)
        if entry and floor:
            r = entry["ours"]["median_s"] / floor
            lines.append(f"- {key} ≤ {most:g}× writing the output once, at {n}³: {r:.2f}× — {verdict(r <= most)}")
    peaks = [(case["key"], case["sizes"][str(PEAK_BOX)]["ours"]) for case in results["cases"]
             if str(PEAK_BOX) in case["sizes"]]
    peaks = [(key, ours["peak_bytes"] / ours["output_bytes"]) for key, ours in peaks if ours["output_bytes"]]
    if peaks:
        over = [f"{key} ({p:.2f}×)" for key, p in peaks if p > PEAK_TARGET]
        lines.append(f"- traced peak ≤ {PEAK_TARGET:g}× the output array at {PEAK_BOX}³: "
                     + ("met in every case (largest " + f"{max(p for _, p in peaks):.2f}×)" if not over
                        else "**not met** in " + ", ".join(over)))
    return lines


def sweep_table(results) -> list[str]:
    sweep = results.get("edge_sweep")
    if not sweep:
        return []
    lines = [f"Tight mask of the {sweep['box']}³ blob map, extend 3, cosine edge of width w "
             "(cost should not grow like w³):", "", "| w (voxels) | time |", "|---|---|"]
    lines += [f"| {w} | {duration(t)} |" for w, t in sweep["seconds"].items()]
    return lines


def latency_lines(results) -> list[str]:
    latency = results.get("latency")
    if latency is None:
        return []
    if "error" in latency:
        return [f"Shape-widget latency (tests/benchmarks/latency.py): not measured — {latency['error']}"]
    if "markdown" in latency:  # latency.py writes its own table
        return [*latency["markdown"], *([""] + [f"({latency['exit']})"] if "exit" in latency else [])]
    box = "×".join(str(n) for n in latency.get("box", []))
    lines = [f"Shape-widget latency (tests/benchmarks/latency.py, {box} map, "
             f"{latency.get('moves')} moves per view, GL: {latency.get('gl_renderer')}):", "",
             "| View | median | 95th percentile | data changed (median) | full volume after last move |",
             "|---|---|---|---|---|"]
    for view in ("2d", "3d"):
        v = latency.get(view)
        if v:
            lines.append(f"| {view.upper()} | {v['median_ms']:.1f} ms | {v['p95_ms']:.1f} ms "
                         f"| {v['data_changed']['median_ms']:.1f} ms | {v.get('settle_ms', float('nan')):.0f} ms |")
    if "exit" in latency:
        lines += ["", f"({latency['exit']})"]
    return lines


def machine_lines(machine) -> list[str]:
    v = machine["versions"]
    load = ", ".join(f"{x:.1f}" for x in machine["load_average_start"])
    end = ", ".join(f"{x:.1f}" for x in machine.get("load_average_end", ()))
    return [
        f"Machine: {machine['cpu']}, {machine['cores']} cores ({machine['usable_cores']} usable), "
        f"{machine['memory_gib']} GiB; {machine['os']}; Python {machine['python']}; "
        f"numpy {v['numpy']}, scipy {v['scipy']}, edt {v['edt']}, mrcfile {v['mrcfile']}; "
        f"references: cryoCAT {v['cryoCAT']}, ttmask {v['ttmask']}; napari-cryomask {v['napari-cryomask']}. "
        f"Run {machine['date_utc']}; load average (1, 5, 15 min) {load} at the start, {end} at the end.",
    ]


def markdown(results) -> str:
    notes = results["notes"]
    parts = [
        "## Benchmarks", "",
        *machine_lines(results["machine"]), "",
        "### Masks in the same process as the reference", "",
        "Each case first runs once under tracemalloc (peak memory, and a warm-up), then alternates "
        f"timed runs with its reference: median of up to {results['settings']['repeats']}. "
        "Time / floor: time over allocating and writing a float32 array of the box once "
        "(" + ", ".join(f"{_box(n)}: {duration(t)}" for n, t in results["floors"].items()) + "). "
        "Peak / output: tracemalloc peak during the call over the bytes of the returned array.", "",
        *in_process_table(results), "",
    ]
    if results["processes"]:
        parts += ["### Whole processes: `cryomask` command line against `ttmask`", "",
                  f"Start, compute and write an MRC file; median of up to {results['settings']['process_repeats']} "
                  "alternating runs; peak RSS of the process itself. Floor: tests/benchmarks/process_floor.py, "
                  "which starts Python, imports NumPy, reads the input map (tight masks), fills the box with ones "
                  "and writes it as cryomask does (temporary file, fsync, rename over the old file), timed in "
                  "the same rounds.", "",
                  *process_table(results), ""]
    parts += ["### Growth with box size", "",
              "Exponent k of a log-log fit, time ∝ nᵏ (3 is linear in the voxel count).", "",
              *growth_table(results), ""]
    parts += [*sweep_table(results), ""]
    parts += ["### Targets", "", *targets(results), ""]
    parts += [*latency_lines(results), ""]
    if notes:
        parts += ["Notes:", "", *[f"- {n}" for n in notes], ""]
    return "\n".join(parts)
