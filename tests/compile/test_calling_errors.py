"""Calling a compiled function wrongly gives an error that names the input and the problem."""
import numpy as np
import pytest

import symgrad.tensor as T
from symgrad import In, function
from symgrad.errors import InputError


@pytest.fixture
def f():
    x, y = T.dscalars("x", "y")
    m = T.dmatrix("m")
    return function([x, In(y, value=1.0), m], (x + y) * m, name="calc")


def test_missing_argument(f):
    with pytest.raises(InputError, match=r"missing argument for input 0 \('x'\) of function "
                                         r"'calc'"):
        f(m=np.ones((1, 1)))
    with pytest.raises(InputError, match=r"missing argument for input 2 \('m'\)"):
        f(1.0, 2.0)


def test_too_many_arguments(f):
    with pytest.raises(InputError, match=r"function 'calc' takes 3 argument\(s\) "
                                         r"\['x', 'y', 'm'\] but 4 were given"):
        f(1.0, 2.0, np.ones((1, 1)), 4.0)


def test_unknown_keyword(f):
    with pytest.raises(InputError, match=r"unknown keyword argument 'z'; the inputs' names "
                                         r"are \['x', 'y', 'm'\]"):
        f(1.0, z=3.0, m=np.ones((1, 1)))


def test_argument_given_twice(f):
    with pytest.raises(InputError, match=r"input 0 \('x'\) of function 'calc' was given twice"):
        f(1.0, x=2.0, m=np.ones((1, 1)))


def test_wrong_ndim(f):
    with pytest.raises(InputError, match=r"bad argument for input 2 \('m'\) of function 'calc'"
                                         r": expected 2 dimension\(s\).*got 1"):
        f(1.0, 2.0, np.ones(3))


def test_wrong_dtype():
    i = T.ivector("i")
    g = function([i], i * 2)
    with pytest.raises(InputError, match=r"bad argument for input 0 \('i'\): .*int32.*"
                                         r"float64.*allow_input_downcast"):
        g(np.array([1.5, 2.0]))
    with pytest.raises(InputError, match=r"input 0 \('i'\).*without loss"):
        g([1.5])
    np.testing.assert_array_equal(g([1, 2]), [2, 4])  # lossless Python ints are fine


def test_unnamed_input_is_named_by_position_and_type():
    v = T.dvector()
    g = function([v], v + 1)
    with pytest.raises(InputError, match=r"input 0 \(<TensorType\(float64, vector\)>\)"):
        g(np.ones((2, 2)))


def test_errors_are_type_errors_for_theano_code():
    x = T.dscalar("x")
    g = function([x], x)
    with pytest.raises(TypeError):
        g()
