"""The tiered FAST_RUN default with a warm disk cache: once numba is set up in a process, a
function whose graph the cache already holds runs compiled code from its first call."""
from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import numpy as np
import symgrad as theano
import symgrad.tensor as T
from symgrad.link.numba import wait_idle

theano.config.linker = "auto"
s = T.dscalar("s")
warmup = theano.function([s], s * 3.0)  # the process's first numba graph sets numba up
warmup(2.0)
wait_idle()
x = T.dvector("x")
f = theano.function([x], T.sum(T.exp(x) * x))
xv = np.linspace(-1.0, 1.0, 50)
got = f(xv)
print("ON_NUMBA_AFTER_FIRST_CALL", f.maker.runner.on_numba)
assert abs(got - np.sum(np.exp(xv) * xv)) < 1e-12
wait_idle()  # the cold run's background compile of f must finish (and reach the disk cache)
"""


def _run(compiledir) -> str:
    # numba caches machine code on disk only at a real optimisation level (see conftest.py)
    env = dict(os.environ, NUMBA_OPT="3", SYMGRAD_FLAGS=f"compiledir={compiledir}")
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout


def test_first_call_runs_compiled_code_when_the_cache_holds_it(tmp_path):
    cold = _run(tmp_path)
    assert "ON_NUMBA_AFTER_FIRST_CALL False" in cold  # compiled in the background
    warm = _run(tmp_path)
    assert "ON_NUMBA_AFTER_FIRST_CALL True" in warm
