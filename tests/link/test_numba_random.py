"""The random variables under numba: the same draws and the same new generator state as the
Python VM from the same seed, generators never changed in place, updates, seeding, errors, and
the graphs that stay on the VM (legacy RandomState, a generator state read twice)."""
from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import symgrad.tensor as T
from symgrad import function, shared
from symgrad.compile.mode import Mode
from symgrad.config import config
from symgrad.errors import NodeRuntimeError
from symgrad.graph.basic import Variable
from symgrad.link.numba import wait_idle
from symgrad.link.numba.dispatch import has_kernel
from symgrad.tensor.random import basic
from symgrad.tensor.random.op import RandomVariable
from symgrad.tensor.random.type import random_generator_type
from symgrad.tensor.random.utils import RandomStream
from symgrad.tensor.shared_randomstreams import RandomStreams

PY = Mode("py", None, "py-noopt")
NUMBA = Mode("numba", None, "numba-noopt")
NUMBA_FAST = Mode("numba", "fast_run", "numba-fast_run")


def _on_numba(f) -> bool:
    """Whether the compiled function runs the generated numba graph (not the VM fallback)."""
    return hasattr(f.maker.runner, "source") and not hasattr(f.maker.runner, "numba_gaps")


def _draws_and_states(build, args, kwargs, mode, seed, calls=2):
    """Draw `calls` times with updates from a shared generator; return the draws, the states
    after each call, and whether the user's first generator object stayed as it was."""
    g = np.random.default_rng(seed)
    before = g.bit_generator.state
    rng = shared(g)
    draws = build(*args, rng=rng, **kwargs)
    f = function([], draws, mode=mode, updates=[(rng, draws.owner.outputs[0])])
    got, states = [], []
    for _ in range(calls):
        got.append(f())
        states.append(rng.get_value(borrow=True).bit_generator.state)
    return f, got, states, g.bit_generator.state == before


CASES = [
    (basic.normal, (1.5, 2.0, (3, 4)), {}),
    (basic.normal, (np.zeros((3, 1)), np.arange(1.0, 5.0)), {}),
    (basic.normal, (np.arange(4.0), 0.5, (2, 4)), {}),
    (basic.normal, (0.0, 1.0), {}),
    (basic.normal, (0.0, 1.0, (0, 3)), {}),
    (basic.normal, (0.0, 1.0, (5,)), {"dtype": "float32"}),
    (basic.uniform, (-1.0, 2.0, (7,)), {}),
    (basic.uniform, (np.array([0.0, 10.0]), np.array([[11.0], [20.0]])), {}),
    (basic.uniform, (0.0, 1.0, (2, 3)), {"dtype": "float32"}),
    (basic.binomial, (10, 0.3, (50,)), {}),
    (basic.binomial, (np.array([0, 1, 40, 1000]), np.array([0.5, 0.01, 0.9, 0.45]), (3, 4)), {}),
    (basic.binomial, (5, 1.0, (3,)), {"dtype": "int32"}),
    (basic.random_integers, (3, 5, (40,)), {}),
    (basic.random_integers, (-5, np.array([0, 10, 2 ** 40]), (2, 3)), {}),
    (basic.random_integers, (np.int64(-2 ** 63), np.int64(2 ** 63 - 1), (4,)), {}),
    (basic.random_integers, (7, 7), {"dtype": "int16"}),
    (basic.permutation, (6, (2, 3)), {}),
    (basic.permutation, (np.array([1.0, 2.0, 3.0, 4.0]),), {}),
    (basic.permutation, (0,), {}),
    (basic.multinomial, (7, [0.2, 0.8], (2,)), {}),
    (basic.multinomial, (np.array([5, 50, 0]), [0.25, 0.25, 0.5]), {}),
    (basic.multinomial, (np.array([[3], [300]]), np.array([[0.1, 0.9], [0.6, 0.4]]), (2, 2)),
     {}),
    (basic.multinomial, (10, [0.0, 1.0, 0.0]), {"dtype": "int32"}),
    (basic.multinomial, (100, np.array([0.1, 0.2, 0.7, 0.0], dtype="float32"), (3,)), {}),
    (basic.normal, (np.float32(1.0), np.array([1.0, 2.0], dtype="float32")),
     {"dtype": "float32"}),
    (basic.choice, (5, (3,)), {}),
    (basic.choice, (7,), {}),
    (basic.choice, (np.arange(5.0) * 2, (2, 3)), {}),
    (basic.choice, (np.arange(5.0), (3,), False), {}),
    (basic.choice, (10, (10,), False), {}),
    (basic.choice, (20000, (1000,), False), {}),
    (basic.choice, (5, (4, 2), True, np.array([0.1, 0.2, 0.3, 0.4, 0.0])), {}),
    (basic.choice, (5, (3,), False, np.array([0.1, 0.2, 0.3, 0.4, 0.0])), {}),
    (basic.choice, (100, (60,), False, np.full(100, 0.01)), {}),
    (basic.choice, (3, (4,), True, np.array([0.2, 0.3, 0.5], dtype="float32")), {}),
    (basic.choice, (0, (0,)), {}),
]


