"""Canonicalize and specialize: products, sums, negation, powers, fills and dimshuffles."""
import numpy as np

import symgrad.tensor as T
from symgrad import pp
from tests.helpers import check_against_numpy
from tests.rewriting.rewrite_helpers import canonical_text, compiled, node_ops

A = np.array([0.5, -1.5, 2.0])
B = np.array([1.25, 3.0, -0.75])


def test_mul_canonizer_flattens_and_puts_the_constant_first():
    x, y = T.dvectors("x", "y")
    expr = (x * 2) * (y * 3)
    assert pp(expr) == "((x * 2) * (y * 3))"
    assert canonical_text([x, y], expr) == "(6.0 * x * y)"
    check_against_numpy([x, y], expr, [A, B], 6 * A * B)


def test_mul_canonizer_combines_constants_in_the_output_dtype():
    x = T.fvector("x")
    expr = x * np.int8(3) * np.float32(0.5)
    f = compiled([x], expr)
    assert pp(f.maker.fgraph.outputs[0]) == "(1.5 * x)"
    assert f.maker.fgraph.outputs[0].dtype == "float32"
    check_against_numpy([x], expr, [A.astype("float32")], 1.5 * A.astype("float32"), rtol=1e-6)


def test_mul_canonizer_cancels_terms():
    x, y = T.dvectors("x", "y")
    expr = (x * y) / x
    assert pp(expr) == "((x * y) / x)"
    assert canonical_text([x, y], expr) == "y"
    check_against_numpy([x, y], expr, [A, B], B)
    z = (x / y) * y * 2
    assert canonical_text([x, y], z) == "(2.0 * x)"
    check_against_numpy([x, y], z, [A, B], 2 * A)


def test_cancelling_a_term_keeps_the_shape():
    m = T.dmatrix("m")
    r = T.drow("r")
    expr = (m * r) / m  # r alone would be a row: the result must stay a matrix
    f = compiled([m, r], expr)
    assert f.maker.fgraph.outputs[0].type == expr.type
    mv = np.arange(1.0, 7.0).reshape(2, 3)
    rv = np.array([[1.0, 2.0, 3.0]])
    check_against_numpy([m, r], expr, [mv, rv], np.broadcast_to(rv, (2, 3)))


def test_division_by_a_constant_becomes_a_multiplication():
    x = T.dvector("x")
    expr = x / 4.0
    assert pp(expr) == "(x / 4.0)"
    assert canonical_text([x], expr) == "(0.25 * x)"
    check_against_numpy([x], expr, [A], A / 4)
    assert canonical_text([x], 3.0 / x) == "(3.0 / x)"
    assert canonical_text([x], 1.0 / x) == "reciprocal(x)"
    check_against_numpy([x], 1.0 / x, [A], 1 / A)
    check_against_numpy([x], 3.0 / x, [A], 3 / A)


def test_reciprocal_in_a_product():
    x, y = T.dvectors("x", "y")
    expr = x * T.reciprocal(y) * 2.0
    assert pp(expr) == "((x * reciprocal(y)) * 2.0)"
    assert canonical_text([x, y], expr) == "((2.0 * x) / y)"
    check_against_numpy([x, y], expr, [A, B], 2 * A / B)


def test_integer_products_are_left_alone():
    i = T.ivector("i")
    expr = (i * 2) * 3
    assert canonical_text([i], expr) == "((i * 2) * 3)"
    check_against_numpy([i], expr, [np.array([1, 2], dtype="int32")], [6, 12])


def test_add_canonizer_flattens_and_folds_constants():
    x, y = T.dvectors("x", "y")
    expr = (x + 1.0) + (y + 2.0) - 0.5
    assert pp(expr) == "(((x + 1.0) + (y + 2.0)) - 0.5)"
    assert canonical_text([x, y], expr) == "(2.5 + x + y)"
    check_against_numpy([x, y], expr, [A, B], A + B + 2.5)


def test_add_canonizer_cancels_and_combines_scaled_terms():
    x, y = T.dvectors("x", "y")
    expr = x * 2 + y - x + x * 3
    assert pp(expr) == "((((x * 2) + y) - x) + (x * 3))"
    assert canonical_text([x, y], expr) == "((4.0 * x) + y)"
    check_against_numpy([x, y], expr, [A, B], 4 * A + B)
    gone = (x + y) - x
    assert canonical_text([x, y], gone) == "y"
    check_against_numpy([x, y], gone, [A, B], B)


def test_sub_and_neg_normal_forms():
    x, y = T.dvectors("x", "y")
    expr = -x - (-y)
    assert pp(expr) == "(-x - -y)"
    f = compiled([x, y], expr)
    assert pp(f.maker.fgraph.outputs[0]) == "(y - x)"
    check_against_numpy([x, y], expr, [A, B], B - A)
    assert canonical_text([x], T.neg(T.neg(x))) == "x"
    assert canonical_text([x], -x) == "-x"
    assert canonical_text([x, y], x - y) == "(x - y)"
    assert canonical_text([x, y], x - 2 * y) == "(x - (2.0 * y))"
    check_against_numpy([x, y], x - 2 * y, [A, B], A - 2 * B)


