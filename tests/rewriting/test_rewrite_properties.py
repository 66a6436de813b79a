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
