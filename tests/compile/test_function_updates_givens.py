"""function(): updates, givens, outputs=None, In updates and defaults, trust_input, maker."""
import copy

import numpy as np
import pytest

import symgrad.tensor as T
from symgrad import In, Out, Param, function, shared
from symgrad.errors import UnusedInputError


def test_updates_as_dict_or_pairs_all_see_the_old_values():
    a, b = shared(1.0, name="a"), shared(2.0, name="b")
    swap = function([], [a, b], updates={a: b, b: a})
    assert swap() == [1.0, 2.0]
    assert (a.get_value(), b.get_value()) == (2.0, 1.0)
    step = function([], a + b, updates=[(a, a * 10), (b, a + b)])
    assert step() == 3.0
    assert (a.get_value(), b.get_value()) == (20.0, 3.0)


def test_outputs_none_with_updates_returns_empty_list():
    s = shared(np.zeros(2))
    x = T.dvector("x")
    f = function([x], None, updates=[(s, s + x)])
    assert f([1.0, 2.0]) == []
    np.testing.assert_array_equal(s.get_value(), [1.0, 2.0])


def test_update_type_mismatch_names_both():
    s = shared(0, name="count")
    with pytest.raises(TypeError) as info:
        function([], s, updates=[(s, s + 0.5)])
    msg = str(info.value)
    assert "count" in msg and "int64" in msg and "float64" in msg


def test_update_target_must_be_shared_and_updated_once():
    x = T.dscalar("x")
    s = shared(0.0, name="s")
    with pytest.raises(TypeError, match="x .*not a shared variable"):
        function([x], x, updates=[(x, x + 1)])
    with pytest.raises(ValueError, match="two updates"):
        function([x], x, updates=[(s, s + x), (s, s - x)])


def test_shared_variable_cannot_be_an_explicit_input():
    s = shared(0.0, name="s")
    with pytest.raises(TypeError, match="givens"):
        function([s], s * 2)


def test_outputs_never_alias_shared_storage():
    s = shared(np.arange(3.0), name="s")
    f = function([], [s, s.T, s + 1], updates=[(s, s + 1)])
    out, view, plus = f()
    out[:] = -1.0
    view[:] = -1.0
    np.testing.assert_array_equal(s.get_value(), [1.0, 2.0, 3.0])
    plus[:] = 0.0  # the returned array is the same value as the update: it was copied
    np.testing.assert_array_equal(s.get_value(), [1.0, 2.0, 3.0])


def test_borrowed_output_may_share_memory():
    x = T.dvector("x")
    f = function([x], Out(x * 2, borrow=True))
    np.testing.assert_array_equal(f([1.0, 2.0]), [2.0, 4.0])


def test_givens_replace_shared_inputs_and_intermediates():
    x, y = T.dscalars("x", "y")
    z = x * 2
    f = function([y], z + 1, givens={x: y + 10})
    assert f(1.0) == 23.0
    w = shared(np.ones(2), name="w")
    v = T.dvector("v")
    g = function([v], (w * 3).sum(), givens=[(w, v)])
    assert g([1.0, 2.0]) == 9.0


def test_givens_type_mismatch_is_an_error_unless_rebuild_is_loose():
    x = T.dscalar("x")
    i = T.lscalar("i")
    with pytest.raises(TypeError, match="x .*float64.*int64.*rebuild_strict"):
        function([i], x * 2, givens={x: i})
    f = function([i], x * 2, givens={x: i}, rebuild_strict=False)
    assert f(3) == 6 and f(3).dtype == np.int64


def test_givens_also_apply_to_updates():
    s = shared(0.0, name="s")
    x = T.dscalar("x")
    y = T.dscalar("y")
    f = function([y], s, updates=[(s, s + x)], givens={x: y * 2})
    f(3.0)
    assert s.get_value() == 6.0


def test_in_with_update_keeps_state_between_calls():
    x = T.dscalar("x")
    step = T.dscalar("step")
    f = function([In(x, value=0.0, update=x + step), step], x)
    assert f(step=1.0) == 0.0
    assert f(step=1.0) == 1.0
    assert f["x"] == 2.0
    f["x"] = 10.0
    assert f(step=5.0) == 10.0 and f["x"] == 15.0


