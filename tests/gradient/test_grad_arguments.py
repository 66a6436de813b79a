"""Each argument of `grad`, with Theano's documented behaviour and our error texts."""
import os
import warnings

import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad import function
from symgrad.errors import DisconnectedInputError, NodeRuntimeError, NullGradientError
from symgrad.gradient import DisconnectedType, NullType, grad, undefined_grad
from symgrad.graph.basic import Apply
from symgrad.graph.op import Op
from tests.helpers import check_against_numpy

THIS_FILE = os.path.basename(__file__)


def test_cost_must_be_a_scalar():
    v = T.dvector("v")
    with pytest.raises(TypeError, match="cost must be a scalar.*sum it"):
        grad(v * 2, v)


def test_wrt_must_be_symbolic():
    x = T.dscalar("x")
    with pytest.raises(TypeError, match="wrt must be symbolic variables, got float 3.0"):
        grad(x * 2, 3.0)


def test_single_wrt_gives_one_graph_and_a_list_gives_a_list():
    x, y = T.dscalars("x", "y")
    assert isinstance(grad(x * y, x), theano.Variable)
    gs = grad(x * y, [x, y])
    assert isinstance(gs, list) and len(gs) == 2
    assert function([x, y], gs)(3.0, 5.0) == [5.0, 3.0]
    assert function([x, y], grad(x * y, (y,)))(3.0, 5.0) == [3.0]


# --- consider_constant ----------------------------------------------------------------------
def test_consider_constant_stops_the_gradient_at_that_variable():
    x = T.dvector("x")
    c = x ** 2
    cost = T.sum(c * x)
    full = grad(cost, x)
    held = grad(cost, x, consider_constant=[c])
    xv = np.array([1.0, 2.0, -3.0])
    check_against_numpy([x], full, [xv], 3 * xv ** 2)
    check_against_numpy([x], held, [xv], xv ** 2)


def test_consider_constant_on_the_only_path_disconnects():
    x = T.dscalar("x")
    c = T.exp(x)
    with pytest.raises(DisconnectedInputError, match="x"):
        grad(c * 2, x, consider_constant=[c])
    assert function([x], grad(c * 2, x, consider_constant=[c],
                              disconnected_inputs="ignore"))(1.0) == 0.0


def test_consider_constant_must_hold_variables():
    x = T.dscalar("x")
    with pytest.raises(TypeError, match="consider_constant must hold symbolic variables"):
        grad(x * 2, x, consider_constant=[1.0])


# --- disconnected_inputs and return_disconnected --------------------------------------------
def test_disconnected_input_raises_naming_it():
    x, unrelated = T.dscalar("x"), T.dvector("unrelated")
    with pytest.raises(DisconnectedInputError) as info:
        grad(x ** 2, unrelated)
    text = str(info.value)
    assert "unrelated" in text and "not part of the cost's graph" in text
    assert "disconnected_inputs='ignore'" in text
    assert isinstance(info.value, ValueError)  # Theano's DisconnectedInputError is a ValueError


