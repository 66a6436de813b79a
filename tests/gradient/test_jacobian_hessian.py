"""jacobian and hessian (one batched backward pass), hessian_vector_product, jvp and vjp."""
import os

import numpy as np
import pytest

import symgrad.tensor as T
from symgrad import function
from symgrad.errors import DisconnectedInputError, GradientError
from symgrad.gradient import (
    Lop,
    Rop,
    grad,
    hessian,
    hessian_vector_product,
    jacobian,
    jvp,
    vjp,
)
from symgrad.gradient.batch import NoBatchRuleError, identity_seed, vectorize_over_seed
from symgrad.graph.basic import Apply
from symgrad.graph.op import Op
from symgrad.graph.traversal import graph_inputs, io_toposort
from symgrad.ifelse import ifelse
from symgrad.scan import Scan, scan
from tests.helpers import check_against_numpy

THIS_FILE = os.path.basename(__file__)


def numeric_jacobian(f, x, eps=1e-6):
    """d f(x) / d x by central differences, shape f(x).shape + x.shape."""
    x = np.array(x, dtype="float64")
    out_shape = np.shape(f(x))
    jac = np.zeros(out_shape + x.shape)
    for k in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[k] = eps
        jac[(Ellipsis,) + k] = (np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * eps)
    return jac


VECTOR_FUNCTIONS = {
    "tanh_times_sum": lambda x: T.tanh(x) * T.sum(x ** 2),
    "dot_with_constant": lambda x: T.dot(np.arange(12.0).reshape(4, 3) / 10, T.exp(x)),
    "outer_row_sums": lambda x: T.sum(T.outer(x, T.sin(x)), axis=1),
    "max_and_prod": lambda x: T.maximum(x, 0.1) * T.prod(x),
    "alloc_then_sum": lambda x: T.sum(T.alloc(x, 3, 3), axis=0) * T.mean(x),
    "softplus_of_dimshuffle": lambda x: T.sum(T.softplus(x.dimshuffle(0, "x") * x), axis=0),
    "switch_and_clip": lambda x: T.switch(T.gt(x, 0), T.clip(x, -0.5, 0.5), x ** 3),
    "max_reduction": lambda x: x * T.max(x),
}


@pytest.mark.parametrize("name", sorted(VECTOR_FUNCTIONS))
def test_jacobian_against_finite_differences(name, rng):
    fn = VECTOR_FUNCTIONS[name]
    x = T.dvector("x")
    out = fn(x)
    xv = rng.uniform(0.2, 1.5, size=3) * np.array([1, -1, 1])
    expected = numeric_jacobian(function([x], out), xv)
    check_against_numpy([x], jacobian(out, x), [xv], expected, rtol=1e-5, atol=1e-6)


def test_jacobian_of_a_matrix_wrt_a_matrix_and_a_vector(rng):
    A, x = T.dmatrix("A"), T.dvector("x")
    out = T.tanh(T.dot(A, x)).dimshuffle(0, "x") * A
    Av, xv = rng.normal(size=(2, 3)), rng.normal(size=3)
    jA, jx = jacobian(out, [A, x])
    f = function([A, x], out)
    check_against_numpy([A, x], jA, [Av, xv], numeric_jacobian(lambda a: f(a, xv), Av),
                        rtol=1e-5, atol=1e-7)
    check_against_numpy([A, x], jx, [Av, xv], numeric_jacobian(lambda v: f(Av, v), xv),
                        rtol=1e-5, atol=1e-7)


def test_jacobian_of_dot_with_batched_operands(rng):
    A, B = T.dmatrix("A"), T.dmatrix("B")
    out = T.dot(A, T.dot(B, A.T))  # both operands of the outer dot depend on A
    Av, Bv = rng.normal(size=(2, 3)), rng.normal(size=(3, 3))
    f = function([A, B], out)
    check_against_numpy([A, B], jacobian(out, A), [Av, Bv],
                        numeric_jacobian(lambda a: f(a, Bv), Av), rtol=1e-5, atol=1e-7)


def test_one_compiled_jacobian_serves_every_size():
    """The graph has no per-element structure: the same function works for any length."""
    x = T.dvector("x")
    f = function([x], jacobian(T.exp(x) * T.sum(x), x))
    for n in (1, 3, 7):
        xv = np.linspace(-1, 1, n)
        expected = np.diag(np.exp(xv) * xv.sum()) + np.exp(xv)[:, None]
        np.testing.assert_allclose(f(xv), expected, rtol=1e-12)


