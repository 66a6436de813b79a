"""OpFromGraph: a graph as one op, as Theano's documentation uses it; every backend agrees
with the Python VM, gradients are checked numerically, overrides and shared variables work."""
from __future__ import annotations

import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile import Mode, OpFromGraph
from symgrad.gradient import Rop, verify_grad
from tests.helpers import modes


@pytest.mark.parametrize("mode", modes())
def test_the_documented_example_in_every_backend(mode):
    x, y, z = T.dscalars("xyz")
    e = x + y * z
    op = OpFromGraph([x, y, z], [e])
    e2 = op(x, y, z) + op(z, y, x)  # the op is reused with its inputs swapped
    f = theano.function([x, y, z], [e2, *T.grad(e2, [x, y, z])], mode=mode)
    got = f(2.0, 3.0, 4.0)
    np.testing.assert_allclose(got, [(2 + 12) + (4 + 6), 1 + 3, 4 + 2, 3 + 1])


@pytest.mark.parametrize("mode", modes())
def test_shared_variables_inside_become_inputs_and_take_updates(mode):
    s = theano.shared(np.array([1.0, 2.0]), name="s")
    v = T.dvector("v")
    op = OpFromGraph([v], [v * s])
    f = theano.function([v], op(v), updates=[(s, s + 1)], mode=mode)
    np.testing.assert_array_equal(f(np.ones(2)), [1.0, 2.0])
    np.testing.assert_array_equal(f(np.ones(2)), [2.0, 3.0])  # reads the updated value
    assert s in op.make_node(v).inputs


def test_gradients_and_rop_come_from_the_inner_graph(rng):
    a, b = T.dmatrix("a"), T.dmatrix("b")
    op = OpFromGraph([a, b], [T.tanh(T.dot(a, b)), T.sum(a ** 2)])
    av, bv = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    verify_grad(lambda p, q: op(p, q)[0], [av, bv], rng=rng)
    verify_grad(lambda p, q: op(p, q)[1] + op(p, q)[0].sum(), [av, bv], rng=rng)
    u = T.dmatrix("u")
    forward = theano.function([a, b, u], Rop(op(a, b)[0], a, u), mode=Mode(linker="py"))
    uv = rng.normal(size=(3, 4))
    want = (1 - np.tanh(av @ bv) ** 2) * (uv @ bv)
    np.testing.assert_allclose(forward(av, bv, uv), want, rtol=1e-10)


def test_nested_ops_and_inline(rng):
    x = T.dvector("x")
    inner = OpFromGraph([x], [T.exp(x)])
    outer = OpFromGraph([x], [inner(x) * 2], inline=True)
    f = theano.function([x], outer(x))
    np.testing.assert_allclose(f(np.zeros(3)), [2.0, 2.0, 2.0])
    names = [str(n.op) for n in f.maker.fgraph.toposort()]
    assert not any("inline=True" in n for n in names)  # inlined by the rewriter
    kept = theano.function([x], inner(x) + 1)
    assert any(str(n.op).startswith("OpFromGraph") for n in kept.maker.fgraph.toposort())
    numba = theano.function([x], outer(x) + inner(x), mode=Mode(linker="numba"))
    np.testing.assert_allclose(numba(np.zeros(2)), [3.0, 3.0])
    verify_grad(lambda v: outer(v) * inner(v), [rng.normal(size=3)], rng=rng)


def test_gradient_overrides(rng):
    x = T.dvector("x")
    y = T.dvector("y")
    calls = []

    def half_gradient(inputs, output_grads):
        calls.append(len(inputs))
        return [output_grads[0] * 0.5]

    op = OpFromGraph([x], [x * 3], grad_overrides=half_gradient)
    g = theano.function([x], T.grad(T.sum(op(x)), x), mode=Mode(linker="py"))
    np.testing.assert_allclose(g(np.ones(2)), [0.5, 0.5])
    assert calls == [1]
    lop = OpFromGraph([x, y], [x * y],
                      lop_overrides=lambda ins, outs, gs: [gs[0] * ins[1] * 2, gs[0] * 0])
    gx = theano.function([x, y], T.grad(T.sum(lop(x, y)), x), mode=Mode(linker="py"))
    np.testing.assert_allclose(gx(np.ones(2), np.array([1.0, 3.0])), [2.0, 6.0])
    rop = OpFromGraph([x], [x * 3], rop_overrides=lambda ins, evs: [evs[0] * 10])
    u = T.dvector("u")
    forward = theano.function([x, u], Rop(rop(x), x, u), on_unused_input="ignore")
    np.testing.assert_allclose(forward(np.ones(2), np.ones(2)), [10.0, 10.0])


def test_bad_construction_and_calls_name_the_problem():
    x, y = T.dvector("x"), T.dvector("y")
    with pytest.raises(ValueError, match="not among its inputs"):
        OpFromGraph([x], [x + y])
    with pytest.raises(TypeError, match="input 0"):
        OpFromGraph([x * 2], [x])
    with pytest.raises(TypeError, match="grad_overrides"):
        OpFromGraph([x], [x], grad_overrides=[None])
    op = OpFromGraph([x], [x * 2], name="double")
    with pytest.raises(TypeError, match="double: input 0 must be"):
        op(T.dmatrix("m"))
    with pytest.raises(TypeError, match="takes 1 inputs"):
        op(x, y)
    assert str(op) == "double{inline=False}" and op != OpFromGraph([x], [x * 2])


@pytest.mark.parametrize("mode", [*modes(), Mode("numba", None, "numba-noopt")])
def test_view_and_deep_copy_ops_are_the_identity(mode, rng):
    from symgrad.compile.ops import ViewOp, deep_copy_op, view_op

    x = T.dvector("x")
    f = theano.function([x], [view_op(x) * 2, deep_copy_op(x)], mode=mode)
    xv = rng.normal(size=3)
    doubled, copied = f(xv)
    np.testing.assert_array_equal(doubled, 2 * xv)
    np.testing.assert_array_equal(copied, xv)
    assert copied is not xv
    ops = {type(n.op) for n in f.maker.fgraph.toposort()}
    assert (ViewOp in ops) == (mode.optimizer is None)  # the rewriter drops them
    verify_grad(lambda v: view_op(v) * deep_copy_op(v), [xv], rng=rng)
