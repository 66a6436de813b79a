"""NanGuardMode and DebugMode: stop at the first node that misbehaves, and name it."""
import numpy as np
import pytest

import symgrad.tensor as T
from symgrad import config, function
from symgrad.compile import DebugMode, NanGuardMode
from symgrad.errors import NanGuardError
from symgrad.graph.basic import Apply
from symgrad.graph.op import Op
from symgrad.link import register_linker
from symgrad.link.python import PythonLinker


def test_nan_inf_and_huge_values_name_the_node_and_line():
    x = T.dvector("x")
    logs = T.log(x)  # NaN for negative inputs
    inv = 1 / x  # Inf at zero
    big = T.exp(x)  # huge for large inputs
    mode = NanGuardMode(nan_is_error=True, inf_is_error=True, big_is_error=True)
    for out, value, found, line in [(logs, [1.0, -1.0], "NaN", "logs = T.log(x)"),
                                    (inv, [0.0, 1.0], "Inf", "inv = 1 / x"),
                                    (big, [30.0], "magnitude 1.07e+13", "big = T.exp(x)")]:
        f = function([x], out, mode=mode)
        with pytest.raises(NanGuardError) as info:
            f(np.array(value))
        msg = str(info.value)
        assert found in msg and line in msg and "test_checking_modes.py" in msg
        assert info.value.node in f.maker.fgraph.apply_nodes
    np.testing.assert_allclose(function([x], big, mode=mode)([0.0, 1.0]), np.exp([0.0, 1.0]))


def test_nanguard_flags_and_inputs():
    x = T.dvector("x")
    quiet = NanGuardMode(nan_is_error=False, inf_is_error=False, big_is_error=False)
    out = function([x], T.log(x), mode=quiet)(np.array([-1.0, 0.0]))
    assert np.isnan(out[0]) and np.isneginf(out[1])
    only_nan = function([x], 1 / x, mode=NanGuardMode(True, False, False))
    assert np.isinf(only_nan(np.array([0.0]))[0])
    f = function([x], x * 2, mode="NanGuardMode")
    with pytest.raises(NanGuardError, match="input x holds NaN"):
        f(np.array([np.nan]))
    i = T.lvector("i")
    assert function([i], i * 10 ** 11, mode="NanGuardMode")(np.array([1]))[0] == 10 ** 11


def test_debug_mode_by_name_and_by_config_agrees_with_fast_compile():
    x = T.dvector("x")
    cost = T.sum(T.tanh(x) ** 2)
    out = T.grad(cost, x)
    ref = function([x], out, mode="FAST_COMPILE")(np.linspace(-1, 1, 5))
    f = function([x], out, mode="DebugMode")
    assert isinstance(f.maker.mode, DebugMode)
    np.testing.assert_allclose(f(np.linspace(-1, 1, 5)), ref)
    with config.change_flags(mode="DebugMode"):
        g = function([x], out)
    assert isinstance(g.maker.mode, DebugMode)
    np.testing.assert_allclose(g(np.linspace(-1, 1, 5)), ref)


class _Faulty(Op):
    """Doubles its input, but misbehaves as told."""

    __props__ = ("fault",)

    def __init__(self, fault):
        self.fault = fault

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        (x,) = inputs
        if self.fault == "dtype":
            output_storage[0][0] = (x * 2).astype("float32")
        elif self.fault == "in_place":
            x *= 2
            output_storage[0][0] = x.copy()
        else:
            output_storage[0][0] = x * 2


@pytest.mark.parametrize("fault, expected, kind", [
    ("dtype", "declared float64, computed float32", "InvalidValueError"),
    ("in_place", "changed its input 0 in place", "BadDestroyMap")])
def test_debug_mode_catches_a_node_that_breaks_the_rules(fault, expected, kind):
    from symgrad.compile import debugmode  # Theano's module path and error names

    x = T.dvector("x")
    doubled = _Faulty(fault)(x)  # the faulty node
    f = function([x], doubled + 1, mode="DebugMode")
    with pytest.raises(getattr(debugmode, kind)) as info:
        f(np.ones(3))
    msg = str(info.value)
    assert expected in msg and "doubled = _Faulty(fault)(x)  # the faulty node" in msg
    assert function([x], _Faulty("none")(x), mode="DebugMode")(np.ones(2)).tolist() == [2, 2]


class SkewedLinker:
    """A backend with a bug: every exp it computes is slightly too large."""

    name = "skewed"

    def make_runner(self, fgraph):
        run = PythonLinker().make_runner(fgraph)
        has_exp = any("exp" in str(n.op) for n in fgraph.apply_nodes)
        return (lambda values: [r * 1.001 for r in run(values)]) if has_exp else run


register_linker("skewed_for_tests", SkewedLinker)


def test_debug_mode_compares_the_backend_with_the_vm_node_by_node():
    x = T.dvector("x")
    shifted = x - 1
    grown = T.exp(shifted)  # the node the backend gets wrong
    f = function([x], grown * 3, mode=DebugMode(optimizer="fast_compile",
                                                backend="skewed_for_tests"))
    from symgrad.compile.debugmode import BadThunkOutput

    with pytest.raises(BadThunkOutput) as info:
        f(np.ones(3))
    msg = str(info.value)
    assert "Elemwise{exp,no_inplace}" in msg and "disagrees with the Python VM" in msg
    assert "backend 'skewed_for_tests'" in msg and "grown = T.exp(shifted)" in msg
    ok = function([x], shifted * 3, mode=DebugMode(backend="skewed_for_tests"))
    np.testing.assert_allclose(ok(np.ones(2)), [0.0, 0.0])
