"""Parallel kernels (symgrad/link/numba/threads.py): the same results as the serial code and the
Python VM, and config.num_threads decides which code a graph gets.

The suite runs with num_threads=1 (tests/conftest.py); the tests here turn threads on. The
comparisons need numba to have at least two threads and LLVM's production level (-O3, where
loops vectorise): where this process has neither, one test reruns them in a subprocess that has.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys

import numba
import numpy as np
import pytest

import symgrad.tensor as T
from symgrad import config, function
from symgrad.compile.mode import Mode
from symgrad.link.numba.linker import GraphSource
from symgrad.link.numba.threads import PARALLEL_MIN_SIZE, elemwise_min_size, thread_count
from symgrad.tensor.elemwise import Elemwise

CAN_COMPARE = numba.config.NUMBA_NUM_THREADS >= 2 and os.environ.get("NUMBA_OPT") == "3"
needs_threads = pytest.mark.skipif(not CAN_COMPARE, reason="rerun in a subprocess with threads")
NUMBA = Mode("numba", "fast_run")


def _graph():
    """Elementwise kernels in every loop form: contiguous 2-d, transposed, broadcast row, 1-d,
    and a guarded fast exp whose NaN inputs must take the exact path."""
    x, y = T.dmatrix("x"), T.dmatrix("y")
    row, v = T.drow("row"), T.dvector("v")
    outs = [T.exp(-x) * y + T.sin(x),
            T.tanh(x.T) * 3.0 - y.T,
            x * row + T.log1p(T.abs(row)),
            T.exp(v) / (1.0 + v * v),
            1.0 / (1.0 + T.exp(-y))]
    return [x, y, row, v], outs


def _values(rows: int, cols: int):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((rows, cols))
    y = rng.standard_normal((rows, cols)) * 30  # exp's fast range ends at |x| ~ 700
    y[0, :5] = [np.nan, np.inf, -np.inf, 800.0, -800.0]
    return [x, y, rng.standard_normal((1, cols)), rng.standard_normal(rows * cols)]


def _run(threads: int, values, mode=NUMBA):
    inputs, outs = _graph()
    with config.change_flags(num_threads=threads):
        f = function(inputs, outs, mode=mode)
    return f(*values), f


@needs_threads
# above every kernel's threshold (threads.elemwise_min_size) and below all of them
@pytest.mark.parametrize("shape", [(700, 800), (7, 9)])
def test_parallel_elemwise_is_bit_identical_to_serial_and_matches_the_vm(shape):
    values = _values(*shape)
    serial, _ = _run(1, values)
    parallel, f = _run(2, values)
    vm, _ = _run(1, values, Mode("py", "fast_run"))
    assert "prange" in f.maker.runner.source
    for k, (s, p, r) in enumerate(zip(serial, parallel, vm)):
        np.testing.assert_array_equal(p, s, err_msg=f"output {k}: parallel != serial")
        # numba and numpy differ by rounding where terms cancel: an absolute bound there
        np.testing.assert_allclose(p, r, rtol=1e-12, atol=1e-12, err_msg=f"output {k}")


@needs_threads
def test_parallel_results_are_fresh_and_calls_from_threads_agree():
    import threading

    values = _values(256, 256)
    expected, f = _run(2, values)
    first = f(*values)
    second = f(*values)
    assert all(a is not b for a, b in zip(first, second))
    results = [None] * 4

    def call(k):
        results[k] = f(*values)

    threads = [threading.Thread(target=call, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got in results + [first, second]:
        for a, b in zip(got, expected):
            np.testing.assert_array_equal(a, b)


@needs_threads
def test_parallel_reductions_to_one_number_match_serial():
    x = T.dmatrix("x")
    v = np.random.default_rng(3).standard_normal((300, 500))
    v[5, 7] = 40.0
    outs = [T.sum(x), T.max(x), T.min(x), T.prod(1.0 + x / 1000.0), T.sum(x, axis=1)]
    results = {}
    for threads in (1, 2):
        with config.change_flags(num_threads=threads):
            f = function([x], outs, mode=NUMBA)
        results[threads] = f(v)
    assert "p_careduce_" in f.maker.runner.source
    serial, parallel = results[1], results[2]
    # max, min and the row sums (serial code) are exact; a total adds chunk partials, which
    # only rounds differently (threads.py)
    for k in (1, 2, 4):
        np.testing.assert_array_equal(parallel[k], serial[k])
    scale = np.sum(np.abs(v))
    assert abs(parallel[0] - serial[0]) <= 1e-13 * scale
    assert abs(parallel[0] - np.sum(v)) <= 1e-13 * scale
    np.testing.assert_allclose(parallel[3], np.prod(1.0 + v / 1000.0), rtol=1e-12)


def _source(threads: int, monkeypatch) -> str:
    monkeypatch.setattr(numba.config, "NUMBA_NUM_THREADS", 4)
    inputs, outs = _graph()
    with config.change_flags(num_threads=threads):
        f = function(inputs, outs, mode=Mode("py", "fast_run"))
        return GraphSource(f.maker.fgraph).source


def test_num_threads_one_generates_todays_serial_code(monkeypatch):
    source = _source(1, monkeypatch)
    assert "prange" not in source and "run_parallel" not in source
    assert "parallel=True" not in source


def test_num_threads_decides_the_thread_count_in_the_source(monkeypatch):
    assert "run_parallel(3, graph" in _source(3, monkeypatch)
    assert "run_parallel(4, graph" in _source(0, monkeypatch)  # 0: all of numba's threads
    assert "run_parallel(4, graph" in _source(16, monkeypatch)  # never more than numba starts
    assert re.search(r"\.size >= \d+:", _source(2, monkeypatch))


def _elemwise_node(inputs, out):
    f = function(inputs, out, mode=Mode("py", "fast_run"))
    (node,) = [n for n in f.maker.fgraph.toposort() if isinstance(n.op, Elemwise)]
    return node


def test_light_kernels_need_more_elements_before_they_run_in_parallel():
    h, b = T.fmatrix("h"), T.fvector("b")
    x = T.dmatrix("x")
    g = T.fmatrix("g")
    light = elemwise_min_size(_elemwise_node([h, g], h - np.float32(0.01) * g))
    tanh_bias = elemwise_min_size(_elemwise_node([h, b], T.tanh(h + b)))
    sigmoid_grad = elemwise_min_size(_elemwise_node([x], T.grad(T.sum(1 / (1 + T.exp(-x))), x)))
    assert PARALLEL_MIN_SIZE <= sigmoid_grad < tanh_bias < light
    # an MLP's 256x512 activation and 784x512 weight update stay serial (waking threads
    # between BLAS calls costs more there); a 1000x1000 sigmoid gradient goes parallel
    assert tanh_bias > 256 * 512 and light > 784 * 512 and sigmoid_grad <= 1000 * 1000
    # the generated source carries the node's own threshold
    with config.change_flags(num_threads=2):
        f = function([x], T.grad(T.sum(1 / (1 + T.exp(-x))), x), mode=Mode("py", "fast_run"))
        assert f"size >= {sigmoid_grad}:" in GraphSource(f.maker.fgraph).source


def test_scalar_graphs_never_get_parallel_code(monkeypatch):
    monkeypatch.setattr(numba.config, "NUMBA_NUM_THREADS", 4)
    x = T.dscalar("x")
    with config.change_flags(num_threads=0):
        f = function([x], 2 * x + T.exp(x), mode=Mode("py", "fast_run"))
        assert thread_count() == 4
        assert "prange" not in GraphSource(f.maker.fgraph).source


def test_num_threads_flag_is_read_from_the_environment(monkeypatch):
    from symgrad.config import Config

    monkeypatch.setenv("SYMGRAD_FLAGS", "num_threads=1")
    assert Config().num_threads == 1
    monkeypatch.setenv("SYMGRAD_FLAGS", "num_threads=-2")
    with pytest.raises(ValueError, match="num_threads"):
        Config()


@pytest.mark.skipif(CAN_COMPARE, reason="this process already runs the comparisons")
def test_parallel_comparisons_with_two_threads_at_the_production_level(tmp_path):
    env = dict(os.environ, NUMBA_OPT="3", NUMBA_NUM_THREADS="2",
               SYMGRAD_FLAGS=f"compiledir={tmp_path}")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-p", "no:cacheprovider",
         __file__, "-k", "parallel_"], env=env, capture_output=True, text=True, timeout=900,
        check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    passed = re.search(r"(\d+) passed", done.stdout)
    assert passed and int(passed.group(1)) >= 4, done.stdout[-2000:]


@pytest.mark.parametrize("given, expected", [(None, "0"), ("300000", "300000")])
def test_openmp_threads_sleep_between_loops_unless_the_user_says_otherwise(given, expected):
    # spinning OpenMP threads starved BLAS's threads: an MLP step was 4x slower on two cores
    env = {k: v for k, v in os.environ.items() if k not in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
    if given is not None:
        env["GOMP_SPINCOUNT"] = given
    code = "import os, symgrad.link.numba.threads; print(os.environ['GOMP_SPINCOUNT'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == expected
