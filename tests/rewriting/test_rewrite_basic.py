"""Merge, constant folding and useless-op removal: graphs before and after, and values."""
import numpy as np

import symgrad.tensor as T
from symgrad import pp
from symgrad.graph.fgraph import FunctionGraph
from symgrad.rewriting.basic import MergeRewriter
from symgrad.tensor.shape import shape_i
from tests.helpers import check_against_numpy
from tests.rewriting.rewrite_helpers import compiled, node_ops, optimized_text


def test_seed_gradient_becomes_two_times_x():
    x = T.dscalar("x")
    gy = T.grad(x ** 2, x)
    assert pp(gy) == "((fill((x ** 2), 1.0) * 2) * (x ** (2 - 1)))"
    for optimizer in ("fast_run", "fast_compile"):
        f = compiled([x], gy, optimizer)
        assert pp(f.maker.env.outputs[0]) == "(2.0 * x)"
        assert len(f.maker.env.apply_nodes) == 1
    check_against_numpy([x], gy, [np.float64(94.2)], 188.4)


def test_merge_equal_subgraphs_and_constants():
    x = T.dvector("x")
    a = T.exp(x) + T.constant(2.0)
    b = T.exp(x) * T.constant(2.0)
    fg = FunctionGraph([x], [a, b])
    assert len(fg.apply_nodes) == 6  # two exp, two DimShuffles of 2.0, add, mul
    MergeRewriter().apply(fg)
    assert len(fg.apply_nodes) == 4
    exps = {n for n in fg.apply_nodes if str(n.op) == "Elemwise{exp,no_inplace}"}
    assert len(exps) == 1
    assert pp(fg.outputs) == "(exp(x) + 2.0)\n(exp(x) * 2.0)"
    check_against_numpy([x], a * b, [np.array([0.5, -1.0])],
                        (np.exp([0.5, -1.0]) + 2) * np.exp([0.5, -1.0]) * 2)


def test_merge_keeps_different_ops_apart():
    x = T.dvector("x")
    fg = FunctionGraph([x], [T.exp(x), T.log(x), T.sum(x, 0), T.max(x, 0)])
    MergeRewriter().apply(fg)
    assert len(fg.apply_nodes) == 4


def test_constant_folding():
    x = T.dscalar("x")
    y = x + (T.constant(2.0) * T.constant(3.0) - T.exp(T.constant(0.0)))
    assert pp(y) == "(x + ((2.0 * 3.0) - exp(0.0)))"
    assert optimized_text([x], y, "fast_compile") == "(x + 5.0)"
    check_against_numpy([x], y, [np.float64(1.5)], 6.5)


def test_constant_folding_keeps_the_output_type():
    v = T.constant(np.array([1.0, 2.0]))
    y = T.exp(v) * 2
    f = compiled([], y)
    assert f.maker.fgraph.apply_nodes == set()
    out = f()
    assert out.dtype == np.float64 and out.shape == (2,)
    np.testing.assert_allclose(out, np.exp([1.0, 2.0]) * 2)
    out[0] = 7.0  # a constant output is copied, so the next call is unchanged
    np.testing.assert_allclose(f(), np.exp([1.0, 2.0]) * 2)


def test_useless_fill():
    x = T.dscalar("x")
    y = T.fill(x ** 2, 1.0) * x
    assert pp(y) == "(fill((x ** 2), 1.0) * x)"
    assert optimized_text([x], y, "fast_compile") == "x"
    assert optimized_text([x], y) == "x"
    check_against_numpy([x], y, [np.float64(3.0)], 3.0)


def test_fill_of_another_shape_is_kept():
    m = T.dmatrix("m")
    y = T.fill(m, 1.0)
    assert optimized_text([m], y, "fast_compile") == "fill(m, 1.0)"
    check_against_numpy([m], y, [np.zeros((2, 3))], np.ones((2, 3)))


def test_useless_cast_and_identity():
    x = T.dvector("x")
    y = T.exp(T.cast(x, "float64")) + T.tensor_copy(x)
    assert pp(y) == "(exp(x) + identity(x))"
    assert optimized_text([x], y, "fast_compile") == "(exp(x) + x)"
    i = T.ivector("i")
    kept = T.cast(i, "float64")
    assert optimized_text([i], kept, "fast_compile") == "convert_to_float64(i)"
    check_against_numpy([x], y, [np.array([0.0, 1.0])], np.exp([0.0, 1.0]) + [0.0, 1.0])


