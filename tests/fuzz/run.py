"""Long differential fuzz run: `python -m tests.fuzz.run -n 10000 [--seed S]`.

Prints `N programs, K mismatches`; each mismatch is shrunk to a minimal program and printed as
source with the difference found.
"""
from __future__ import annotations

import argparse
import sys

from hypothesis import HealthCheck, Phase, given, settings

from tests.fuzz.checks import mismatch, shrink
from tests.fuzz.programs import programs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=1000, help="programs to run")
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed")
    parser.add_argument("--depth", type=int, default=4, help="deepest expression")
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
