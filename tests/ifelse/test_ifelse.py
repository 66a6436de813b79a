"""ifelse: values, laziness in the Python VM, gradients and forward-mode derivatives."""
import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.gradient import verify_grad
from symgrad.ifelse import IfElse, ifelse
from tests.helpers import CountCalls

PY = theano.Mode(linker="py", optimizer=None)


def test_values_follow_the_condition():
    c = T.iscalar("c")
    x, y = T.dvectors("x", "y")
    f = theano.function([c, x, y], ifelse(c, x * 2, y - 1), mode=PY)
    np.testing.assert_array_equal(f(1, [1, 2], [5, 6]), [2, 4])
    np.testing.assert_array_equal(f(0, [1, 2], [5, 6]), [4, 5])


def test_only_the_chosen_branch_runs():
    c = T.iscalar("c")
    x = T.dvector("x")
    left, right = CountCalls(), CountCalls()
    out = ifelse(c, left(T.exp(x)).sum(), right(T.log(x)).sum())
    f = theano.function([c, x], out, mode=PY)
    f(1, [1.0, 2.0])
    f(1, [1.0, 2.0])
    assert (left.calls, right.calls) == (2, 0)
    f(0, [1.0, 2.0])
    assert (left.calls, right.calls) == (2, 1)


def test_shared_dependencies_run_once_and_nested_ifelse_stays_lazy():
    c1, c2 = T.iscalars("c1", "c2")
    x = T.dvector("x")
    common, inner_then, inner_else, outer_else = CountCalls(), CountCalls(), CountCalls(), CountCalls()
    shared_part = common(x * 3)
    inner = ifelse(c2, inner_then(shared_part + 1), inner_else(shared_part - 1))
    out = ifelse(c1, inner + shared_part, outer_else(x))
    f = theano.function([c1, c2, x], out, mode=PY)
    np.testing.assert_array_equal(f(1, 0, [1.0]), [5.0])
    assert (common.calls, inner_then.calls, inner_else.calls, outer_else.calls) == (1, 0, 1, 0)
    np.testing.assert_array_equal(f(0, 1, [1.0]), [1.0])
    assert (common.calls, inner_then.calls, inner_else.calls, outer_else.calls) == (1, 0, 1, 1)


def test_long_chain_under_ifelse_does_not_recurse_per_node():
    c = T.iscalar("c")
    x = T.dscalar("x")
    y = x
    for _ in range(3000):
        y = y + 1.0
    f = theano.function([c, x], ifelse(c, y, x), mode=PY)
    assert f(1, 0.0) == 3000.0
    assert f(0, 0.0) == 0.0


def test_several_outputs_at_once():
    c = T.iscalar("c")
    a, b = T.dscalars("a", "b")
    outs = ifelse(c, [a, b], [b, a])
    f = theano.function([c, a, b], outs, mode=PY)
    assert f(1, 1.0, 2.0) == [1.0, 2.0]
    assert f(0, 1.0, 2.0) == [2.0, 1.0]


def test_gradient_goes_to_the_taken_branch():
    a, b = T.dscalars("a", "b")
    out = ifelse(T.lt(a, b), a ** 2, b ** 3)
    ga, gb = T.grad(out, [a, b])
    f = theano.function([a, b], [ga, gb], mode=PY)
    assert f(1.0, 2.0) == [2.0, 0.0]
    assert f(3.0, 2.0) == [0.0, 12.0]


def test_verify_grad_through_ifelse():
    rng = np.random.default_rng(0)
    for cond in (0.2, 0.8):
        verify_grad(lambda c, p, q: ifelse(T.lt(c, 0.5), T.sin(p) * q, q ** 2),
                    [np.array(cond), rng.normal(size=3), rng.normal(size=3)], mode=PY)


def test_rop_through_ifelse():
    c = T.iscalar("c")
    x, v = T.dvectors("x", "v")
    out = ifelse(c, x ** 2, T.exp(x))
    jv = theano.Rop(out, x, v)
    f = theano.function([c, x, v], jv, mode=PY)
    xv, vv = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    np.testing.assert_allclose(f(1, xv, vv), 2 * xv * vv)
    np.testing.assert_allclose(f(0, xv, vv), np.exp(xv) * vv)


def test_branch_types_must_agree():
    c = T.iscalar("c")
    with pytest.raises(TypeError, match="same dtype"):
        ifelse(c, T.dvector("x"), T.ivector("y"))
    with pytest.raises(TypeError, match="scalar"):
        ifelse(T.dvector("v"), T.dscalar("a"), T.dscalar("b"))
    with pytest.raises(ValueError, match="values"):
        ifelse(c, [T.dscalar("a")], [T.dscalar("b"), T.dscalar("c")])


def test_broadcast_flags_are_combined():
    c = T.iscalar("c")
    out = ifelse(c, T.drow("r"), T.dmatrix("m"))
    assert out.type.broadcastable == (False, False)
    assert isinstance(out.owner.op, IfElse)


def test_eager_perform_agrees():
    # linkers that compute every input call perform, which must pick the same branch
    op = IfElse(1)
    cell = [[None]]
    op.perform(None, [np.array(0), np.array(1.0), np.array(2.0)], cell)
    assert cell[0][0] == 2.0


def test_rewrites_drop_ifelse_with_a_known_branch():
    x, y = T.dvectors("x", "y")
    fast = theano.Mode(linker="py", optimizer="fast_run")
    for cond, expected in ((1, [1.0]), (0, [2.0])):
        out = ifelse(T.constant(cond, dtype="int8"), x, y)
        f = theano.function([x, y], out, mode=fast)
        assert not any(isinstance(n.op, IfElse) for n in f.maker.fgraph.toposort())
        np.testing.assert_array_equal(f([1.0], [2.0]), expected)
    c = T.iscalar("c")
    same = theano.function([c, x], ifelse(c, x * 2, x * 2), mode=fast)
    assert not any(isinstance(n.op, IfElse) for n in same.maker.fgraph.toposort())
    np.testing.assert_array_equal(same(0, [1.5]), [3.0])
    kept = theano.function([c, x, y], ifelse(c, x, y), mode=fast)
    assert any(isinstance(n.op, IfElse) for n in kept.maker.fgraph.toposort())


def test_theano_constructor_with_as_view_and_gradients_of_several_outputs(rng):
    from symgrad.compile import Mode

    c = T.iscalar("c")
    v, m = T.dvector("v"), T.dmatrix("m")
    op = IfElse(2, as_view=True)
    assert str(op) == "if{inplace}" and op != IfElse(2)
    first, second = op(c, v * 2, m + 1, v - 1, m * 3)
    cost = first.sum() + (second ** 2).sum()
    gv, gm = T.grad(cost, [v, m])
    vv, mv = rng.normal(size=3), rng.normal(size=(2, 3))
    for mode in (Mode(linker="py"), Mode(linker="numba")):
        f = theano.function([c, v, m], [first, second, gv, gm], mode=mode)
        got = f(1, vv, mv)
        np.testing.assert_allclose(got[0], vv * 2)
        np.testing.assert_allclose(got[1], mv + 1)
        assert got[2].shape == vv.shape and got[3].shape == mv.shape
        np.testing.assert_allclose(got[2], np.full(3, 2.0))
        np.testing.assert_allclose(got[3], 2 * (mv + 1))
        got = f(0, vv, mv)
        np.testing.assert_allclose(got[2], np.ones(3))
        np.testing.assert_allclose(got[3], 18 * mv)
    with pytest.raises(ValueError, match="GPU"):
        IfElse(1, gpu=True)
