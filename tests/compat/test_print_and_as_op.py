"""printing.Print prints its input when the function runs; compile.ops.as_op makes an Op."""
from __future__ import annotations

import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile import Mode
from symgrad.compile.ops import as_op
from symgrad.gradient import verify_grad
from symgrad.printing import Print, min_informative_str


@pytest.mark.parametrize("linker", ["py", "numba"])
def test_print_shows_attrs_at_run_time_in_both_backends(linker, capsys):
    x = T.dvector("x")
    y = Print("x is", attrs=("shape", "sum"))(x) * 2
    f = theano.function([x], y, mode=Mode(linker=linker))
    capsys.readouterr()
    np.testing.assert_allclose(f(np.arange(3.0)), [0.0, 2.0, 4.0])
    assert capsys.readouterr().out.strip() == "x is shape = (3,) sum = 3.0"


def test_print_gradient_passes_through(rng):
    verify_grad(lambda a: Print("a")(a) ** 2, [rng.normal(size=3)], rng=np.random.RandomState(0))


def test_min_informative_str_labels_each_variable_once():
    x = T.dvector("x")
    text = min_informative_str(T.exp(x) + x)
    assert text.splitlines()[0].startswith("A. ")
    assert "x" in text and text.splitlines()[-1].strip() == "C"


def test_as_op_builds_a_node_that_computes_with_numpy():
    @as_op(itypes=[T.dmatrix], otypes=[T.dvector])
    def row_norms(m):
        return np.sqrt((m ** 2).sum(axis=1))

    x = T.dmatrix("x")
    f = theano.function([x], row_norms(x) * 2, mode=Mode(linker="py"))
    m = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(f(m), 2 * np.linalg.norm(m, axis=1))
    with pytest.raises(TypeError, match="input 0"):
        row_norms(T.dvector("v"))


def test_as_op_has_no_derivative_and_says_so_in_both_directions():
    from symgrad.errors import GradientNotImplementedError
    from symgrad.gradient import Rop

    @as_op(itypes=[T.dvector], otypes=[T.dvector])
    def doubled(v):
        return v * 2

    x, u = T.dvector("x"), T.dvector("u")
    with pytest.raises(GradientNotImplementedError, match="doubled"):
        Rop(doubled(x), x, u)
    with pytest.raises(GradientNotImplementedError, match="doubled"):
        T.grad(T.sum(doubled(x)), x)
