"""Shared test helpers: compile a graph under every linker and compare with numpy."""
from __future__ import annotations

import importlib.util
import os

import numpy as np

from symgrad import function
from symgrad.compile.mode import Mode
from symgrad.graph.basic import Apply
from symgrad.graph.op import Op
from symgrad.link import available_linkers
from symgrad.tensor.constant import as_tensor_variable


def modes():
    """One mode per linker, with and without rewrites, so every backend meets the reference."""
    out = [Mode("py", None, "py-noopt"), Mode("py", "fast_compile", "py-fast_compile"),
           Mode("py", "fast_run", "py-fast_run")]
    if "numba" in available_linkers():
        out.append(Mode("numba", "fast_run", "numba-fast_run"))
    if os.environ.get("SYMGRAD_TEST_JAX") == "1" and importlib.util.find_spec("jax"):
        # opt-in: each graph compiles once more under XLA (seconds over the whole suite)
        out.append(Mode("jax", "fast_run", "jax-fast_run"))
    return out


def check_against_numpy(inputs, output, values, expected, rtol=1e-7, atol=1e-10):
    """Compile inputs -> output in every mode; each must match `expected` and not touch inputs.

    `output` may be a list (with a list of expected values): one compiled function per mode
    then checks them all, which keeps backend compile time down.
    """
    several = isinstance(output, (list, tuple))
    outputs = list(output) if several else [output]
    expecteds = list(expected) if several else [expected]
    for mode in modes():
        f = function(inputs, outputs, mode=mode, on_unused_input="ignore")
        copies = [np.array(v, copy=True) for v in values]
        got_all = f(*values)
        for v, c in zip(values, copies):
            np.testing.assert_array_equal(v, c, err_msg=f"{mode}: an input was modified")
        for k, (out, got, exp) in enumerate(zip(outputs, got_all, expecteds)):
            exp = np.asarray(exp)
            where = f"{mode}, output {k}"
            assert np.asarray(got).shape == exp.shape, \
                f"{where}: shape {np.shape(got)} != {exp.shape}"
            assert np.asarray(got).dtype == out.type.dtype, \
                f"{where}: dtype {np.asarray(got).dtype} != declared {out.type.dtype}"
            np.testing.assert_allclose(got, exp, rtol=rtol, atol=atol, err_msg=where)


def check_infer_shape(inputs, output, values):
    """The shape output.owner.op.infer_shape predicts must be the shape the op computes."""
    from symgrad.tensor.basic import as_tensor_variable
    from symgrad.tensor.shape import shape_tuple

    node = output.owner
    in_shapes = [shape_tuple(i) for i in node.inputs]
    predicted = node.op.infer_shape(None, node, in_shapes)[node.outputs.index(output)]
    entries = [as_tensor_variable(s) for s in predicted]
    f = function(inputs, [output] + entries, mode=Mode("py", None), on_unused_input="ignore")
    got, *dims = f(*values)
    assert tuple(int(d) for d in dims) == np.shape(got), \
        f"infer_shape of {node.op} predicted {[int(d) for d in dims]}, computed {np.shape(got)}"


class CountCalls(Op):
    """An identity op that counts how often it ran, to see which nodes a linker evaluated."""

    def __init__(self) -> None:
        self.calls = 0

    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return id(self)

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        self.calls += 1
        output_storage[0][0] = inputs[0]


def assert_same_results(f_a, f_b, values, rtol=1e-12, atol=0.0):
    """f_a and f_b (e.g. numba and the Python VM) agree on `values` in value, dtype and shape,
    and neither modifies its inputs; returns f_a's outputs."""
    copies = [np.array(v, copy=True) for v in values]
    got, want = f_a(*values), f_b(*values)
    for v, c in zip(values, copies):
        np.testing.assert_array_equal(v, c, err_msg="an input was modified")
    for k, (g, w) in enumerate(zip(got, want)):
        assert g.dtype == w.dtype and g.shape == w.shape, (k, g.dtype, w.dtype, g.shape, w.shape)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=f"output {k}")
    return got
