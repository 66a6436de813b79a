"""Forward mode: every op's R_op against finite differences, Lop/Rop agreement with grad
(<v, J u> computed both ways), and the list of ops without an R_op (which stays empty)."""
import importlib
import pkgutil

import numpy as np
import pytest

import symgrad
import symgrad.tensor as T
from symgrad import function
from symgrad.gradient import Lop, Rop, consider_constant, grad_clip, grad_scale, zero_grad
from symgrad.graph.op import Op
from symgrad.scalar import basic as sb
from symgrad.scalar.composite import Composite
from symgrad.scan import scan
from symgrad.tensor.elemwise import Elemwise


def normal(r, s):
    return r.normal(size=s)


def positive(r, s):
    return r.uniform(0.3, 2.0, size=s)


def unit(r, s):
    return r.uniform(-0.8, 0.8, size=s)


def above_one(r, s):
    return r.uniform(1.2, 3.0, size=s)


def away_from_steps(r, s):
    # far from integers (and from .5 for rounding), so finite differences see a flat function
    return r.integers(-3, 3, size=s) + r.uniform(0.1, 0.4, size=s)


def _composite(a, b):
    sa, sb_ = sb.ScalarType("float64")(), sb.ScalarType("float64")()
    return Elemwise(Composite([sa, sb_], [sb.mul(sa, sa) + sb_ * sa]))(a, b)


M = (2, 3)
UNARY = {
    "neg": (T.neg, normal), "abs": (T.abs, positive), "exp": (T.exp, normal),
    "exp2": (T.exp2, normal), "expm1": (T.expm1, normal), "log": (T.log, positive),
    "log2": (T.log2, positive), "log10": (T.log10, positive), "log1p": (T.log1p, positive),
    "sqrt": (T.sqrt, positive), "sqr": (T.sqr, normal), "reciprocal": (T.reciprocal, positive),
    "sin": (T.sin, normal), "cos": (T.cos, normal), "tan": (T.tan, unit),
    "arcsin": (T.arcsin, unit), "arccos": (T.arccos, unit), "arctan": (T.arctan, normal),
    "sinh": (T.sinh, normal), "cosh": (T.cosh, normal), "tanh": (T.tanh, normal),
    "arcsinh": (T.arcsinh, normal), "arccosh": (T.arccosh, above_one),
    "arctanh": (T.arctanh, unit), "sigmoid": (T.sigmoid, normal),
    "softplus": (T.softplus, normal), "erf": (T.erf, normal), "erfc": (T.erfc, normal),
    "gamma": (T.gamma, positive), "gammaln": (T.gammaln, positive), "psi": (T.psi, positive),
    "erfinv": (T.erfinv, unit), "erfcinv": (lambda a: T.erfcinv(a + 1.0), unit),
    "erfcx": (T.erfcx, normal), "j0": (T.j0, normal), "j1": (T.j1, normal),
    "i0": (T.i0, normal), "i1": (T.i1, normal), "jv": (lambda a: T.jv(1.5, a), positive),
    "iv": (lambda a: T.iv(2, a), normal), "pinv": (T.nlinalg.pinv, normal),
    "floor": (T.floor, away_from_steps), "ceil": (T.ceil, away_from_steps),
    "round": (T.round, away_from_steps), "sgn": (T.sgn, positive),
    "identity": (T.tensor_copy, normal), "cast32": (lambda a: T.cast(a, "float32"), normal),
    "dimshuffle": (lambda a: a.dimshuffle(1, "x", 0), normal), "transpose": (lambda a: a.T, normal),
    "sum": (T.sum, normal), "sum0": (lambda a: T.sum(a, axis=0), normal),
    "prod": (T.prod, positive), "prod1": (lambda a: T.prod(a, axis=1), normal),
    "max": (T.max, normal), "max0": (lambda a: T.max(a, axis=0), normal),
    "min1": (lambda a: T.min(a, axis=1), normal), "mean": (lambda a: a.mean(axis=1), normal),
    "var": (lambda a: a.var(), normal), "norm2": (lambda a: a.norm(2, axis=0), positive),
    "alloc": (lambda a: T.alloc(a, 4, 2, 3), normal), "fill": (lambda a: T.fill(a, a * 2), normal),
    "int_div": (lambda a: T.int_div(a, 2.0), away_from_steps),
    # shape and indexing ops
    "subtensor": (lambda a: a[1:, ::-1] * a[0, 1], normal),
    "advanced_subtensor": (lambda a: a[np.array([1, 0, 1])] ** 2, normal),
    "inc_subtensor": (lambda a: T.inc_subtensor(a[:, 1:], T.exp(a[:, :2])), normal),
    "set_subtensor": (lambda a: T.set_subtensor(a[0], a[1] ** 2), normal),
    "reshape": (lambda a: T.reshape(T.sin(a), (3, 2)), normal),
    "flatten": (lambda a: T.flatten(a) * T.sum(a), normal),
    "join": (lambda a: T.concatenate([a, a ** 2], axis=1), normal),
    "split": (lambda a: T.split(a, [1, 2], 2, axis=1)[1] * 3, normal),
    "stack": (lambda a: T.stack([a[0, 0], a[1, 2] * a[0, 1]]), normal),
    "scan": (lambda a: scan(lambda r, p: p * T.tanh(r), sequences=a,
                            outputs_info=T.ones_like(a[0]))[0], normal),
}
BINARY = {
    "add": (T.add, normal, normal), "sub": (T.sub, normal, normal),
    "mul": (T.mul, normal, normal), "true_div": (T.true_div, normal, positive),
    "pow": (T.pow, positive, normal), "maximum": (T.maximum, normal, normal),
    "minimum": (T.minimum, normal, normal), "arctan2": (T.arctan2, normal, positive),
    "mod": (T.mod, positive, lambda r, s: r.uniform(3.0, 4.0, size=s)),
    "switch": (lambda a, b: T.switch(T.gt(a, 0), a * b, b), normal, normal),
    "clip": (lambda a, b: T.clip(a, -0.5, 0.5) * b, normal, normal),
    "composite": (_composite, normal, normal),
    "row_broadcast": (lambda a, b: a * T.sum(b, axis=0).dimshuffle("x", 0), normal, normal),
}

