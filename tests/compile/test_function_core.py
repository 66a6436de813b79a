"""function(): argument conversion, clear errors that name the culprit, no aliasing."""
import threading

import numpy as np
import pytest

import symgrad.tensor as T
from symgrad import function
from symgrad.errors import InputError, NodeRuntimeError, UnusedInputError


def test_python_numbers_and_lists_are_converted():
    x = T.dvector("x")
    f = function([x], x * 2)
    np.testing.assert_array_equal(f([1, 2, 3]), [2.0, 4.0, 6.0])
    assert f([1, 2]).dtype == np.float64


def test_scalar_output_is_a_zero_d_array():
    x = T.dscalar("x")
    out = function([x], x + 1)(1.5)
    assert isinstance(out, np.ndarray) and out.shape == () and out == 2.5


def test_lossy_cast_is_an_error_naming_the_input():
    x = T.fvector("x")
    f = function([x], x * 2)
    with pytest.raises(InputError) as info:
        f(np.array([1.0, 2.0]))  # float64 array into float32
    msg = str(info.value)
    assert "input 0 ('x')" in msg and "float64" in msg and "allow_input_downcast=True" in msg
    g = function([x], x * 2, allow_input_downcast=True)
    np.testing.assert_allclose(g(np.array([1.0, 2.0])), [2.0, 4.0])


def test_int_list_into_int8_fits_when_lossless():
    b = T.bvector("b")
    f = function([b], b + 1)
    np.testing.assert_array_equal(f([1, 2]), [2, 3])
    with pytest.raises(InputError, match="without loss"):
        f([1000])


def test_wrong_ndim_is_an_error_naming_the_input():
    x = T.dmatrix("x")
    f = function([x], x + 1)
    with pytest.raises(InputError) as info:
        f(np.ones(3))
    assert "input 0 ('x')" in str(info.value) and "expected 2 dimension" in str(info.value)


def test_broadcastable_axis_must_have_length_one():
    r = T.drow("r")
    f = function([r], r * 2)
    with pytest.raises(InputError, match="broadcastable"):
        f(np.ones((2, 3)))


def test_missing_and_extra_arguments():
    x, y = T.dscalars("x", "y")
    f = function([x, y], x + y)
    with pytest.raises(InputError, match="missing argument for input 1 \\('y'\\)"):
        f(1.0)
    with pytest.raises(InputError, match="takes 2 argument"):
        f(1.0, 2.0, 3.0)
    assert f(y=2.0, x=1.0) == 3.0


def test_unused_input_is_an_error_by_default():
    x, y = T.dscalars("x", "y")
    with pytest.raises(UnusedInputError, match="input 1 \\(y\\)"):
        function([x, y], x * 2)
    assert function([x, y], x * 2, on_unused_input="ignore")(1.0, 5.0) == 2.0


def test_runtime_shape_error_names_op_line_and_shapes():
    x, y = T.dmatrices("x", "y")
    z = x + y  # the line the error must point at
    f = function([x, y], z, mode="FAST_COMPILE")
    with pytest.raises(NodeRuntimeError) as info:
        f(np.ones((2, 3)), np.ones((3, 2)))
    msg = str(info.value)
    assert "test_function_core.py" in msg and "z = x + y" in msg
    assert "(2, 3)" in msg and "(3, 2)" in msg and "add" in msg


def test_stretching_an_undeclared_length_one_axis_is_refused():
    x, y = T.dmatrices("x", "y")
    f = function([x, y], x + y, mode="FAST_COMPILE")
    with pytest.raises(NodeRuntimeError, match="not declared broadcastable"):
        f(np.ones((2, 3)), np.ones((1, 3)))
    c = T.dcol("c")
    np.testing.assert_array_equal(function([x, c], x + c)(np.ones((2, 3)), np.ones((2, 1))),
                                  np.full((2, 3), 2.0))


def test_inputs_are_never_modified_and_outputs_never_alias_them():
    x = T.dmatrix("x")
    f = function([x], [x, x.T, x * 1])
    xv = np.arange(6.0).reshape(2, 3)
    outs = f(xv)
    for o in outs:
        o[...] = -1
    np.testing.assert_array_equal(xv, np.arange(6.0).reshape(2, 3))


def test_outputs_of_one_call_survive_the_next():
    x = T.dvector("x")
    f = function([x], T.exp(x))
    a = f([0.0, 1.0])
    b = f([2.0, 3.0])
    np.testing.assert_allclose(a, np.exp([0.0, 1.0]))
    np.testing.assert_allclose(b, np.exp([2.0, 3.0]))


def test_constant_outputs_can_be_modified_safely():
    x = T.dscalar("x")
    f = function([x], [x + 0, T.constant(np.array([1.0, 2.0]))])
    first = f(1.0)[1]
    first[0] = 100.0
    np.testing.assert_array_equal(f(1.0)[1], [1.0, 2.0])


def test_threads_each_get_their_own_result():
    x = T.dvector("x")
    f = function([x], T.sum(T.sqr(x)))
    results = {}

    def work(k):
        results[k] = [float(f(np.full(1000, float(k)))) for _ in range(50)]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(4):
        assert results[k] == [1000.0 * k * k] * 50


def test_eval():
    x = T.dscalar("x")
    assert (x * 3).eval({x: 2.0}) == 6.0
    assert T.constant(4.0).eval() == 4.0


def test_inputs_must_be_a_list():
    x = T.dscalar("x")
    with pytest.raises(TypeError, match="list"):
        function(x, x * 2)


def test_symbolic_values_have_no_truth_value():
    with pytest.raises(TypeError, match="truth value"):
        bool(T.dscalar("x") > 0)