def test_all_terms_cancelling_gives_zeros_of_the_right_shape():
    m = T.dmatrix("m")
    expr = m - m
    f = compiled([m], expr)
    assert f.maker.fgraph.outputs[0].type == expr.type
    check_against_numpy([m], expr, [np.ones((2, 3))], np.zeros((2, 3)))


def test_pow_canonicalize():
    x = T.dvector("x")
    assert pp(x ** 1) == "(x ** 1)" and pp(x ** 0) == "(x ** 0)"
    assert canonical_text([x], x ** 1) == "x"
    assert pp(compiled([x], x ** 0).maker.fgraph.outputs[0]) == "fill(x, 1.0)"
    check_against_numpy([x], x ** 0, [A], np.ones(3))


def test_pow_specialize_only_in_fast_run():
    x = T.dvector("x")
    assert canonical_text([x], x ** 2, "fast_compile") == "(x ** 2)"
    cases = {2: "sqr(x)", 0.5: "sqrt(x)", -1: "reciprocal(x)", -2: "reciprocal(sqr(x))",
             -0.5: "reciprocal(sqrt(x))"}
    pos = np.abs(A) + 0.5
    for p, text in cases.items():
        assert canonical_text([x], x ** p) == text
        check_against_numpy([x], x ** p, [pos], pos ** p)
    assert canonical_text([x], x ** 3) == "(x ** 3)"


def test_pow_of_integers_keeps_integer_dtype():
    i = T.ivector("i")
    expr = i ** 2
    f = compiled([i], expr)
    assert pp(f.maker.fgraph.outputs[0]) == "sqr(i)"
    assert f.maker.fgraph.outputs[0].dtype == "int32"
    check_against_numpy([i], expr, [np.array([3, -4], dtype="int32")], [9, 16])


def test_x_times_x_becomes_sqr():
    x = T.dvector("x")
    assert pp(x * x) == "(x * x)"
    assert canonical_text([x], x * x) == "sqr(x)"
    check_against_numpy([x], x * x, [A], A * A)


def test_fill_sinks_and_disappears():
    m = T.dmatrix("m")
    s = T.dscalar("s")
    expr = T.fill(m, s) * T.exp(m)
    assert pp(expr) == "(fill(m, s) * exp(m))"
    f = compiled([m, s], expr)
    assert "second" not in " ".join(node_ops(f)) and "fill" not in pp(f.maker.fgraph.outputs[0])
    mv = np.arange(6.0).reshape(2, 3)
    check_against_numpy([m, s], expr, [mv, np.float64(2.0)], 2.0 * np.exp(mv))


def test_sum_gradient_seed_disappears():
    m = T.dmatrix("m")
    g = T.grad(T.sum(m * 3.0), m)
    assert "Sum" in pp(g)
    f = compiled([m], g)
    assert all("Sum" not in op for op in node_ops(f))
    check_against_numpy([m], g, [np.zeros((2, 2))], np.full((2, 2), 3.0))


def test_dimshuffle_lift_moves_layout_to_the_inputs():
    m = T.dmatrix("m")
    expr = T.exp(m + 1.0).T
    f = compiled([m], expr, "fast_compile")
    assert node_ops(f)[-1] == "DimShuffle{1,0}"
    f = compiled([m], expr)
    ops = node_ops(f)
    assert ops[0] == "DimShuffle{1,0}" and len(ops) == 2, ops
    mv = np.arange(6.0).reshape(2, 3)
    check_against_numpy([m], expr, [mv], np.exp(mv + 1).T)


def test_dimshuffle_of_dimshuffle_merges_into_one():
    v = T.dvector("v")
    expr = v.dimshuffle(0, "x").dimshuffle(0, 1, "x")
    f = compiled([v], expr)
    assert node_ops(f) == ["DimShuffle{0,x,x}"]
    check_against_numpy([v], expr, [A], A[:, None, None])


def test_scale_moves_out_of_a_sum():
    m = T.dmatrix("m")
    s = T.dscalar("s")
    expr = T.sum(m * s * 3.0, axis=1)
    assert pp(expr) == "Sum{axis=[1], acc_dtype=float64}(((m * s) * 3.0))"
    assert canonical_text([m, s], expr) == "(3.0 * s * Sum{axis=[1], acc_dtype=float64}(m))"
    mv = np.arange(6.0).reshape(2, 3)
    check_against_numpy([m, s], expr, [mv, np.float64(0.5)], (mv * 1.5).sum(axis=1))
    whole = T.sum(-m)
    assert canonical_text([m], whole) == "-Sum{axis=[0, 1], acc_dtype=float64}(m)"
    check_against_numpy([m], whole, [mv], -mv.sum())
