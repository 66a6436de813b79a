"""function(..., profile=True): time per node and op, calls, shares, compile time split."""
import io

import numpy as np

import symgrad.tensor as T
from symgrad import function
from symgrad.compile.mode import Mode
from symgrad.compile.profiling import ProfileStats
from symgrad.link import register_linker
from symgrad.link.python import PythonLinker


def _layer():
    x, w = T.dmatrices("x", "w")
    y = T.tanh(T.dot(x, w)).sum()
    return x, w, [y, T.grad(y, w)]


def test_per_node_and_per_op_times_with_the_python_vm():
    x, w, outs = _layer()
    f = function([x, w], outs, mode="FAST_COMPILE", profile=True, name="layer")
    for _ in range(3):
        f(np.ones((4, 3)), np.ones((3, 2)))
    prof = f.profile
    assert prof.call_count == 3
    assert set(prof.node_stats) == set(f.maker.fgraph.apply_nodes)
    assert all(calls == 3 and seconds > 0 for calls, seconds in prof.node_stats.values())
    node_time = sum(s for _, s in prof.node_stats.values())
    assert 0 < node_time <= prof.call_time
    ops = {op: (calls, n) for op, calls, _, n in prof.op_stats()}
    assert ops["dot"] == (6, 2)  # the forward dot and the gradient's dot, 3 calls each
    assert prof.rewrite_time > 0 and prof.link_time > 0

    out = io.StringIO()
    text = prof.summary(file=out)
    assert out.getvalue() == text + "\n"
    assert "'layer': 3 call(s)" in text
    assert "compile time:" in text and "rewrite" in text and "link" in text
    assert "Ops, slowest first:" in text and "Nodes, slowest first" in text
    shares = [float(line.split("%")[0]) for line in text.splitlines()
              if line.startswith("  ") and "%" in line.split()[0]]
    op_shares = shares[:len(ops)]
    assert abs(sum(op_shares) - 100.0) < 1.0
    assert "test_profiling.py" in text  # each node names the line that built it


def test_an_unprofiled_function_keeps_the_plain_runner():
    x, w, outs = _layer()
    f = function([x, w], outs)
    assert f.profile is None and f._runner is f.maker.runner


def test_a_shared_profile_adds_up_functions():
    stats = ProfileStats("both")
    x = T.dvector("x")
    f = function([x], x * 2, profile=stats, mode="FAST_COMPILE")
    g = function([x], T.exp(x), profile=stats, mode="FAST_COMPILE")
    f(np.ones(2))
    g(np.ones(2))
    g(np.ones(2))
    assert stats.call_count == 3
    calls = {node: c for node, (c, _) in stats.node_stats.items()}
    assert calls == {**dict.fromkeys(f.maker.fgraph.apply_nodes, 1),
                     **dict.fromkeys(g.maker.fgraph.apply_nodes, 2)}


class WholeGraphLinker:
    """Stands for a backend that runs the graph as one compiled unit."""

    name = "whole_graph"

    def make_runner(self, fgraph):
        return PythonLinker().make_runner(fgraph)


register_linker("whole_graph_for_tests", WholeGraphLinker)


def test_other_linkers_time_whole_calls_and_say_why_nodes_are_missing():
    x = T.dvector("x")
    f = function([x], T.exp(x) + 1, profile=True,
                 mode=Mode("whole_graph_for_tests", "fast_run"))
    np.testing.assert_allclose(f(np.zeros(3)), 2.0)
    assert f.profile.call_count == 1 and f.profile.node_stats == {}
    text = f.profile.summary(file=io.StringIO())
    assert "per-node times unavailable" in text and "'whole_graph'" in text
    assert "linker='py'" in text
