import os

# numba compiles the suite's many small graphs at LLVM's -O0 (about half the compile time at
# -O3): the tests check what the generated code computes. tests/link runs its accuracy and
# kernel checks again at the production level (-O3) in a subprocess. The level is part of the
# compile cache's key, so this never mixes with the cache that users' functions load. At -O0
# numba keeps embedded addresses in the graph functions and cannot cache them on disk, so
# every run compiles afresh (as CI does anyway); `NUMBA_OPT=1 make test` gives cacheable code
# (a second run takes a fraction of the time) at ~1.4x the cold compile time.
os.environ.setdefault("NUMBA_OPT", "0")

import numpy as np
import pytest

from symgrad import config

# a rewrite that raises is a bug: fail the test instead of warning and skipping the rewrite
config.on_opt_error = "raise"
# Functions compiled without an explicit mode run on the reference VM here, instead of starting
# a background numba compile each: the numba backend is checked explicitly in every mode of
# tests/helpers.modes() and in tests/link (which also covers the tiered FAST_RUN default).
config.linker = "py"
# serial kernels: two cores shared with other runs gain nothing from threads, and the generated
# code stays the one most tests were written against; tests/link/test_numba_parallel.py turns
# threads on where it checks them
config.num_threads = 1


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def _flags_are_restored(request):
    """A test that leaves a config flag changed makes later tests on the same worker run in
    another mode: fail the test that did it, by name, and restore the flags."""
    before = dict(config._values)
    yield
    after = dict(config._values)
    if after != before:
        changed = {k: (before.get(k), after.get(k)) for k in after if after[k] != before.get(k)}
        config._values.clear()
        config._values.update(before)
        pytest.fail(f"{request.node.nodeid} left config flags changed: {changed}", pytrace=False)
