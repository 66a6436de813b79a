"""Random variables: numbers equal numpy's for the same generator state, ops are pure, shapes,
printing, and the seeding rules of RandomStream and RandomStreams."""
import numpy as np
import pytest

import symgrad.tensor as T
from symgrad import function, pp, shared
from symgrad.compile.mode import Mode
from symgrad.errors import GradientError
from symgrad.graph.basic import Variable
from symgrad.tensor.random import basic
from symgrad.tensor.random.type import random_generator_type
from symgrad.tensor.random.utils import RandomStream
from symgrad.tensor.shared_randomstreams import RandomStreams

PY = Mode("py", None)


def _draw(build, *args, seed=5, state=False, **kwargs):
    """Compile `build(..., rng=shared generator)` and compare it with numpy's draw."""
    value = np.random.RandomState(seed) if state else np.random.default_rng(seed)
    rng = shared(value)
    draws = build(*args, rng=rng, **kwargs)
    f = function([], draws, mode=PY, updates=[(rng, draws.owner.outputs[0])])
    return f(), f(), draws


@pytest.mark.parametrize("state", [False, True])
@pytest.mark.parametrize("build, args, numpy_call, dtype", [
    (basic.uniform, (-1.0, 2.0, (2, 3)), lambda g: g.uniform(-1.0, 2.0, (2, 3)), "float64"),
    (basic.normal, (1.0, 3.0, (4,)), lambda g: g.normal(1.0, 3.0, (4,)), "float64"),
    (basic.binomial, (10, 0.3, (5,)), lambda g: g.binomial(10, 0.3, (5,)), "int64"),
    (basic.choice, (np.arange(5.0), (3,), False), lambda g: g.choice(np.arange(5.0), (3,), False),
     "float64"),
    (basic.multinomial, (7, [0.2, 0.8], (2,)), lambda g: g.multinomial(7, [0.2, 0.8], (2,)),
     "int64"),
])
def test_draws_equal_numpys_with_the_same_state(build, args, numpy_call, dtype, state):
    first, second, draws = _draw(build, *args, state=state)
    reference = np.random.RandomState(5) if state else np.random.default_rng(5)
    np.testing.assert_array_equal(first, numpy_call(reference))
    np.testing.assert_array_equal(second, numpy_call(reference))  # the state was advanced
    assert first.dtype == dtype and draws.type.dtype == dtype
    assert draws.type.ndim == first.ndim


def test_random_integers_include_both_ends():
    low_high = set()
    for state in (False, True):
        first, _, draws = _draw(basic.random_integers, 3, 5, (400,), state=state)
        low_high |= set(first.tolist())
        assert draws.type.dtype == "int64"
    assert low_high == {3, 4, 5}
    first, _, _ = _draw(basic.random_integers, 3, 5, (6,), state=True)
    np.testing.assert_array_equal(first, np.random.RandomState(5).randint(3, 6, (6,)))


def test_permutations():
    first, _, draws = _draw(basic.permutation, 6, (2, 3))
    assert first.shape == (2, 3, 6) and draws.type.ndim == 3
    assert all(sorted(row) == list(range(6)) for row in first.reshape(-1, 6).tolist())
    one, _, _ = _draw(basic.permutation, np.array([10.0, 20.0, 30.0]))
    assert sorted(one.tolist()) == [10.0, 20.0, 30.0] and one.dtype == np.float64


def test_parameters_broadcast_without_size():
    first, _, draws = _draw(basic.normal, np.zeros((3, 1)), np.ones(4))
    assert first.shape == (3, 4) and draws.type.broadcastable == (False, False)
    counts, _, mdraws = _draw(basic.multinomial, np.array([5, 50]), [0.5, 0.5], state=True)
    assert counts.shape == (2, 2) and mdraws.type.ndim == 2
    np.testing.assert_array_equal(counts.sum(axis=1), [5, 50])


def test_ops_never_change_their_generator_input():
    rng = Variable(random_generator_type, name="rng")
    draws = basic.uniform(0.0, 1.0, (3,), rng=rng)
    f = function([rng], [draws, draws.owner.outputs[0]], mode=PY)
    g = np.random.default_rng(1)
    before = g.bit_generator.state
    value, new_g = f(g)
    assert g.bit_generator.state == before
    assert new_g is not g and new_g.bit_generator.state != before
    np.testing.assert_array_equal(value, np.random.default_rng(1).uniform(0, 1, 3))


