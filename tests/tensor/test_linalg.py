"""nlinalg and slinalg ops against numpy/scipy, with gradients by finite differences."""
import numpy as np
import pytest
import scipy.linalg

import symgrad.tensor as T
from symgrad import function, grad
from symgrad.errors import NullGradientError
from symgrad.gradient import Rop, verify_grad
from symgrad.tensor import nlinalg, slinalg
from tests.helpers import check_against_numpy


def well_conditioned(rng, n):
    return rng.normal(size=(n, n)) + n * np.eye(n)


def spd(rng, n):
    m = rng.normal(size=(n, n))
    return m @ m.T + n * np.eye(n)


def with_fixed_phases(v):
    """numpy's eigenvectors scaled so that each one's largest entry is real and positive."""
    v = np.array(v)
    for j in range(v.shape[1]):
        k = np.argmax(np.abs(v[:, j]))
        v[:, j] *= np.abs(v[k, j]) / v[k, j]
    return v


def jacobian_vector(f, xs, vs, eps=1e-6):
    hi = f(*[x + eps * v for x, v in zip(xs, vs)])
    lo = f(*[x - eps * v for x, v in zip(xs, vs)])
    return (hi - lo) / (2 * eps)


# --- values -------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 5])
def test_inverse_det_trace(n, rng):
    x = T.dmatrix("x")
    xv = well_conditioned(rng, n)
    check_against_numpy([x], nlinalg.matrix_inverse(x), [xv], np.linalg.inv(xv), rtol=1e-6)
    check_against_numpy([x], nlinalg.det(x), [xv], np.linalg.det(xv), rtol=1e-6)
    check_against_numpy([x], nlinalg.trace(x), [xv], np.trace(xv))


def test_trace_of_rectangular_and_integer_matrices(rng):
    x, i = T.dmatrix("x"), T.lmatrix("i")
    xv = rng.normal(size=(2, 4))
    check_against_numpy([x], nlinalg.trace(x), [xv], np.trace(xv))
    iv = np.arange(9).reshape(3, 3)
    check_against_numpy([i], nlinalg.trace(i), [iv], np.int64(12))


def test_float32_stays_float32(rng):
    x = T.fmatrix("x")
    xv = well_conditioned(rng, 3).astype("float32")
    check_against_numpy([x], nlinalg.matrix_inverse(x), [xv], np.linalg.inv(xv), rtol=1e-5)
    check_against_numpy([x], slinalg.cholesky(x @ x.T), [xv],
                        np.linalg.cholesky(xv @ xv.T), rtol=1e-4)


@pytest.mark.parametrize("n", [1, 4])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh(n, uplo, rng):
    x = T.dmatrix("x")
    xv = rng.normal(size=(n, n))  # eigh reads one triangle only, so any matrix will do
    w, v = np.linalg.eigh(xv, uplo)
    v = with_fixed_phases(v)
    out_w, out_v = nlinalg.eigh(x, uplo)
    check_against_numpy([x], out_w, [xv], w, rtol=1e-10)
    check_against_numpy([x], out_v, [xv], v, rtol=1e-10)


@pytest.mark.parametrize("shape", [(1, 1), (4, 3), (3, 4)])
@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr(shape, mode, rng):
    x = T.dmatrix("x")
    xv = rng.normal(size=shape)
    expected = np.linalg.qr(xv, mode)
    outs = nlinalg.qr(x, mode)
    if mode == "r":
        check_against_numpy([x], outs, [xv], expected)
    else:
        for out, exp in zip(outs, expected):
            check_against_numpy([x], out, [xv], exp)


@pytest.mark.parametrize("shape", [(1, 1), (4, 3), (3, 5)])
@pytest.mark.parametrize("full", [True, False])
def test_svd(shape, full, rng):
    x = T.dmatrix("x")
    xv = rng.normal(size=shape)
    for out, exp in zip(nlinalg.svd(x, full), np.linalg.svd(xv, full)):
        check_against_numpy([x], out, [xv], exp, rtol=1e-10, atol=1e-12)
    check_against_numpy([x], nlinalg.svd(x, compute_uv=False), [xv],
                        np.linalg.svd(xv, compute_uv=False))


