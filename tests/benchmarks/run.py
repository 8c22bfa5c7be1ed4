"""Benchmark napari-cryomask against cryoCAT 0.7.1 and ttmask; the entry point of ``make bench``.

For each box size it times the project and the reference on the same task in this process,
alternating between them, and measures their traced peak memory; it times the ``cryomask``
command line against ``ttmask`` as whole processes; it times a tight mask for several soft-edge
widths; and it runs ``tests/benchmarks/latency.py`` (the Shape widget's drag latency) under Xvfb when
it can. Results go to ``tests/benchmarks/results/bench.json`` and ``bench.md`` (a Markdown section for
the README), and the Markdown is printed.

Examples::

    .venv/bin/python tests/benchmarks/run.py                      # everything: 30-45 minutes, about 8 GB
    .venv/bin/python tests/benchmarks/run.py --sizes 128,256 --no-latency --no-particles   # the 256³ targets
    .venv/bin/python tests/benchmarks/run.py --reference-max-size 256
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import machine
import particles
import report
from cases import CASES, Inputs, edge_sweep
from measure import Samples, run_child, timed, traced, write_floor
from processes import process_cases, scratch_folder

HERE = Path(__file__).resolve().parent
SIZES = (64, 128, 256, 384, 512, 768)
RESULTS = HERE / "results"
LATENCY = HERE / "latency.py"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def reference_limit(case, args) -> int | None:
    """Largest box the case's reference runs at: its own default unless --full-reference, capped by the flag."""
    limits = [] if args.full_reference or case.reference_up_to is None else [case.reference_up_to]
    if args.reference_max_size is not None:
        limits.append(args.reference_max_size)
    return min(limits) if limits else None


def measure_sides(sides: dict, args) -> dict:
    """Traced first call of each side (memory, and a warm-up), then alternating timed calls.

    Each side runs at least once more, untraced, and up to ``--repeats`` times while its timed
    runs take less than ``--budget`` seconds in all.
    """
    samples = {key: Samples() for key in sides}
    for key, side in sides.items():
        s = samples[key]
        s.traced_seconds, s.peak_bytes, s.output_bytes = traced(side.run, side.prepare())
    spent = dict.fromkeys(sides, 0.0)
    for round_ in range(args.repeats):
        order = list(sides) if round_ % 2 == 0 else list(sides)[::-1]
        for key in order:
            if spent[key] > args.budget:
                continue
            side = sides[key]
            seconds = timed(side.run, side.prepare())
            samples[key].seconds.append(seconds)
            spent[key] += seconds
    return {key: s.as_dict() for key, s in samples.items()}


def still_needed(cases) -> set | None:
    """The :class:`Inputs` the given cases read; None when one of them does not say."""
    needed = set()
    for case in cases:
        if case.uses is None:
            return None
        needed.update(case.uses)
    return needed


def run_cases(n: int, inputs: Inputs, args, results) -> None:
    selected = [case for case in CASES if (not args.cases or case.key in args.cases)
                and (case.up_to is None or n <= case.up_to)]
    for i, case in enumerate(selected):
        inputs.keep_only(still_needed(selected[i:]))
        gc.collect()
        ours, reference, entry = case.ours(n, inputs), None, {}
        limit = reference_limit(case, args)
        if case.reference is not None and limit is not None and n > limit:
            entry["skipped"] = f"above {limit}³ by default" if limit == case.reference_up_to else f"above {limit}³"
        elif case.reference is not None:
            try:
                reference = case.reference(n, inputs)
            except ImportError as error:
                entry["skipped"] = f"{case.reference_name} is not installed ({error.name})"
        sides = {"ours": ours} if reference is None else {"ours": ours, "reference": reference}
        entry.update(measure_sides(sides, args))
        del ours, reference, sides
        gc.collect()
        record = next((c for c in results["cases"] if c["key"] == case.key), None)
        if record is None:
            record = {"key": case.key, "title": case.title, "reference": case.reference_name, "sizes": {}}
            results["cases"].append(record)
        record["sizes"][str(n)] = entry
        ref = entry.get("reference")
        log(f"  {case.key:13s} {n}³: ours {report.duration(entry['ours']['median_s'])}"
            + (f", {case.reference_name} {report.duration(ref['median_s'])}" if ref else ""))


