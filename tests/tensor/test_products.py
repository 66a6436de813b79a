"""tensordot, n-d dot, matmul (`@`) and batched_dot against numpy, with gradients."""
import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.gradient import verify_grad
from tests.helpers import check_against_numpy, check_infer_shape


def _var(shape, name, dtype="float64"):
    return T.tensor(dtype, shape=tuple(1 if n == 1 else None for n in shape), name=name)


TENSORDOT_CASES = [
    ((2, 3, 4), (3, 4, 5), 2), ((2, 3, 4), (4, 5), 1), ((2, 3), (4, 5), 0),
    ((2, 3, 4), (4, 3, 2), [[1, 2], [1, 0]]), ((3, 4), (4, 3), [[0, 1], [1, 0]]),
    ((0, 3), (3, 2), 1), ((2, 1, 4), (4, 1, 2), [[2], [0]]), ((3,), (3,), 1),
]


@pytest.mark.parametrize("sa,sb,axes", TENSORDOT_CASES, ids=str)
def test_tensordot(sa, sb, axes, rng):
    av, bv = rng.standard_normal(sa), rng.standard_normal(sb)
    a, b = _var(sa, "a"), _var(sb, "b")
    out = T.tensordot(a, b, axes)
    check_against_numpy([a, b], out, [av, bv], np.tensordot(av, bv, axes))
    if av.size and bv.size:
        verify_grad(lambda x, y: T.tensordot(x, y, axes), [av, bv], rng=rng)


DOT_CASES = [((2, 3, 4), (4,)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)), ((2, 3, 4), (5, 4, 2)),
             ((4,), (2, 4, 3)), ((2, 3), (3,)), ((), (2, 3))]


@pytest.mark.parametrize("sa,sb", DOT_CASES, ids=str)
def test_dot_of_nd_arrays(sa, sb, rng):
    av, bv = rng.standard_normal(sa), rng.standard_normal(sb)
    a, b = _var(sa, "a"), _var(sb, "b")
    check_against_numpy([a, b], T.dot(a, b), [av, bv], np.dot(av, bv))
    check_against_numpy([a, b], a.dot(b), [av, bv], np.dot(av, bv))
    verify_grad(T.dot, [av, bv], rng=rng)


MATMUL_CASES = [((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)), ((4,), (2, 4, 5)), ((2, 3, 4), (4,)),
                ((1, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((2, 3), (3, 4)),
                ((0, 3, 4), (0, 4, 2)), ((3,), (3,))]


@pytest.mark.parametrize("sa,sb", MATMUL_CASES, ids=str)
def test_matmul_operator(sa, sb, rng):
    av, bv = rng.standard_normal(sa), rng.standard_normal(sb)
    a, b = _var(sa, "a"), _var(sb, "b")
    out = a @ b
    check_against_numpy([a, b], out, [av, bv], av @ bv)
    check_against_numpy([a, b], T.matmul(a, b), [av, bv], np.matmul(av, bv))
    if out.owner is not None and isinstance(out.owner.op, T.Matmul):
        check_infer_shape([a, b], out, [av, bv])
    if av.size and bv.size:
        verify_grad(lambda x, y: T.matmul(_b(x, sa), _b(y, sb)), [av, bv], rng=rng)


def _b(x, shape):
    """Declare the length-1 axes, as verify_grad's inputs are fully unbroadcastable."""
    axes = [i for i, n in enumerate(shape) if n == 1]
    return T.addbroadcast(x, *axes) if axes else x


def test_matmul_refuses_undeclared_batch_broadcasting(rng):
    a, b = T.dtensor3("a"), T.dtensor3("b")
    f = theano.function([a, b], a @ b)
    with pytest.raises(Exception, match="batch axis"):
        f(rng.standard_normal((1, 2, 3)), rng.standard_normal((4, 3, 2)))
    with pytest.raises(ValueError, match="scalar"):
        T.matmul(T.dscalar(), a)


@pytest.mark.parametrize("sa,sb", [((4, 2, 3), (4, 3, 5)), ((4, 3), (4, 3)), ((4, 2, 3), (4, 3)),
                                   ((4, 3), (4, 3, 2)), ((0, 2, 3), (0, 3, 1))], ids=str)
def test_batched_dot(sa, sb, rng):
    av, bv = rng.standard_normal(sa), rng.standard_normal(sb)
    a, b = _var(sa, "a"), _var(sb, "b")
    subscripts = {(3, 3): "bij,bjk->bik", (2, 2): "bi,bi->b", (3, 2): "bij,bj->bi",
                  (2, 3): "bi,bij->bj"}[(len(sa), len(sb))]
    want = np.einsum(subscripts, av, bv)
    check_against_numpy([a, b], T.batched_dot(a, b), [av, bv], want)
    if av.size:
        verify_grad(T.batched_dot, [av, bv], rng=rng)


def test_batched_tensordot(rng):
    av, bv = rng.standard_normal((3, 2, 4, 5)), rng.standard_normal((3, 5, 4, 2))
    a, b = T.dtensor4("a"), T.dtensor4("b")
    out = T.batched_tensordot(a, b, [[2, 3], [2, 1]])
    want = np.stack([np.tensordot(av[i], bv[i], [[1, 2], [1, 0]]) for i in range(3)])
    check_against_numpy([a, b], out, [av, bv], want)
    verify_grad(lambda x, y: T.batched_tensordot(x, y, [[2, 3], [2, 1]]), [av, bv], rng=rng)