def test_eigenvectors_have_a_positive_largest_entry(rng):
    x = T.dmatrix("x")
    vectors = function([x], nlinalg.eigh(x)[1])(rng.normal(size=(5, 5)))
    largest = vectors[np.argmax(np.abs(vectors), axis=0), np.arange(5)]
    assert (largest > 0).all()


def test_eig_and_eigvalsh(rng):
    x = T.dmatrix("x")
    xv = spd(rng, 4)
    w, v = np.linalg.eig(xv)
    v = with_fixed_phases(v.astype(complex))
    out_w, out_v = nlinalg.eig(x)
    check_against_numpy([x], out_w, [xv], w)
    check_against_numpy([x], out_v, [xv], v)
    check_against_numpy([x], slinalg.eigvalsh(x), [xv], np.linalg.eigvalsh(xv))
    b = T.dmatrix("b")
    bv = spd(rng, 4)
    check_against_numpy([x, b], slinalg.eigvalsh(x, b), [xv, bv],
                        scipy.linalg.eigh(xv, bv, eigvals_only=True))


@pytest.mark.parametrize("ord", [None, 2, 1, 3, 0.5, np.inf, -np.inf, 0])
def test_vector_norms(ord, rng):
    x = T.dvector("x")
    xv = rng.normal(size=5)
    check_against_numpy([x], nlinalg.norm(x, ord), [xv], np.linalg.norm(xv, ord))


@pytest.mark.parametrize("ord", [None, "fro", 1, -1, np.inf, -np.inf, 2, -2, "nuc"])
def test_matrix_norms(ord, rng):
    x = T.dmatrix("x")
    xv = rng.normal(size=(3, 4))
    check_against_numpy([x], nlinalg.norm(x, ord), [xv], np.linalg.norm(xv, ord))


def test_norm_rejects_bad_orders():
    with pytest.raises(ValueError, match="invalid norm order"):
        nlinalg.norm(T.dmatrix("x"), 3)
    with pytest.raises(TypeError, match="vector or a matrix"):
        nlinalg.norm(T.dtensor3("x"))


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("n", [1, 4])
def test_cholesky(lower, n, rng):
    x = T.dmatrix("x")
    xv = spd(rng, n)
    check_against_numpy([x], slinalg.cholesky(x, lower), [xv],
                        scipy.linalg.cholesky(xv, lower=lower))


def test_cholesky_of_a_non_positive_matrix_says_so():
    x = T.dmatrix("x")
    with pytest.raises(Exception, match="not positive definite"):
        function([x], slinalg.cholesky(x))(-np.eye(2))


SOLVE_CASES = [("gen", False), ("sym", False), ("sym", True), ("pos", True),
               ("lower_triangular", True), ("upper_triangular", False)]


def matrix_for(assume_a, rng, n):
    if assume_a == "pos":
        return spd(rng, n)
    return well_conditioned(rng, n)


@pytest.mark.parametrize("assume_a,lower", SOLVE_CASES)
@pytest.mark.parametrize("b_shape", [(4,), (4, 2), (4, 1)])
def test_solve(assume_a, lower, b_shape, rng):
    a, b = T.dmatrix("a"), T.tensor("float64", ndim=len(b_shape))
    av, bv = matrix_for(assume_a, rng, 4), rng.normal(size=b_shape)
    if assume_a.endswith("triangular"):
        expected = scipy.linalg.solve_triangular(av, bv, lower=lower)
    else:
        expected = scipy.linalg.solve(av, bv, assume_a=assume_a, lower=lower)
    check_against_numpy([a, b], slinalg.solve(a, b, assume_a, lower), [av, bv], expected,
                        rtol=1e-9)