def run_processes(n: int, inputs: Inputs, args, results) -> None:
    if args.process_max_size is not None and n > args.process_max_size:
        return
    with scratch_folder() as folder:
        for case in process_cases(n, Path(folder), inputs.density):
            if case.ours[0] is None:
                results["notes"].append("The cryomask command is not installed: no process benchmarks.")
                return
            runs = {"ours": [], "reference": [], "floor": []}
            skip = None
            if case.reference[0] is None:
                skip = "ttmask is not installed"
            elif args.ttmask_max_size is not None and n > args.ttmask_max_size:
                skip = f"above {args.ttmask_max_size}³"
            commands = {"ours": case.ours, "reference": case.reference, "floor": case.floor}
            # One untimed run of each first: files in the page cache, compiled modules written.
            for key in ("ours", "floor") if skip else commands:
                run_child(commands[key], folder)
            for round_ in range(args.process_repeats):
                order = ["ours", "reference", "floor"] if round_ % 2 == 0 else ["floor", "reference", "ours"]
                for key in order:
                    if key == "reference" and (skip or sum(r["wall_s"] for r in runs[key]) > args.budget):
                        continue
                    runs[key].append(run_child(commands[key], folder))
            entry = {key: _process_summary(r) for key, r in runs.items() if r}
            if skip:
                entry["skipped"] = skip
            record = next((c for c in results["processes"] if c["key"] == case.key), None)
            if record is None:
                record = {"key": case.key, "title": case.title, "sizes": {}}
                results["processes"].append(record)
            record["sizes"][str(n)] = entry
            ref = entry.get("reference")
            log(f"  process {case.key:6s} {n}³: cryomask {report.duration(entry['ours']['median_s'])}"
                + (f", ttmask {report.duration(ref['median_s'])}" if ref else "")
                + f", floor {report.duration(entry['floor']['median_s'])}")


def _process_summary(runs) -> dict:
    return {
        "median_s": statistics.median(r["wall_s"] for r in runs),
        "seconds": [r["wall_s"] for r in runs],
        "cpu_s": [r["cpu_s"] for r in runs],
        "max_rss_bytes": max(r["max_rss_bytes"] for r in runs),
    }


def run_sweep(n: int, inputs: Inputs, results) -> None:
    sides = edge_sweep(n, inputs=inputs)
    seconds = {}
    for w, side in sides.items():
        side.run(None)
        seconds[w] = sorted(timed(side.run, None) for _ in range(3))[1]
    results["edge_sweep"] = {"box": n, "seconds": seconds}
    log(f"  edge sweep {n}³: " + ", ".join(f"w={w} {report.duration(t)}" for w, t in seconds.items()))


