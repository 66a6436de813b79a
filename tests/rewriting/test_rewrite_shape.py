"""shape(x) becomes a vector of Shape_i entries, and constant indexing into it picks one."""
import numpy as np
import pytest

import symgrad.tensor as T
from symgrad import function, pp
from tests.helpers import check_against_numpy, modes
from tests.rewriting.rewrite_helpers import canonical_text, compiled, node_ops

M = np.arange(12.0).reshape(3, 4)


def test_shape_entry_times_two_reads_shape_i():
    x = T.dmatrix("x")
    expr = x.shape[0] * 2
    assert pp(expr) == "(shape(x)[0] * 2)"
    assert canonical_text([x], expr) == "(Shape_i{0}(x) * 2)"
    f = compiled([x], expr)
    ops = node_ops(f)
    assert "Shape_i{0}" in ops and "Shape" not in ops
    assert f(M) == 6 and f(M).dtype == np.int64
    check_against_numpy([x], expr, [M], np.int64(6))


def test_whole_shape_and_negative_and_sliced_entries():
    x = T.dmatrix("x")
    cases = {
        x.shape: "[Shape_i{0}(x), Shape_i{1}(x)]",
        x.shape[-1]: "Shape_i{1}(x)",
        x.shape[::-1]: "[Shape_i{1}(x), Shape_i{0}(x)]",
        x.shape[1:]: "Rebroadcast{0:0}([Shape_i{1}(x)])",  # length 1, not declared so
        x.shape[5:]: "[]",
    }
    for expr, text in cases.items():
        assert canonical_text([x], expr) == text
    outputs = list(cases)
    for value in (M, np.zeros((0, 2)), M.T):  # empty and non-contiguous inputs too
        s = np.array(value.shape, dtype="int64")
        check_against_numpy([x], outputs, [value], [s, s[-1], s[::-1], s[1:], s[5:]])


def test_vector_scalar_and_broadcastable_shapes():
    v = T.dvector("v")
    s = T.dscalar("s")
    r = T.drow("r")
    assert canonical_text([v], v.shape) == "[Shape_i{0}(v)]"
    assert canonical_text([r], r.shape[0] + r.shape[1]) == "(1 + Shape_i{1}(r))"
    f = compiled([v, s, r], [v.shape, s.shape, r.shape])
    assert "Shape" not in node_ops(f)
    got = f(np.ones(5), 2.0, np.ones((1, 3)))
    assert [g.tolist() for g in got] == [[5], [], [1, 3]]
    assert all(g.dtype == np.int64 for g in got)
    check_against_numpy([v, s, r], [v.shape, s.shape, r.shape], [np.ones(5), 2.0, np.ones((1, 3))],
                        [np.array([5]), np.zeros(0, dtype="int64"), np.array([1, 3])])


def test_shape_of_a_result_reads_the_inputs():
    x, y = T.dmatrices("x", "y")
    expr = (x + y).shape[1] * (x.T).shape[0]
    assert canonical_text([x, y], expr) == "(Shape_i{1}(x) * Shape_i{1}(x))"
    check_against_numpy([x, y], expr, [M, M + 1], np.int64(16))


def test_reshape_by_shape_entries():
    x = T.dmatrix("x")
    flat = x.reshape((x.shape[0] * x.shape[1],))
    f = compiled([x], flat)
    assert "Shape" not in node_ops(f)
    check_against_numpy([x], flat, [M], M.reshape(-1))


def test_symbolic_and_out_of_range_indices_stay_checked():
    x = T.dmatrix("x")
    i = T.lscalar("i")
    assert canonical_text([x, i], x.shape[i]) == "[Shape_i{0}(x), Shape_i{1}(x)][i]"
    check_against_numpy([x, i], x.shape[i], [M, -1], np.int64(4))
    bad = compiled([x], x.shape[5])
    with pytest.raises(Exception, match="out of bounds"):
        bad(M)
    with pytest.raises(Exception, match="out of bounds"):
        compiled([x, i], x.shape[i])(M, 2)


def test_fast_compile_keeps_shape():
    x = T.dmatrix("x")
    f = compiled([x], x.shape[0], optimizer="fast_compile")
    assert "Shape" in node_ops(f)
    assert f(M) == 3


def test_shape_through_specify_shape_keeps_the_check():
    """The lengths specify_shape gives hold only once its check has run."""
    x = T.dmatrix("x")
    checked = T.specify_shape(x, (2, 2))
    f = compiled([x], [checked.shape[0], (checked ** 2).shape])
    ops = node_ops(f)
    assert "Shape" not in ops and "Pow" not in " ".join(ops)  # no x ** 2 just for its shape
    got = f(np.ones((2, 2)))
    assert got[0] == 2 and got[1].tolist() == [2, 2]
    outputs = [checked.shape[0], (checked ** 2).shape]
    check_against_numpy([x], outputs, [np.ones((2, 2))], [np.int64(2), np.array([2, 2])])
    for mode in modes():
        with pytest.raises(Exception, match="specify_shape"):
            function([x], outputs, mode=mode)(np.ones((3, 2)))
