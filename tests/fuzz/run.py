"""Long differential fuzz run: `python -m tests.fuzz.run -n 10000 [--seed S] [--jobs J]`.

Prints `N programs, K mismatches`; each mismatch is shrunk to a minimal program and printed as
source with the difference found. `--jobs J` splits the run over J processes, each with its own
seed (S, S+1, ...), and adds up their counts.
"""
from __future__ import annotations

import argparse
import random
import subprocess
import sys

from hypothesis import HealthCheck, Phase, given, settings

from tests.fuzz.checks import mismatch, shrink
from tests.fuzz.programs import programs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=1000, help="programs to run")
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed")
    parser.add_argument("--depth", type=int, default=4, help="deepest expression")
    parser.add_argument("--jobs", type=int, default=1, help="processes to split the run over")
    args = parser.parse_args(argv)
    if args.jobs > 1:
        return _split(args)
    count, found = [0], []

    @settings(max_examples=args.n, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(programs(max_depth=args.depth))
    def run(program):
        count[0] += 1
        problem = mismatch(program)
        if problem is not None:
            found.append(program)
        if count[0] % 100 == 0:  # a long run that is cut short still tells how far it got
            print(f"{count[0]} programs, {len(found)} mismatches so far", file=sys.stderr,
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
    """Run the programs in `args.jobs` child processes with consecutive seeds; print the sum."""
    seed = args.seed if args.seed is not None else random.randrange(2**31)
    print(f"seeds {seed}..{seed + args.jobs - 1}", file=sys.stderr, flush=True)
    shares = [args.n // args.jobs + (k < args.n % args.jobs) for k in range(args.jobs)]
    children = [subprocess.Popen([sys.executable, *(f"-W{w}" for w in sys.warnoptions), "-m", "tests.fuzz.run", "-n", str(n),
                                  "--seed", str(seed + k), "--depth", str(args.depth)],
                                 stdout=subprocess.PIPE, text=True)
                for k, n in enumerate(shares)]
    total = found = 0
    reports = []
    for child in children:
        out, _ = child.communicate()
        head, _, rest = out.partition("\n")
        n, k = (int(w) for w in head.replace(",", "").split()[::2][:2])
        total, found = total + n, found + k
        reports.append(rest)
        if child.returncode not in (0, 1):
            print(f"a fuzz process failed (exit {child.returncode})", file=sys.stderr)
            return 2
    print(f"{total} programs, {found} mismatches")
    for rest in reports:
        print(rest, end="")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