def run_latency(out_dir: Path, results) -> None:
    """Run latency.py in its own process, under xvfb-run when there is no display."""
    if not LATENCY.exists():
        results["latency"] = {"error": "tests/benchmarks/latency.py is missing"}
        return
    out = out_dir / "latency.json"
    out.unlink(missing_ok=True)
    command = [sys.executable, str(LATENCY), "--out", str(out)]
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        xvfb = shutil.which("xvfb-run")
        if xvfb is None:
            results["latency"] = {"error": "no display and no xvfb-run"}
            return
        command = [xvfb, "-a", "-s", "-screen 0 1600x1000x24", *command]
    log("  latency.py ...")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    except subprocess.TimeoutExpired:
        results["latency"] = {"error": "latency.py took longer than an hour"}
        return
    lines = (done.stderr or done.stdout).strip().splitlines()
    last_line = next((line for line in reversed(lines) if "Error" in line), lines[-1] if lines else "")[-200:]
    if not out.exists():
        results["latency"] = {"error": f"latency.py failed (exit status {done.returncode}): {last_line}"}
        return
    results["latency"] = json.loads(out.read_text())
    if done.returncode != 0:
        results["latency"]["exit"] = f"latency.py wrote its results, then exited with status {done.returncode}: {last_line}"


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help=f"box edges, comma separated (default {','.join(map(str, SIZES))}); check free memory "
                             "before 768 (about 6 GB at the peak)")
    parser.add_argument("--cases", default="", help="only these case keys, comma separated: "
                        + ", ".join(c.key for c in CASES))
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per side and case (default 5)")
    parser.add_argument("--budget", type=float, default=20.0,
                        help="stop repeating a side once its timed runs took this many seconds (default 20)")
    parser.add_argument("--reference-max-size", type=int, default=None,
                        help="run no in-process reference on boxes larger than this")
    parser.add_argument("--full-reference", action="store_true",
                        help="run every reference at every size (cryoCAT's rotated ellipsoid at 384³ takes "
                             "about a minute and several GB)")
    parser.add_argument("--process-repeats", type=int, default=3, help="runs per command and size (default 3)")
    parser.add_argument("--ttmask-max-size", type=int, default=None, help="run no ttmask process above this box")
    parser.add_argument("--process-max-size", type=int, default=384,
                        help="run no command-line comparison above this box (default 384)")
    parser.add_argument("--no-processes", action="store_true", help="skip the command-line comparison")
    parser.add_argument("--no-sweep", action="store_true", help="skip the soft-edge width sweep")
    parser.add_argument("--no-latency", action="store_true", help="skip tests/benchmarks/latency.py")
    parser.add_argument("--latency-json", type=Path, default=None,
                        help="report this result of an earlier latency.py run instead of running it")
    parser.add_argument("--no-particles", action="store_true", help="skip the particle-mask rows (tests/benchmarks/particles.py)")
    parser.add_argument("--no-big-particles", action="store_true", help="skip the 1024×1024×512 particle-mask rows")
    parser.add_argument("--out-dir", type=Path, default=RESULTS, help=f"where results go (default {RESULTS})")
    parser.add_argument("--readme", type=Path, default=README,
                        help="README whose benchmark part a full run (every default size and case) rewrites; "
                             "'' for none")
    args = parser.parse_args(argv)
    args.sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    args.readme = args.readme if str(args.readme) else None
    args.cases = {c.strip() for c in args.cases.split(",") if c.strip()}
    unknown = args.cases - {c.key for c in CASES}
    if unknown:
        parser.error(f"unknown case(s) {', '.join(sorted(unknown))}")
    if not args.sizes or min(args.sizes) < 16:
        parser.error("--sizes must list box edges of at least 16")
    return args


