"""Scan graphs that every backend's scan tests run against the Python VM (numba and JAX):
each builder returns (inputs, outputs, first values)."""
from __future__ import annotations

import numpy as np

import symgrad as theano
import symgrad.tensor as T


def power_polynomial_and_cumulative_sum(rng):
    """The tutorial's loops: A**k, a polynomial's terms, a cumulative sum."""
    A, k = T.dvector("A"), T.lscalar("k")
    power, _ = theano.scan(lambda prior, A: prior * A, outputs_info=T.ones_like(A),
                           non_sequences=A, n_steps=k)
    coefficients, x = T.dvector("coefficients"), T.dscalar("x")
    terms, _ = theano.scan(lambda c, p, x: c * (x ** p), outputs_info=None,
                           sequences=[coefficients, T.arange(10)], non_sequences=x)
    v = T.dvector("v")
    cumsum, _ = theano.scan(lambda xt, acc: acc + xt, sequences=v,
                            outputs_info=T.zeros_like(v[0]))
    outs = [power, power[-1], terms.sum(), terms, cumsum]
    values = [rng.normal(size=4), 3, np.array([1.0, 0.0, 2.0]), 3.0, rng.normal(size=6)]
    return [A, k, coefficients, x, v], outs, values


def assert_agree(f, f_py, value_lists) -> None:
    """Both functions on further argument lists: equal values, shapes and dtypes."""
    for values in value_lists:
        for g, w in zip(f(*values), f_py(*values)):
            assert g.shape == w.shape and g.dtype == w.dtype
            np.testing.assert_allclose(g, w, rtol=1e-12)


def fibonacci_mit_sot_integer_and_float32():
    init = T.lvector("init")
    fib, _ = theano.scan(lambda a, b: a + b, outputs_info={"initial": init, "taps": [-2, -1]},
                         n_steps=8)
    h0 = T.fvector("h0")
    h, _ = theano.scan(lambda a, b: a * np.float32(0.5) + b,
                       outputs_info={"initial": h0, "taps": [-3, -1]}, n_steps=5)
    return [init, h0], [fib, h], [np.array([0, 1, 99]), np.arange(4, dtype="float32")]


FIBONACCI_FROM_0_1 = [1, 2, 3, 5, 8, 13, 21, 34]


def sequence_taps_going_backwards_and_per_step_outputs(rng):
    x, h0 = T.dvector("x"), T.dvector("h0")
    m = T.dmatrix("m")
    (h, y), _ = theano.scan(lambda a, b, c, hm2, hm1: (a * hm2 + T.sin(b * hm1) + c, a + b),
                            sequences=[{"input": x, "taps": [-1, 1]}, m.sum(axis=1)],
                            outputs_info=[{"initial": h0, "taps": [-2, -1]}, None],
                            go_backwards=True)
    rows, _ = theano.scan(lambda r, s: r * s, sequences=[m, {"input": x, "taps": [2]}])
    return ([x, h0, m], [h, y, rows],
            [np.linspace(-1, 1, 7), np.array([0.3, -0.2]), rng.normal(size=(5, 3))])
