"""dot becomes the BLAS op that runs it (Gemv, Dot22): compiled graphs show BLAS as Theano's do."""
import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile.mode import Mode
from symgrad.gradient import verify_grad
from symgrad.printing import debugprint
from symgrad.tensor.blas import Dot22, Gemv, dot22, gemv_no_inplace
from symgrad.tensor.math import Dot
from tests.helpers import check_against_numpy, modes
from tests.rewriting.rewrite_helpers import compiled, node_ops

RNG = np.random.default_rng(7)
A = RNG.standard_normal((4, 3))
B = RNG.standard_normal((3, 5))
V3 = RNG.standard_normal(3)
V4 = RNG.standard_normal(4)


def _op_types(f) -> list[type]:
    return [type(n.op) for n in f.maker.fgraph.toposort()]


def test_matrix_vector_dot_becomes_gemv_with_beta_zero():
    x, v = T.dmatrix("x"), T.dvector("v")
    expr = T.dot(x, v)
    assert node_ops(compiled([x, v], expr, "fast_compile")) == ["dot"]
    f = compiled([x, v], expr)
    assert node_ops(f) == ["Shape_i{0}", "Alloc", "Gemv{no_inplace}"]
    assert debugprint(f, file="str").splitlines() == [
        "Gemv{no_inplace} [id A] ''   2",
        " |Alloc [id B] ''   1",
        " | |TensorConstant{0.0} [id C]",
        " | |Shape_i{0} [id D] ''   0",
        " |   |x [id E]",
        " |TensorConstant{1.0} [id F]",
        " |x [id E]",
        " |v [id G]",
        " |TensorConstant{0.0} [id C]",
    ]
    check_against_numpy([x, v], expr, [A, V3], A @ V3)


def test_excluding_theanos_blas_tag_keeps_dot():
    x, v = T.dmatrix("x"), T.dvector("v")
    for tag in ("BlasOpt", "local_dot_to_blas"):
        mode = Mode("py", "fast_run").excluding(tag)
        f = theano.function([x, v], T.dot(x, v), mode=mode)
        assert node_ops(f) == ["dot"], tag
        np.testing.assert_allclose(f(A, V3), A @ V3)


def test_vector_matrix_dot_is_a_gemv_of_the_transpose_and_matrices_use_dot22():
    x, m, v = T.dmatrix("x"), T.dmatrix("m"), T.dvector("v")
    f = compiled([x, m, v], [T.dot(v, x.T), T.dot(x, m)])
    ops = node_ops(f)
    assert ops.count("Gemv{no_inplace}") == 1 and ops.count("Dot22") == 1, ops
    assert Dot not in _op_types(f)
    check_against_numpy([x, m, v], [T.dot(V4, x), T.dot(x, m)], [A, B, V4],
                        [V4 @ A, A @ B])


def test_float32_products_keep_their_dtype():
    x, m, v = T.fmatrix("x"), T.fmatrix("m"), T.fvector("v")
    f = compiled([x, m, v], [T.dot(x, v), T.dot(x, m)])
    assert {Gemv, Dot22} <= set(_op_types(f))
    assert [o.type.dtype for o in f.maker.fgraph.outputs] == ["float32", "float32"]
    a, b, c = A.astype("float32"), B.astype("float32"), V3.astype("float32")
    check_against_numpy([x, m, v], [T.dot(x, v), T.dot(x, m)], [a, b, c], [a @ c, a @ b],
                        rtol=1e-5)


@pytest.mark.parametrize("build", [
    lambda: (T.lmatrix("x"), T.lvector("v")),  # integers: no BLAS routine
    lambda: (T.fmatrix("x"), T.dvector("v")),  # mixed dtypes: the product upcasts
    lambda: (T.dvector("x"), T.dvector("v")),  # vector . vector stays dot
])
def test_products_blas_cannot_take_stay_dot(build):
    x, v = build()
    f = compiled([x, v], T.dot(x, v))
    assert Dot in _op_types(f) and Gemv not in _op_types(f) and Dot22 not in _op_types(f)


def test_logistic_regression_graphs_show_blas():
    """The tutorial's training step: forward x . w and the gradient's x.T . gz are both gemv."""
    x, y = T.dmatrix("x"), T.dvector("y")
    w = theano.shared(RNG.standard_normal(3), name="w")
    b = theano.shared(np.asarray(0.0), name="b")
    p_1 = 1 / (1 + T.exp(-T.dot(x, w) - b))
    xent = -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)
    cost = xent.mean() + 0.01 * (w ** 2).sum()
    gw = T.grad(cost, w)
    for mode in modes():
        train = theano.function([x, y], [p_1 > 0.5, gw], mode=mode)
        names = [str(n.op) for n in train.maker.fgraph.toposort()]
        if mode.optimizer == "fast_run":
            assert names.count("Gemv{no_inplace}") == 2, names
            assert "dot" not in names
        labels = (A @ w.get_value() > 0).astype("float64")
        _, got_gw = train(A, labels)
        p = 1 / (1 + np.exp(-(A @ w.get_value())))
        want = A.T @ ((p - labels) / len(labels)) + 0.02 * w.get_value()
        np.testing.assert_allclose(got_gw, want, rtol=1e-10)