def test_jacobian_of_a_scalar_is_the_gradient_and_lists_give_lists():
    x, y = T.dvector("x"), T.dscalar("y")
    gx = jacobian(T.sum(x ** 2) * y, x)
    np.testing.assert_allclose(function([x, y], gx)(np.array([1.0, 2.0]), 3.0), [6.0, 12.0])
    both = jacobian(x * y, [x, y])
    assert isinstance(both, list) and len(both) == 2
    jx, jy = function([x, y], both)(np.array([1.0, 2.0]), 3.0)
    np.testing.assert_array_equal(jx, 3 * np.eye(2))
    np.testing.assert_array_equal(jy, [1.0, 2.0])


def test_jacobian_disconnected_and_zero():
    x, w = T.dvector("x"), T.dvector("w")
    with pytest.raises(DisconnectedInputError, match="w"):
        jacobian(x * 2, w)
    jw = jacobian(x * 2, w, disconnected_inputs="ignore")
    np.testing.assert_array_equal(function([x, w], jw)(np.ones(2), np.ones(3)), np.zeros((2, 3)))
    # connected through an integer path only: a zero Jacobian of the right shape
    jz = jacobian(T.cast(T.cast(x, "int32"), "float64") + 1.0, x)
    np.testing.assert_array_equal(function([x], jz)(np.ones(3)), np.zeros((3, 3)))


def test_jacobian_respects_consider_constant():
    x = T.dvector("x")
    c = T.exp(x)
    j = jacobian(c * x, x, consider_constant=[c])
    xv = np.array([0.5, -1.0])
    np.testing.assert_allclose(function([x], j)(xv), np.diag(np.exp(xv)))


class UnbatchedOp(Op):
    """Doubles its input, with a gradient that uses itself and no batching rule."""

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] * 2

    def L_op(self, inputs, outputs, output_grads):
        return [self(output_grads[0])]


def test_an_op_without_batching_rule_is_named_and_jacobian_falls_back_to_scan():
    x = T.dvector("x")
    out = UnbatchedOp()(x) * x
    seed = T.dvector("seed")
    g = grad(None, x, known_grads={out: seed})
    batched_seed, batch_shape = identity_seed(out, "float64")
    with pytest.raises(NoBatchRuleError, match="UnbatchedOp.*no batching rule") as info:
        vectorize_over_seed([g], seed, batched_seed, batch_shape)
    assert isinstance(info.value, GradientError) and THIS_FILE in str(info.value)
    j = jacobian(out, x)
    assert any(isinstance(n.op, Scan) for n in io_toposort(graph_inputs([j]), [j]))
    xv = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(function([x], j)(xv), np.diag(4 * xv))


def test_jacobian_and_hessian_through_a_scan(rng):
    x = T.dvector("x")
    partial_products, _ = scan(lambda a, p: p * a, sequences=x, outputs_info=T.constant(1.0))
    xv = rng.uniform(0.5, 2.0, size=4)
    f = function([x], partial_products)
    check_against_numpy([x], jacobian(partial_products, x), [xv], numeric_jacobian(f, xv),
                        rtol=1e-6, atol=1e-8)
    g = function([x], grad(partial_products[-1], x))
    check_against_numpy([x], hessian(partial_products[-1], x), [xv], numeric_jacobian(g, xv),
                        rtol=1e-6, atol=1e-8)


