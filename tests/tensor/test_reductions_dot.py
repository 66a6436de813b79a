"""Reductions, dimshuffle and dot against numpy, with gradients and property tests."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symgrad.tensor as T
from symgrad.gradient import verify_grad
from tests.helpers import check_against_numpy

AXES = [None, 0, 1, -1, (0, 2), (0, 1, 2)]
REDUCTIONS = {
    "sum": (T.sum, np.sum), "prod": (T.prod, np.prod), "max": (T.max, np.max),
    "min": (T.min, np.min), "mean": (T.mean, np.mean), "var": (T.var, np.var),
    "std": (T.std, np.std),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction_values(name, rng):
    """Every axis choice, with and without keepdims, checked by one function per mode."""
    fn, ref = REDUCTIONS[name]
    x = T.dtensor3("x")
    xv = rng.uniform(0.5, 1.5, size=(2, 3, 4))
    outs = [fn(x, axis=a, keepdims=k) for a in AXES for k in (False, True)]
    check_against_numpy([x], outs, [xv], [ref(xv, axis=a, keepdims=k)
                                          for a in AXES for k in (False, True)])


@pytest.mark.parametrize("axis", [None, 1, (0, 2)], ids=str)
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction_gradients(name, axis, rng):
    fn = REDUCTIONS[name][0]
    # distinct values so max/min have a unique argmax
    xv = rng.permutation(24).reshape(2, 3, 4) / 7.0 + 0.5
    verify_grad(lambda a: fn(a, axis=axis), [xv], rng=rng)


def test_prod_gradient_with_zeros(rng):
    x = T.dvector("x")
    g = T.grad(T.prod(x), x)
    check_against_numpy([x], g, [np.array([2.0, 0.0, 3.0])], [0.0, 6.0, 0.0])
    check_against_numpy([x], g, [np.array([0.0, 0.0, 3.0])], [0.0, 0.0, 0.0])
    check_against_numpy([x], g, [np.array([2.0, 5.0, 3.0])], [15.0, 6.0, 10.0])


def test_max_gradient_goes_to_the_maximum():
    x = T.dvector("x")
    g = T.grad(T.max(x), x)
    check_against_numpy([x], g, [np.array([1.0, 5.0, 2.0])], [0.0, 1.0, 0.0])


def test_integer_and_boolean_reductions(rng):
    i = T.imatrix("i")
    iv = rng.integers(-5, 5, size=(3, 4)).astype("int32")
    assert T.sum(i).dtype == "int64"
    check_against_numpy([i], T.sum(i, axis=0), [iv], iv.sum(axis=0))
    check_against_numpy([i], T.max(i, axis=1), [iv], iv.max(axis=1))
    check_against_numpy([i], T.any(i, axis=1), [iv], iv.any(axis=1))
    check_against_numpy([i], T.all(i), [iv], iv.all())
    check_against_numpy([i], T.mean(i), [iv], iv.mean())


def test_argmax_argmin(rng):
    x = T.dmatrix("x")
    xv = rng.normal(size=(3, 5))
    for axis in (None, 0, 1, -1):
        check_against_numpy([x], T.argmax(x, axis=axis), [xv], np.argmax(xv, axis=axis))
        check_against_numpy([x], T.argmin(x, axis=axis), [xv], np.argmin(xv, axis=axis))
    check_against_numpy([x], x.argmax(axis=1, keepdims=True), [xv],
                        np.argmax(xv, axis=1, keepdims=True))


def test_reduction_axis_out_of_range_is_an_error():
    with pytest.raises(ValueError, match="axis 3"):
        T.sum(T.dmatrix("x"), axis=3)


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)),
                                    ((2, 3), (3, 4))], ids=str)
def test_dot(shapes, rng):
    a = T.TensorType("float64", (False,) * len(shapes[0]))("a")
    b = T.TensorType("float64", (False,) * len(shapes[1]))("b")
    av, bv = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
    check_against_numpy([a, b], T.dot(a, b), [av, bv], np.dot(av, bv))
    check_against_numpy([a, b], a @ b, [av, bv], av @ bv)
    verify_grad(T.dot, [av, bv], rng=rng)


def test_dot_shape_mismatch_names_the_line_and_shapes(rng):
    a, b = T.dmatrices("a", "b")
    f = T.dot(a, b)
    from symgrad import function
    fn = function([a, b], f, mode="FAST_COMPILE")
    with pytest.raises(Exception) as info:
        fn(np.ones((2, 3)), np.ones((4, 5)))
    text = str(info.value)
    assert "test_reductions_dot.py" in text and "f = T.dot(a, b)" in text
    assert "(2, 3)" in text and "(4, 5)" in text


@pytest.mark.parametrize("pattern", [(1, 0), ("x", 0, 1), (0, "x", 1), (1, "x", 0, "x")],
                         ids=str)
def test_dimshuffle(pattern, rng):
    x = T.dmatrix("x")
    xv = rng.normal(size=(2, 3))
    ref = np.transpose(xv, [p for p in pattern if p != "x"])
    for pos, p in enumerate(pattern):
        if p == "x":
            ref = np.expand_dims(ref, pos)
    check_against_numpy([x], x.dimshuffle(*pattern), [xv], ref)
    verify_grad(lambda a: a.dimshuffle(*pattern), [xv], rng=rng)


def test_dimshuffle_drops_broadcastable_axes(rng):
    r = T.drow("r")
    rv = rng.normal(size=(1, 4))
    check_against_numpy([r], r.dimshuffle(1), [rv], rv[0])
    with pytest.raises(ValueError, match="not broadcastable"):
        T.dmatrix("m").dimshuffle(1)


def test_transpose(rng):
    x = T.dtensor3("x")
    xv = rng.normal(size=(2, 3, 4))
    check_against_numpy([x], x.T, [xv], xv.T)
    check_against_numpy([x], x.transpose(1, 0, 2), [xv], xv.transpose(1, 0, 2))


_shapes = st.lists(st.integers(1, 3), min_size=0, max_size=3)


@settings(max_examples=25, deadline=None)
@given(shape=_shapes, data=st.data())
def test_broadcasting_property(shape, data):
    """Any pair of numpy-broadcastable shapes whose stretched axes are declared gives numpy's
    result, and its gradient sums over the broadcast axes."""
    other = [data.draw(st.sampled_from([n, 1])) for n in shape]
    other = other[data.draw(st.integers(0, len(other))):]  # drop leading axes sometimes
    a = T.TensorType("float64", tuple(n == 1 for n in shape))("a")
    b = T.TensorType("float64", tuple(n == 1 for n in other))("b")
    rng = np.random.default_rng(len(shape) * 10 + len(other))
    av, bv = rng.normal(size=shape), rng.normal(size=other)
    op = data.draw(st.sampled_from(["add", "mul", "sub"]))
    ref = getattr(np, {"add": "add", "mul": "multiply", "sub": "subtract"}[op])(av, bv)
    check_against_numpy([a, b], getattr(T, op)(a, b), [av, bv], ref)
    ga, gb = T.grad(getattr(T, op)(a, b).sum(), [a, b])
    ones = np.ones(np.broadcast_shapes(av.shape, bv.shape))
    exp_ga = {"add": ones, "sub": ones, "mul": ones * bv}[op]
    exp_gb = {"add": ones, "sub": -ones, "mul": ones * av}[op]

    def reduce_to(g, shape):
        g = g.sum(axis=tuple(range(g.ndim - len(shape)))) if g.ndim > len(shape) else g
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
        return g.sum(axis=axes, keepdims=True) if axes else g

    check_against_numpy([a, b], ga, [av, bv], reduce_to(exp_ga, av.shape))
    check_against_numpy([a, b], gb, [av, bv], reduce_to(exp_gb, bv.shape))