def test_solve_helpers_and_errors(rng):
    a, b = T.dmatrix("a"), T.dvector("b")
    av, bv = well_conditioned(rng, 3), rng.normal(size=3)
    check_against_numpy([a, b], slinalg.solve_lower_triangular(a, b), [av, bv],
                        scipy.linalg.solve_triangular(av, bv, lower=True))
    check_against_numpy([a, b], slinalg.solve_upper_triangular(a, b), [av, bv],
                        scipy.linalg.solve_triangular(av, bv))
    assert slinalg.Solve("general") == slinalg.Solve("gen")
    with pytest.raises(ValueError, match="assume_a must be one of"):
        slinalg.Solve("banded")
    with pytest.raises(Exception, match="a has 3 rows but b has 2"):
        function([a, b], slinalg.solve(a, b))(av, bv[:2])
    with pytest.raises(Exception, match="square matrix"):
        function([a], nlinalg.det(a))(np.ones((2, 3)))
    with pytest.raises(TypeError, match="needs a matrix"):
        nlinalg.matrix_inverse(T.dvector("v"))


# --- gradients ----------------------------------------------------------------------------
def test_inverse_det_trace_gradients(rng):
    xv = well_conditioned(rng, 3)
    verify_grad(nlinalg.matrix_inverse, [xv], rng=rng)
    verify_grad(nlinalg.det, [xv], rng=rng)
    verify_grad(nlinalg.trace, [rng.normal(size=(2, 3))], rng=rng)
    verify_grad(lambda x: grad(nlinalg.det(x), x), [xv], rng=rng)


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_gradient(uplo, rng):
    xv = rng.normal(size=(4, 4))
    verify_grad(lambda x: nlinalg.eigh(x, uplo)[0], [xv], rng=rng)
    # eigenvectors are defined up to sign: a sign-invariant function of them
    verify_grad(lambda x: nlinalg.eigh(x, uplo)[1] ** 2, [xv], rng=rng)
    verify_grad(lambda x: (nlinalg.eigh(x, uplo)[0] * nlinalg.eigh(x, uplo)[1] ** 2),
                [xv], rng=rng)


@pytest.mark.parametrize("lower", [True, False])
def test_cholesky_gradient(lower, rng):
    xv = spd(rng, 4) + rng.normal(size=(4, 4)) * 0.1  # only one triangle is read
    verify_grad(lambda x: slinalg.cholesky(x, lower), [xv], rng=rng)
    m = rng.normal(size=(3, 3))
    verify_grad(lambda x: slinalg.cholesky(T.dot(x, x.T) + 3 * np.eye(3), lower), [m], rng=rng)


@pytest.mark.parametrize("assume_a,lower", SOLVE_CASES)
@pytest.mark.parametrize("b_shape", [(3,), (3, 2)])
def test_solve_gradient(assume_a, lower, b_shape, rng):
    av, bv = matrix_for(assume_a, rng, 3), rng.normal(size=b_shape)
    verify_grad(lambda a, b: slinalg.solve(a, b, assume_a, lower), [av, bv], rng=rng)


@pytest.mark.parametrize("assume_a,lower", SOLVE_CASES)
def test_solve_rop(assume_a, lower, rng):
    a, b, va, vb = T.dmatrix("a"), T.dmatrix("b"), T.dmatrix("va"), T.dmatrix("vb")
    out = slinalg.solve(a, b, assume_a, lower)
    av, bv = matrix_for(assume_a, rng, 3), rng.normal(size=(3, 2))
    vav, vbv = rng.normal(size=(3, 3)), rng.normal(size=(3, 2))
    got = function([a, b, va, vb], Rop(out, [a, b], [va, vb]))(av, bv, vav, vbv)
    f = function([a, b], out)
    np.testing.assert_allclose(got, jacobian_vector(f, [av, bv], [vav, vbv]), rtol=1e-5)


