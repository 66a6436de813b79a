"""Every numba kernel generator writes valid Python, checked without numba compiling anything.

The linker parses each kernel's text the first time it sees it (KernelSourceError names the op,
the node and the line). Here a corpus of small graphs, at least one per op class with a kernel,
has its generated modules built and parsed; a new op class fails the coverage test until it
gets an example below.
"""
from __future__ import annotations

import ast

import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile.mode import Mode
from symgrad.gradient import (
    consider_constant,
    disconnected_grad,
    grad_clip,
    grad_scale,
    undefined_grad,
    zero_grad,
)
from symgrad.gradient.ops import GradientMarker, NullGradient
from symgrad.graph.basic import Apply
from symgrad.graph.inline import inline_ops
from symgrad.graph.op import Op
from symgrad.ifelse import ifelse
from symgrad.link.numba.dispatch import (
    KernelSourceError,
    all_op_classes,
    has_kernel,
    node_has_kernel,
    numba_kernel,
)
from symgrad.link.numba.linker import GraphSource
from symgrad.sandbox.rng_mrg import MRG_RandomStreams
from symgrad.tensor import blas, nlinalg, slinalg
from symgrad.tensor.nnet import basic as nnet
from symgrad.tensor.nnet import conv, pool
from symgrad.tensor.random.utils import RandomStream

RAW = Mode("py", None)  # the graph as built: no rewrite removes or replaces an op
OPT = Mode("py", "fast_run")  # what the rewrites make of it (fused, specialised ops)


# --- (a) a generator's broken text is reported before numba sees it ------------------------
class _Twice(Op):
    """x * 2, with a kernel generator that writes broken source."""

    __props__ = ()

    def make_node(self, x) -> Apply:
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage) -> None:
        output_storage[0][0] = inputs[0] * 2


@numba_kernel.register(_Twice)
def _broken_kernel(op, node) -> str:
    return "def KERNEL(i0):\n    y = i0 *\n    return y\n"


def test_a_broken_kernel_source_names_the_op_the_node_and_the_line():
    x = T.dvector("x")
    fgraph = theano.function([x], _Twice()(x) + 1, mode=RAW).maker.fgraph
    with pytest.raises(KernelSourceError) as info:
        GraphSource(fgraph)
    msg = str(info.value)
    assert "_Twice" in msg and "line 2" in msg and "y = i0 *" in msg
    assert str(next(n for n in fgraph.toposort() if isinstance(n.op, _Twice))) in msg


def test_a_broken_kernel_fails_the_numba_linker_before_compiling():
    x = T.dvector("x")
    with pytest.raises(KernelSourceError, match="_Twice"):
        theano.function([x], _Twice()(x), mode=Mode("numba", None))


# --- (b) the corpus ---------------------------------------------------------------------------
def _fgraph(inputs, outputs, mode=RAW):
    outputs = outputs if isinstance(outputs, list) else [outputs]
    return theano.function(inputs, outputs, mode=mode, on_unused_input="ignore").maker.fgraph


def _elementwise_and_shapes():
    x, y = T.dvectors("x", "y")
    m = T.dmatrix("m")
    i = T.ivector("i")
    k = T.lscalar("k")
    r = T.dmatrix("r")
    t = T.dtensor3("t")
    yield [x, y, m], [T.exp(x) * y + 2, T.sum(m, axis=0), T.max(m), T.argmax(m, axis=1),
                      m.T, m.dimshuffle(0, "x", 1), T.alloc(x[0], 3, 2), T.shape(m), m.shape[1]]
    yield [x, y], _fgraph([x, y], [T.log1p(T.exp(x)) * T.tanh(y) + x ** 2, T.mean(x)], OPT)
    # scipy's special functions come from a module imported only when a kernel calls one
    yield [x, y], _fgraph([x, y], [T.gammaln(x) + T.jv(2, y), T.isnan(x), T.tri_gamma(y)], OPT)
    # stack makes a MakeVector; a shape read from a variable makes ShapeEntry nodes
    yield [x, m, k, r], [T.arange(k), T.eye(k), T.join(0, m, m), T.split(x, [1, 2], 2),
                         T.tri(k), T.reshape(m, (-1,)), T.stack([k, k]),
                         T.specify_shape(x, (3,)), T.specify_shape(m, r.shape),
                         T.addbroadcast(r[0:1], 0), T.flatten(m)]
    yield [x, y, m, i, t], [T.cumsum(x), T.repeat(x, 2), T.nonzero(x)[0],
                            T.searchsorted(x, y), T.sort(x), T.argsort(x), x[i], x[1:],
                            T.inc_subtensor(x[1:], 1.0), T.set_subtensor(x[2], 0.0),
                            T.dot(m, x), T.matmul(t, m)]
    # dot's BLAS forms as the rewrites make them (beta 0, alpha 1), and a gemv taking both
    yield [x, y, m], _fgraph([x, y, m], [T.dot(m, x), T.dot(x, m), T.dot(m, m)], OPT)
    s = T.dscalar("s")
    yield [x, y, m, r, s], [blas.gemv_no_inplace(y, s, m, x, s), blas.dot22(m, r)]
    # the gradients of running sums and products are linear recurrences
    g = T.grad(T.cumsum(x).sum() + T.cumprod(x).sum(), x)
    yield [x], [g]


