"""Function.copy and pickling of compiled functions and shared variables."""
import pickle

import numpy as np
import pytest

import symgrad.tensor as T
from symgrad import In, function, shared
from symgrad.errors import UnusedInputError
from symgrad.tensor.random.utils import RandomStream


def _accumulator(**kwargs):
    state = shared(np.zeros(2), name="state")
    inc = T.dvector("inc")
    return state, function([inc], state, updates=[(state, state + inc)], **kwargs)


def test_copy_shares_state_unless_swapped():
    state, acc = _accumulator()
    twin = acc.copy(name="twin")
    twin([1.0, 1.0])
    np.testing.assert_array_equal(state.get_value(), [1.0, 1.0])
    assert twin.name == "twin" and twin.maker is not acc.maker
    assert twin.maker.fgraph is not acc.maker.fgraph
    other = shared(np.full(2, 5.0))
    swapped = acc.copy(swap={state: other})
    np.testing.assert_array_equal(swapped([1.0, 0.0]), [5.0, 5.0])
    np.testing.assert_array_equal(other.get_value(), [6.0, 5.0])
    np.testing.assert_array_equal(state.get_value(), [1.0, 1.0])


def test_copy_swap_errors():
    state, acc = _accumulator()
    with pytest.raises(TypeError, match="same type"):
        acc.copy(swap={state: shared(0)})
    with pytest.raises(ValueError, match="not a shared variable used by this function"):
        acc.copy(swap={shared(np.zeros(2)): shared(np.zeros(2))})


def test_copy_delete_updates_checks_unused_inputs_like_function():
    state, acc = _accumulator()
    with pytest.raises(UnusedInputError, match="inc"):
        acc.copy(delete_updates=True)
    state, acc = _accumulator(on_unused_input="ignore")
    frozen = acc.copy(delete_updates=True)
    frozen([3.0, 3.0])
    np.testing.assert_array_equal(state.get_value(), [0.0, 0.0])


def test_copy_of_input_defaults():
    x = T.dscalar("x")
    step = T.dscalar("step")
    f = function([In(x, value=0.0, update=x + step), step], x)
    f(step=1.0)
    own = f.copy()
    shared_cells = f.copy(share_memory=True)
    own(step=1.0)
    assert f["x"] == 1.0 and own["x"] == 2.0
    shared_cells(step=1.0)
    assert f["x"] == 2.0


def test_pickle_round_trip_keeps_outputs_and_state():
    state, acc = _accumulator()
    acc([1.0, 2.0])
    acc2, state2 = pickle.loads(pickle.dumps((acc, state)))
    assert state2 is not state
    np.testing.assert_array_equal(state2.get_value(), [1.0, 2.0])
    np.testing.assert_array_equal(acc2([1.0, 1.0]), acc([1.0, 1.0]))
    np.testing.assert_array_equal(state2.get_value(), state.get_value())
    acc2([5.0, 5.0])  # the restored function updates the restored variable only
    np.testing.assert_array_equal(state2.get_value(), [7.0, 8.0])
    np.testing.assert_array_equal(state.get_value(), [2.0, 3.0])
    assert acc2.maker.implicit_inputs == [state2]


def test_pickle_keeps_defaults_names_and_calling_rules():
    x, y = T.dscalars("x", "y")
    f = function([x, In(y, value=2.0, name="why")], x * y, name="times")
    f["why"] = 3.0
    g = pickle.loads(pickle.dumps(f))
    assert g(2.0) == 6.0 and g(2.0, why=4.0) == 8.0 and g.name == "times"
    with pytest.raises(TypeError, match="missing argument"):
        g()


def test_pickle_of_random_draws_continues_the_same_stream():
    srng = RandomStream(7)
    u = srng.normal(0.0, 1.0, size=(3,))
    f = function([], u)
    f()
    g = pickle.loads(pickle.dumps(f))
    np.testing.assert_array_equal(g(), f())
    np.testing.assert_array_equal(g(), f())


def test_pickle_of_deep_graph_and_of_shared_variable():
    x = T.dscalar("x")
    y = x
    for _ in range(3000):
        y = y + 1.0
    f = function([x], y)
    g = pickle.loads(pickle.dumps(f))
    assert g(0.0) == 3000.0
    s = shared(np.arange(4), name="s")
    s.default_update = s + 1
    s2 = pickle.loads(pickle.dumps(s))
    np.testing.assert_array_equal(s2.get_value(), np.arange(4))
    assert s2.name == "s" and s2.type == s.type
    h = function([], s2)
    h()
    np.testing.assert_array_equal(s2.get_value(), np.arange(1, 5))
