"""symgrad's benchmark suite: W1-W6 and compile times against hand-written numpy, PyTensor, JAX
and PyTorch, every figure from fresh single-threaded worker processes (see worker.py).

    python benchmarks/bench.py [--quick] [--only W2,W5] [--markdown benchmarks/RESULTS.md]

An implementation that is not installed shows "n/a"; one that raises shows "error: ..."."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from peers import BASELINE, IMPLS, ORDER, WARM_CACHE
from report import Table, format_value, machine_lines, render_markdown, render_text
from workloads import COMPILE_WORKLOADS, FULL_SIZES, QUICK_SIZES, TITLES, size_label

WORKER = os.path.join(HERE, "worker.py")
MARK = "BENCH_RESULT "
ONE_THREAD = {name: "1" for name in (
    "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "TORCHINDUCTOR_COMPILE_THREADS")}
XLA_ONE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def _with_flag(flags: str, name: str, value: str) -> str:
    kept = [f for f in flags.split(",") if f.strip() and f.split("=")[0].strip() != name]
    return ",".join(kept + [f"{name}={value}"])


def worker_env(cache_dir: str, all_cores: bool = False) -> dict:
    """The environment of every worker: one thread everywhere (or, with all_cores, each
    library's own default thread count), every compile cache in cache_dir."""
    if all_cores:
        env = {k: v for k, v in os.environ.items() if k not in ONE_THREAD}
        env["BENCH_ALL_CORES"] = "1"  # torch_peer leaves torch's thread count alone
    else:
        env = dict(os.environ, **ONE_THREAD)
        env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " " + XLA_ONE_THREAD).strip()
        env.pop("BENCH_ALL_CORES", None)
    env["JAX_PLATFORMS"] = "cpu"
    for name in ("JAX_COMPILATION_CACHE_DIR", "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"):
        env.pop(name, None)
    env["SYMGRAD_FLAGS"] = _with_flag(env.get("SYMGRAD_FLAGS", ""), "compiledir",
                                      os.path.join(cache_dir, "symgrad"))
    env.pop("THEANO_FLAGS", None)
    # PyTensor keeps its numba kernels under base_compiledir/numba, C modules under compiledir.
    pytensor_dir = os.path.join(cache_dir, "pytensor")
    flags = _with_flag(env.get("PYTENSOR_FLAGS", ""), "base_compiledir", pytensor_dir)
    env["PYTENSOR_FLAGS"] = _with_flag(flags, "compiledir", os.path.join(pytensor_dir, "c"))
    env["NUMBA_CACHE_DIR"] = os.path.join(cache_dir, "numba")
    env["TORCHINDUCTOR_CACHE_DIR"] = os.path.join(cache_dir, "inductor")
    env["TRITON_CACHE_DIR"] = os.path.join(cache_dir, "triton")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


class Runner:
    """Starts worker processes, keeps their logs, and remembers implementations found missing."""

    def __init__(self, timeout: float, log_dir: str, all_cores: bool = False):
        self.timeout, self.log_dir, self.all_cores = timeout, log_dir, all_cores
        self.missing: dict[str, dict] = {}
        self.failures = 0
        self.count = 0

    def run(self, impl, workload, size, kind, cache_dir, extra=()) -> dict:
        if impl in self.missing:
            return self.missing[impl]
        cmd = [sys.executable, WORKER, impl, workload, "--kind", kind, *extra]
        if size is not None:
            cmd += ["--size", str(size)]
        self.count += 1
        log = os.path.join(self.log_dir, f"{self.count:03d}-{impl}-{workload}-{kind}.log")
        out, rc = self._spawn(cmd, worker_env(cache_dir, self.all_cores))
        with open(log, "w") as f:
            f.write(" ".join(cmd) + "\n" + out)
        result = None
        for line in reversed(out.splitlines()):
            if line.startswith(MARK):
                result = json.loads(line[len(MARK):])
                break
        if result is None:
            tail = [ln for ln in out.strip().splitlines() if ln.strip()][-1:] or [""]
            why = "timeout" if rc is None else f"worker exit {rc}"
            result = {"status": "error", "message": f"{why}: {tail[0][:60]}"}
        if result.get("status") == "n/a":
            self.missing[impl] = result
        elif result.get("status") != "ok" or not result.get("verified", True):
            self.failures += 1
        return result

    def _spawn(self, cmd, env):
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=self.timeout)
            return out, proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the worker and what it started (compilers)
            out, _ = proc.communicate()
            return out + f"\ntimeout after {self.timeout:.0f} s", None


def progress(label: str, impl: str, cell: dict, unit: str = "") -> None:
    status = cell.get("status")
    if status == "ok":
        value = format_value(cell["seconds"], unit)
        flag = "ok" if cell.get("verified", True) else "DIFFERS: " + "; ".join(cell["problems"])
    else:
        value, flag = status, cell.get("message", "")
    print(f"  {label:<16} {IMPLS[impl][1]:<26} {value:>14}  {flag}", flush=True)
    if status == "ok" and not cell.get("verified", True):
        print(f"WARNING: {IMPLS[impl][1]} {label}: result differs from numpy; figure marked (!)",
              file=sys.stderr, flush=True)