@pytest.mark.parametrize("build, args, kwargs", CASES,
                         ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(CASES)])
def test_draws_and_new_states_equal_the_vms(build, args, kwargs):
    for seed in (0, 7):
        _, want, want_states, py_untouched = _draws_and_states(build, args, kwargs, PY, seed)
        f, got, states, nb_untouched = _draws_and_states(build, args, kwargs, NUMBA, seed)
        assert _on_numba(f)
        assert py_untouched and nb_untouched
        for g, w in zip(got, want):
            assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, w.dtype, g.shape, w.shape)
            np.testing.assert_array_equal(g, w)
        assert states == want_states


def test_parameters_as_inputs_broadcast_strided_and_unchanged():
    mu, sigma = T.dmatrix("mu"), T.dvector("sigma")
    n, p = T.lvector("n"), T.dvector("p")
    results = []
    for mode in (PY, NUMBA, NUMBA_FAST):
        rng = shared(np.random.default_rng(3))
        x = basic.normal(mu, sigma, rng=rng)
        rng2 = shared(np.random.default_rng(4))  # one generator per draw: both nodes compile
        y = basic.binomial(n, p, size=(2, 3), rng=rng2)
        f = function([mu, sigma, n, p], [x, y], mode=mode,
                     updates=[(rng, x.owner.outputs[0]), (rng2, y.owner.outputs[0])])
        values = [np.arange(12.0).reshape(3, 4)[:, ::2], np.array([1.0, 2.0, 3.0, 4.0])[::2],
                  np.array([5, 6, 50, 60, 500, 600])[::2], np.array([0.2, 0.7, 0.9])]
        copies = [v.copy() for v in values]
        results.append([f(*values), f(*values)])
        for v, c in zip(values, copies):
            np.testing.assert_array_equal(v, c)
        if mode is not PY:
            assert _on_numba(f)
    for other in results[1:]:
        for calls_a, calls_b in zip(results[0], other):
            for a, b in zip(calls_a, calls_b):
                assert a.dtype == b.dtype and a.shape == b.shape
                np.testing.assert_array_equal(a, b)


def test_without_updates_every_call_draws_the_same_numbers():
    for mode in (PY, NUMBA):
        g = np.random.default_rng(11)
        before = g.bit_generator.state
        rng = shared(g)
        x = basic.uniform(0.0, 1.0, (4,), rng=rng)
        f = function([], x, mode=mode)
        first, second = f(), f()
        np.testing.assert_array_equal(first, second)
        np.testing.assert_array_equal(first, np.random.default_rng(11).uniform(0.0, 1.0, (4,)))
        assert rng.get_value(borrow=True).bit_generator.state == before


