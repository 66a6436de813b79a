"""scan's forward semantics against plain numpy loops."""
import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.scan import Scan, foldl, foldr, map, reduce
from symgrad.scan.utils import until

PY = theano.Mode(linker="py", optimizer=None)


def scan_node(var):
    node = var.owner
    while not isinstance(node.op, Scan):
        node = node.inputs[0].owner
    return node


def test_sequence_taps_read_past_and_future_rows():
    x = T.dvector("x")
    out, _ = theano.scan(lambda a, b, c: a + 10 * b + 100 * c,
                         sequences={"input": x, "taps": [-2, 0, 1]})
    xv = np.arange(7.0)
    expected = [xv[t - 2] + 10 * xv[t] + 100 * xv[t + 1] for t in range(2, 6)]
    np.testing.assert_array_equal(theano.function([x], out, mode=PY)(xv), expected)


def test_sequences_of_different_lengths_stop_at_the_shortest():
    x, y = T.dvectors("x", "y")
    out, _ = theano.scan(lambda a, b: a * b, sequences=[x, y])
    f = theano.function([x, y], out, mode=PY)
    np.testing.assert_array_equal(f([1, 2, 3, 4], [5, 6]), [5, 12])


def test_output_taps_fibonacci():
    init = T.lvector("init")
    fib, _ = theano.scan(lambda a, b: a + b, outputs_info={"initial": init, "taps": [-2, -1]},
                         n_steps=8)
    np.testing.assert_array_equal(theano.function([init], fib, mode=PY)([0, 1]),
                                  [1, 2, 3, 5, 8, 13, 21, 34])


def test_several_outputs_mixing_recurrent_and_per_step():
    x = T.dvector("x")
    h0 = T.dscalar("h0")
    (double, running), _ = theano.scan(lambda xt, h: (2 * xt, h + xt), sequences=x,
                                       outputs_info=[None, h0])
    f = theano.function([x, h0], [double, running], mode=PY)
    d, r = f([1.0, 2.0, 3.0], 10.0)
    np.testing.assert_array_equal(d, [2, 4, 6])
    np.testing.assert_array_equal(r, [11, 13, 16])


def test_go_backwards_reverses_sequences_only():
    x = T.dvector("x")
    out, _ = theano.scan(lambda xt, h: h * 10 + xt, sequences=x,
                         outputs_info=T.constant(0.0), go_backwards=True)
    np.testing.assert_array_equal(theano.function([x], out, mode=PY)([1, 2, 3]),
                                  [3, 32, 321])


def test_symbolic_n_steps_with_sequences_longer_than_needed():
    x = T.dvector("x")
    n = T.iscalar("n")
    out, _ = theano.scan(lambda xt: xt ** 2, sequences=x, n_steps=n)
    f = theano.function([x, n], out, mode=PY)
    np.testing.assert_array_equal(f([1, 2, 3, 4], 2), [1, 4])
    with pytest.raises(Exception, match="too short"):
        f([1, 2], 5)


def test_free_variables_become_non_sequences():
    x = T.dvector("x")
    w = T.dscalar("w")
    out, _ = theano.scan(lambda xt: xt * w, sequences=x)
    node = scan_node(out)
    assert node.op.info.n_non_seqs == 1
    np.testing.assert_array_equal(theano.function([x, w], out, mode=PY)([1, 2], 3.0), [3, 6])
    with pytest.raises(ValueError, match="strict"):
        theano.scan(lambda xt: xt * w, sequences=x, strict=True)


def test_unused_non_sequences_and_sequences_are_dropped():
    x, y = T.dvectors("x", "y")
    w, unused = T.dscalars("w", "unused")
    out, _ = theano.scan(lambda xt, yt, w, u: xt * w, sequences=[x, y],
                         non_sequences=[w, unused])
    info = scan_node(out).op.info
    assert info.n_non_seqs == 1 and info.n_seqs == 1
    f = theano.function([x, y, w], out, mode=PY)
    # the dropped sequence still limits the number of steps
    np.testing.assert_array_equal(f([1, 2, 3], [0, 0], 2.0), [2, 4])


