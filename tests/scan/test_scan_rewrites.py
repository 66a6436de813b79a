"""Scan rewrites: unread outputs are not computed, an output read only at its last step keeps
one row; the loop's results do not change."""
import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.scan import Scan

MODES = [theano.Mode(linker="py", optimizer="fast_run"),
         theano.Mode(linker="py", optimizer="fast_compile")]
NO_REWRITES = theano.Mode(linker="py", optimizer=None)


def scan_nodes(f):
    return [n for n in f.maker.fgraph.toposort() if isinstance(n.op, Scan)]


@pytest.mark.parametrize("mode", MODES, ids=str)
def test_unread_outputs_are_dropped(mode):
    x = T.dvector("x")
    (expd, _total, _), _ = theano.scan(lambda xt, h: (T.exp(xt), h + xt, T.sin(xt)),
                                      sequences=x, outputs_info=[None, T.constant(0.0), None])
    (before,) = scan_nodes(theano.function([x], expd, mode=NO_REWRITES))
    assert len(before.outputs) == 3
    f = theano.function([x], expd, mode=mode)
    (node,) = scan_nodes(f)
    assert len(node.outputs) == 1
    inner = [str(n.op) for n in node.op.inner_runner().nodes]
    assert not any("sin" in name or "add" in name for name in inner)
    np.testing.assert_allclose(f([0.0, 1.0]), np.exp([0.0, 1.0]))


def test_a_recurrent_output_read_by_a_kept_one_stays():
    x = T.dvector("x")
    (_h, y), _ = theano.scan(lambda xt, hp: (hp + xt, hp * 2), sequences=x,
                            outputs_info=[T.constant(0.0), None])
    f = theano.function([x], y, mode=MODES[0])
    (node,) = scan_nodes(f)
    assert len(node.outputs) == 2
    np.testing.assert_array_equal(f([1.0, 2.0, 3.0]), [0.0, 2.0, 6.0])


def test_output_read_only_at_its_last_step_keeps_one_row():
    k = T.iscalar("k")
    A = T.dvector("A")
    result, _ = theano.scan(lambda prior, A: prior * A, outputs_info=T.ones_like(A),
                            non_sequences=A, n_steps=k)
    (before,) = scan_nodes(theano.function([A, k], result[-1], mode=NO_REWRITES))
    assert not any(before.op.info.rec_keep_last)
    f = theano.function([A, k], result[-1], mode=MODES[0])
    (node,) = scan_nodes(f)
    assert node.op.info.rec_keep_last == (True,)
    np.testing.assert_array_equal(f([1.0, 2.0, 3.0], 4), [1.0, 16.0, 81.0])
    # read as a whole, every row is kept
    g = theano.function([A, k], [result[-1], result], mode=MODES[0])
    (node,) = scan_nodes(g)
    assert not any(node.op.info.rec_keep_last)
    _last, rows = g([2.0], 3)
    np.testing.assert_array_equal(rows, [[2.0], [4.0], [8.0]])


def test_keep_last_row_with_two_past_values():
    init = T.dvector("init")
    fib, _ = theano.scan(lambda a, b: a + b, outputs_info={"initial": init, "taps": [-2, -1]},
                         n_steps=10)
    f = theano.function([init], fib[-1], mode=MODES[0])
    assert scan_nodes(f)[0].op.info.rec_keep_last == (True,)
    assert f([0.0, 1.0]) == 89.0


def test_gradient_still_right_after_rewrites():
    x = T.dvector("x")
    w = T.dscalar("w")
    h, _ = theano.scan(lambda xt, hp, w: T.tanh(hp * w + xt), sequences=x,
                       outputs_info=T.constant(0.0), non_sequences=w)
    cost = h[-1]
    f = theano.function([x, w], T.grad(cost, w), mode=MODES[0])
    xv, wv, eps = np.array([0.3, -0.2, 0.5]), 0.7, 1e-6
    value = theano.function([x, w], cost, mode=MODES[0])
    numeric = (value(xv, wv + eps) - value(xv, wv - eps)) / (2 * eps)
    assert np.isclose(f(xv, wv), numeric, rtol=1e-6)


def test_loop_invariant_work_of_any_scan_moves_out():
    from symgrad.scan import ScanInfo

    # a Scan built directly, as R_op builds one: its step computes exp(w) at every step
    xt, w_inner = T.dscalar("xt"), T.dscalar("w_inner")
    info = ScanInfo(seq_taps=((0,),), seq_reversed=(False,), rec_taps=(), n_per_step=1,
                    n_opaque=0, n_non_seqs=1)
    op = Scan([xt, w_inner], [xt * T.exp(w_inner)], info)
    x, w = T.dvector("x"), T.dscalar("w")
    out = op(x.shape[0], x, w)
    (before,) = scan_nodes(theano.function([x, w], out, mode=NO_REWRITES))
    assert any("exp" in str(n.op) for n in before.op.inner_runner().nodes)
    f = theano.function([x, w], out, mode=MODES[0])
    (node,) = scan_nodes(f)
    inner = [str(n.op) for n in node.op.inner_runner().nodes]
    assert not any("exp" in name for name in inner)
    assert any("exp" in str(n.op) for n in f.maker.fgraph.toposort())
    np.testing.assert_allclose(f([1.0, 2.0], 0.5), np.array([1.0, 2.0]) * np.exp(0.5))
