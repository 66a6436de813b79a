"""config.compute_test_value: nodes run on tag.test_value while the graph is built."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.config import config


def test_values_flow_and_a_shape_error_raises_at_build():
    with config.change_flags(compute_test_value="raise"):
        x, w = T.dmatrix("x"), T.dmatrix("w")
        x.tag.test_value = np.ones((3, 4))
        w.tag.test_value = np.ones((5, 2))
        h = T.tanh(x) * 2
        np.testing.assert_allclose(h.tag.test_value, 2 * np.tanh(np.ones((3, 4))))
        with pytest.raises(ValueError, match="not aligned|shape"):
            T.dot(h, w)


def test_missing_test_value_raises_warns_or_is_ignored():
    x, y = T.dvector("x"), T.dvector("y")
    x.tag.test_value = np.ones(2)
    with config.change_flags(compute_test_value="raise"), pytest.raises(AttributeError):
        x + y
    with config.change_flags(compute_test_value="warn"), pytest.warns(UserWarning, match="y"):
        x + y
    with config.change_flags(compute_test_value="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not hasattr((x + y).tag, "test_value")


def test_shared_and_constant_inputs_have_their_values():
    with config.change_flags(compute_test_value="raise"):
        s = theano.shared(np.arange(3.0))
        out = s * 2 + 1
        np.testing.assert_allclose(out.get_test_value(), np.arange(3.0) * 2 + 1)


def test_print_test_value_shows_it_in_repr():
    x = T.dvector("x")
    x.tag.test_value = np.array([1.5])
    assert repr(x) == "x"
    with config.change_flags(print_test_value=True):
        assert "1.5" in repr(x)
