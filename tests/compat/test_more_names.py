"""Theano names built from symgrad's own parts: theano.gof, the old compile module paths,
OrderedUpdates, clone, get_scalar_constant_value, misc.pkl_utils and the tensor functions
that are compositions (isclose, largest, ptp ...), each checked against what Theano's
documentation says it does (values against numpy)."""
from __future__ import annotations

import io
import pickle

import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile import Mode
from symgrad.gradient import verify_grad

PY = Mode(linker="py")


def test_gof_walks_a_graph_between_inputs_and_outputs():
    from symgrad.gof import Apply, Op, graph
    from symgrad.gof.utils import MethodNotDefined

    x, y = T.dvector("x"), T.dvector("y")
    z = x * 2 + y
    assert issubclass(MethodNotDefined, Exception) and Op is theano.Op
    nodes = graph.list_of_nodes([x, y], [z])
    assert all(isinstance(n, Apply) for n in nodes) and nodes[-1] is z.owner
    assert graph.ops([x, y], [z]) == set(nodes)
    assert set(graph.inputs([z])) == {x, y} | graph.orphans([x, y], [z])
    assert all(v.owner is None and v not in (x, y) for v in graph.orphans([x, y], [z]))
    assert {x, y, z} <= graph.variables([x, y], [z])
    assert graph.view_roots(z) == [z]
    assert graph.io_toposort([x, y], [z]) == nodes
    with pytest.raises(ValueError, match="orderings"):
        graph.io_toposort([x], [z], orderings={z.owner: [x.owner]})
    (cx,), (cz,) = graph.clone([x], [x * 3])
    assert cx is not x and cz.owner.inputs[0] is cx


def test_old_compile_module_paths_compile_functions():
    from symgrad.compile.function_module import orig_function
    from symgrad.compile.pfunc import pfunc

    x = T.dvector("x")
    f = orig_function([theano.In(x, value=np.ones(2))], theano.Out(x * 2), mode=PY)
    np.testing.assert_array_equal(f(), [2.0, 2.0])
    g = pfunc([x], [x + 1, x * 3], output_keys=["plus", "times"], mode=PY)
    got = g(np.array([1.0, 2.0]))
    assert set(got) == {"plus", "times"}
    np.testing.assert_array_equal(got["times"], [3.0, 6.0])


def test_shared_constructor_is_asked_first_and_may_decline():
    from symgrad.compile import shared_constructor

    seen = []

    @shared_constructor
    def lists_only(value, name=None, strict=False, allow_downcast=None, **kwargs):
        if not isinstance(value, list):
            raise TypeError("not mine")
        seen.append(kwargs)
        return theano.shared(np.array(value, dtype="float32"), name=name)

    try:
        made = theano.shared([1, 2], name="w", borrow=True)
        assert made.get_value().dtype == np.float32 and seen == [{"borrow": True}]
        assert theano.shared(np.int64(3)).get_value().dtype == np.int64  # declined
    finally:
        shared_constructor(lists_only, remove=True)
    assert theano.shared([1, 2]).get_value().dtype == np.int64


def test_ordered_updates_merge_and_refuse_a_second_update():
    a, b = theano.shared(1.0, name="a"), theano.shared(2.0, name="b")
    first = theano.OrderedUpdates([(a, a + 1)])
    both = first + theano.OrderedUpdates({b: b * 2})
    assert list(both) == [a, b]
    with pytest.raises(KeyError, match="already updated"):
        first[a] = a - 1
    with pytest.raises(TypeError, match="shared variables"):
        first[T.dscalar("s")] = a
    theano.function([], [], updates=both, mode=PY)()
    assert (a.get_value(), b.get_value()) == (2.0, 4.0)


def test_clone_replaces_and_checks_types():
    x, y = T.dvector("x"), T.dvector("y")
    z = T.exp(x) * 2
    swapped = theano.clone(z, replace={x: y})
    np.testing.assert_allclose(theano.function([y], swapped, mode=PY)(np.zeros(2)), [2.0, 2.0])
    assert theano.clone(z, share_inputs=False).owner.inputs[0].owner.inputs[0] is not x
    with pytest.raises(TypeError, match="strict"):
        theano.clone(z, replace={x: T.dmatrix("m")})


def test_get_scalar_constant_value_sees_through_casts_and_elementwise_math():
    from symgrad.tensor import NotScalarConstantError, get_scalar_constant_value

    c = T.constant(3.0)
    assert get_scalar_constant_value(T.cast(c * 2 + 1, "int32")) == 7
    assert get_scalar_constant_value(T.constant(np.array([[4.0]]))) == 4.0
    from symgrad.tensor.shape import ShapeI

    row = T.dmatrix("m").dimshuffle("x", 0, 1)
    assert get_scalar_constant_value(ShapeI(0)(row)) == 1  # the type says length 1
    with pytest.raises(NotScalarConstantError, match="axis 1"):
        get_scalar_constant_value(ShapeI(1)(row))
    with pytest.raises(NotScalarConstantError):
        get_scalar_constant_value(T.dscalar("s") + 1)
    with pytest.raises(NotScalarConstantError):
        get_scalar_constant_value(c * 2, only_process_constants=True)
    with pytest.raises(NotScalarConstantError, match="2 values"):
        get_scalar_constant_value(T.constant([1.0, 2.0]))


