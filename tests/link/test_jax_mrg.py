"""MRG31k3p under the JAX linker gives the Python VM's numbers bit for bit: uniforms, the new
states, and the multinomial and choice draws made from uniforms."""
from __future__ import annotations

import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile.mode import Mode
from symgrad.sandbox.rng_mrg import MRG_RandomStreams
from symgrad.tensor.random import mrg
from tests.helpers import assert_same_results

pytest.importorskip("jax")

JAX = Mode("jax", "fast_run", "jax-fast_run")
PY = Mode("py", "fast_run", "py-fast_run")
PVALS = np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25], [0.0, 1.0, 0.0]])


def _draws(seed, mode, calls=3):
    srng = MRG_RandomStreams(seed)
    p = T.dmatrix("p")
    outs = [srng.uniform((3, 4)), srng.uniform((5,), dtype="float32", low=-1, high=2),
            srng.uniform((10,), nstreams=3),  # three full rounds and one stream more
            srng.uniform((2,), nstreams=7),  # fewer draws than streams
            srng.uniform((0, 3)), srng.normal((7,), avg=1.0, std=2.0),
            srng.binomial(size=p.shape, p=0.3, dtype="float32"),
            srng.multinomial(pvals=p, n=4), srng.choice(size=3, p=p, replace=False),
            srng.choice(size=5, p=p, replace=True), srng.uniform((6,), dtype="float32")]
    f = theano.function([p], outs, mode=mode)
    results = [f(PVALS) for _ in range(calls)]
    states = [state.get_value() for state, _ in srng.updates()]
    return results, states


def test_jax_draws_and_states_are_bit_identical_to_the_vm():
    (got, got_states), (want, want_states) = _draws(99, JAX), _draws(99, PY)
    for call_got, call_want in zip(got, want):
        for k, (g, w) in enumerate(zip(call_got, call_want)):
            assert g.dtype == w.dtype and g.shape == w.shape, k
            if k == 1:  # XLA fuses u * (high - low) + low into one rounding (an FMA)
                np.testing.assert_allclose(g, w, rtol=2 ** -23)
            elif k == 5:  # Box-Muller: XLA's log, sin and cos may differ from numpy's by an ulp
                np.testing.assert_allclose(g, w, rtol=1e-14)
            else:
                np.testing.assert_array_equal(g, w, err_msg=f"output {k}")
    for g, w in zip(got_states, want_states):
        np.testing.assert_array_equal(g, w)
        assert g.dtype == np.int32
    assert not np.array_equal(got[0][0], got[1][0])  # the state advances between calls


def test_the_uniform_op_alone_on_a_given_state():
    state = T.imatrix("state")
    n = T.lscalar("n")
    new_state, u = mrg.MRGUniform("float64")(state, n, 3).owner.outputs
    start = mrg.substream_states(mrg.check_seed(4321), 5)
    f_jax = theano.function([state, n], [new_state, u], mode=JAX)
    f_py = theano.function([state, n], [new_state, u], mode=PY)
    for count in (0, 1, 4, 9):
        got = assert_same_results(f_jax, f_py, [start, count], rtol=0)
        np.testing.assert_array_equal(got[1], f_py(start, count)[1])
    with pytest.raises(ValueError, match="negative size"):
        f_jax(start, -1)


def test_categories_from_given_uniforms_match_the_vm_at_the_edges():
    p, u = T.dmatrix("p"), T.dvector("u")
    # row 0 sums to 0.5: a uniform above it counts nowhere (multinomial) and picks the last
    # positive category (choice); row 1's last category is 0; uniforms sit on the boundaries
    pvals = np.array([[0.2, 0.3, 0.0, 0.0], [0.25, 0.25, 0.5, 0.0]])
    unis = np.array([0.9, 0.25, 0.2, 0.5, 0.0, 0.999999, 0.5, 0.75])
    outs = [mrg.MultinomialFromUniform("int64")(p, u, 4),
            mrg.ChoiceFromUniform("int32", replace=True)(p, u, 4),
            mrg.ChoiceFromUniform("int64", replace=False)(p, u[:6], 3)]
    f_jax = theano.function([p, u], outs, mode=JAX)
    f_py = theano.function([p, u], outs, mode=PY)
    got = assert_same_results(f_jax, f_py, [pvals, unis], rtol=0)
    assert got[0].sum() == 6  # 0.9 and 0.5 (its total itself) lie beyond row 0
    with pytest.raises(ValueError, match="need rows"):
        f_jax(pvals, unis[:7])
    too_many = mrg.ChoiceFromUniform("int64", replace=False)(p, u, 4)
    with pytest.raises(ValueError, match="without replacement"):
        theano.function([p, u], too_many, mode=JAX)(pvals[:, :3], unis)
