"""The same loops compiled in every mode (with and without rewrites, every linker) agree."""
import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.ifelse import ifelse
from symgrad.scan.utils import until
from tests.helpers import modes


def _rnn_with_gradients():
    x, W = T.dmatrix("x"), T.dmatrix("W")
    h0 = T.dvector("h0")
    h, _ = theano.scan(lambda xt, hp, W: T.tanh(T.dot(hp, W) + xt), sequences=x,
                       outputs_info=h0, non_sequences=W)
    cost = (h ** 2).sum() + h[-1].sum()
    rng = np.random.default_rng(5)
    values = [rng.normal(size=(5, 3)), 0.5 * rng.normal(size=(3, 3)), rng.normal(size=3)]
    return [x, W, h0], [cost, *T.grad(cost, [x, W, h0])], values


def _taps_and_backwards():
    x, h0 = T.dvector("x"), T.dvector("h0")
    (h, y), _ = theano.scan(lambda a, b, hm2, hm1: (a * hm2 + T.sin(b * hm1), a + b),
                            sequences={"input": x, "taps": [-1, 1]},
                            outputs_info=[{"initial": h0, "taps": [-2, -1]}, None],
                            go_backwards=True)
    cost = h.sum() + (y * h).sum()
    return [x, h0], [h, y, *T.grad(cost, [x, h0])], [np.linspace(-1, 1, 7), np.array([0.3, -0.2])]


def _until_and_ifelse():
    x = T.dscalar("x")
    vals, _ = theano.scan(lambda p: (ifelse(T.gt(p, 10), p + 1, p * 3), until(p > 50)),
                          outputs_info=x, n_steps=20)
    return [x], [vals], [np.array(1.0)]


@pytest.mark.parametrize("build", [_rnn_with_gradients, _taps_and_backwards, _until_and_ifelse])
def test_modes_agree(build):
    inputs, outputs, values = build()
    results = {}
    for mode in modes():
        f = theano.function(inputs, outputs, mode=mode)
        results[str(mode)] = f(*values)
    reference = results.pop("py-noopt")
    for name, got in results.items():
        for a, b in zip(got, reference):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=name)