def _spd(a):
    """A symmetric positive definite 2 x 2 matrix from a 2 x 3 one."""
    return T.dot(a, a.T) + 3.0 * T.eye(2, dtype="float64")


def _pool(a):
    return T.signal.pool.pool_2d(a.dimshuffle("x", "x", 0, 1), (2, 2), ignore_border=False)


def _conv(a):
    """conv2d of a with a kernel made from a: the gradient needs both conv gradient ops."""
    image = a.dimshuffle("x", "x", 0, 1)
    kernel = T.tanh(a[:, :2]).dimshuffle("x", "x", 0, 1)
    return T.nnet.conv2d(image, kernel, border_mode="full")


def _hot(a):
    return T.as_tensor_variable(np.array([2, 0], dtype="int64"))


# ops whose forward mode transposes their L_op (r_op_from_l_op), and gradient ops reached by
# forward-over-reverse
TRANSPOSED = {
    "cholesky": (lambda a: T.slinalg.cholesky(_spd(a)), normal),
    "cholesky_upper": (lambda a: T.slinalg.cholesky(_spd(a), lower=False), normal),
    "cholesky_one_triangle": (lambda a: T.slinalg.cholesky(_spd(a) + T.outer(a[0, :2],
                                                                           a[1, :2])), normal),
    "eigh_values": (lambda a: T.nlinalg.eigh(_spd(a))[0], normal),
    "eigh_vectors_squared": (lambda a: T.nlinalg.eigh(_spd(a) * T.constant(
        np.array([[1.0, 0.3], [0.3, 2.0]])), "U")[1] ** 2, normal),
    "max_pool_grad": (lambda a: T.grad(T.sum(_pool(a) ** 2), a), normal),
    "average_pool_grad": (lambda a: T.grad(T.sum(T.signal.pool.pool_2d(
        a.dimshuffle("x", "x", 0, 1), (2, 2), ignore_border=False, mode="average_exc_pad")
        ** 2), a), normal),
    "conv2d_grads": (lambda a: T.grad(T.sum(_conv(a) ** 2), a), normal),
    "crossentropy_1hot_grad": (lambda a: T.grad(T.sum(T.nnet.crossentropy_categorical_1hot(
        T.nnet.softmax(a), _hot(a)) ** 2), a), normal),
}
UNARY.update(TRANSPOSED)
# other library ops with an R_op of their own
UNARY.update({
    "softmax": (T.nnet.softmax, normal),
    "log_softmax": (T.nnet.log_softmax, normal),
    "relu": (lambda a: T.nnet.relu(a, 0.1), normal),
    "elu": (T.nnet.elu, normal),
    "softsign": (T.nnet.softsign, normal),
    "categorical_crossentropy": (lambda a: T.nnet.categorical_crossentropy(
        T.nnet.softmax(a), T.constant(np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]]))), normal),
    "crossentropy_1hot": (lambda a: T.nnet.crossentropy_categorical_1hot(
        T.nnet.softmax(a), _hot(a)), normal),
    "binary_crossentropy": (lambda a: T.nnet.binary_crossentropy(
        T.nnet.sigmoid(a), T.constant(np.full((2, 3), 0.3))), normal),
    "max_pool": (_pool, normal),
    "conv2d": (_conv, normal),
    "det": (lambda a: T.nlinalg.det(_spd(a)), normal),
    "matrix_inverse": (lambda a: T.nlinalg.matrix_inverse(_spd(a)), normal),
    "trace": (lambda a: T.nlinalg.trace(_spd(a)), normal),
    "solve": (lambda a: T.slinalg.solve(_spd(a), a), normal),
    "solve_triangular": (lambda a: T.slinalg.solve_triangular(
        T.slinalg.cholesky(_spd(a)), a, lower=True), normal),
    "diagonal": (lambda a: T.extra_ops.diagonal(a) * 2, normal),
    "tile": (lambda a: T.extra_ops.tile(a, (2, 1)), normal),
    "repeat": (lambda a: T.extra_ops.repeat(a, 2, axis=1), normal),
    "roll": (lambda a: T.extra_ops.roll(a, 1, axis=1), normal),
    "diff": (lambda a: T.extra_ops.diff(a ** 2, axis=1), normal),
})