def runtime_tables(runner, workloads, impls, sizes, args, cache_dir) -> list[Table]:
    tables = []
    extra = ["--repeats", str(args.repeats), "--target", str(args.target)]
    for workload in workloads:
        unit = "µs" if workload == "W1" else "ms"
        for size in sizes[workload]:
            label = size_label(workload, size)
            title = TITLES[workload] + (f", {label.split(' ', 1)[1]}" if size else "")
            table = Table(title, unit, baseline=IMPLS[BASELINE][1])
            print(f"{title}", flush=True)
            for impl in impls:
                cell = runner.run(impl, workload, size, "run", cache_dir, extra)
                progress(label, impl, cell, unit)
                table.rows.append((IMPLS[impl][1], cell))
            tables.append(table)
    return tables


def _aggregate(cells: list[dict]) -> dict:
    ok = [c for c in cells if c.get("status") == "ok"]
    if not ok:
        return cells[0]
    cell = dict(ok[0])
    cell["seconds"] = statistics.median(c["seconds"] for c in ok)
    cell["import_s"] = statistics.median(c.get("import_s", 0.0) for c in ok)
    for key in ("steady_s", "calls_first_s", "peak_rss_mb", "cores"):
        if all(c.get(key) is not None for c in ok):
            cell[key] = statistics.median(c[key] for c in ok)
    cell["verified"] = all(c.get("verified", True) for c in ok)
    cell["problems"] = sorted({p for c in ok for p in c.get("problems", [])})
    cell["repeats_ok"], cell["repeats_tried"], cell["show_import"] = len(ok), len(cells), True
    return cell


def compile_tables(runner, workloads, impls, args, tmp_root) -> list[Table]:
    tables = []
    size_of = {"W5": QUICK_SIZES["W5"][0] if args.quick else FULL_SIZES["W5"][0]}
    for workload in [w for w in workloads if w in COMPILE_WORKLOADS]:
        title = f"Compile time {workload}: build + compile + first call, fresh process"
        print(title, flush=True)
        rows = []
        for impl in impls:
            label = IMPLS[impl][1]
            cold, warm = [], []
            for r in range(args.compile_repeats):
                cache = tempfile.mkdtemp(prefix=f"{workload}-{impl}-{r}-", dir=tmp_root)
                cold.append(runner.run(impl, workload, size_of.get(workload), "compile", cache))
                progress(f"{workload} cold #{r + 1}", impl, cold[-1], "auto")
                if impl in WARM_CACHE and cold[-1].get("status") == "ok":
                    warm.append(runner.run(impl, workload, size_of.get(workload), "compile", cache))
                    progress(f"{workload} warm #{r + 1}", impl, warm[-1], "auto")
                shutil.rmtree(cache, ignore_errors=True)
                if cold[-1].get("status") != "ok":
                    break  # a missing or failing implementation fails the same way again
            in_cache = impl in WARM_CACHE
            rows.append((label + (" cold" if in_cache else ""), _aggregate(cold)))
            if in_cache:
                rows.append((label + " warm", _aggregate(warm) if warm else None))
        base = IMPLS[BASELINE][1] + " cold"
        tables.append(Table(title, "auto", rows, baseline=base))
    return tables


def measure_machine(quick: bool, cache_dir: str) -> dict:
    cmd = [sys.executable, os.path.join(HERE, "machine.py")] + (["--quick"] if quick else [])
    try:
        out = subprocess.run(cmd, env=worker_env(cache_dir), capture_output=True, text=True,
                             timeout=600, check=True).stdout
        return json.loads(out.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError) as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:120]}


