"""theano.generic (a type for any Python object) and theano.compat's helpers."""
from __future__ import annotations

import numpy as np

import symgrad as theano
import symgrad.tensor as T
from symgrad.compat import DefaultOrderedDict, decode, izip


class _LengthOf(theano.Op):
    """A toy op taking a generic input: the length of a Python list, as an int64 scalar."""

    def make_node(self, x):
        return theano.Apply(self, [x], [T.lscalar()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(len(inputs[0]), dtype="int64")


def test_generic_variables_carry_python_objects_through_a_function():
    items = theano.generic("items")
    assert theano.generic == theano.Generic() and str(items.type) == "generic"
    f = theano.function([items], _LengthOf()(items) * 2, mode=theano.Mode(linker="py"))
    assert f([1, "two", None]) == 6


def test_compat_helpers():
    d = DefaultOrderedDict(list)
    d["b"].append(1)
    d["a"].append(2)
    assert list(d.items()) == [("b", [1]), ("a", [2])]
    assert decode(b"abc") == "abc" and decode("x") == "x"
    assert list(izip([1, 2], "ab")) == [(1, "a"), (2, "b")]