def test_until_stops_after_the_step_that_meets_the_condition():
    x = T.dscalar("x")
    vals, _ = theano.scan(lambda p: (p * 2, until(p * 2 > 40)), outputs_info=x, n_steps=100)
    np.testing.assert_array_equal(theano.function([x], vals, mode=PY)(3.0), [6, 12, 24, 48])
    vals, _ = theano.scan(lambda p: (p + 1, theano.scan_module.until(p > 100)),
                          outputs_info=x, n_steps=5)
    np.testing.assert_array_equal(theano.function([x], vals, mode=PY)(0.0), [1, 2, 3, 4, 5])


def test_shared_variable_read_and_updated():
    total = theano.shared(np.float64(1.0), name="total")
    x = T.dvector("x")
    out, updates = theano.scan(lambda xt: (total * xt, {total: total + xt}), sequences=x)
    assert list(updates) == [total]
    f = theano.function([x], out, updates=updates, mode=PY)
    np.testing.assert_array_equal(f([1.0, 2.0, 3.0]), [1.0, 4.0, 12.0])
    assert total.get_value() == 7.0


def test_shared_variable_only_read_is_not_updated():
    w = theano.shared(np.array([1.0, 2.0]), name="w")
    x = T.dvector("x")
    out, updates = theano.scan(lambda xt: xt * w, sequences=x)
    assert updates == {}
    f = theano.function([x], out, mode=PY)
    np.testing.assert_array_equal(f([1.0, 3.0]), [[1, 2], [3, 6]])
    w.set_value(np.array([0.0, 1.0]))
    np.testing.assert_array_equal(f([1.0, 3.0]), [[0, 1], [0, 3]])


