"""A short differential fuzz run (numba vs the Python VM, and vs JAX when installed); the long
run is `make fuzz N=10000`."""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings

import symgrad.tensor as T
from tests.fuzz import checks
from tests.fuzz.programs import Input, Node, Program, lay_out, programs
from tests.helpers import check_against_numpy


@settings(max_examples=20, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs(max_depth=4))
def test_backends_agree_on_random_programs(program):
    problem = checks.mismatch(program)
    assert problem is None, f"{problem}\n{checks.shrink(program).source()}"


def _program() -> Program:
    x = Input("x0", (2, 3), "float64", "strided", False)
    leaf = Node("input", (2, 3), "float64", "x0", [], [x])
    inner = Node("unary", (2, 3), "float64", "T.exp(x0)", [leaf], [x])
    return Program(Node("unary", (2, 3), "float64", "T.tanh(T.exp(x0))", [inner], [x]), 3)


def test_a_backend_difference_is_found_and_shrunk(monkeypatch):
    real = checks.run_symgrad

    def off_by_a_bit(program, linker):
        got = real(program, linker)
        if linker != "py" and "T.exp(" in program.root.src:
            got[0] = got[0] + 1e-3
        return got

    monkeypatch.setattr(checks, "LINKERS", ["py", "numba"])
    monkeypatch.setattr(checks, "run_symgrad", off_by_a_bit)
    program = _program()
    assert "py vs numba: value" in checks.mismatch(program)
    small = checks.shrink(program)
    assert small.root.src == "T.exp(x0)"
    assert "out = T.sum(T.exp(x0))" in small.source()


def test_layouts_keep_values():
    v = np.arange(6.0).reshape(2, 3)
    for layout in ("c", "f", "strided", "reversed"):
        got = lay_out(v, layout)
        np.testing.assert_array_equal(got, v)
    assert lay_out(v, "reversed").strides[0] < 0
    assert not lay_out(v, "strided").flags.c_contiguous


def test_new_axis_on_a_0d_tensor_on_numba():
    # found by the fuzzer: numba indexed the scalar a 0-d input becomes in the jitted graph
    for dtype in ("float32", "int64"):
        x = T.tensor(dtype, shape=(), name="x")
        check_against_numpy([x], [x[None], x[None, None] * 2], [np.asarray(3, dtype)],
                            [np.full((1,), 3, dtype), np.full((1, 1), 6, dtype)])


def test_gradient_of_a_new_axis_on_a_0d_tensor():
    # found by the fuzzer: the gradient of x[None] (an IncSubtensor into a 0-d tensor) did not
    # compile on numba, where a 0-d value is a number
    for dtype in ("float32", "float64"):
        x = T.tensor(dtype, shape=(), name="x")
        y = T.tensor(dtype, shape=(1,), name="y")
        cost = T.sum(x[None] * y) + T.sum(x[None, None] * 3)
        check_against_numpy([x, y], [T.grad(cost, x), T.set_subtensor(x[None], y)],
                            [np.asarray(2, dtype), np.asarray([5], dtype)],
                            [np.asarray(8, dtype), np.asarray(5, dtype)])
