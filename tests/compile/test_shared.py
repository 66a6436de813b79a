"""shared(): types from values, get/set with and without borrow, default updates."""
import numpy as np
import pytest

import symgrad.tensor as T
from symgrad import function, shared
from symgrad.tensor.random.type import random_generator_type, random_state_type
from symgrad.tensor.sharedvar import RandomStateSharedVariable, TensorSharedVariable


@pytest.mark.parametrize("value, dtype, ndim", [
    (0, "int64", 0), (1.5, "float64", 0), (True, "bool", 0),
    (np.float32(2), "float32", 0), (np.zeros((2, 3), dtype="int32"), "int32", 2),
    ([1.0, 2.0], "float64", 1),
])
def test_type_follows_the_value(value, dtype, ndim):
    s = shared(value, name="s")
    assert isinstance(s, TensorSharedVariable)
    assert s.type.dtype == dtype and s.type.ndim == ndim
    assert s.type.broadcastable == (False,) * ndim
    assert s.name == "s" and s.get_value().dtype == dtype


def test_get_value_copies_unless_borrowed():
    arr = np.arange(3.0)
    s = shared(arr)
    arr[0] = 10.0  # shared() copied the array
    assert s.get_value()[0] == 0.0
    got = s.get_value()
    got[1] = 5.0
    assert s.get_value()[1] == 1.0
    assert s.get_value(borrow=True) is s.get_value(borrow=True)
    b = shared(arr, borrow=True)
    assert b.get_value(borrow=True) is arr


def test_set_value_checks_type_and_copies():
    s = shared(np.zeros(2))
    new = np.ones(2)
    s.set_value(new)
    new[0] = 7.0
    assert s.get_value()[0] == 1.0
    s.set_value(new, borrow=True)
    assert s.get_value(borrow=True) is new
    with pytest.raises(TypeError, match="expected 1 dimension"):
        s.set_value(np.zeros((2, 2)))
    i = shared(0)
    with pytest.raises(TypeError, match="without loss"):
        i.set_value(1.5)
    strict = shared(np.zeros(2), strict=True)
    with pytest.raises(TypeError, match="float64"):
        strict.set_value([1.0, 2.0])


def test_default_update_is_used_and_can_be_switched_off():
    counter = shared(0)
    counter.default_update = counter + 1
    x = T.lscalar("x")
    f = function([x], x + counter)
    assert f(10) == 10 and f(10) == 11 and counter.get_value() == 2
    g = function([x], x + counter, no_default_updates=True)
    assert g(0) == 2 and g(0) == 2
    h = function([x], x + counter, no_default_updates=[counter])
    assert h(0) == 2 and counter.get_value() == 2
    # an explicit update wins over the default one
    k = function([], counter, updates=[(counter, counter + 5)])
    k()
    assert counter.get_value() == 7


def test_default_updates_are_followed_through_other_shared_variables():
    a, b = shared(1), shared(10)
    a.default_update = a + b
    b.default_update = b * 2
    f = function([], a)
    assert f() == 1
    assert (a.get_value(), b.get_value()) == (11, 20)


def test_shared_random_generators():
    g = shared(np.random.default_rng(3))
    r = shared(np.random.RandomState(3))
    assert isinstance(g, RandomStateSharedVariable)
    assert g.type == random_generator_type and r.type == random_state_type
    first = g.get_value().random()
    assert g.get_value().random() == first  # get_value copies the generator
    with pytest.raises(TypeError, match="Generator"):
        g.set_value(np.random.RandomState(0))


def test_shared_rejects_symbolic_and_object_values():
    with pytest.raises(TypeError, match="not a symbolic variable"):
        shared(T.dscalar())
    with pytest.raises(TypeError, match="cannot hold"):
        shared(object())