DOT = {  # shapes of the operands
    "dot_vv": ((3,), (3,)), "dot_mv": ((2, 3), (3,)), "dot_vm": ((2,), (2, 3)),
    "dot_mm": ((2, 3), (3, 4)),
}
# forward values are the identity, so finite differences see the identity; the gradient is
# steered on purpose, so these are left out of the Lop/Rop agreement check
STEERING = {"grad_clip": lambda a: grad_clip(a, -0.1, 0.1), "grad_scale": lambda a: grad_scale(a, 3)}
# zero gradients: Lop and Rop agree (both zero) though the forward values move
ZERO = {"zero_grad": zero_grad, "consider_constant": consider_constant}


def _case(name, rng):
    """(builder of the output from symbolic inputs, list of input values)."""
    if name in UNARY:
        fn, sample = UNARY[name]
        return fn, [sample(rng, M)]
    if name in BINARY:
        fn, sa, sb2 = BINARY[name]
        return fn, [sa(rng, M), sb2(rng, M)]
    if name in DOT:
        sx, sy = DOT[name]
        return T.dot, [rng.normal(size=sx), rng.normal(size=sy)]
    fn = STEERING.get(name) or ZERO[name]
    return fn, [rng.normal(size=M)]


def _symbolic(values):
    return [T.tensor("float64", (False,) * v.ndim, f"in{i}") for i, v in enumerate(values)]


FD_CASES = sorted(UNARY) + sorted(BINARY) + sorted(DOT) + sorted(STEERING)


