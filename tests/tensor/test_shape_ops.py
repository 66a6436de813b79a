"""Shapes: x.shape, reshape, flatten, squeeze, expand_dims, broadcast declarations."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symgrad as theano
import symgrad.tensor as T
from symgrad.gradient import verify_grad
from tests.helpers import check_against_numpy, check_infer_shape


def test_shape_of_every_rank(rng):
    for ndim in range(4):
        x = T.tensor("float64", shape=(None,) * ndim, name="x")
        xv = rng.standard_normal((2, 0, 3)[:ndim])
        check_against_numpy([x], x.shape, [xv], np.array(xv.shape, dtype="int64"))
        check_against_numpy([x], T.shape(x), [xv], np.array(xv.shape, dtype="int64"))


@pytest.mark.parametrize("newshape", [(6, 4), (-1,), (2, -1, 2), (4, 3, 2, 1), (1, 24), (24, 1)],
                         ids=str)
def test_reshape_constant_shapes(newshape, rng):
    x = T.dtensor3("x")
    xv = rng.standard_normal((2, 3, 4))
    out = x.reshape(newshape)
    assert out.broadcastable == tuple(n == 1 for n in newshape)
    check_against_numpy([x], out, [xv], xv.reshape(newshape))
    check_infer_shape([x], out, [xv])
    verify_grad(lambda a: T.reshape(a, newshape), [xv], rng=rng)


def test_reshape_symbolic_shapes(rng):
    x = T.dmatrix("x")
    n = T.lscalar("n")
    xv = rng.standard_normal((4, 6))
    out = x.reshape((n, -1))
    assert out.ndim == 2
    check_against_numpy([x, n], out, [xv, 3], xv.reshape(3, -1))
    check_infer_shape([x, n], out, [xv, 3])
    y = T.dtensor3("y")
    yv = rng.standard_normal((2, 3, 4))
    same = x.reshape(y.shape)  # a shape vector of known length
    assert same.ndim == 3
    check_against_numpy([x, y], same, [xv, yv], xv.reshape(2, 3, 4))
    flat_pair = x.reshape((x.shape[0] * x.shape[1],))
    check_against_numpy([x], flat_pair, [xv], xv.reshape(-1))
    v = T.lvector("v")
    with pytest.raises(ValueError, match="cannot be known"):
        x.reshape(v)
    check_against_numpy([x, v], x.reshape(v, ndim=3), [xv, np.array([2, 2, 6])],
                        xv.reshape(2, 2, 6))
    with pytest.raises(Exception, match="reshape|size"):
        theano.function([x, n], out)(xv, 5)


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_flatten(ndim, rng):
    x = T.dtensor3("x")
    xv = rng.standard_normal((2, 3, 4))
    want = xv.reshape(xv.shape[:ndim - 1] + (-1,))
    check_against_numpy([x], T.flatten(x, ndim), [xv], want)
    check_against_numpy([x], x.flatten(ndim), [xv], want)
    verify_grad(lambda a: T.flatten(a, ndim), [xv], rng=rng)
    empty = np.zeros((0, 3, 2))
    merged = empty.shape[:ndim - 1] + (int(np.prod(empty.shape[ndim - 1:])),)
    check_against_numpy([x], T.flatten(x, ndim), [empty], empty.reshape(merged))


def test_squeeze_and_expand_dims(rng):
    x = T.tensor("float64", shape=(1, None, 1), name="x")
    xv = rng.standard_normal((1, 3, 1))
    check_against_numpy([x], T.squeeze(x), [xv], np.squeeze(xv))
    check_against_numpy([x], x.squeeze(axis=2), [xv], np.squeeze(xv, axis=2))
    y = T.dmatrix("y")
    yv = rng.standard_normal((3, 1))
    assert T.squeeze(y) is y  # nothing declared broadcastable, nothing to drop
    check_against_numpy([y], T.squeeze(y, axis=1), [yv], yv[:, 0])
    with pytest.raises(Exception, match="broadcastable"):
        theano.function([y], T.squeeze(y, axis=0))(yv)
    for axis in (0, 1, 2, -1, (0, 3), (-1, 1)):
        check_against_numpy([y], T.expand_dims(y, axis), [yv], np.expand_dims(yv, axis))
    check_against_numpy([y], T.shape_padleft(y, 2), [yv], yv[None, None])
    check_against_numpy([y], T.shape_padright(y), [yv], yv[..., None])
    check_against_numpy([y], T.shape_padaxis(y, 1), [yv], yv[:, None])
    assert T.shape_padleft(y).broadcastable == (True, False, False)
    verify_grad(lambda a: T.squeeze(a, axis=1) * 2, [yv], rng=rng)
    verify_grad(lambda a: T.expand_dims(a, (0, 2)), [yv], rng=rng)


def test_broadcast_declarations(rng):
    x = T.dmatrix("x")
    xv = rng.standard_normal((1, 4))
    b = T.addbroadcast(x, 0)
    assert b.broadcastable == (True, False)
    assert T.unbroadcast(b, 0).broadcastable == (False, False)
    assert T.patternbroadcast(x, (True, False)).broadcastable == (True, False)
    assert T.addbroadcast(b, 0) is b
    check_against_numpy([x], b, [xv], xv)
    # an axis declared broadcastable stretches in elementwise ops
    y = T.dmatrix("y")
    yv = rng.standard_normal((3, 4))
    check_against_numpy([x, y], T.addbroadcast(x, 0) + y, [xv, yv], xv + yv)
    with pytest.raises(Exception, match="broadcastable"):
        theano.function([x], T.addbroadcast(x, 1))(xv)
    verify_grad(lambda a, c: T.addbroadcast(a, 0) * c, [xv, yv], rng=rng)
    check_infer_shape([x], b, [xv])


@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(0, 4), min_size=1, max_size=4), data=st.data())
def test_reshape_round_trips(shape, data):
    size = int(np.prod(shape))
    xv = np.arange(size, dtype="float64").reshape(shape)
    x = T.tensor("float64", shape=(None,) * len(shape), name="x")
    target = list(data.draw(st.permutations(shape)))
    if size and data.draw(st.booleans()):
        target[data.draw(st.integers(0, len(target) - 1))] = -1
    out = T.reshape(x, target)
    got = theano.function([x], out)(xv)
    np.testing.assert_array_equal(got, xv.reshape(target))
    check_infer_shape([x], out, [xv])


def test_specify_shape(rng):
    x = T.dmatrix("x")
    n = T.lscalar("n")
    xv = rng.standard_normal((2, 3))
    s = T.specify_shape(x, (2, None))
    check_against_numpy([x], s, [xv], xv)
    check_infer_shape([x], s, [xv])
    check_against_numpy([x, n], T.specify_shape(x, (n, 3)), [xv, 2], xv)
    assert T.specify_shape(x, (1, None)).broadcastable == (True, False)
    with pytest.raises(Exception, match="expected shape"):
        theano.function([x], s)(rng.standard_normal((3, 3)))
    verify_grad(lambda a: T.specify_shape(a, (2, 3)) ** 2, [xv], rng=rng)


PUBLIC = ["shape", "reshape", "flatten", "squeeze", "expand_dims", "shape_padleft",
    "shape_padright", "shape_padaxis", "addbroadcast", "unbroadcast", "patternbroadcast",
    "specify_shape", "concatenate", "join", "stack", "split", "repeat", "tile", "roll", "arange",
    "eye", "zeros", "ones", "full", "alloc", "diag", "diagonal", "tril", "triu", "tri", "outer",
    "tensordot", "batched_dot", "batched_tensordot", "matmul", "dot", "take", "set_subtensor",
    "inc_subtensor", "sort", "argsort", "argmax", "argmin", "cumsum", "cumprod", "diff",
    "get_vector_length", "identity_like", "nonzero", "flatnonzero", "nonzero_values",
    "searchsorted", "bincount", "to_one_hot", "fill_diagonal", "fill_diagonal_offset",
    "horizontal_stack", "vertical_stack", "swapaxes"]


@pytest.mark.parametrize("name", PUBLIC)
def test_public_names_are_documented(name):
    fn = getattr(T, name)
    assert fn.__doc__ and len(fn.__doc__.strip()) > 10


def test_theano_module_paths():
    assert T.extra_ops.cumsum is T.cumsum
    assert T.extra_ops.repeat is T.repeat
    assert T.extra_ops.diff is T.diff
    assert T.extra_ops.squeeze is T.squeeze
    assert T.basic.concatenate is T.concatenate
    assert T.basic.reshape is T.reshape
    assert T.subtensor.set_subtensor is T.set_subtensor


def _ops_defined_in(*modules):
    from symgrad.graph.op import Op

    return [obj for m in modules for obj in vars(m).values()
            if isinstance(obj, type) and issubclass(obj, Op) and obj.__module__ == m.__name__
            and not obj.__name__.startswith("_")]


def test_every_shape_op_infers_shapes_and_has_forward_derivatives():
    import importlib

    from symgrad.graph.op import Op

    # by module path: T.shape and T.sort name the functions, not the modules
    names = ["basic", "extra_ops", "products", "shape", "sort", "subtensor"]
    ops = _ops_defined_in(*[importlib.import_module(f"symgrad.tensor.{n}") for n in names])
    assert len(ops) > 20
    assert [o.__name__ for o in ops if o.infer_shape is Op.infer_shape] == []
    assert [o.__name__ for o in ops if o.R_op is Op.R_op] == []


def test_inferred_shapes_of_made_arrays(rng):
    n, m = T.lscalars("n", "m")
    x = T.dmatrix("x")
    xv = rng.standard_normal((2, 3))
    check_infer_shape([n, m], T.eye(n, m, 1), [3, 5])
    check_infer_shape([n, m], T.tri(n, m), [4, 2])
    check_infer_shape([n, m], T.stack([n, m, n]), [1, 2])
    check_infer_shape([x], T.alloc(1.0, x.shape[1], 4), [xv])
    check_infer_shape([x], T.argsort(x, 0), [xv])
    check_infer_shape([x], T.specify_shape(x, x.shape), [xv])
    check_infer_shape([x], T.cumsum(x), [xv])