def test_generator_as_an_explicit_input_is_never_changed():
    rng = Variable(random_generator_type, name="rng")
    draws = basic.normal(0.0, 1.0, (3,), rng=rng)
    outs = {}
    for mode in (PY, NUMBA):
        f = function([rng], [draws, draws.owner.outputs[0]], mode=mode)
        g = np.random.default_rng(2)
        before = g.bit_generator.state
        value, new_g = f(g)
        assert g.bit_generator.state == before and new_g is not g
        outs[str(mode)] = (value, new_g.bit_generator.state)
    (a, sa), (b, sb) = outs.values()
    np.testing.assert_array_equal(a, b)
    assert sa == sb


def test_chained_draws_compile_and_match():
    results = []
    for mode in (PY, NUMBA):
        rng = shared(np.random.default_rng(5))
        x = basic.normal(0.0, 1.0, (3,), rng=rng)
        y = basic.choice(10, (4,), False, rng=x.owner.outputs[0])
        z = basic.uniform(x.sum(), 10.0, (2,), rng=y.owner.outputs[0])
        f = function([], [x, y, z], mode=mode, updates=[(rng, z.owner.outputs[0])])
        results.append([f(), f(), rng.get_value(borrow=True).bit_generator.state])
        if mode is NUMBA:
            assert _on_numba(f)
    (calls_py, calls_nb) = results
    for a_call, b_call in zip(calls_py[:2], calls_nb[:2]):
        for a, b in zip(a_call, b_call):
            np.testing.assert_array_equal(a, b)
    assert calls_py[2] == calls_nb[2]


def test_random_stream_seeds_and_default_updates_under_numba():
    outs = []
    for mode in (PY, NUMBA_FAST):
        srng = RandomStream(seed=234)
        rv_u = srng.uniform(0, 1, size=(2, 2))
        rv_n = srng.normal(0, 1, size=(2, 2))
        f = function([], rv_u, mode=mode)
        g = function([], rv_n, mode=mode, no_default_updates=True)
        nearly_zeros = function([], rv_u + rv_u - 2 * rv_u, mode=mode)
        first_u, second_u = f(), f()
        assert not np.array_equal(first_u, second_u)
        np.testing.assert_array_equal(g(), g())  # no updates: the same numbers
        np.testing.assert_allclose(nearly_zeros(), 0.0, atol=1e-12)
        srng.seed(234)
        np.testing.assert_array_equal(f(), first_u)  # reseeding reproduces
        assert mode is PY or (_on_numba(f) and _on_numba(g))
        outs.append((first_u, second_u, g()))
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)


def test_legacy_random_state_streams_run_on_the_vm_with_the_same_numbers():
    outs = []
    for mode in (PY, NUMBA):
        srng = RandomStreams(seed=234)
        rv_u = srng.uniform((2, 2))
        rv_n = srng.normal((2, 2))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            f = function([], [rv_u, rv_n], mode=mode)
        outs.append([f(), f()])
        if mode is NUMBA:
            assert f.maker.runner.numba_gaps == ["RandomVariable"]
    for a_call, b_call in zip(*outs):
        for a, b in zip(a_call, b_call):
            np.testing.assert_array_equal(a, b)


def test_a_state_read_twice_runs_on_the_vm():
    # both draws read the same generator state: the VM copies it for each, while a kernel
    # advances it in place, so numba leaves this graph to the VM
    outs = []
    for mode in (PY, NUMBA):
        rng = shared(np.random.default_rng(9))
        x = basic.normal(0.0, 1.0, (3,), rng=rng)
        y = basic.normal(0.0, 1.0, (3,), rng=rng, dtype="float32")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            f = function([], [x, y], mode=mode)
        outs.append(f())
        if mode is NUMBA:
            assert not _on_numba(f)
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    np.testing.assert_allclose(outs[1][0], outs[1][1], rtol=1e-6)  # the same state, twice