def test_gemv_scales_and_adds_y_in_every_backend():
    y, A_, x = T.dvector("y"), T.dmatrix("A"), T.dvector("x")
    alpha, beta = T.dscalar("alpha"), T.dscalar("beta")
    out = gemv_no_inplace(y, alpha, A_, x, beta)
    assert str(out.owner.op) == "Gemv{no_inplace}"
    assert T.blas.Gemv is Gemv and T.blas.Dot22 is Dot22  # theano.tensor.blas's names
    values = [V4, np.float64(2.0), A, V3, np.float64(-0.5)]
    check_against_numpy([y, alpha, A_, x, beta], out, values, -0.5 * V4 + 2.0 * (A @ V3))
    # beta 0: y is not read, as in BLAS, so NaNs in it do not reach the result
    nan_y = np.full(4, np.nan)
    check_against_numpy([y, alpha, A_, x, beta], out, [nan_y, 2.0, A, V3, np.float64(0.0)],
                        2.0 * (A @ V3))


def test_gemv_checks_alignment():
    y, A_, x = T.dvector("y"), T.dmatrix("A"), T.dvector("x")
    out = gemv_no_inplace(y, T.constant(1.0), A_, x, T.constant(0.0))
    for mode in modes():
        f = theano.function([y, A_, x], out, mode=mode)
        with pytest.raises(Exception, match="not aligned"):
            f(V4, A, V4)
    with pytest.raises(TypeError, match="one float32 or float64 dtype"):
        gemv_no_inplace(y, T.constant(1.0), T.fmatrix("f"), x, T.constant(0.0))
    with pytest.raises(TypeError, match="Dot22 takes"):
        dot22(T.dmatrix(), T.dvector())


def test_gemv_and_dot22_gradients_shapes_and_forward_mode():
    verify_grad(lambda y, a, m, x, b: gemv_no_inplace(y, a, m, x, b).sum(),
                [V4, np.asarray(1.5), A, V3, np.asarray(0.25)], rng=RNG)
    verify_grad(lambda m, n: dot22(m, n).sum(), [A, B], rng=RNG)
    y, A_, x = T.dvector("y"), T.dmatrix("A"), T.dvector("x")
    out = gemv_no_inplace(y, T.constant(2.0), A_, x, T.constant(1.0))
    f = compiled([y, A_, x], out.shape)
    assert "Gemv{no_inplace}" not in node_ops(f)  # the shape is y's, without computing gemv
    np.testing.assert_array_equal(f(V4, A, V3), [4])
    ey, eA, ex = T.dvector("ey"), T.dmatrix("eA"), T.dvector("ex")
    tangent = theano.gradient.Rop(out, [y, A_, x], [ey, eA, ex])
    g = compiled([y, A_, x, ey, eA, ex], tangent)
    e = [RNG.standard_normal(4), RNG.standard_normal((4, 3)), RNG.standard_normal(3)]
    np.testing.assert_allclose(g(V4, A, V3, *e), e[0] + 2.0 * (e[1] @ V3 + A @ e[2]))


@pytest.mark.parametrize("build, alpha, beta", [
    (lambda W, h, b: b + T.dot(W, h), 1.0, 1.0),
    (lambda W, h, b: 0.5 * b - 2.0 * T.dot(W, h), -2.0, 0.5),
    (lambda W, h, b: T.dot(W, h) * 3.0 + b * 0.25, 3.0, 0.25),
    (lambda W, h, b: b - T.dot(W, h), -1.0, 1.0),
])
def test_gemv_takes_in_the_vector_added_to_the_product(build, alpha, beta):
    W, h, b = T.dmatrix("W"), T.dvector("h"), T.dvector("b")
    expr = build(W, h, b)
    f = compiled([W, h, b], expr)
    (node,) = f.maker.fgraph.toposort()  # one BLAS call, no elementwise pass
    assert str(node.op) == "Gemv{no_inplace}" and node.inputs[0] is f.maker.fgraph.inputs[2]
    assert [float(node.inputs[1].data), float(node.inputs[4].data)] == [alpha, beta]
    check_against_numpy([W, h, b], expr, [A, V3, V4], beta * V4 + alpha * (A @ V3))


def test_a_broadcast_number_or_a_shared_product_is_not_taken_in():
    W, h, s = T.dmatrix("W"), T.dvector("h"), T.dscalar("s")
    f = compiled([W, h, s], T.dot(W, h) + s)  # s is no vector: the add stays
    gemv = [n for n in f.maker.fgraph.toposort() if isinstance(n.op, Gemv)]
    assert len(gemv) == 1 and float(gemv[0].inputs[4].data) == 0.0
    b = T.dvector("b")
    product = T.dot(W, h)
    f = compiled([W, h, b], [product + b, product * 2.0])  # the product is read twice
    gemv = [n for n in f.maker.fgraph.toposort() if isinstance(n.op, Gemv)]
    assert len(gemv) == 1 and float(gemv[0].inputs[4].data) == 0.0
    check_against_numpy([W, h, b], [product + b, product * 2.0], [A, V3, V4],
                        [A @ V3 + V4, 2.0 * (A @ V3)])
