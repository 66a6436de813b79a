"""Random graphs: FAST_RUN, FAST_COMPILE and no rewriting agree on values and gradients."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import symgrad.tensor as T
from symgrad import grad
from tests.rewriting.rewrite_helpers import compiled

# Every operation is total and smooth on the inputs' range, so all three graphs are defined
# everywhere and may only differ by rounding.
UNARY = {
    "neg": lambda a: -a,
    "exp_tanh": lambda a: T.exp(T.tanh(a)),
    "log_1p_sqr": lambda a: T.log(1 + T.sqr(a)),
    "sigmoid_form": lambda a: 1 / (1 + T.exp(-a)),
    "sqr": lambda a: a ** 2,
    "sqrt_1p": lambda a: (1.0 + a * a) ** 0.5,
    "twice": lambda a: a * 2,
    "half": lambda a: a / 2.0,
    "pow1": lambda a: a ** 1,
    "cube": lambda a: a ** 3,
    "fill_like": lambda a: T.fill(a, 1.0) * a,
    "log_sigmoid": lambda a: T.log(T.nnet.sigmoid(a)),
    "expm1_form": lambda a: T.exp(T.tanh(a)) - 1,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (1.0 + b * b),
    "cancel": lambda a, b: (a * T.exp(b)) / T.exp(b),
    "scaled_sum": lambda a, b: a * 3 + b - a,
}
LEAVES = ["x", "y", "0.5", "2", "-1.5"]

trees = st.recursive(
    st.sampled_from(LEAVES),
    lambda sub: st.one_of(
        st.tuples(st.sampled_from(sorted(UNARY)), sub),
        st.tuples(st.sampled_from(sorted(BINARY)), sub, sub)),
    max_leaves=6)


def build(tree, env):
    if isinstance(tree, str):
        return env[tree] if tree in env else T.constant(float(tree))
    name, *args = tree
    built = [build(a, env) for a in args]
    return UNARY[name](*built) if len(built) == 1 else BINARY[name](*built)


@settings(max_examples=40, deadline=None)
@given(tree=trees, seed=st.integers(0, 2 ** 16))
def test_modes_agree_on_values_and_gradients(tree, seed):
    x, y = T.dvectors("x", "y")
    expr = build(tree, {"x": x, "y": y})
    expr = expr + 0 * x  # a vector in every case, even when the tree is all constants
    rng = np.random.default_rng(seed)
    xv, yv = rng.uniform(-2, 2, size=4), rng.uniform(-2, 2, size=4)
    gx, gy = grad(T.sum(expr), [x, y], disconnected_inputs="ignore")
    results = {}
    for optimizer in (None, "fast_compile", "fast_run"):
        f = compiled([x, y], [expr, gx, gy], optimizer)
        results[optimizer] = f(xv, yv)
    for optimizer in ("fast_compile", "fast_run"):
        for got, want in zip(results[optimizer], results[None]):
            np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9,
                                       err_msg=f"{optimizer}: {tree}")


# Mixed shapes and dtypes: a float32 matrix, a float64 row and an int8 vector, with
# broadcasting, transposes, reductions and casts between them.
MIXED_UNARY = {
    "neg": lambda a: -a,
    "tanh": T.tanh,
    "log1p_sqr": lambda a: T.log(1 + a * a),
    "double": lambda a: 2 * a,
    "third": lambda a: a / 3,
    "sqr": lambda a: a ** 2,
    "softplus_form": lambda a: T.log(1 + T.exp(T.tanh(a))),
    "row_sum": lambda a: T.sum(a, axis=0, keepdims=True) + a,
    "scaled_sum": lambda a: T.sum(-a * 2.0, axis=1, keepdims=True) * a,
    "transpose_twice": lambda a: a.T.T,
    "fill": lambda a: T.fill(a, 0.5) + a,
    "as_float32": lambda a: T.cast(a, "float32"),
}
MIXED_BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "cancel": lambda a, b: (a + b) - b,
    "ratio": lambda a, b: a * (1 + b * b) / (1 + b * b),
}
mixed_trees = st.recursive(
    st.sampled_from(["m", "r", "i", "1.5"]),
    lambda sub: st.one_of(
        st.tuples(st.sampled_from(sorted(MIXED_UNARY)), sub),
        st.tuples(st.sampled_from(sorted(MIXED_BINARY)), sub, sub)),
    max_leaves=6)


def build_mixed(tree, env):
    if isinstance(tree, str):
        return env[tree] if tree in env else T.constant(np.full((1, 1), float(tree)))
    name, *args = tree
    built = [build_mixed(a, env) for a in args]
    if len(built) == 1:
        return MIXED_UNARY[name](*built)
    return MIXED_BINARY[name](*built)


@settings(max_examples=30, deadline=None)
@given(tree=mixed_trees, seed=st.integers(0, 2 ** 16))
def test_modes_agree_with_broadcasting_and_mixed_dtypes(tree, seed):
    m = T.fmatrix("m")
    r = T.drow("r")
    i = T.bvector("i")
    expr = build_mixed(tree, {"m": m, "r": r, "i": i.dimshuffle("x", 0)})
    expr = expr + T.zeros_like(m, dtype=expr.dtype)  # every case is a full matrix
    rng = np.random.default_rng(seed)
    values = [rng.uniform(-1, 1, size=(2, 3)).astype("float32"),
              rng.uniform(-1, 1, size=(1, 3)), rng.integers(-3, 4, size=3).astype("int8")]
    results = {}
    for optimizer in (None, "fast_compile", "fast_run"):
        f = compiled([m, r, i], expr, optimizer)
        out = f(*values)
        assert out.dtype == expr.dtype and out.shape == (2, 3), (optimizer, tree)
        results[optimizer] = out
    tol = 1e-5  # float32 intermediates: a stabilised form may round differently
    for optimizer in ("fast_compile", "fast_run"):
        np.testing.assert_allclose(results[optimizer], results[None], rtol=tol, atol=tol,
                                   err_msg=f"{optimizer}: {tree}")