def main(argv=None) -> int:
    args = parse(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    results = {
        "machine": machine.describe(),
        "settings": {"sizes": args.sizes, "repeats": args.repeats, "budget_s": args.budget,
                     "process_repeats": args.process_repeats},
        "floors": {}, "cases": [], "processes": [], "notes": [],
    }
    sweep_size = None if args.no_sweep else max([n for n in args.sizes if n <= report.TARGET_BOX] or args.sizes[:1])
    for n in args.sizes:
        log(f"box {n}³")
        results["floors"][str(n)] = write_floor((n, n, n))
        inputs = Inputs(n)
        run_cases(n, inputs, args, results)
        if not args.no_processes:
            run_processes(n, inputs, args, results)
        if n == sweep_size:
            run_sweep(n, inputs, results)
        del inputs
        gc.collect()
        # What is measured so far survives a failure later in the run.
        (args.out_dir / "bench.json").write_text(json.dumps(results, indent=1) + "\n")
    if args.latency_json is not None:
        results["latency"] = json.loads(args.latency_json.read_text())
    elif not args.no_latency:
        run_latency(args.out_dir, results)
    if not args.no_particles:
        log("particle masks")
        results["particles"] = particles.run(args.repeats, args.budget, big=not args.no_big_particles, log=log)
    results["machine"]["load_average_end"] = os.getloadavg()
    results["notes"] = notes(results, args) + results["notes"]
    (args.out_dir / "bench.json").write_text(json.dumps(results, indent=1) + "\n")
    text = report.markdown(results)
    if args.readme and full_run(args):
        # The particle section of the README, after the markers, is its own.
        update_readme(args.readme, text)
        log(f"updated the benchmark part of {args.readme}")
    if "particles" in results:
        text += "\n" + particles.markdown(results["particles"])
    (args.out_dir / "bench.md").write_text(text)
    print(text)
    log(f"results: {args.out_dir / 'bench.md'} and bench.json")
    return 0


README = HERE.parent.parent / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def full_run(args) -> bool:
    """True when every default size and case ran, so that the README gets a complete section."""
    return set(SIZES) <= set(args.sizes) and not args.cases and not args.no_processes


def update_readme(path: Path, markdown: str) -> None:
    """Put the report (without its heading) between the benchmark markers of the README."""
    text = path.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"{path} has no {START} ... {END} markers for the benchmark results")
    body = markdown.split("\n", 1)[1].strip("\n")  # drop "## Benchmarks"
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    path.write_text(f"{head}{START}\n\n{body}\n\n{END}{tail}")


def notes(results, args) -> list[str]:
    found = [
        f"Blur passes and low-pass filters share their work among the {results['machine']['usable_cores']} "
        "usable cores (threads); edt uses them too. cryoCAT and ttmask run single-threaded code.",
        "tracemalloc sees NumPy arrays but not scratch memory taken by C code (SciPy's line buffers, "
        "edt's work arrays), for both sides alike.",
        "The tight-mask input is tests/benchmarks/blobs.py: five Gaussian blobs (peak 1) and smooth noise "
        "(std 0.05), threshold 0.3; the particle spans about half the box.",
        "Process peak RSS comes from wait4 on the command, started by tests/benchmarks/child.py so that it "
        "does not inherit this process's peak. The tools define the task their own way: ttmask keeps every "
        "region above the threshold and grows with two full-box distance transforms; cryomask keeps the "
        "largest region. Both processes read and write MRC files; cryomask also writes its recipe. Each "
        "command runs once untimed first, and Python may cache compiled modules (PYTHONDONTWRITEBYTECODE "
        "is cleared for them), as an installed package has them.",
        "Large boxes: references run up to 384³ by default (cryoCAT's float64 grids need about 5 GB at 512³, "
        "17 GB at 768³); the 768³ rows need about 6 GB free. Peak / output at 768³ is the memory target.",
    ]
    skipped = sorted({f"{c['title']} ({c['reference']}) {entry['skipped']}"
                      for c in results["cases"] for entry in c["sizes"].values() if "skipped" in entry})
    skipped += sorted({f"ttmask {c['title']} {entry['skipped']}"
                       for c in results["processes"] for entry in c["sizes"].values() if "skipped" in entry})
    if skipped:
        found.append("Skipped references: " + "; ".join(skipped) + " (run them with --full-reference).")
    once = sorted({f"{c['reference'] if side == 'reference' else 'napari-cryomask'} {c['key']} {n}³"
                   for c in results["cases"] for n, e in c["sizes"].items()
                   for side in ("ours", "reference") if e.get(side) and len(e[side]["seconds"]) == 1})
    if once:
        found.append(f"Timed once (after the traced run), as one run took over the {args.budget:g} s budget: "
                     + ", ".join(once) + ".")
    return found


if __name__ == "__main__":
    sys.exit(main())