INDEXING_FUNCTIONS = {
    "stack_of_entries": (lambda x: T.stack([x[0] * x[1], x[1] ** 2, T.sum(x[1:])]), (3,)),
    "reshape": (lambda a: T.reshape(a, (6,)) * T.sum(a), (2, 3)),
    "flatten_tanh": (lambda a: T.flatten(T.tanh(a)), (2, 3)),
    "concatenate": (lambda x: T.concatenate([x, x[::-1] * 2]), (3,)),
    "array_index": (lambda x: x[np.array([0, 2, 2])] * x[1], (3,)),
    "set_subtensor": (lambda x: T.set_subtensor(x[1:], x[:2] ** 2), (3,)),
    "inc_subtensor": (lambda a: T.inc_subtensor(a[:, 1], a[:, 0] * a[1, 2]), (2, 3)),
    "row_and_column": (lambda a: a[1] * a[:, 0].sum(), (2, 3)),
    "split": (lambda x: T.split(x, [1, 2], 2)[1] * x[0], (3,)),
    "cumsum": (lambda x: T.extra_ops.cumsum(x ** 2), (3,)),
    "cumprod_flattened": (lambda a: T.extra_ops.cumprod(T.exp(a)), (2, 3)),
    "matmul": (lambda a: T.matmul(a, T.tanh(a).T) * 2, (2, 3)),
    "matmul_stack": (lambda b: T.matmul(b, T.sin(b).transpose(0, 2, 1)), (2, 3, 2)),
    "dot_vector_matrix": (lambda x: T.dot(x, T.outer(x, T.exp(x))), (3,)),
    "ifelse": (lambda x: ifelse(T.gt(T.sum(x), -10), x ** 2, x * 3), (3,)),
    "specify_shape": (lambda x: T.specify_shape(x, (3,)) ** 2, (3,)),
    "softmax": (lambda a: T.nnet.softmax(a * 2), (2, 3)),
    "log_softmax_vector": (lambda x: T.nnet.log_softmax(T.tanh(x)), (3,)),
}


@pytest.mark.parametrize("name", sorted(INDEXING_FUNCTIONS))
def test_jacobian_through_shape_and_indexing_ops(name, rng):
    fn, shape = INDEXING_FUNCTIONS[name]
    x = T.tensor("float64", (False,) * len(shape), "x")
    out = fn(x)
    xv = rng.normal(size=shape)
    j = jacobian(out, x)
    assert not any(isinstance(n.op, Scan) for n in io_toposort(graph_inputs([j]), [j]))
    check_against_numpy([x], j, [xv], numeric_jacobian(function([x], out), xv),
                        rtol=1e-6, atol=1e-8)


HESSIAN_COSTS = {
    "sum_of_cubes": lambda x: T.sum(x ** 3),
    "log_sum_exp": lambda x: T.log(T.sum(T.exp(x))),
    "quadratic_form": lambda x: T.dot(x, T.dot(np.array([[2.0, 1, 0], [1, 3, 1], [0, 1, 4]]), x)),
    "sigmoid_product": lambda x: T.prod(T.sigmoid(x)) + T.sum(T.sqr(T.tanh(x))),
}


@pytest.mark.parametrize("name", sorted(HESSIAN_COSTS))
def test_hessian_against_finite_differences_of_the_gradient(name, rng):
    x = T.dvector("x")
    cost = HESSIAN_COSTS[name](x)
    xv = rng.normal(size=3)
    grad_fn = function([x], grad(cost, x))
    expected = numeric_jacobian(grad_fn, xv)
    check_against_numpy([x], hessian(cost, x), [xv], expected, rtol=1e-5, atol=1e-6)


def test_hessian_of_a_matrix_and_of_a_list(rng):
    A, b = T.dmatrix("A"), T.dvector("b")
    cost = T.sum(T.tanh(T.dot(A, b)) ** 2)
    hA, hb = hessian(cost, [A, b])
    Av, bv = rng.normal(size=(2, 3)), rng.normal(size=3)
    gA = function([A, b], grad(cost, A))
    gb = function([A, b], grad(cost, b))
    out = function([A, b], [hA, hb])(Av, bv)
    assert out[0].shape == (2, 3, 2, 3)
    np.testing.assert_allclose(out[0], numeric_jacobian(lambda a: gA(a, bv), Av), atol=1e-6)
    np.testing.assert_allclose(out[1], numeric_jacobian(lambda v: gb(Av, v), bv), atol=1e-6)


def test_hessian_of_a_linear_cost_is_zero_and_cost_must_be_scalar():
    x = T.dvector("x")
    h = hessian(T.sum(x * 3.0), x)
    np.testing.assert_array_equal(function([x], h)(np.ones(2)), np.zeros((2, 2)))
    with pytest.raises(TypeError, match="cost must be a scalar"):
        hessian(x * 2, x)


