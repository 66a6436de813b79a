"""Errors point at the user's code: the op, the line that built it, and the input shapes."""
import traceback

import numpy as np
import pytest

import symgrad.tensor as T
from symgrad import config, function
from symgrad.compile.mode import Mode
from symgrad.errors import NodeRuntimeError
from symgrad.graph.fgraph import FunctionGraph
from symgrad.link import register_linker
from symgrad.link.python import PythonLinker
from symgrad.rewriting.engine import node_rewriter, try_rewrite
from symgrad.scalar import math as sm


class OpaqueLinker:
    """A backend that, like one compiled function for the whole graph, cannot say which node
    failed: it runs the VM but reports every failure as a bare ValueError."""

    name = "opaque"

    def make_runner(self, fgraph):
        inner = PythonLinker().make_runner(fgraph)

        def run(values):
            try:
                return inner(values)
            except NodeRuntimeError:
                raise ValueError("operands could not be broadcast together") from None

        run.nodes = inner.nodes
        return run


register_linker("opaque_for_tests", OpaqueLinker)


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE",
                                  Mode("opaque_for_tests", "fast_run")])
def test_shape_mismatch_names_the_user_line_and_the_shapes(mode):
    x, y = T.dvectors("x", "y")
    product = x * y  # the line a shape mismatch must point at
    out = T.exp(product) + 1
    f = function([x, y], out, mode=mode)
    with pytest.raises(NodeRuntimeError) as info:
        f(np.ones(3), np.ones(4))
    msg = str(info.value)
    assert "test_error_messages.py" in msg
    assert "product = x * y  # the line a shape mismatch must point at" in msg
    assert "Input shapes: [(3,), (4,)]" in msg
    assert "dtype=float64" in msg
    assert info.value.node is not None and info.value.node in f.maker.fgraph.apply_nodes


def test_a_fused_node_names_every_line_it_computes():
    x, y = T.dvectors("x", "y")
    scaled = 2 * x  # first line folded into the fused node
    total = scaled + y  # second line
    f = function([x, y], T.exp(total), mode="FAST_RUN")
    (node,) = f.maker.fgraph.apply_nodes  # one fused Elemwise
    with pytest.raises(NodeRuntimeError) as info:
        f(np.ones(2), np.ones(5))
    msg = str(info.value)
    assert "scaled = 2 * x  # first line" in msg
    assert "total = scaled + y  # second line" in msg
    assert "It also computes what was built at:" in msg
    assert info.value.node is node


def test_errors_the_backend_does_not_explain_are_left_alone():
    class Failing(OpaqueLinker):
        def make_runner(self, fgraph):
            def run(values):
                raise MemoryError("out of memory in the backend")
            return run

    register_linker("failing_for_tests", Failing)
    x = T.dvector("x")
    f = function([x], x + 1, mode=Mode("failing_for_tests", "fast_run"))
    with pytest.raises(MemoryError, match="out of memory in the backend"):
        f(np.ones(2))


def test_build_errors_name_the_op_and_the_user_line():
    x = T.dvector("x")
    m = T.dmatrix("m")
    builds = [
        (lambda: x & x, "Elemwise{and_,no_inplace}"),  # bitwise and of floats
        (lambda: T.concatenate([x, m]), "Join{axis=0}"),  # vectors and matrices do not join
        (lambda: T.nlinalg.matrix_inverse(x), "MatrixInverse"),  # a vector has no inverse
    ]
    for build, op in builds:
        with pytest.raises(TypeError) as info:
            build()
        text = "".join(traceback.format_exception_only(info.type, info.value))
        assert f"while building {op} at" in text
        assert "test_error_messages.py" in text and "(lambda: " in text
        assert text.count("while building") == 1  # the innermost op only


def test_the_user_line_survives_copies_of_a_compiled_function():
    x, y = T.dvectors("x", "y")
    scaled = 2 * x  # kept through copy()
    f = function([x, y], T.exp(scaled + y), mode="FAST_RUN").copy()
    with pytest.raises(NodeRuntimeError, match="kept through copy"):
        f(np.ones(2), np.ones(3))


def test_a_failing_rewrite_names_the_user_line_of_its_node():
    @node_rewriter([sm.Exp])
    def local_broken(fgraph, node):
        raise ZeroDivisionError("bug in a rewrite")

    x = T.dscalar("x")
    grown = T.exp(x)  # the node the rewrite fails on
    fg = FunctionGraph([x], [grown])
    with config.change_flags(on_opt_error="warn"), pytest.warns(UserWarning) as caught:
        try_rewrite(fg, local_broken, fg.outputs[0].owner)
    msg = str(caught[0].message)
    assert "local_broken failed" in msg and "grown = T.exp(x)  # the node the rewrite" in msg