ERRORS = [
    (basic.normal, (0.0, -1.0, (2,))),
    (basic.normal, (0.0, np.array([1.0, -1.0]))),
    (basic.normal, (np.zeros(3), 1.0, (2,))),
    (basic.uniform, (0.0, np.inf, (2,))),
    (basic.uniform, (1.0, 0.0, (2,))),
    (basic.binomial, (-1, 0.5, (2,))),
    (basic.binomial, (3, 1.5, (0,))),
    (basic.binomial, (3, np.nan)),
    (basic.random_integers, (5, 3, (2,))),
    (basic.multinomial, (5, [0.7, 0.6, 0.1])),
    (basic.multinomial, (5, [-0.5, 1.5])),
    (basic.multinomial, (-1, [0.5, 0.5])),
    (basic.choice, (5, (6,), False)),
    (basic.choice, (0, (2,))),
    (basic.choice, (3, (2,), True, np.array([0.5, 0.4, 0.0]))),
    (basic.choice, (3, (2,), True, np.array([0.5, 0.6]))),
    (basic.choice, (3, (2,), True, np.array([1.5, -0.5, 0.0]))),
    (basic.choice, (3, (2,), False, np.array([1.0, 0.0, 0.0]))),
]


@pytest.mark.parametrize("build, args", ERRORS,
                         ids=[f"{e[0].__name__}-{k}" for k, e in enumerate(ERRORS)])
def test_invalid_parameters_raise_as_on_the_vm(build, args):
    for mode in (PY, NUMBA):
        g = np.random.default_rng(0)
        before = g.bit_generator.state
        rng = shared(g)
        draws = build(*args, rng=rng)
        f = function([], draws, mode=mode, updates=[(rng, draws.owner.outputs[0])])
        with pytest.raises((NodeRuntimeError, ValueError)):
            f()
        assert rng.get_value(borrow=True).bit_generator.state == before


def test_only_distributions_with_a_kernel_are_claimed():
    assert has_kernel(RandomVariable("normal", 0, (0, 0)))
    assert not has_kernel(RandomVariable("gamma", 0, (0, 0)))
    results = []
    for mode in (PY, NUMBA):
        rng = shared(np.random.default_rng(1))
        op = RandomVariable("gamma", 0, (0, 0))
        draws = op(rng, (3,), 2.0, 1.5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            f = function([], draws, mode=mode)
        results.append(f())
    np.testing.assert_array_equal(*results)


def test_statistics_of_large_draws():
    # a sanity check of the distributions themselves (identity with the VM is tested above)
    rng = shared(np.random.default_rng(123))
    n = 200_000
    outs = [basic.normal(2.0, 3.0, (n,), rng=rng)]
    f = function([], outs[0], mode=NUMBA)
    x = f()
    assert abs(x.mean() - 2.0) < 0.05 and abs(x.std() - 3.0) < 0.05
    rng2 = shared(np.random.default_rng(124))
    counts = function([], basic.multinomial(1000, [0.2, 0.3, 0.5], (500,), rng=rng2),
                      mode=NUMBA)()
    np.testing.assert_array_equal(counts.sum(axis=1), 1000)
    np.testing.assert_allclose(counts.mean(axis=0) / 1000, [0.2, 0.3, 0.5], atol=0.01)


def test_symbolic_sizes():
    x, k = T.dmatrix("x"), T.iscalar("k")
    results = []
    for mode in (PY, NUMBA):
        rng, rng2 = shared(np.random.default_rng(8)), shared(np.random.default_rng(9))
        a = basic.normal(0.0, 1.0, size=x.shape, rng=rng)
        b = basic.random_integers(0, 9, size=(k, 2), rng=rng2)
        f = function([x, k], [a, b], mode=mode,
                     updates=[(rng, a.owner.outputs[0]), (rng2, b.owner.outputs[0])])
        results.append([f(np.zeros((2, 3)), 4), f(np.zeros((0, 5)), 0)])
        assert mode is PY or _on_numba(f)
        with pytest.raises((NodeRuntimeError, ValueError)):
            f(np.zeros((1, 1)), -1)  # a negative size
    for call_py, call_nb in zip(*results):
        for a, b in zip(call_py, call_nb):
            assert a.shape == b.shape and a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)