def test_map_reduce_foldl_foldr():
    x = T.dvector("x")
    squares, _ = map(lambda v: v ** 2, sequences=x)
    total, _ = reduce(lambda v, acc: acc + v, sequences=x, outputs_info=T.constant(0.0))
    left, _ = foldl(lambda v, acc: acc * 10 + v, sequences=x, outputs_info=T.constant(0.0))
    right, _ = foldr(lambda v, acc: acc * 10 + v, sequences=x, outputs_info=T.constant(0.0))
    f = theano.function([x], [squares, total, left, right], mode=PY)
    sq, tot, lf, rf = f([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(sq, [1, 4, 9])
    assert (tot, lf, rf) == (6.0, 123.0, 321.0)


def test_return_list_and_module_aliases():
    x = T.dvector("x")
    out, _ = theano.scan(lambda v: v + 1, sequences=x, return_list=True)
    assert isinstance(out, list) and len(out) == 1
    assert theano.scan.utils.until is until and theano.scan_module.until is until
    assert theano.scan.scan is not None and callable(theano.scan)


def test_step_result_shape_must_not_change():
    x = T.dvector("x")
    out, _ = theano.scan(lambda h: T.concatenate([h, h]), outputs_info=x, n_steps=2)
    with pytest.raises(Exception, match="keeps one shape"):
        theano.function([x], out, mode=PY)([1.0])


def test_initial_value_dtype_must_match_the_step():
    x = T.dvector("x")
    with pytest.raises(TypeError, match="initial value"):
        theano.scan(lambda h, xt: h + xt, outputs_info=T.constant(0), sequences=x)


def test_outputs_info_length_must_match():
    x = T.dvector("x")
    with pytest.raises(ValueError, match="outputs_info"):
        theano.scan(lambda xt: (xt, xt * 2), sequences=x, outputs_info=[None])


def test_needs_sequences_or_n_steps():
    with pytest.raises(ValueError, match="n_steps"):
        theano.scan(lambda: T.constant(1.0))


def test_scan_inside_scan():
    m = T.dmatrix("m")

    def row_total(row):
        total, _ = reduce(lambda v, acc: acc + v, sequences=row, outputs_info=T.constant(0.0))
        return total

    totals, _ = theano.scan(row_total, sequences=m)
    mv = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(theano.function([m], totals, mode=PY)(mv), [3.0, 12.0])


def test_ifelse_inside_the_step():
    from symgrad.ifelse import ifelse

    x = T.dvector("x")
    out, _ = theano.scan(lambda v: ifelse(T.gt(v, 0), v, -v * 10), sequences=x)
    np.testing.assert_array_equal(theano.function([x], out, mode=PY)([1.0, -2.0, 3.0]),
                                  [1.0, 20.0, 3.0])


def test_function_is_reusable_and_outputs_independent():
    x = T.dvector("x")
    out, _ = theano.scan(lambda v, h: h + v, sequences=x, outputs_info=T.constant(0.0))
    f = theano.function([x], out, mode=PY)
    first = f([1.0, 2.0])
    second = f([5.0, 5.0])
    np.testing.assert_array_equal(first, [1, 3])
    np.testing.assert_array_equal(second, [5, 10])


def test_loop_invariant_work_is_computed_once_outside_the_step():
    x = T.dvector("x")
    w = T.dscalar("w")
    out, _ = theano.scan(lambda xt, w: xt * T.exp(w) + T.sin(xt), sequences=x, non_sequences=w)
    op = scan_node(out).op
    inner_ops = {str(n.op) for n in op.inner_runner().nodes}
    assert not any("exp" in name for name in inner_ops)
    assert any("sin" in name for name in inner_ops)
    xv = np.array([0.5, 1.0])
    np.testing.assert_allclose(theano.function([x, w], out, mode=PY)(xv, 2.0),
                               xv * np.exp(2.0) + np.sin(xv))


def test_lazy_steps_are_not_hoisted():
    from symgrad.ifelse import ifelse

    x = T.dvector("x")
    w = T.dscalar("w")
    out, _ = theano.scan(lambda xt: ifelse(T.gt(xt, 0), xt, T.log(w)), sequences=x)
    op = scan_node(out).op
    assert any("log" in str(n.op) for n in op.inner_runner().nodes)
    np.testing.assert_allclose(theano.function([x, w], out, mode=PY)([1.0, -1.0], np.e),
                               [1.0, 1.0])


def test_compiled_scan_pickles_and_runs_after_loading():
    import pickle

    x = T.dvector("x")
    h, _ = theano.scan(lambda xt, hp: hp * 2 + xt, sequences=x, outputs_info=T.constant(0.0))
    f = theano.function([x], h, mode=PY)
    np.testing.assert_array_equal(f([1.0, 1.0]), [1.0, 3.0])
    g = pickle.loads(pickle.dumps(f))
    np.testing.assert_array_equal(g([1.0, 1.0, 1.0]), [1.0, 3.0, 7.0])


def test_a_failing_step_names_the_line_that_built_it():
    x = T.dmatrix("x")
    out, _ = theano.scan(lambda row: T.dot(row, x), sequences=x)  # shapes (3,) . (2, 3)
    f = theano.function([x], out, mode=PY)
    with pytest.raises(Exception, match="test_scan_basic.py") as info:
        f(np.ones((2, 3)))
    assert "Gemv{no_inplace}" in str(info.value)  # the BLAS form of dot(row, x)


def test_one_compiled_scan_called_from_several_threads():
    from concurrent.futures import ThreadPoolExecutor

    x = T.dvector("x")
    h, _ = theano.scan(lambda xt, hp: hp * 0.5 + xt, sequences=x, outputs_info=T.constant(0.0))
    f = theano.function([x], [h, T.grad(h.sum(), x)], mode=PY)

    def expected(values):
        hs, acc = [], 0.0
        for v in values:
            acc = acc * 0.5 + v
            hs.append(acc)
        n = len(values)
        grads = [sum(0.5 ** (j - i) for j in range(i, n)) for i in range(n)]
        return np.array(hs), np.array(grads)

    inputs = [np.arange(float(n)) + n for n in range(1, 25)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda v: f(v), inputs))
    for values, (h_val, g_val) in zip(inputs, results):
        want_h, want_g = expected(values)
        np.testing.assert_allclose(h_val, want_h)
        np.testing.assert_allclose(g_val, want_g)


def test_output_taps_read_the_first_rows_of_a_longer_initial_block():
    init = T.dvector("init")
    fib, _ = theano.scan(lambda a, b: a + b, outputs_info={"initial": init, "taps": [-2, -1]},
                         n_steps=3)
    f = theano.function([init], fib, mode=PY)
    np.testing.assert_array_equal(f([1.0, 1.0, 100.0]), [2.0, 3.0, 5.0])
    with pytest.raises(Exception, match="initial rows"):
        f([1.0])