def test_pkl_utils_round_trip_keeps_arrays_as_npy_files(tmp_path):
    import zipfile

    from symgrad.misc import pkl_utils

    w = theano.shared(np.arange(6.0).reshape(2, 3), name="W")
    x = T.dmatrix("x")
    f = theano.function([x], T.dot(x, w.T) + 1, mode=PY)
    path = tmp_path / "model.zip"
    pkl_utils.dump({"W": w, "f": f, "n": 3}, str(path))
    names = zipfile.ZipFile(path).namelist()
    assert "pkl" in names and "W.npy" in names
    np.testing.assert_array_equal(np.load(zipfile.ZipFile(path).open("W.npy")),
                                  w.get_value())
    back = pkl_utils.load(str(path))
    np.testing.assert_array_equal(back["W"].get_value(), w.get_value())
    np.testing.assert_allclose(back["f"](np.ones((1, 3))), [[4.0, 13.0]])
    assert back["n"] == 3


def test_strip_pickler_leaves_out_traces_and_test_values_but_not_from_the_original():
    from symgrad.misc.pkl_utils import StripPickler

    x = T.dmatrix("x")
    y = x * 2
    y.tag.test_value = np.ones((1, 1))
    buffer = io.BytesIO()
    StripPickler(buffer, protocol=2).dump(y)
    back = pickle.loads(buffer.getvalue())
    assert not hasattr(back.tag, "test_value") and back.owner.trace is None
    assert hasattr(y.tag, "test_value") and y.owner.trace is not None
    assert str(back.owner.op) == str(y.owner.op)


def test_scalar_type_instances_and_constants():
    import symgrad.scalar as S

    assert S.float64 == S.ScalarType("float64") and S.int32.dtype == "int32"
    assert S.constant(3).type.dtype == "int8" and S.constant(2.5).type.dtype == "float64"
    assert S.constant(2.5, dtype="float32").type.dtype == "float32"
    assert S.float64("s").type == S.float64


@pytest.fixture
def pair(rng):
    a = rng.normal(size=8)
    b = a + rng.normal(size=8) * np.array([0, 1e-9, 1e-3, 1, 0, 0, 0, 0])
    a[4:] = [np.inf, np.nan, -np.inf, 1.0]
    b[4:] = [np.inf, np.nan, np.inf, np.inf]
    return a, b


@pytest.mark.parametrize("equal_nan", [False, True])
def test_isclose_and_allclose_follow_numpy(pair, equal_nan):
    a, b = pair
    x, y = T.dvector("x"), T.dvector("y")
    f = theano.function([x, y], [T.isclose(x, y, equal_nan=equal_nan),
                                 T.allclose(x, y, equal_nan=equal_nan),
                                 T.allclose(x[:2], y[:2])], mode=PY)
    close, every, first_two = f(a, b)
    np.testing.assert_array_equal(close, np.isclose(a, b, equal_nan=equal_nan))
    assert bool(every) == np.allclose(a, b, equal_nan=equal_nan) and bool(first_two)


def test_composed_functions_match_numpy(rng):
    x, y = T.dmatrix("x"), T.dmatrix("y")
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    f = theano.function([x, y], [
        T.where(x > y, x, y), T.floor_div(x, 0.3), T.largest(x, y, 0.5), T.smallest(x, y),
        T.ptp(x, axis=1), *T.max_and_argmax(x, axis=0), T.deg2rad(x), T.rad2deg(x),
        T.iround(x * 3)], mode=PY)
    got = f(a, b)
    want = [np.where(a > b, a, b), np.floor_divide(a, 0.3), np.maximum(np.maximum(a, b), 0.5),
            np.minimum(a, b), np.ptp(a, axis=1), a.max(axis=0), a.argmax(axis=0),
            np.deg2rad(a), np.rad2deg(a), np.round(a * 3).astype("int64")]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)
    assert got[-1].dtype == np.int64
    s = T.dscalar("s")
    stacked = theano.function([s], T.stacklists([[s, 2 * s], [3 * s, 4 * s]]), mode=PY)(1.5)
    np.testing.assert_array_equal(stacked, [[1.5, 3.0], [4.5, 6.0]])


def test_gradients_through_the_compositions(rng):
    a = rng.normal(size=(3, 4))
    b = a + 0.5  # no ties between the arguments of largest
    verify_grad(lambda x: T.ptp(x, axis=1), [a], rng=rng)
    verify_grad(lambda x, y: T.largest(x, y, 0.1), [a, b], rng=rng)
    verify_grad(lambda x: T.deg2rad(x) * T.rad2deg(x), [a], rng=rng)


def test_compress_bartlett_and_function_dump(tmp_path):
    from symgrad.tensor.extra_ops import bartlett, compress

    m = T.lscalar("m")
    window = theano.function([m], bartlett(m), mode=PY)
    for k in (0, 1, 2, 5, 6):
        np.testing.assert_allclose(window(k), np.bartlett(k))
    c, x = T.bvector("c"), T.dmatrix("x")
    f = theano.function([c, x], [compress(c, x, axis=0), compress(c, x, axis=1),
                                 compress(c, x)], mode=PY)
    a, keep = np.arange(12.0).reshape(3, 4), np.array([1, 0, 1], dtype="int8")
    for got, axis in zip(f(keep, a), (0, 1, None)):
        np.testing.assert_array_equal(got, np.compress(keep, a, axis=axis))
    v = T.dvector("v")
    path = tmp_path / "call.pkl"
    theano.function_dump(str(path), [v], v * 2, name="doubled")
    with open(path, "rb") as src:
        arguments = pickle.load(src)
    assert arguments["name"] == "doubled"
    np.testing.assert_array_equal(theano.function(**arguments)(np.ones(2)), [2.0, 2.0])