def test_fast_run_default_moves_to_numba_and_keeps_the_vms_sequence():
    def sequence(linker):
        rng = shared(np.random.default_rng(21))
        x = basic.normal(0.0, 1.0, (3,), rng=rng)
        with config.change_flags(linker=linker):
            f = function([], x * 2.0, updates=[(rng, x.owner.outputs[0])])
        out = [f()]
        wait_idle()
        out += [f(), f()]
        return f, out

    f, got = sequence("auto")
    assert f.maker.runner.on_numba and f.maker.runner.compile_error is None
    _, want = sequence("py")
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_one_function_with_a_generator_called_from_several_threads():
    rng = shared(np.random.default_rng(31))
    f = function([], basic.normal(0.0, 1.0, (1000,), rng=rng), mode=NUMBA)
    expected = f()  # without updates every call draws from the same state
    results = [None] * 6

    def work(k):
        for _ in range(20):
            results[k] = f()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, expected)


class _PoissonRV(RandomVariable):
    """A subclass with its own drawing rule: it inherits RandomVariable's kernel entry, and
    must not be compiled with it."""

    def rng_fn(self, rng, lam, size):
        return rng.poisson(lam, size=size)


def test_an_unknown_subclass_runs_on_the_vm():
    results = []
    for mode in (PY, NUMBA):
        rng = shared(np.random.default_rng(2))
        draws = _PoissonRV("normal", 0, (0,), "int64")(rng, (4,), 3.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            f = function([], draws, mode=mode)
        results.append(f())
        assert mode is PY or not _on_numba(f)
    np.testing.assert_array_equal(*results)


def _tutorial(stream, get_state, set_state, mode):
    """The random-numbers tutorial: default updates, no_default_updates, a draw used three
    times in one call, and restoring a saved generator state."""
    rv_u = stream.uniform((2, 2)) if isinstance(stream, RandomStreams) else \
        stream.uniform(0, 1, size=(2, 2))
    rv_n = stream.normal((2, 2)) if isinstance(stream, RandomStreams) else \
        stream.normal(0, 1, size=(2, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # RandomStates run on the VM
        f = function([], rv_u, mode=mode)
        g = function([], rv_n, mode=mode, no_default_updates=True)
        nearly_zeros = function([], rv_u + rv_u - 2 * rv_u, mode=mode)
    f_val0, f_val1 = f(), f()
    assert not np.array_equal(f_val0, f_val1)
    g_val0, g_val1 = g(), g()
    np.testing.assert_array_equal(g_val0, g_val1)
    np.testing.assert_allclose(nearly_zeros(), 0.0, atol=1e-12)
    saved = get_state(rv_u.rng.get_value())
    nearly_zeros()
    v1 = f()
    rng = rv_u.rng.get_value(borrow=True)
    set_state(rng, saved)
    rv_u.rng.set_value(rng, borrow=True)
    v2, v3 = f(), f()
    assert not np.array_equal(v1, v2)
    np.testing.assert_array_equal(v1, v3)
    return [f_val0, f_val1, g_val0, v1, v2, v3]


def _set_bit_state(rng, state):
    rng.bit_generator.state = state


@pytest.mark.parametrize("legacy", [False, True])
def test_the_random_numbers_tutorial_under_numba(legacy):
    results = []
    for mode in (PY, NUMBA, NUMBA_FAST):
        if legacy:
            got = _tutorial(RandomStreams(seed=234), lambda r: r.get_state(),
                            lambda r, s: r.set_state(s), mode)
        else:
            got = _tutorial(RandomStream(seed=234), lambda r: r.bit_generator.state,
                            _set_bit_state, mode)
        results.append(got)
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)