def test_defaults_can_be_read_and_set_by_name_position_or_variable():
    x, y = T.dscalars("x", "y")
    f = function([x, In(y, value=1.0)], x + y)
    assert f["y"] == 1.0 and f[1] == 1.0 and f[y] == 1.0
    f["y"] = 5.0
    assert f(1.0) == 6.0
    with pytest.raises(KeyError, match="zz"):
        f["zz"]


def test_unused_input_policies():
    x, y = T.dscalars("x", "y")
    with pytest.raises(UnusedInputError, match="input 1 \\(y\\)"):
        function([x, y], x * 2)
    with pytest.warns(UserWarning, match="do not depend"):
        function([x, y], x * 2, on_unused_input="warn")
    assert function([x, y], x * 2, on_unused_input="ignore")(1.0, 2.0) == 2.0


def test_allow_input_downcast():
    x = T.fvector("x")
    with pytest.raises(TypeError, match="allow_input_downcast"):
        function([x], x * 2)(np.array([1.0, 2.0]))
    f = function([x], x * 2, allow_input_downcast=True)
    assert f(np.array([1.0, 2.0])).dtype == np.float32


def test_trust_input_skips_conversion():
    x = T.dvector("x")
    f = function([x], x * 2)
    f.trust_input = True
    np.testing.assert_array_equal(f(np.array([1.0, 2.0])), [2.0, 4.0])
    g = function([x], x * 2, trust_input=True)
    assert g.trust_input
    np.testing.assert_array_equal(g(x=np.array([3.0])), [6.0])


def test_maker_exposes_inputs_outputs_and_updates():
    s = shared(0.0, name="s")
    x = T.dscalar("x")
    f = function([x], [x + s], updates=[(s, s + x)])
    maker = f.maker
    assert [spec.variable for spec in maker.inputs] == [x, s]
    assert [spec.implicit for spec in maker.inputs] == [False, True]
    assert maker.inputs[1].update is not None
    assert [o.variable.name for o in maker.outputs] == [None]
    assert maker.implicit_inputs == [s]
    assert [target for target, _ in maker.updates] == [s]
    assert len(maker.fgraph.outputs) == 2 and maker.env is maker.fgraph


def test_inputs_are_never_modified():
    x = T.dvector("x")
    s = shared(np.ones(2))
    f = function([x], x, updates=[(s, x)])
    arg = np.array([1.0, 2.0])
    out = f(arg)
    out[0] = 9.0
    s.get_value(borrow=True)[1] = 9.0
    np.testing.assert_array_equal(arg, [1.0, 2.0])


def test_profile_counts_and_times_calls(capsys):
    x = T.dscalar("x")
    f = function([x], x * 2, profile=True, name="double")
    assert function([x], x * 3).profile is None
    f(1.0)
    f(2.0)
    assert f.profile.call_count == 2 and f.profile.call_time > 0
    text = f.profile.summary()
    assert "'double': 2 call(s)" in text and text in capsys.readouterr().out


def test_plain_values_as_updates_take_the_shared_type():
    s = shared(np.arange(3), name="s")
    reset = function([], s, updates=[(s, [0, 0, 0])])
    s.set_value(np.array([4, 5, 6]))
    np.testing.assert_array_equal(reset(), [4, 5, 6])
    np.testing.assert_array_equal(s.get_value(), [0, 0, 0])
    assert s.get_value().dtype == np.int64
    with pytest.raises(TypeError, match="does not fit"):
        function([], s, updates=[(s, [0.5, 0.0, 0.0])])


def test_param_is_the_older_spelling_of_in():
    x, y = T.dscalars("x", "y")
    f = function([x, Param(y, default=1.0, name="why")], x + y)
    assert f(1.0) == 2.0 and f(1.0, why=3.0) == 4.0
    g = copy.copy(f)
    assert g is not f and g(2.0) == 3.0


def test_an_update_that_views_an_output_keeps_its_own_memory():
    s = shared(np.zeros(2), name="s")
    x = T.dvector("x")
    doubled = x * 2
    f = function([x], doubled, updates=[(s, doubled[:2])])
    out = f([1.0, 2.0, 3.0])
    out[:] = -1.0
    np.testing.assert_array_equal(s.get_value(), [2.0, 4.0])
