"""Random streams inside a scan step: new numbers at every step and at every call."""
import numpy as np

import symgrad as theano
import symgrad.tensor as T

PY = theano.Mode(linker="py", optimizer=None)


def test_each_step_and_each_call_draws_new_numbers():
    trng = T.shared_randomstreams.RandomStreams(1234)
    vals, updates = theano.scan(lambda: trng.uniform(size=(3,)), n_steps=4)
    assert len(updates) == 1
    f = theano.function([], vals, updates=updates, mode=PY)
    first, second = f(), f()
    assert first.shape == (4, 3)
    assert len({tuple(row) for row in first}) == 4
    assert not np.array_equal(first, second)
    assert ((first >= 0) & (first < 1)).all()


def test_reseeding_repeats_the_loop():
    trng = T.shared_randomstreams.RandomStreams(7)
    vals, updates = theano.scan(lambda: trng.normal(size=(2,)), n_steps=3)
    f = theano.function([], vals, updates=updates, mode=PY)
    first = f()
    trng.seed(7)
    np.testing.assert_array_equal(f(), first)


def test_without_the_returned_updates_the_state_still_advances():
    trng = T.shared_randomstreams.RandomStreams(99)
    vals, _ = theano.scan(lambda: trng.uniform(size=(2,)), n_steps=2)
    f = theano.function([], vals, mode=PY)
    assert not np.array_equal(f(), f())


def test_gibbs_sampling_tutorial_example():
    rng = np.random.default_rng(0)
    W = theano.shared(rng.normal(size=(4, 3)), name="W")
    bvis = theano.shared(np.zeros(4), name="bvis")
    bhid = theano.shared(np.zeros(3), name="bhid")
    trng = T.shared_randomstreams.RandomStreams(1234)

    def one_step(vsample):
        hmean = T.nnet.sigmoid(T.dot(vsample, W) + bhid)
        hsample = trng.binomial(size=hmean.shape, n=1, p=hmean)
        vmean = T.nnet.sigmoid(T.dot(hsample, W.T) + bvis)
        return trng.binomial(size=vsample.shape, n=1, p=vmean, dtype=theano.config.floatX)

    sample = T.vector()
    values, updates = theano.scan(one_step, outputs_info=sample, n_steps=10)
    gibbs10 = theano.function([sample], values[-1], updates=updates, mode=PY)
    draws = [tuple(gibbs10(np.ones(4))) for _ in range(8)]
    assert all(set(d) <= {0.0, 1.0} for d in draws)
    assert len(set(draws)) > 1