def test_size_from_a_symbolic_shape():
    srng = RandomStream(3)
    x = T.dmatrix("x")
    mask = srng.binomial(1, 0.5, size=x.shape)
    out = function([x], x * mask)(np.ones((3, 4)))
    assert out.shape == (3, 4) and set(np.unique(out)) <= {0.0, 1.0}
    n = T.lscalar("n")
    v = srng.uniform(size=(n, 2))
    assert function([n], v)(5).shape == (5, 2)
    with pytest.raises(TypeError, match="unknown length"):
        srng.uniform(size=T.lvector("s"))
    with pytest.raises(TypeError, match="integer scalars"):
        srng.uniform(size=(2.5,))


def test_infer_shape():
    srng = RandomStream(3)
    n = T.lscalar("n")
    cases = [
        (srng.uniform(size=(n, 3)), {n: 4}, (4, 3)),
        (srng.normal(T.dmatrix("m"), 1.0), None, None),
        (srng.multinomial(5, np.full(4, 0.25), size=(2,)), {}, (2, 4)),
        (srng.permutation(n, size=(3,)), {n: 6}, (3, 6)),
    ]
    for draws, values, expected in cases:
        node = draws.owner
        shapes = [getattr(v, "shape", None) if hasattr(v.type, "ndim") else None
                  for v in node.inputs]
        shapes = [tuple(T.shape_i(v, i) for i in range(v.type.ndim)) if s is not None else None
                  for v, s in zip(node.inputs, shapes)]
        rng_shape, draw_shape = node.op.infer_shape(None, node, shapes)
        assert rng_shape is None and len(draw_shape) == draws.type.ndim
        if expected is not None:
            inputs = list(values)
            got = function(inputs, list(draw_shape), on_unused_input="ignore")(
                *[values[k] for k in inputs])
            assert tuple(int(s) for s in got) == expected


def test_str_and_pp():
    srng = RandomStreams(1)
    u = srng.uniform((2, 2))
    assert str(u.owner.op) == "uniform_rv{float64}"
    assert pp(u) == "uniform(0.0, 1.0, size=(2, 2))"
    assert pp(srng.normal((3,), avg=1.0)) == "normal(1.0, 1.0, size=(3,))"
    assert pp(u.rng.default_update) == "uniform(0.0, 1.0, size=(2, 2))[0]"


def test_random_stream_seeding_is_reproducible():
    srng = RandomStream(42)
    u = srng.uniform(0.0, 1.0, size=(3,))
    z = srng.normal(size=(2,))
    f = function([], [u, z])
    first, second = f(), f()
    assert not np.array_equal(first[0], second[0])
    children = np.random.SeedSequence(42).spawn(2)
    np.testing.assert_array_equal(first[0], np.random.default_rng(children[0]).uniform(0, 1, 3))
    np.testing.assert_array_equal(first[1], np.random.default_rng(children[1]).normal(size=2))
    srng.seed(42)
    again = f()
    np.testing.assert_array_equal(again[0], first[0])
    np.testing.assert_array_equal(again[1], first[1])
    assert [rng for rng, _ in srng.updates()] == [u.rng, z.rng]
    assert u.update == (u.rng, u.rng.default_update)


def test_rng_state_can_be_read_and_set():
    srng = RandomStream(0)
    u = srng.uniform(size=(2,))
    f = function([], u)
    saved = u.rng.get_value()
    a = f()
    u.rng.set_value(saved)
    np.testing.assert_array_equal(f(), a)


def test_theano_style_signatures_and_dtypes():
    srng = RandomStreams(9)
    assert srng.uniform((2,), dtype="float32").type.dtype == "float32"
    assert srng.binomial((2,), p=0.25).type.dtype == "int64"
    assert srng.binomial((2,), prob=0.25).owner.inputs[-1].data == 0.25
    assert srng.random_integers((3,), low=1, high=4).type.ndim == 1
    assert srng.choice((2, 2), a=5, replace=False).type.ndim == 2
    assert srng.permutation((2,), n=4).type.ndim == 2
    assert srng.multinomial((3,), n=4, pvals=[0.1, 0.9]).type.ndim == 2
    with pytest.raises(ValueError, match="ndim=3"):
        srng.uniform((2, 2), ndim=3)


def test_gradients_pass_beside_draws_and_refuse_through_their_parameters():
    srng = RandomStream(1)
    x = T.dscalar("x")
    noise = srng.normal(size=(3,))
    f = function([x], [T.grad((x * noise).sum(), x), noise.sum()], no_default_updates=True)
    grad, total = f(2.0)
    assert np.isclose(grad, total)
    with pytest.raises(GradientError, match="normal_rv.*no gradient with respect to its "
                                            "parameters"):
        T.grad(srng.normal(x, 1.0).sum(), x)
