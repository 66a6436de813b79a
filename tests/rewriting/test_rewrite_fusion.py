"""Fusion: connected Elemwise nodes become one Elemwise(Composite) node."""
import numpy as np

import symgrad as theano
import symgrad.tensor as T
from symgrad import pp
from symgrad.scalar.composite import Composite
from tests.helpers import check_against_numpy
from tests.rewriting.rewrite_helpers import compiled, node_ops

M = np.array([[0.0, 1.0], [-1.0, -2.0]])


def _composite_nodes(f):
    return [n for n in f.maker.fgraph.apply_nodes
            if isinstance(getattr(n.op, "scalar_op", None), Composite)]


def test_dlogistic_gradient_is_one_fused_node():
    x = T.dmatrix("x")
    s = T.sum(1 / (1 + T.exp(-x)))
    gs = T.grad(s, x)
    dlogistic = theano.function([x], gs)
    fgraph = dlogistic.maker.fgraph
    assert len(fgraph.apply_nodes) == 1
    (node,) = fgraph.apply_nodes
    assert isinstance(node.op.scalar_op, Composite)
    assert node.inputs == fgraph.inputs
    text = theano.debugprint(dlogistic, file="str")
    assert text.splitlines()[0].startswith("Elemwise{Composite{")
    assert " |x [id B]" in text and "Inner graphs:" in text
    np.testing.assert_allclose(dlogistic(M), [[0.25, 0.19661193], [0.19661193, 0.10499359]],
                               atol=1e-8)
    e = np.exp(-M)
    check_against_numpy([x], gs, [M], e / (1 + e) ** 2)


def test_fusion_of_a_chain_with_constants_inlined():
    x, y = T.dvectors("x", "y")
    expr = T.exp(x * 2.0 + y) - T.sin(y)
    f = compiled([x, y], expr)
    assert len(f.maker.fgraph.apply_nodes) == 1
    (node,) = _composite_nodes(f)
    assert set(node.inputs) == set(f.maker.fgraph.inputs)
    a, b = np.array([0.1, 0.2]), np.array([-1.0, 3.0])
    check_against_numpy([x, y], expr, [a, b], np.exp(a * 2 + b) - np.sin(b))


def test_shared_intermediate_used_outside_stays_a_boundary():
    x = T.dvector("x")
    e = T.exp(x)
    f = compiled([x], [T.sin(e) + 1.0, e])
    ops = node_ops(f)
    assert "Elemwise{exp,no_inplace}" in ops and len(ops) == 2, ops
    a = np.array([0.3, -0.4])
    out = f(a)
    np.testing.assert_allclose(out[0], np.sin(np.exp(a)) + 1)
    np.testing.assert_allclose(out[1], np.exp(a))


def test_reductions_are_fusion_boundaries():
    m = T.dmatrix("m")
    expr = T.exp(T.sum(T.sqr(m + 1.0), axis=0)) * 2.0
    f = compiled([m], expr)
    ops = node_ops(f)
    assert len(ops) == 3 and ops[1].startswith("Sum"), ops
    check_against_numpy([m], expr, [M], np.exp(((M + 1) ** 2).sum(axis=0)) * 2)


def test_fused_intermediates_keep_their_dtype():
    b = T.TensorType("bool", (False,))("b")
    sq = T.sqr(b)  # sqr of bool is int8: numpy alone would keep bool, and True + True is True
    expr = sq + sq
    f = compiled([b], expr)
    assert len(_composite_nodes(f)) == 1 and len(f.maker.fgraph.apply_nodes) == 1
    assert f.maker.fgraph.outputs[0].dtype == "int8"
    value = np.array([True, False, True])
    got = f(value)
    assert got.dtype == np.int8 and got.tolist() == [2, 0, 2]
    check_against_numpy([b], expr, [value], np.array([2, 0, 2], dtype="int8"))


def test_fused_node_broadcasts_like_the_graph():
    m = T.dmatrix("m")
    r = T.drow("r")
    expr = T.exp(m) * r + T.log(r + 2.0)
    f = compiled([m, r], expr)
    assert len(f.maker.fgraph.apply_nodes) == 1
    assert f.maker.fgraph.outputs[0].type == expr.type
    rv = np.array([[0.5, 1.5]])
    check_against_numpy([m, r], expr, [M, rv], np.exp(M) * rv + np.log(rv + 2))


def test_composite_prints_its_formula():
    x = T.dvector("x")
    f = compiled([x], T.exp(x) + 1.0)
    assert pp(f.maker.fgraph.outputs[0]) == "Composite{(1.0 + exp(i0))}(x)"
