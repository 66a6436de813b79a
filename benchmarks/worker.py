"""One measurement in a fresh process: `worker.py IMPL WORKLOAD [--size N] [--kind run|compile]`.

Imports the implementation, builds the workload, checks the first call's results against the
hand-written numpy reference, then either times repeated calls (kind `run`) or reports how long
building, compiling and the first call took (kind `compile`). Prints one line
`BENCH_RESULT {json}` as its last line of output; never raises."""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))  # the working tree's symgrad, installed or not

import numpy as np
import peers
from peers import numpy_peer
from workloads import TOLERANCE, make_data

MARK = "BENCH_RESULT "
WARMUP_CALLS = 3
# steady state: calls keep coming for this long after the first one (fresh process); a BIN_S
# slice of time is slow when its calls' median takes over SLOW x the median of the window's
# second half (see steady_state)
STEADY_WINDOW_S = 2.0
SLOW = 1.5
BIN_S = 0.02


def short_error(exc: BaseException) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    text = f"{type(exc).__name__}: {lines[0].strip() if lines else ''}".rstrip(": ")
    return text if len(text) <= 90 else text[:87] + "..."


def verify(got: dict, expected: dict, tol: float) -> list[str]:
    """Differences between an implementation's outputs and the reference's, as short texts."""
    problems = []
    for key, ref in expected.items():
        if key not in got:
            problems.append(f"{key} missing")
            continue
        a, e = np.asarray(got[key]), np.asarray(ref)
        if a.shape != e.shape:
            if a.size != e.size:
                problems.append(f"{key} shape {a.shape} != {e.shape}")
                continue
            a = a.reshape(e.shape)
        if e.dtype == bool:
            wrong = int(np.count_nonzero(a.astype(bool) != e))
            if wrong:
                problems.append(f"{key}: {wrong}/{e.size} differ")
            continue
        a, e = a.astype(np.float64), e.astype(np.float64)
        if not np.all(np.isfinite(a)):
            problems.append(f"{key} not finite")
            continue
        scale = max(float(np.max(np.abs(e))) if e.size else 0.0, 1e-300)
        err = float(np.max(np.abs(a - e))) / scale if e.size else 0.0
        if err > tol:
            problems.append(f"{key} rel err {err:.1e}")
    return problems


def time_calls(run, repeats: int, target_s: float) -> tuple[list[float], int, float]:
    """Per-call seconds of `repeats` batches, each batch `inner` calls lasting about target_s,
    and the cores the batches kept busy (this process's CPU time over the wall time: an
    implementation limited to one thread that still runs threads of its own shows above 1)."""
    for _ in range(WARMUP_CALLS):
        run()
    t = time.perf_counter()
    run()
    one = time.perf_counter() - t
    inner = max(1, min(1_000_000, int(target_s / max(one, 1e-7))))
    samples = []
    was_enabled = gc.isenabled()
    gc.disable()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    try:
        for _ in range(repeats):
            t = time.perf_counter()
            for _ in range(inner):
                run()
            samples.append((time.perf_counter() - t) / inner)
    finally:
        if was_enabled:
            gc.enable()
    cores = (time.process_time() - cpu0) / max(time.perf_counter() - wall0, 1e-9)
    return samples, inner, cores


def steady_state(run, t0: float, window_s: float) -> dict:
    """Call `run` back to back for `window_s` seconds; when (from t0, before building) calls
    became steady, and how many calls the first second after t0 answered. Calls are grouped
    in BIN_S slices of time (one call per slice when calls are slower), so that a single
    slow call (a page fault, another process) does not count as not yet steady."""
    ends, durations = [], []
    stop = time.perf_counter() + window_s
    while True:
        t = time.perf_counter()
        run()
        end = time.perf_counter()
        ends.append(end - t0)
        durations.append(end - t)
        if end > stop and len(durations) >= 4:
            break
    settled = statistics.median(durations[len(durations) // 2:])
    bins: dict[int, list[float]] = {}
    for e, d in zip(ends, durations):
        bins.setdefault(int(e / BIN_S), []).append(d)
    # steady from the first slice after which at most a tenth of the slices are slow: a
    # slower phase (an interpreter, a compile) is a run of slow slices at the start, while
    # other processes on the machine leave single slow slices scattered anywhere
    order = sorted(bins)
    slow = [statistics.median(bins[k]) > SLOW * settled for k in order]
    start = next((i for i in range(len(order)) if sum(slow[i:]) <= 0.1 * (len(order) - i)),
                 len(order) - 1)  # slow to the end: steady (at best) in the last slice
    steady_s = max(ends[0], order[start] * BIN_S)
    return {"steady_s": steady_s, "calls_first_s": sum(1 for e in ends if e <= 1.0),
            "settled_call_s": settled}


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(args) -> dict:
    result = {"impl": args.impl, "workload": args.workload, "size": args.size, "kind": args.kind}
    module, label, options = peers.load(args.impl)
    result["label"] = label
    t = time.perf_counter()
    try:
        info = module.setup(options)
    except ImportError as exc:
        missing = getattr(exc, "name", None)
        lib = options.get("lib", args.impl)
        if isinstance(exc, ModuleNotFoundError) and missing == lib and lib != "symgrad":
            return {**result, "status": "n/a", "message": f"{lib} not installed"}
        return {**result, "status": "error", "message": short_error(exc)}
    result["import_s"] = time.perf_counter() - t
    result["version"] = info.get("version", "?")
    notes = list(info.get("notes", []))

    data = make_data(args.workload, args.size)
    expected = numpy_peer.reference(args.workload, data)

    t0 = time.perf_counter()
    built = module.build(args.workload, data)
    raw = built.run()
    first_s = time.perf_counter() - t0
    notes += built.notes
    problems = verify(built.outputs(raw), expected, TOLERANCE[args.workload])
    result.update(status="ok", verified=not problems, problems=problems)
    if problems:
        print(f"WARNING: {label} {args.workload}: result differs from numpy: "
              + "; ".join(problems), file=sys.stderr)

    if args.kind == "compile":
        result["seconds"] = first_s
        result.update(steady_state(built.run, t0, STEADY_WINDOW_S))
    else:
        settle = getattr(module, "settle", None)
        if settle is not None:  # e.g. let a background compile finish before timing calls
            settle()
        samples, inner, cores = time_calls(built.run, args.repeats, args.target)
        notes = list(info.get("notes", [])) + built.notes  # a fallback may have rewritten them
        result.update(seconds=statistics.median(samples), min_s=min(samples), inner=inner,
                      samples=len(samples), cores=cores)
    result["notes"] = list(dict.fromkeys(notes))
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("impl", choices=peers.ORDER)
    parser.add_argument("workload", choices=("W1", "W2", "W3", "W4", "W5", "W6"))
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--kind", choices=("run", "compile"), default="run")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--target", type=float, default=0.2, help="seconds per timed batch")
    args = parser.parse_args(argv)
    try:
        result = measure(args)
    except BaseException as exc:  # noqa: BLE001 - report any failure as a cell, never crash
        traceback.print_exc()
        result = {"impl": args.impl, "workload": args.workload, "size": args.size,
                  "kind": args.kind, "status": "error", "message": short_error(exc)}
    sys.stdout.flush()
    print(MARK + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