@pytest.mark.parametrize("name", FD_CASES)
def test_rop_matches_finite_differences(name, rng):
    fn, values = _case(name, rng)
    xs = _symbolic(values)
    us = [x.type() for x in xs]
    out = fn(*xs)
    f = function(xs, out)
    tangents = [rng.normal(size=v.shape) for v in values]
    eps = 1e-2 if name == "cast32" else 1e-6  # linear, but rounded to float32
    plus = f(*[v + eps * t for v, t in zip(values, tangents)])
    minus = f(*[v - eps * t for v, t in zip(values, tangents)])
    numeric = (np.asarray(plus, "float64") - np.asarray(minus, "float64")) / (2 * eps)
    rop = function(xs + us, Rop(out, xs, us), on_unused_input="ignore")(*values, *tangents)
    tol = 1e-3 if name == "cast32" else 1e-5
    np.testing.assert_allclose(rop, numeric, rtol=tol, atol=tol)
    # with respect to the first input alone (the others get no tangent)
    rop0 = function(xs + us[:1], Rop(out, xs[0], us[0]), on_unused_input="ignore")(
        *values, tangents[0])
    plus = f(values[0] + eps * tangents[0], *values[1:])
    minus = f(values[0] - eps * tangents[0], *values[1:])
    numeric0 = (np.asarray(plus, "float64") - np.asarray(minus, "float64")) / (2 * eps)
    np.testing.assert_allclose(rop0, numeric0, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", sorted(UNARY) + sorted(BINARY) + sorted(DOT) + sorted(ZERO))
def test_lop_and_rop_agree(name, rng):
    """<v, J u> through reverse mode (Lop) and through forward mode (Rop)."""
    fn, values = _case(name, rng)
    xs = _symbolic(values)
    out = fn(*xs)
    us = [x.type() for x in xs]
    v = out.type()
    forward = T.sum(Rop(out, xs, us) * v)
    lops = Lop(out, xs, v)
    backward = sum(T.sum(g * u) for g, u in zip(lops, us))
    f = function(xs + us + [v], [forward, backward], on_unused_input="ignore",
                 allow_input_downcast=True)
    shape_of_out = np.shape(function(xs, out)(*values))
    a, b = f(*values, *[rng.normal(size=x.shape) for x in values],
             rng.normal(size=shape_of_out))
    tol = 1e-5 if out.type.dtype == "float32" else 1e-9
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_lop_equals_grad_of_the_weighted_sum(rng):
    x = T.dmatrix("x")
    v = T.dvector("v")
    out = T.tanh(x).sum(axis=1)
    lop = Lop(out, x, v)
    via_grad = T.grad(T.sum(out * v), x)
    xv, vv = rng.normal(size=M), rng.normal(size=2)
    a, b = function([x, v], [lop, via_grad])(xv, vv)
    np.testing.assert_allclose(a, b, rtol=1e-12)


def test_rop_of_an_integer_output_is_zero_and_of_an_unrelated_output_raises():
    x, y = T.dvector("x"), T.dvector("y")
    u = T.dvector("u")
    assert function([x, u], Rop(T.sum(T.cast(x, "int64")) * 1.0, x, u),
                    on_unused_input="ignore")(np.ones(2), np.ones(2)) == 0.0
    from symgrad.errors import DisconnectedInputError

    with pytest.raises(DisconnectedInputError, match="does not depend"):
        Rop(y * 2, x, u)
    z = Rop(y * 2, x, u, disconnected_outputs="ignore")
    np.testing.assert_array_equal(function([y], z)(np.ones(3)), np.zeros(3))
    assert Rop(y * 2, x, u, disconnected_outputs="ignore", return_disconnected="None") is None


def test_rop_checks_eval_points():
    x = T.dvector("x")
    with pytest.raises(ValueError, match="eval point 0 .* 2 dimension"):
        Rop(x * 2, x, T.dmatrix())
    with pytest.raises(ValueError, match="wrt has 1 variable"):
        Rop(x * 2, [x], [T.dvector(), T.dvector()])


def _all_ops():
    for info in pkgutil.walk_packages(symgrad.__path__, "symgrad."):
        try:
            importlib.import_module(info.name)
        except ImportError:  # an optional dependency that is not installed
            continue
    seen, stack = set(), [Op]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    return [c for c in seen if c.__module__.startswith("symgrad")]


def test_every_op_has_an_r_op():
    """Rop is forward mode through every op: the list of ops without an R_op stays empty."""
    ops = [c for c in _all_ops() if c.perform is not Op.perform]  # abstract bases can't run
    assert len(ops) > 20
    missing = sorted(f"{c.__module__}.{c.__qualname__}" for c in ops
                     if c.R_op is Op.R_op and not c.r_op_from_l_op)
    assert missing == []


@pytest.mark.parametrize("name, build", [
    ("SVD", lambda a: T.nlinalg.svd(a, compute_uv=False)),
    ("QRFull", lambda a: T.nlinalg.qr(a.T, mode="r")),
    ("Eigvalsh", lambda a: T.slinalg.eigvalsh(_spd(a))),
])
def test_rop_through_an_op_without_derivative_names_it(name, build):
    """Forward mode is undefined exactly where reverse mode is: the same error."""
    from symgrad.errors import NullGradientError

    a, u = T.dmatrix("a"), T.dmatrix("u")
    with pytest.raises(NullGradientError, match=name):
        T.grad(T.sum(build(a)), a)
    with pytest.raises(NullGradientError, match=name):
        Rop(build(a), a, u)


def test_rop_through_random_draw_parameters_is_refused_and_beside_draws_works():
    from symgrad.errors import GradientNotImplementedError
    from symgrad.tensor.random.utils import RandomStream

    srng = RandomStream(3)
    x, u = T.dscalar("x"), T.dscalar("u")
    noise = srng.normal(size=(3,))
    r = function([x, u], [Rop(x * noise, x, u), noise], no_default_updates=True,
                 on_unused_input="ignore")(2.0, 0.5)
    np.testing.assert_allclose(r[0], 0.5 * r[1])
    with pytest.raises(GradientNotImplementedError, match="normal_rv.*no derivative with "
                                                          "respect to its parameters"):
        Rop(srng.normal(x, 1.0), x, u)
    with pytest.raises(GradientNotImplementedError, match="normal_rv"):
        T.grad(T.sum(srng.normal(x, 1.0)), x)
