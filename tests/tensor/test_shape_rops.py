"""Forward-mode derivatives (R_op) of the shape, indexing and sorting ops, against central
differences of the compiled function."""
import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T

CASES = {
    "reshape": lambda x: x.reshape((4, 3)),
    "flatten": lambda x: T.flatten(x),
    "specify_shape": lambda x: T.specify_shape(x, (3, 4)),
    "rebroadcast": lambda x: T.addbroadcast(x[:1], 0) * x,
    "join": lambda x: T.concatenate([x, x ** 2], axis=1),
    "split": lambda x: T.split(x, [1, 2], 2, axis=0)[1] ** 2,
    "stack_scalars": lambda x: T.stack([x[0, 0], x[1, 1] ** 2]),
    "stack": lambda x: T.stack([x, x * 3], axis=1),
    "advanced": lambda x: x[[0, 2, 2], 1:] ** 2,
    "set_subtensor": lambda x: T.set_subtensor(x[1:, ::2], x[:2, 1::2] ** 2),
    "inc_advanced": lambda x: T.inc_subtensor(x[[0, 0]], x[2] ** 2),
    "matmul": lambda x: T.matmul(T.stack([x, x ** 2]), x.T),
    "repeat": lambda x: T.repeat(x, np.array([1, 0, 2]), axis=0) ** 2,
    "tile": lambda x: T.tile(x ** 2, (2, 1)),
    "roll": lambda x: T.roll(x ** 2, 1, 1),
    "cumsum": lambda x: T.cumsum(x ** 2, axis=1),
    "cumprod": lambda x: T.cumprod(x, axis=0),
    "sort": lambda x: T.sort(x ** 2, axis=0),
    "diagonal": lambda x: T.diagonal(x ** 2, 1),
    "tensordot": lambda x: T.tensordot(x, x ** 2, [[0], [0]]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rop_matches_finite_differences(name, rng):
    x, v = T.dmatrices("x", "v")
    out = CASES[name](x)
    xv = rng.uniform(0.5, 1.5, size=(3, 4))
    vv = rng.standard_normal((3, 4))
    got = theano.function([x, v], T.Rop(out, x, v), on_unused_input="ignore")(xv, vv)
    f = theano.function([x], out)
    eps = 1e-6
    want = (f(xv + eps * vv) - f(xv - eps * vv)) / (2 * eps)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
