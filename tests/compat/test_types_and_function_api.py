"""Theano's documented forms of types, constructors, function inputs/outputs and containers."""
import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad import In, function
from symgrad.graph.basic import Apply
from symgrad.graph.op import Op
from symgrad.graph.type import Type


def test_prefixed_constructors_are_the_types_themselves():
    x = T.dscalar("x")
    assert isinstance(T.dscalar, T.TensorType)
    assert x.type is T.dscalar
    assert T.fmatrix.dtype == "float32" and T.fmatrix.broadcastable == (False, False)
    assert T.ivector("v").type == T.TensorType("int32", (False,))
    assert str(T.TensorType("float64", (False, True))) == "TensorType(float64, col)"


def test_floatx_constructors_stay_functions_of_name_and_dtype():
    assert T.matrix("m", dtype="int64").type == T.lmatrix
    assert T.scalar("s").type.dtype == theano.config.floatX


@pytest.mark.parametrize(("call", "names"), [
    (lambda: T.scalars("xs"), ["x", "s"]),
    (lambda: T.dmatrices("a", "b"), ["a", "b"]),
    (lambda: T.fmatrices("abcd"), ["a", "b", "c", "d"]),
    (lambda: T.dscalars("x", "y", "w"), ["x", "y", "w"]),
])
def test_plural_constructors_make_one_variable_per_name_or_character(call, names):
    made = call()
    assert [v.name for v in made] == names


def test_plural_constructor_edge_cases():
    assert T.dscalars("x").name == "x"  # one one-letter name: the variable itself
    many = T.ivectors(3)
    assert len(many) == 3 and all(v.type == T.ivector for v in many)


class Double(Type):
    """The 'extending' tutorial's type: a Python float."""

    def filter(self, x, strict=False, allow_downcast=None):
        if strict and not isinstance(x, float):
            raise TypeError("expected a float")
        return float(x)

    def values_eq_approx(self, x, y, tolerance=1e-4):
        return abs(x - y) / (abs(x) + abs(y)) < tolerance

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(Double)

    def __str__(self):
        return "double"


class DoubleMul(Op):
    __props__ = ()

    def make_node(self, x, y):
        return Apply(self, [x, y], [double()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] * inputs[1]


double = Double()


def test_a_user_type_and_op_run_as_in_the_extending_tutorial():
    a, b = double("a"), double("b")
    assert a.type is double and a.name == "a"
    f = function([a, b], DoubleMul()(a, b), mode="FAST_COMPILE")
    assert f(3, 4) == 12.0
    assert double.values_eq_approx(1.0, 1.00001)


def test_input_tuple_shortcuts_give_defaults_names_and_updates():
    x, y = T.dscalars("x", "y")
    g = function([(x, 3.0), ("yy", y, 4.0)], x * y)
    assert g() == 12.0 and g(yy=2) == 6.0 and g(1.0) == 4.0
    s, inc = T.dscalars("s", "inc")
    acc = function([inc, ((s, s + inc), 0.0)], s)
    assert [float(acc(v)) for v in (1, 2, 3)] == [0.0, 1.0, 3.0]
    with pytest.raises(TypeError, match="tuple"):
        function([(1, 2, 3)], x)


def test_value_and_container_read_and_set_stored_defaults():
    x, y, w = T.dscalars("x", "y", "w")
    f = function([x, In(y, value=1), In(w, value=2, name="w_by_name")], (x + y) * w)
    assert f(33) == 68 and f.value["w_by_name"] == 2
    f.value["w_by_name"] = 5
    assert f(1) == 10 and f["w_by_name"] == 5
    assert f.container[y].value == 1
    f.container[y].value = 10
    assert f(1) == 55
    with pytest.raises(Exception, match="input"):
        f.container[y].value = "not a number"


def test_container_of_a_shared_variable_is_its_storage():
    x = T.dscalar("x")
    state = theano.shared(1.5)
    f = function([x], x + state)
    f.container[state].value = 2.5
    assert state.get_value() == 2.5 and f(1) == 3.5


def test_dict_outputs_return_a_dict_with_the_same_keys():
    x = T.dscalar("x")
    f = function([x], {"sq": x ** 2, "double": 2 * x})
    out = f(3)
    assert set(out) == {"sq", "double"} and out["sq"] == 9 and out["double"] == 6
    assert f.copy()(2) == {"sq": 4, "double": 4}


def test_givens_replacing_an_input_is_refused():
    x, y = T.dscalars("x", "y")
    with pytest.raises(RuntimeError, match="input of the function"):
        function([x, y], x + y, givens={x: y * 2})


def test_free_leaves_the_function_working():
    x = T.dvector("x")
    f = function([x], x * 2)
    f(np.ones(3))
    f.free()
    np.testing.assert_array_equal(f(np.ones(3)), [2, 2, 2])
