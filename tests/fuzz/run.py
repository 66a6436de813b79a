"""Long differential fuzz run: `python -m tests.fuzz.run -n 10000 [--seed S] [--jobs J]`.

Prints `N programs, K mismatches`; each mismatch is shrunk to a minimal program and printed as
source with the difference found. `--jobs J` splits the run over J processes, each with its own
seed (S, S+1, ...), and adds up their counts; a run of over `--batch` programs (200) goes
through fresh processes of that many programs each.
"""
from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time

from hypothesis import HealthCheck, Phase, given, settings

from tests.fuzz.checks import mismatch, shrink
from tests.fuzz.programs import programs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=1000, help="programs to run")
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed")
    parser.add_argument("--depth", type=int, default=4, help="deepest expression")
    parser.add_argument("--jobs", type=int, default=1, help="processes to run at once")
    parser.add_argument("--batch", type=int, default=200, help="programs per process")
    args = parser.parse_args(argv)
    if args.n > args.batch:
        return _split(args)
    count, found = [0], []

    @settings(max_examples=args.n, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(programs(max_depth=args.depth))
    def run(program):
        count[0] += 1
        problem = mismatch(program)
        if problem is not None:  # said at once: a long run that is cut short still shows it
            found.append(program)
            print(f"--- mismatch:\n{program.source()}\n# {str(problem)[:800]}", file=sys.stderr,
                  flush=True)

    if args.seed is not None:
        run = __import__("hypothesis").seed(args.seed)(run)
    run()
    print(f"{count[0]} programs, {len(found)} mismatches")
    shown = set()
    for program in found:
        small = shrink(program)
        if small.root.src in shown:
            continue  # the same minimal program as an earlier mismatch
        shown.add(small.root.src)
        print("\n--- mismatch (shrunk):")
        print(small.source())
        print("#", str(mismatch(small))[:800])
    return 1 if found else 0


def _split(args) -> int:
    """Run the programs in child processes of at most `args.batch` programs each, `args.jobs`
    at a time, with consecutive seeds; print the sums. A fresh process per batch keeps memory
    bounded: numba never frees the machine code of the functions a process compiled (about
    6 MB per program here), so one process running thousands of programs runs out of memory."""
    seed = args.seed if args.seed is not None else random.randrange(2**31)
    sizes = [min(args.batch, args.n - k) for k in range(0, args.n, args.batch)]
    print(f"{len(sizes)} batches, seeds {seed}..{seed + len(sizes) - 1}, {args.jobs} at a time",
          file=sys.stderr, flush=True)
    started = time.time()
    pending = list(enumerate(sizes))
    running: list[tuple[int, subprocess.Popen]] = []
    total = found = 0
    reports = []
    while pending or running:
        while pending and len(running) < args.jobs:
            k, n = pending.pop(0)
            cmd = [sys.executable, *(f"-W{w}" for w in sys.warnoptions), "-m", "tests.fuzz.run",
                   "-n", str(n), "--seed", str(seed + k), "--depth", str(args.depth),
                   "--batch", str(n)]
            running.append((k, subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)))
        k, child = running.pop(0)
        out, _ = child.communicate()
        head, _, rest = out.partition("\n")
        if child.returncode not in (0, 1) or "programs," not in head:
            print(f"the fuzz process for seed {seed + k} failed (exit {child.returncode})",
                  file=sys.stderr)
            return 2
        n, m = (int(w) for w in head.replace(",", "").split()[::2][:2])
        total, found = total + n, found + m
        reports.append(rest)
        print(f"{total} programs, {found} mismatches so far ({time.time() - started:.0f} s)",
              file=sys.stderr, flush=True)
    print(f"{total} programs, {found} mismatches")
    for rest in reports:
        print(rest, end="")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