def _linalg():
    a = T.dmatrix("a")
    b = T.dvector("b")
    yield [a, b], [nlinalg.det(a), nlinalg.eig(a)[0], nlinalg.eigh(a)[0],
                   nlinalg.matrix_inverse(a), nlinalg.pinv(a),
                   nlinalg.qr(a, mode="complete")[0],
                   nlinalg.svd(a)[1], nlinalg.trace(a), nlinalg.identity_like(a),
                   nlinalg.tril(a), slinalg.cholesky(a), slinalg.eigvalsh(a, None),
                   slinalg.solve(a, b)]
    # EyeLike, EighGrad and CholeskyGrad appear only in gradients
    yield [a], [T.grad(nlinalg.trace(a), a), T.grad(nlinalg.eigh(a)[0].sum(), a),
                T.grad(slinalg.cholesky(a).sum(), a)]


def _nnet():
    x = T.dmatrix("x")
    y = T.ivector("y")
    images, filters = T.dtensor4("images"), T.dtensor4("filters")
    cost = nnet.crossentropy_categorical_1hot(nnet.softmax(x), y).sum()
    yield [x, y], [cost, T.grad(cost, x), nnet.log_softmax(x), T.grad(nnet.softmax(x)[0, 0], x)]
    out = conv.conv2d(images, filters, input_shape=(1, 1, 5, 5), filter_shape=(1, 1, 3, 3))
    yield [images, filters], [out, *T.grad(out.sum(), [images, filters])]
    for mode in ("max", "average_inc_pad"):
        pooled = pool.pool_2d(images, ws=(2, 2), ignore_border=True, mode=mode)
        yield [images], [pooled, T.grad(pooled.sum(), images)]
    pooled = pool.pool_2d(images, ws=(2, 2), ignore_border=True)
    yield [images], [T.Rop(pooled, images, T.ones_like(images))]


def _control_flow_and_random():
    x = T.dvector("x")
    c = T.iscalar("c")
    yield [c, x], [ifelse(c, x * 2, x - 1)]
    steps, _ = theano.scan(lambda v, acc: acc + v, sequences=[x], outputs_info=[T.zeros(())])
    yield [x], [steps]
    streams = RandomStream(seed=3)
    yield [], [streams.normal(size=(2,)), streams.random_integers(0, 4, size=(2,)),
               streams.choice(3, size=(2,)), streams.permutation(4),
               streams.multinomial(3, [0.5, 0.5])]
    mrg = MRG_RandomStreams(seed=5)
    yield [], [mrg.uniform(size=(3,)), mrg.multinomial(pvals=[[0.2, 0.8]]),
               mrg.choice(size=1, p=[[0.3, 0.3, 0.4]], replace=False)]


def _gradient_markers():
    x = T.dvector("x")
    yield [x], [zero_grad(x), consider_constant(x), disconnected_grad(x), undefined_grad(x),
                grad_clip(x, -1, 1), grad_scale(x, 2.0), GradientMarker()(x),
                NullGradient("undefined here")()]


def _graphs_as_ops():
    from symgrad.compile.builders import OpFromGraph
    from symgrad.compile.ops import deep_copy_op, view_op

    x = T.dvector("x")
    twice = OpFromGraph([x], [T.exp(x) * 2])
    yield [x], [twice(x) + OpFromGraph([x], [twice(x) - 1])(x)]
    yield [x], [view_op(x) * 2, deep_copy_op(x)]


SOURCES = (_elementwise_and_shapes, _linalg, _nnet, _control_flow_and_random, _gradient_markers,
           _graphs_as_ops)


def _corpus():
    """(graph name, FunctionGraph) for each example; outputs given as an fgraph are used as is."""
    for source in SOURCES:
        for k, (inputs, outputs) in enumerate(source()):
            fgraph = outputs if not isinstance(outputs, list) else _fgraph(inputs, outputs)
            yield f"{source.__name__}[{k}]", fgraph


@pytest.fixture(scope="module")
def corpus():
    return list(_corpus())


def test_every_generated_module_parses(corpus):
    for name, fgraph in corpus:
        gaps = [n for n in fgraph.apply_nodes if not node_has_kernel(fgraph, n)]
        assert not gaps, f"{name} would run on the Python VM (no numba kernel for {gaps})"
        source = GraphSource(inline_ops(fgraph)).source  # as NumbaLinker.make_runner does
        try:
            ast.parse(source)
        except SyntaxError as exc:  # a kernel is checked alone; the module must parse too
            pytest.fail(f"{name}: the generated module does not parse: {exc}\n{source}")


def test_the_corpus_has_an_example_of_every_op_class_with_a_kernel(corpus):
    seen = {type(node.op) for _, fgraph in corpus for node in fgraph.apply_nodes}
    with_kernel = [c for c in all_op_classes() if has_kernel(c)]
    missing = [f"{c.__module__}.{c.__name__}" for c in with_kernel if c not in seen]
    assert not missing, ("add an example for " + ", ".join(missing)
                         + " to tests/link/test_kernel_sources.py")
