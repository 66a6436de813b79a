"""IfElse under the numba linker against the Python VM: values, dtypes, shapes, laziness (the
branch not taken never runs), nesting, sharing between branches, aliasing and gradients."""
from __future__ import annotations

import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile.mode import Mode
from symgrad.errors import NodeRuntimeError
from symgrad.ifelse import IfElse, ifelse
from symgrad.link.numba.ifelse import LazyBranch, lazy_layout
from tests.helpers import assert_same_results

NUMBA = Mode("numba", None, "numba-noopt")
NUMBA_OPT = Mode("numba", "fast_run", "numba-fast_run")
PY = Mode("py", None, "py-noopt")


def _compile(inputs, outputs, mode=NUMBA):
    f = theano.function(inputs, outputs, mode=mode, on_unused_input="ignore")
    assert not hasattr(f.maker.runner, "numba_gaps"), f.maker.runner.numba_gaps
    return f


def _agree(f_nb, f_py, values):
    return assert_same_results(f_nb, f_py, values)


def _both(inputs, outputs, value_sets, mode=NUMBA):
    f_nb = _compile(inputs, outputs, mode)
    f_py = theano.function(inputs, outputs, mode=PY, on_unused_input="ignore")
    for values in value_sets:
        _agree(f_nb, f_py, values)
    return f_nb


def test_branches_of_several_outputs_dtypes_and_layouts(rng):
    c, x, k = T.dscalar("c"), T.dmatrix("x"), T.lscalar("k")
    # a transposed view against a fresh array; integers; a number; both conditions
    a, b, s = ifelse(T.gt(c, 0), [x.T, T.arange(k), c * 2], [T.exp(x).T, k * T.arange(3), c])
    outs = [a, b, s, ifelse(c, x[0], x[:, 0][:3])]
    xv = rng.normal(size=(3, 4))
    _both([c, x, k], outs, [[1.5, xv, 4], [-1.0, xv, 2], [0.0, xv[:, ::-1], 0],
                            [0.0, np.zeros((0, 4)), 1]])


def test_the_branch_not_taken_never_runs():
    x, k = T.dvector("x"), T.lscalar("k")
    inside = T.lt(k, x.shape[0])
    # x[k] past the end raises under numba as under numpy; the guard keeps it from running
    guarded = ifelse(inside, x[k] * 2, T.constant(-1.0))
    f = _both([x, k], [guarded], [[np.arange(3.0), 1], [np.arange(3.0), 7]])
    assert "if v" in f.maker.runner.source
    unguarded = theano.function([x, k], x[k] * 2, mode=NUMBA)
    with pytest.raises((NodeRuntimeError, IndexError)):
        unguarded(np.arange(3.0), 7)
    # nested: each level guards the next
    deep = ifelse(T.ge(k, 0), ifelse(inside, x[k], T.constant(-2.0)), T.constant(-3.0))
    _both([x, k], [deep], [[np.arange(3.0), 2], [np.arange(3.0), 9], [np.arange(3.0), -1]])


def test_layout_puts_shared_and_outer_uses_outside_the_branch():
    c, x = T.dscalar("c"), T.dvector("x")
    shared_by_both = T.exp(x)
    only_then = T.sin(shared_by_both)
    used_outside = T.cos(x)
    out = ifelse(c, only_then, shared_by_both + used_outside)
    fgraph = theano.function([c, x], [out, used_outside], mode=PY).maker.fgraph
    from symgrad.link.numba.linker import stable_order

    items = lazy_layout(stable_order(fgraph), fgraph.outputs)
    branches = [i for i in items if isinstance(i, LazyBranch)]
    assert len(branches) == 1
    top_ops = {str(i.op) for i in items if not isinstance(i, LazyBranch)}
    assert any("exp" in o for o in top_ops) and any("cos" in o for o in top_ops)
    assert [str(n.op) for n in branches[0].then_items] == [str(only_then.owner.op)]
    assert len(branches[0].else_items) == 1  # the sum
    _both([c, x], [out, used_outside], [[1.0, np.arange(4.0)], [0.0, np.arange(4.0)]])


def test_select_kernel_when_nothing_can_be_deferred(rng):
    c, x, y = T.bscalar("c"), T.dvector("x"), T.dvector("y")
    out = ifelse(c, x, y)
    f = _both([c, x, y], [out], [[1, rng.normal(size=3), rng.normal(size=3)],
                                 [0, rng.normal(size=3), rng.normal(size=3)]])
    assert "k_ifelse_" in f.maker.runner.source
    # the result is the input's value but not its memory
    xv = np.arange(3.0)
    got = f(1, xv, np.zeros(3))[0]
    got[...] = 9.0
    assert np.array_equal(xv, np.arange(3.0))


def test_lazy_result_does_not_alias_an_input():
    c, x = T.dscalar("c"), T.dvector("x")
    f = _compile([c, x], [ifelse(c, x, x * 2)])
    xv = np.arange(3.0)
    got = f(1.0, xv)[0]
    got[...] = 9.0
    assert np.array_equal(xv, np.arange(3.0))


def test_gradient_through_ifelse_and_rewritten_graph(rng):
    c, x, w = T.dscalar("c"), T.dvector("x"), T.dvector("w")
    y = ifelse(T.gt(c, 0), T.tanh(x * w), (x ** 2) * w)
    cost = y.sum()
    outs = [cost, *T.grad(cost, [x, w])]
    values = [[1.0, rng.normal(size=4), rng.normal(size=4)],
              [-1.0, rng.normal(size=4), rng.normal(size=4)]]
    _both([c, x, w], outs, values)
    _both([c, x, w], outs, values, mode=NUMBA_OPT)


def test_ifelse_inside_a_scan_step():
    x = T.dvector("x")
    out, _ = theano.scan(lambda v: ifelse(T.gt(v, 0), v, -v * 10), sequences=x)
    f = _both([x], [out], [[np.array([1.0, -2.0, 3.0])]])
    assert "k_scan_" in f.maker.runner.source
    assert isinstance(IfElse(1), IfElse)