def test_disconnected_warn_and_ignore():
    x, w = T.dscalar("x"), T.dvector("w")
    with pytest.warns(UserWarning, match="w .*not part of the cost's graph"):
        g = grad(x ** 2, w, disconnected_inputs="warn")
    np.testing.assert_array_equal(function([w], g)(np.ones(3)), np.zeros(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = grad(x ** 2, w, disconnected_inputs="ignore")
    np.testing.assert_array_equal(function([w], g)(np.ones(2)), np.zeros(2))


def test_bad_option_values_are_rejected():
    x = T.dscalar("x")
    with pytest.raises(ValueError, match="disconnected_inputs must be one of"):
        grad(x, x, disconnected_inputs="sometimes")
    with pytest.raises(ValueError, match="return_disconnected must be one of"):
        grad(x, x, return_disconnected="zeros")
    with pytest.raises(ValueError, match="null_gradients must be one of"):
        grad(x, x, null_gradients="ignore")


def test_return_disconnected_kinds():
    x, w = T.dscalar("x"), T.dmatrix("w")
    zero = grad(x ** 2, w, disconnected_inputs="ignore", return_disconnected="zero")
    assert zero.type == w.type
    np.testing.assert_array_equal(function([w], zero)(np.ones((2, 2))), np.zeros((2, 2)))
    assert grad(x ** 2, w, disconnected_inputs="ignore", return_disconnected="None") is None
    d = grad(x ** 2, w, disconnected_inputs="ignore", return_disconnected="Disconnected")
    assert isinstance(d.type, DisconnectedType)
    # connected inputs are unaffected by return_disconnected
    gx, gw = grad(x ** 2, [x, w], disconnected_inputs="ignore", return_disconnected="None")
    assert gw is None and function([x], gx)(3.0) == 6.0


def test_argmax_is_not_a_differentiable_path():
    x = T.dvector("x")
    cost = T.cast(T.argmax(x), "float64") * 1.5
    with pytest.raises(DisconnectedInputError, match="x"):
        grad(cost, x)


# --- integer and boolean paths --------------------------------------------------------------
def test_integer_path_carries_no_gradient():
    x = T.dvector("x")
    cost = T.sum(T.cast(x, "int32")) * 2.0 + T.sum(x)
    check_against_numpy([x], grad(cost, x), [np.array([1.5, -2.5])], np.ones(2))
    only_int = T.sum(T.cast(x, "int64") * 3)
    check_against_numpy([x], grad(only_int, x), [np.array([1.5, 2.0])], np.zeros(2))


def test_gradient_wrt_integer_and_boolean_inputs_is_float_zero():
    i = T.ivector("i")
    b = T.tensor("bool", (False,), "b")
    cost = T.sum(i * 2.5) + T.sum(T.switch(b, 1.0, 0.0))
    gi, gb = grad(cost, [i, b])
    assert gi.type.dtype == theano.config.floatX and gb.type.dtype == theano.config.floatX
    out = function([i, b], [gi, gb])(np.array([1, 2], "int32"), np.array([True, False]))
    np.testing.assert_array_equal(out[0], [0, 0])
    np.testing.assert_array_equal(out[1], [0, 0])


def test_float32_gradients_stay_float32():
    x = T.fvector("x")
    g = grad(T.sum(T.exp(x) * 2), x)
    assert g.type.dtype == "float32"


# --- add_names ------------------------------------------------------------------------------
def test_add_names():
    x = T.dscalar("x")
    cost = x ** 2
    cost.name = "cost"
    assert grad(cost, x).name == "(dcost/dx)"
    assert grad(cost, x, add_names=False).name is None
    assert grad(x ** 3, x).name is None  # the cost has no name


# --- known_grads ----------------------------------------------------------------------------
def test_known_grads_without_cost():
    x = T.dvector("x")
    h = T.exp(x)
    gh = T.dvector("gh")
    g = grad(None, x, known_grads={h: gh})
    xv, ghv = np.array([0.0, 1.0]), np.array([2.0, 3.0])
    check_against_numpy([x, gh], g, [xv, ghv], ghv * np.exp(xv))


def test_known_grads_add_to_the_cost_gradient():
    x = T.dscalar("x")
    h = x ** 2
    g = grad(T.sin(x), x, known_grads={h: T.constant(10.0)})
    assert np.isclose(function([x], g)(0.5), np.cos(0.5) + 10.0 * 2 * 0.5)


def test_known_grads_checks():
    x = T.dvector("x")
    with pytest.raises(ValueError, match="needs a cost, or known_grads"):
        grad(None, x)
    with pytest.raises(ValueError, match="gradient of 2 dimension"):
        grad(None, x, known_grads={x * 2: T.dmatrix()})
    with pytest.raises(TypeError, match="known_grads keys must be symbolic variables"):
        grad(None, x, known_grads={"x": x})


# --- null gradients -------------------------------------------------------------------------
def test_undefined_gradient_raises_naming_the_op_and_the_line():
    x = T.dscalar("x")
    y = undefined_grad(x) * 3  # the line the message points at
    with pytest.raises(NullGradientError) as info:
        grad(y, x)
    text = str(info.value)
    assert "UndefinedGrad" in text and "undefined" in text
    assert THIS_FILE in text and "undefined_grad(x) * 3" in text


def test_null_gradients_return():
    x, z = T.dscalars("x", "z")
    y = undefined_grad(x) * 3 + z
    gx, gz = grad(y, [x, z], null_gradients="return")
    assert isinstance(gx.type, NullType)
    assert function([x, z], gz)(2.0, 1.0) == 1.0  # the other gradient is fine
    with pytest.raises(NullGradientError, match="undefined gradient.*UndefinedGrad"):
        gx + 1  # using it fails with the reason
    with pytest.raises(TypeError, match="undefined gradient"):
        T.exp(gx)


class NoGradientOp(Op):
    """An op that does not define its gradient."""

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] * 2


def test_op_without_gradient_gives_a_null_gradient_naming_it():
    x = T.dvector("x")
    y = NoGradientOp()(x)
    with pytest.raises(NullGradientError, match="NoGradientOp does not implement a gradient"):
        grad(T.sum(y), x)
    # a part of the graph that does not need it still differentiates
    z = T.dvector("z")
    gz = grad(T.sum(y) + T.sum(z ** 2), z)
    out = function([x, z], gz)(np.array([1.0]), np.array([1.0, 2.0]))
    np.testing.assert_array_equal(out, [2.0, 4.0])


def test_gradient_through_several_outputs_and_repeated_use():
    x = T.dvector("x")
    a = T.exp(x)
    cost = T.sum(a * a + a)
    xv = np.array([0.1, -0.4])
    check_against_numpy([x], grad(cost, x), [xv], 2 * np.exp(2 * xv) + np.exp(xv))


def test_gradient_wrt_an_intermediate_variable():
    x = T.dvector("x")
    h = x * 3
    cost = T.sum(h ** 2)
    gh, gx = grad(cost, [h, x])
    xv = np.array([1.0, 2.0])
    out = function([x], [gh, gx])(xv)
    np.testing.assert_allclose(out[0], 2 * 3 * xv)
    np.testing.assert_allclose(out[1], 18 * xv)


def test_consider_constant_still_gives_the_gradient_of_the_held_variable():
    x = T.dvector("x")
    c = T.exp(x)
    cost = T.sum(c * 3.0 + x)
    gc, gx = grad(cost, [c, x], consider_constant=[c])
    xv = np.array([0.5, 1.0])
    out = function([x], [gc, gx])(xv)
    np.testing.assert_array_equal(out[0], [3.0, 3.0])
    np.testing.assert_array_equal(out[1], [1.0, 1.0])  # nothing flows through c into x


# --- subgraph_grad and format_as ------------------------------------------------------------
def test_subgraph_grad_backpropagates_piece_by_piece(rng):
    x = T.dvector("x")
    w1, w2 = T.dmatrix("w1"), T.dmatrix("w2")
    hidden = T.tanh(T.dot(w1, x))
    out = T.sigmoid(T.dot(w2, hidden))
    cost = T.sum(out ** 2)
    # second layer first, stopping at `hidden`, then the first layer from hidden's gradient
    (g_w2,), (g_hidden,) = theano.gradient.subgraph_grad([w2], [hidden], cost=cost)
    (g_w1,), _ = theano.gradient.subgraph_grad([w1], [x], start={hidden: g_hidden})
    full = grad(cost, [w1, w2])
    values = [rng.normal(size=3), rng.normal(size=(4, 3)), rng.normal(size=(2, 4))]
    pieces = function([x, w1, w2], [g_w1, g_w2])(*values)
    whole = function([x, w1, w2], full)(*values)
    np.testing.assert_allclose(pieces[0], whole[0], rtol=1e-12)
    np.testing.assert_allclose(pieces[1], whole[1], rtol=1e-12)


def test_subgraph_grad_details_and_checks():
    x, y = T.dscalars("x", "y")
    h = x * 3
    cost = h * y
    wrt_g, end_g, start_g, cost_g = theano.gradient.subgraph_grad(
        [y], [h], start={h: T.constant(2.0)}, cost=cost, details=True)
    f = function([x, y], [wrt_g[0], end_g[0], start_g[1], cost_g[1]], on_unused_input="ignore")
    assert f(1.0, 5.0) == [3.0, 7.0, 2.0, 5.0]
    with pytest.raises(ValueError, match="needs a cost, a start dict, or both"):
        theano.gradient.subgraph_grad([y], [h])
    with pytest.raises(TypeError, match="must be lists"):
        theano.gradient.subgraph_grad(y, [h], cost=cost)


def test_format_as():
    fmt = theano.gradient.format_as
    assert fmt(True, False, (1, 2)) == [1, 2]
    assert fmt(False, True, [1]) == (1,)
    assert fmt(False, False, [7]) == 7
    with pytest.raises(ValueError, match="expected one output"):
        fmt(False, False, [1, 2])


def test_a_returned_null_gradient_fails_when_run_naming_the_op():
    x = T.dscalar("x")
    gx = grad(undefined_grad(x) * 3, x, null_gradients="return")
    f = function([x], gx, on_unused_input="ignore")
    with pytest.raises(NodeRuntimeError, match="UndefinedGrad.*undefined"):
        f(1.0)