def setup_notes(args, runtime: list[Table], compiled: list[Table]) -> list[str]:
    versions = {}
    for table in runtime + compiled:
        for label, cell in table.rows:
            if cell and cell.get("version"):
                versions.setdefault(label.replace(" cold", "").replace(" warm", ""),
                                    cell["version"])
    notes = [
        "Versions: " + (", ".join(f"{k} {v}" for k, v in versions.items()) or "none ran"),
        ("Every implementation in a fresh process per workload, with each library's default "
         f"thread count (all {os.cpu_count()} cores; --all-cores)." if args.all_cores else
         "Every implementation in a fresh process per workload, limited to one thread "
         "(OMP/OPENBLAS/MKL/NUMBA_NUM_THREADS=1, torch.set_num_threads(1), XLA_FLAGS="
         f"'{XLA_ONE_THREAD}'). JAX still runs threads of its own: its figures are not strictly "
         "single-threaded (see the cores column)."),
        ("cores busy: the worker's CPU time over the wall time while its calls were timed "
         "(1.00: one core kept busy)."),
        (f"Run times: median of {args.repeats} batches, each batch repeated calls lasting about "
         f"{args.target} s, after 3 warm-up calls; ratio = time / symgrad FAST_RUN's "
         "(> 1: slower than symgrad)."),
        ("Each result is checked against hand-written numpy before timing; (!) marks a figure "
         "whose result differs."),
        ("PyTorch: torch.func gradients under torch.compile (inductor); notes say 'eager' "
         "where compiling failed. JAX: jax.grad under jax.jit, float64 enabled."),
    ]
    if compiled:
        notes.append(f"Compile times: median of {args.compile_repeats} fresh processes, each with "
                     "empty caches in a new temp dir (SYMGRAD_FLAGS=compiledir, PYTENSOR_FLAGS="
                     "base_compiledir and compiledir, NUMBA_CACHE_DIR, TORCHINDUCTOR_CACHE_DIR; "
                     "no JAX persistent cache); 'warm' is a second process reusing that cache. "
                     "Imports are not included (their time is in the notes). Time to steady "
                     "state: calls go on back to back for 2 s after the first, grouped in 20 ms "
                     "slices; counted from building the function to the first slice after "
                     "which at most a tenth of the slices have a median call over 1.5x the "
                     "median of the second second; with the number of calls answered in the "
                     "first second after building. Peak RSS: the worker process's maximum resident memory.")
    return notes


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="fewer repeats, small sizes, no 3000x3000, no compile timing")
    p.add_argument("--only", default="", help="comma-separated workloads, e.g. W2 or W1,W5")
    p.add_argument("--impls", default="", help=f"comma-separated subset of {','.join(ORDER)}")
    p.add_argument("--markdown", metavar="FILE", help="also write the tables as markdown")
    p.add_argument("--json", metavar="FILE", help="also write every raw result as JSON")
    p.add_argument("--repeats", type=int, help="timed batches per figure (default 15, quick 5)")
    p.add_argument("--target", type=float, help="seconds per timed batch (0.2, quick 0.05)")
    p.add_argument("--compile-repeats", type=int, default=3)
    p.add_argument("--no-compile", action="store_true", help="skip the compile-time tables")
    p.add_argument("--compile-only", action="store_true", help="only the compile-time tables")
    p.add_argument("--timeout", type=float, help="seconds per worker (default 900, quick 300)")
    p.add_argument("--all-cores", action="store_true",
                   help="let every implementation use all cores (default: one thread each)")
    args = p.parse_args(argv)
    args.repeats = args.repeats or (5 if args.quick else 15)
    args.target = args.target or (0.05 if args.quick else 0.2)
    args.timeout = args.timeout or (300 if args.quick else 900)
    return args


def _subset(text: str, choices, what: str) -> list[str]:
    if not text:
        return list(choices)
    picked = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in picked if t not in choices]
    if unknown:
        sys.exit(f"unknown {what}: {', '.join(unknown)}; choose from {', '.join(choices)}")
    return [c for c in choices if c in picked]


def main(argv=None) -> int:
    args = parse_args(argv)
    workloads = _subset(args.only.upper(), list(FULL_SIZES), "workload")
    impls = _subset(args.impls, ORDER, "implementation")
    tmp_root = tempfile.mkdtemp(prefix="symgrad-bench-")
    log_dir = tempfile.mkdtemp(prefix="symgrad-bench-logs-")
    runner = Runner(args.timeout, log_dir, args.all_cores)
    started = time.time()
    try:
        print("Measuring the machine (one thread)...", flush=True)
        machine = measure_machine(args.quick, os.path.join(tmp_root, "machine"))
        print("\n".join(machine_lines(machine)), flush=True)
        runtime = [] if args.compile_only else runtime_tables(
            runner, workloads, impls, QUICK_SIZES if args.quick else FULL_SIZES, args,
            os.path.join(tmp_root, "runtime"))
        compiled = [] if (args.quick or args.no_compile) else compile_tables(
            runner, workloads, impls, args, tmp_root)
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)
    tables = runtime + compiled
    if hasattr(os, "getloadavg") and "error" not in machine:
        machine["load_end"] = os.getloadavg()[0]
    meta = setup_notes(args, runtime, compiled)
    print("\n" + "=" * 30 + " results " + "=" * 30)
    print("\n".join(machine_lines(machine)))
    print(render_text(tables))
    print("\n" + "\n".join("* " + line for line in meta))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(render_markdown(machine, meta, tables))
        print(f"\nmarkdown written to {args.markdown}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine, "tables": [
                {"title": t.title, "unit": t.unit, "baseline": t.baseline, "rows": t.rows}
                for t in tables]}, f, indent=1)
    if runner.failures:
        print(f"\n{runner.failures} figure(s) failed or differ from numpy; worker logs: {log_dir}")
    else:
        shutil.rmtree(log_dir, ignore_errors=True)
    print(f"\ndone in {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