def test_hessian_vector_product_matches_the_full_hessian(rng):
    x, v = T.dvector("x"), T.dvector("v")
    cost = T.sum(T.exp(x) * T.sin(T.sum(x)))
    hv = hessian_vector_product(cost, x, v)
    xv, vv = rng.normal(size=4), rng.normal(size=4)
    full = function([x], hessian(cost, x))(xv)
    check_against_numpy([x, v], hv, [xv, vv], full @ vv, rtol=1e-10, atol=1e-12)
    # a list of variables gives one product per variable
    y, u = T.dscalar("y"), T.dscalar("u")
    hvx, hvy = hessian_vector_product(T.sum(x ** 2) * y, [x, y], [v, u])
    out = function([x, y, v, u], [hvx, hvy])(xv, 2.0, vv, 0.5)
    np.testing.assert_allclose(out[0], 2 * 2.0 * vv + 2 * xv * 0.5)
    np.testing.assert_allclose(out[1], 2 * xv @ vv)


def test_jvp_and_vjp_are_rop_and_lop(rng):
    x, t = T.dvector("x"), T.dvector("t")
    out = T.tanh(x) * T.sum(x)
    xv, tv = rng.normal(size=3), rng.normal(size=3)
    a, b = function([x, t], [jvp(out, x, t), Rop(out, x, t)])(xv, tv)
    np.testing.assert_array_equal(a, b)
    a, b = function([x, t], [vjp(out, x, t), Lop(out, x, t)])(xv, tv)
    np.testing.assert_array_equal(a, b)
    J = numeric_jacobian(function([x], out), xv)
    np.testing.assert_allclose(function([x, t], jvp(out, x, t))(xv, tv), J @ tv, rtol=1e-6)
    np.testing.assert_allclose(function([x, t], vjp(out, x, t))(xv, tv), tv @ J, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(VECTOR_FUNCTIONS) + sorted(INDEXING_FUNCTIONS))
def test_forward_mode_jacobian_matches_reverse_mode(name, rng):
    if name in VECTOR_FUNCTIONS:
        fn, shape = VECTOR_FUNCTIONS[name], (3,)
    else:
        fn, shape = INDEXING_FUNCTIONS[name]
    x = T.tensor("float64", (False,) * len(shape), "x")
    out = fn(x)
    xv = rng.uniform(0.2, 1.5, size=shape)
    forward = jacobian(out, x, mode="forward")
    assert forward.type.ndim == out.type.ndim + x.type.ndim
    a, b = function([x], [forward, jacobian(out, x)])(xv)
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_forward_over_reverse_hessian(rng):
    x, A = T.dvector("x"), T.dmatrix("A")
    cost = T.sum(T.tanh(T.dot(A, x)) ** 2) + T.prod(T.sigmoid(x))
    xv, Av = rng.normal(size=3), rng.normal(size=(2, 3))
    hx_f, hA_f = hessian(cost, [x, A], mode="forward")
    hx_r, hA_r = hessian(cost, [x, A])
    out = function([x, A], [hx_f, hx_r, hA_f, hA_r])(xv, Av)
    np.testing.assert_allclose(out[0], out[1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out[2], out[3], rtol=1e-10, atol=1e-12)


def test_forward_mode_disconnected_and_options():
    x, w = T.dvector("x"), T.dvector("w")
    with pytest.raises(DisconnectedInputError, match="w"):
        jacobian(x * 2, w, mode="forward")
    jw = jacobian(x * 2, w, mode="forward", disconnected_inputs="ignore")
    np.testing.assert_array_equal(function([x, w], jw)(np.ones(2), np.ones(3)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="mode must be one of"):
        jacobian(x * 2, x, mode="sideways")
    with pytest.raises(ValueError, match="consider_constant needs mode='reverse'"):
        jacobian(x * 2, x, consider_constant=[x], mode="forward")


def test_hessian_vector_product_of_a_small_network(rng):
    """One forward-over-reverse pass agrees with the full Hessian (forward and reverse)."""
    w, v = T.dvector("w"), T.dvector("v")
    inputs = T.constant(rng.normal(size=(4, 3)))
    weights = T.reshape(w, (3, 2))
    cost = -T.sum(T.nnet.log_softmax(T.tanh(T.dot(inputs, weights)))[:, 0])
    wv, vv = rng.normal(size=6), rng.normal(size=6)
    hv = hessian_vector_product(cost, w, v)
    full_r, full_f, prod = function([w, v], [hessian(cost, w), hessian(cost, w, mode="forward"),
                                             hv], on_unused_input="ignore")(wv, vv)
    np.testing.assert_allclose(full_r, full_f, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(prod, full_r @ vv, rtol=1e-10, atol=1e-12)