def test_useless_dimshuffle_and_merged_dimshuffles():
    m = T.dmatrix("m")
    y = m.dimshuffle(1, 0).dimshuffle(1, 0)
    assert pp(y) == "m.T.T"
    f = compiled([m], y, "fast_compile")
    assert node_ops(f) == [] and f.maker.fgraph.outputs[0] is f.maker.fgraph.inputs[0]
    z = m.dimshuffle(1, 0, "x").dimshuffle(1, 0, 2)
    f = compiled([m], z, "fast_compile")
    assert node_ops(f) == ["DimShuffle{0,1,x}"]
    value = np.arange(6.0).reshape(2, 3)
    check_against_numpy([m], z, [value], value[:, :, None])
    check_against_numpy([m], y, [value], value)


def test_neutral_elements():
    x = T.dvector("x")
    for expr in (x * 1.0, 1.0 * x, x + 0.0, 0.0 + x, x - 0.0, x / 1.0, x ** 1):
        assert optimized_text([x], expr, "fast_compile") == "x", pp(expr)
        check_against_numpy([x], expr, [np.array([2.0, -3.0])], [2.0, -3.0])


def test_neutral_element_that_changes_the_type_is_kept():
    x = T.bvector("x")
    y = x * np.float64(1.0)  # the 1.0 makes the result float64: it is not neutral here
    assert y.dtype == "float64"
    assert optimized_text([x], y, "fast_compile") == "(x * 1.0)"
    check_against_numpy([x], y, [np.array([2, -3], dtype="int8")], [2.0, -3.0])


def test_useless_alloc():
    m = T.dmatrix("m")
    z = T.alloc(m, shape_i(m, 0), shape_i(m, 1))
    assert pp(z) == "Alloc(m, Shape_i{0}(m), Shape_i{1}(m))"
    assert optimized_text([m], z) == "m"
    value = np.arange(6.0).reshape(2, 3)
    check_against_numpy([m], z, [value], value)


def test_alloc_to_another_shape_is_kept():
    m = T.dmatrix("m")
    r = T.drow("r")
    w = T.alloc(r, shape_i(m, 0), shape_i(m, 1))
    assert optimized_text([r, m], w) == "Alloc(r, Shape_i{0}(m), Shape_i{1}(m))"
    check_against_numpy([r, m], w, [np.array([[1.0, 2.0, 3.0]]), np.zeros((2, 3))],
                        np.array([[1.0, 2.0, 3.0]] * 2))


def test_constant_folding_sees_through_broadcasting():
    v = T.dvector("v")
    expr = v ** (T.constant(2) - T.constant(1))  # the exponent is broadcast before it is folded
    assert pp(expr) == "(v ** (2 - 1))"
    assert optimized_text([v], expr, "fast_compile") == "v"
    check_against_numpy([v], expr, [np.array([1.5, -2.0])], [1.5, -2.0])
    w = T.dvector("w")
    update = w - 0.1 * T.grad(0.01 * T.sum(w ** 2), w)
    assert optimized_text([w], update) == "(0.998 * w)"
    check_against_numpy([w], update, [np.array([1.0, -2.0])], [0.998, -1.996])


def test_shape_of_a_result_comes_from_its_inputs():
    m = T.dmatrix("m")
    y = T.exp(m) + 1.0
    n = shape_i(y, 1)
    assert pp(n) == "Shape_i{1}((exp(m) + 1.0))"
    f = compiled([m], n)
    (node,) = f.maker.fgraph.toposort()
    assert str(node.op) == "Shape_i{1}" and node.inputs == f.maker.fgraph.inputs
    check_against_numpy([m], n, [np.zeros((2, 3))], np.int64(3))


def test_fill_shaped_like_a_result_needs_only_its_shape():
    m = T.dmatrix("m")
    s = T.dscalar("s")
    y = T.fill(T.exp(m), s)
    assert pp(y) == "fill(exp(m), s)"
    f = compiled([m, s], y)
    assert pp(f.maker.fgraph.outputs[0]) == "Alloc(s, Shape_i{0}(m), Shape_i{1}(m))"
    assert "Elemwise{exp,no_inplace}" not in node_ops(f)
    check_against_numpy([m, s], y, [np.zeros((2, 3)), np.float64(4.0)], np.full((2, 3), 4.0))
    assert optimized_text([m, s], T.fill(m, s)) == "fill(m, s)"  # an input's shape is free