@pytest.mark.parametrize("build", ["inv", "det", "trace", "tril"])
def test_rops(build, rng):
    x, v = T.dmatrix("x"), T.dmatrix("v")
    out = {"inv": nlinalg.matrix_inverse, "det": nlinalg.det, "trace": nlinalg.trace,
           "tril": nlinalg.tril}[build](x)
    xv, vv = well_conditioned(rng, 3), rng.normal(size=(3, 3))
    got = function([x, v], Rop(out, x, v), on_unused_input="ignore")(xv, vv)
    f = function([x], out, on_unused_input="ignore")
    np.testing.assert_allclose(got, jacobian_vector(f, [xv], [vv]), rtol=1e-5)


def test_tril_triu(rng):
    x = T.dmatrix("x")
    xv = rng.normal(size=(3, 4))
    for k in (-1, 0, 2):
        check_against_numpy([x], nlinalg.tril(x, k), [xv], np.tril(xv, k))
        check_against_numpy([x], nlinalg.triu(x, k), [xv], np.triu(xv, k))
    verify_grad(lambda m: nlinalg.triu(m, 1), [xv], rng=rng)


@pytest.mark.parametrize("ord", [None, 1, 3, np.inf])
def test_norm_gradients(ord, rng):
    verify_grad(lambda x: nlinalg.norm(x, ord), [rng.normal(size=5)], rng=rng)
    if ord in (None, 1, np.inf):
        verify_grad(lambda x: nlinalg.norm(x, ord), [rng.normal(size=(3, 4))], rng=rng)


@pytest.mark.parametrize("build", [
    lambda x: nlinalg.qr(x)[0], lambda x: nlinalg.qr(x, "r"), lambda x: nlinalg.svd(x)[1],
    lambda x: nlinalg.norm(x, 2), lambda x: nlinalg.eig(x)[0], lambda x: slinalg.eigvalsh(x),
    lambda x: grad(slinalg.cholesky(x).sum(), x), lambda x: grad(nlinalg.eigh(x)[0].sum(), x),
])
def test_ops_without_gradient_say_so(build):
    x = T.dmatrix("x")
    out = build(x)
    with pytest.raises(NullGradientError, match="has no gradient"):
        grad(out.sum() if out.type.ndim else out, x)


def test_matrix_dot(rng):
    a, b, c = T.dmatrix("a"), T.dmatrix("b"), T.dmatrix("c")
    av, bv, cv = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    check_against_numpy([a, b, c], nlinalg.matrix_dot(a, b, c), [av, bv, cv], av @ bv @ cv)


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_rop(uplo, rng):
    x, v = T.dmatrix("x"), T.dmatrix("v")
    w_out, v_out = nlinalg.eigh(x, uplo)
    xv, vv = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    got_w, got_v = function([x, v], Rop([w_out, v_out], x, v))(xv, vv)
    f_w, f_v = function([x], w_out), function([x], v_out)
    np.testing.assert_allclose(got_w, jacobian_vector(f_w, [xv], [vv]), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got_v, jacobian_vector(f_v, [xv], [vv]), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("lower", [True, False])
def test_cholesky_rop(lower, rng):
    x, v = T.dmatrix("x"), T.dmatrix("v")
    out = slinalg.cholesky(x, lower)
    xv, vv = spd(rng, 4) + rng.normal(size=(4, 4)) * 0.1, rng.normal(size=(4, 4))
    got = function([x, v], Rop(out, x, v))(xv, vv)
    np.testing.assert_allclose(got, jacobian_vector(function([x], out), [xv], [vv]),
                               rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("build", [lambda x: nlinalg.qr(x)[1], lambda x: nlinalg.svd(x)[1],
                                   lambda x: slinalg.eigvalsh(x)])
def test_rop_of_ops_without_gradient_says_so(build):
    x = T.dmatrix("x")
    with pytest.raises(NullGradientError, match="has no gradient"):
        Rop(build(x), x, T.dmatrix("v"))
