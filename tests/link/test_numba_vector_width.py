"""512-bit vectors on AVX-512 hosts (symgrad/link/numba/vector_width.py): when they are turned
on, that the user's numba settings win, and that kernels compute the same numbers either way."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import llvmlite.binding as llvm
import numpy as np

from symgrad.link.numba import vector_width
from symgrad.link.numba.vector_width import WIDE, wide_vector_features

HOST_HAS_AVX512 = bool(dict(llvm.get_host_cpu_features()).get("avx512f"))


def _python(code: str, **env_changes) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_CPU")}
    env.pop("SYMGRAD_FLAGS", None)
    env.update(env_changes)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_features_only_for_avx512_hosts_without_user_settings():
    avx512 = {"avx512f": True, "avx2": True, "sse2": True, "amx-tile": False}
    features = wide_vector_features(avx512, {})
    assert features.endswith("," + WIDE)
    assert features.split(",")[:-1] == ["-amx-tile", "+avx2", "+avx512f", "+sse2"]
    assert wide_vector_features({"avx2": True, "avx512f": False}, {}) is None
    assert wide_vector_features({"avx2": True}, {}) is None
    assert wide_vector_features(avx512, {"NUMBA_CPU_FEATURES": "+avx2"}) is None
    assert wide_vector_features(avx512, {"NUMBA_CPU_NAME": "generic"}) is None


def test_in_force_here_exactly_when_the_host_has_avx512():
    # the suite sets no NUMBA_CPU_* variable and leaves the flag at its default
    if "NUMBA_CPU_FEATURES" not in os.environ or WIDE in os.environ["NUMBA_CPU_FEATURES"]:
        assert vector_width.IN_FORCE == HOST_HAS_AVX512


REPORT = ("import symgrad.tensor, numba.core.config as c; "
          "from symgrad.link.numba import vector_width as v; print(v.IN_FORCE, c.CPU_FEATURES)")


def test_flag_off_leaves_numba_alone():
    assert _python(REPORT, SYMGRAD_FLAGS="numba_wide_vectors=False") == "False None"


def test_users_numba_features_win():
    assert _python(REPORT, NUMBA_CPU_FEATURES="+avx2,+sse2") == "False +avx2,+sse2"
    assert _python(REPORT, NUMBA_CPU_NAME="generic").startswith("False")


def test_numba_that_compiled_first_keeps_its_features():
    code = ("import numba\nnumba.njit(lambda x: x + 1)(1)\n" + REPORT.replace("; ", "\n"))
    assert _python(code) == "False None"


KERNELS = """
import json, numpy as np
import symgrad, symgrad.tensor as T
from symgrad.compile.mode import Mode
from symgrad.link.numba import vector_width
x = T.dvector("x")
s = T.fvector("s")
outs = [T.exp(x), T.tanh(x), T.nnet.sigmoid(x), T.sin(x), T.cos(x), T.log1p(T.abs(x)) * x,
        T.grad(T.sum(1 / (1 + T.exp(-x))), x)]
f = symgrad.function([x, s], outs + [T.tanh(s) * 2 - s], mode=Mode("numba", "fast_run"))
xv = np.concatenate([np.linspace(-800, 800, 4099), np.linspace(-3, 3, 20001),
                     [np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-324, 1e-300, 709.8, -745.2]])
res = f(xv, xv.astype(np.float32))
print(json.dumps([vector_width.IN_FORCE] + [r.tobytes().hex() for r in res]))
"""


def test_kernels_compute_the_same_numbers_at_either_width(tmp_path):
    env = {"NUMBA_OPT": "3", "NUMBA_CACHE_DIR": str(tmp_path / "numba"),
           "SYMGRAD_FLAGS": f"compiledir={tmp_path / 'sg'}"}
    wide = json.loads(_python(KERNELS, **env))
    narrow_env = {**env, "SYMGRAD_FLAGS": env["SYMGRAD_FLAGS"] + ",numba_wide_vectors=False"}
    narrow = json.loads(_python(KERNELS, **narrow_env))
    assert wide[0] == HOST_HAS_AVX512 and narrow[0] is False
    assert wide[1:] == narrow[1:]
    # and the numbers are numpy's to about an ulp
    xv = np.concatenate([np.linspace(-800, 800, 4099), np.linspace(-3, 3, 20001)])
    got = np.frombuffer(bytes.fromhex(wide[1]), dtype=np.float64)[:xv.size]
    with np.errstate(over="ignore"):
        np.testing.assert_allclose(got, np.exp(xv), rtol=4e-16)
