"""The rewrite engine: decorators, pattern rewriters, drivers, phases, modes and failures."""
import warnings

import numpy as np
import pytest

import symgrad.tensor as T
from symgrad import config, function, pp
from symgrad.compile.mode import Mode
from symgrad.graph.fgraph import FunctionGraph
from symgrad.rewriting import db
from symgrad.rewriting.engine import (
    EquilibriumRewriter,
    PatternRewriter,
    RewriteError,
    WalkingRewriter,
    node_rewriter,
    try_rewrite,
)
from symgrad.scalar import basic as sb
from symgrad.scalar import math as sm
from tests.rewriting.rewrite_helpers import compiled


def test_node_rewriter_tracks_scalar_op_classes():
    @node_rewriter([sm.Exp])
    def local_exp_to_exp2(fgraph, node):
        return [T.exp2(node.inputs[0])]

    x = T.dscalar("x")
    fg = FunctionGraph([x], [T.exp(x) + T.log(x)])
    assert pp(fg.outputs[0]) == "(exp(x) + log(x))"
    assert EquilibriumRewriter([local_exp_to_exp2]).apply(fg) == 1
    assert pp(fg.outputs[0]) == "(exp2(x) + log(x))"
    assert local_exp_to_exp2.name == "local_exp_to_exp2"


def test_pattern_rewriter_binds_and_builds():
    x = T.dvector("x")
    rewrite = PatternRewriter((T.log, (T.add, 1, "a")), (T.log1p, "a"), name="log_one_plus")
    fg = FunctionGraph([x], [T.log(1 + x)])
    assert pp(fg.outputs[0]) == "log((1 + x))"
    assert WalkingRewriter([rewrite]).apply(fg) == 1
    assert pp(fg.outputs[0]) == "log1p(x)"
    # the same name must bind the same variable
    same = PatternRewriter((T.mul, "a", "a"), (T.sqr, "a"))
    y = T.dvector("y")
    fg = FunctionGraph([x, y], [x * y, x * x])
    WalkingRewriter([same]).apply(fg)
    assert pp(fg.outputs) == "(x * y)\nsqr(x)"


def test_equilibrium_revisits_new_nodes():
    @node_rewriter([sb.Add])
    def local_add_to_mul(fgraph, node):
        return [T.mul(*node.inputs)]

    @node_rewriter([sb.Mul])
    def local_mul_to_sub(fgraph, node):
        return [T.sub(*node.inputs)] if len(node.inputs) == 2 else None

    x, y = T.dscalars("x", "y")
    fg = FunctionGraph([x, y], [x + y])
    EquilibriumRewriter([local_add_to_mul, local_mul_to_sub]).apply(fg)
    assert pp(fg.outputs[0]) == "(x - y)"


def test_failing_rewrite_warns_and_keeps_the_graph():
    @node_rewriter([sm.Exp])
    def local_broken(fgraph, node):
        raise ZeroDivisionError("bug in a rewrite")

    x = T.dscalar("x")
    fg = FunctionGraph([x], [T.exp(x)])
    with config.change_flags(on_opt_error="warn"), \
            pytest.warns(UserWarning, match="local_broken failed .* skipped"):
        assert not try_rewrite(fg, local_broken, fg.outputs[0].owner)
    assert pp(fg.outputs[0]) == "exp(x)"
    with config.change_flags(on_opt_error="raise"), pytest.raises(RewriteError, match="bug"):
        try_rewrite(fg, local_broken, fg.outputs[0].owner)


def test_rewrite_with_wrong_type_is_refused_before_any_change():
    @node_rewriter([sm.Exp])
    def local_wrong_type(fgraph, node):
        return [T.cast(node.inputs[0], "float32")]

    x = T.dscalar("x")
    fg = FunctionGraph([x], [T.exp(x)])
    with config.change_flags(on_opt_error="warn"), pytest.warns(UserWarning, match="type"):
        try_rewrite(fg, local_wrong_type, fg.outputs[0].owner)
    assert pp(fg.outputs[0]) == "exp(x)" and len(fg.apply_nodes) == 1


def test_rewrite_using_a_foreign_variable_is_refused():
    stranger = T.dscalar("stranger")

    @node_rewriter([sm.Exp])
    def local_foreign(fgraph, node):
        return [T.exp(stranger)]

    x = T.dscalar("x")
    fg = FunctionGraph([x], [T.exp(x)])
    with config.change_flags(on_opt_error="warn"), pytest.warns(UserWarning, match="not part"):
        try_rewrite(fg, local_foreign, fg.outputs[0].owner)
    assert pp(fg.outputs[0]) == "exp(x)" and len(fg.apply_nodes) == 1


def test_phase_table_order_and_modes():
    names = [p.name for p in db.PHASES]
    assert names == ["merge", "useless", "canonicalize", "stabilize", "specialize", "fusion",
                     "inplace", "merge_final"]
    positions = [p.position for p in db.PHASES]
    assert positions == sorted(positions)
    assert [p.name for p in db.phases_for("fast_compile")] == ["merge", "useless", "merge_final"]
    assert [p.name for p in db.phases_for("fast_run")] == names
    assert db.phases_for(None) == []
    with pytest.raises(ValueError, match="unknown optimizer"):
        db.phases_for("fastest")


def test_every_registered_rewrite_has_a_before_after_docstring():
    for ph in db.PHASES:
        for rewriter in ph.node_rewriters:
            assert rewriter.name.startswith("local_"), rewriter.name
            assert rewriter.__doc__ and "->" in rewriter.__doc__, rewriter.name


def test_fast_compile_skips_canonicalize_and_fast_run_does_not():
    x = T.dscalar("x")
    y = x * 2 * 3
    assert pp(compiled([x], y, None).maker.fgraph.outputs[0]) == "((x * 2) * 3)"
    assert pp(compiled([x], y, "fast_compile").maker.fgraph.outputs[0]) == "((x * 2) * 3)"
    assert pp(compiled([x], y, "fast_run").maker.fgraph.outputs[0]) == "(6.0 * x)"


def test_mode_names_and_config_mode():
    x = T.dscalar("x")
    y = x * 2 * 3
    assert pp(function([x], y, mode="FAST_COMPILE").maker.env.outputs[0]) == "((x * 2) * 3)"
    assert pp(function([x], y, mode="FAST_RUN").maker.env.outputs[0]) == "(6.0 * x)"
    with config.change_flags(mode="FAST_COMPILE"):
        assert pp(function([x], y).maker.env.outputs[0]) == "((x * 2) * 3)"
    f = function([x], y)
    assert f.maker.env is f.maker.fgraph
    assert f(2.0) == 12.0


def test_optimizer_verbose_prints_each_replacement(capsys):
    x = T.dscalar("x")
    with config.change_flags(optimizer_verbose=True):
        compiled([x], T.log(1 + x))
    out = capsys.readouterr().out
    assert "local_add_canonizer: (1 + x)  ->  (1.0 + x)" in out
    assert "local_log1p: log((1.0 + x))  ->  log1p(x)" in out
    y = T.dscalar("y")
    with config.change_flags(optimizer_verbose=True):
        compiled([y], T.grad(y ** 2, y))
    lines = [line.split(maxsplit=1)[1] for line in capsys.readouterr().out.splitlines()
             if line.strip()[:1].isdigit()]
    assert lines[:4] == [
        "local_useless_fill: fill((y ** 2), 1.0)  ->  1.0",
        "local_constant_folding: (1.0 * 2)  ->  2.0",
        "local_constant_folding: (2 - 1)  ->  1",
        "local_useless_right_neutral: (y ** 1)  ->  y",
    ]
    compiled([y], T.log(1 + y))
    assert capsys.readouterr().out == ""  # quiet unless asked


def test_rewrite_times_for_the_tutorial_graphs_are_small():
    x = T.dscalar("x")
    gy = T.grad(x ** 2, x)
    m = T.dmatrix("m")
    gs = T.grad(T.sum(1 / (1 + T.exp(-m))), m)
    compiled([x], gy)  # warm the rewriters' lookup caches
    compiled([m], gs)
    times = []
    for inputs, out in (([x], gy), ([m], gs)):
        best = min(compiled(inputs, out).maker.rewrite_time for _ in range(3))
        times.append(best)
    assert max(times) < 0.05, times


def test_no_equilibrium_is_reported_not_looping_forever():
    @node_rewriter([sb.Add])
    def local_flip(fgraph, node):
        a, b = node.inputs
        return [T.add(b, a)]

    x, y = T.dscalars("x", "y")
    fg = FunctionGraph([x, y], [x + y])
    with config.change_flags(on_opt_error="warn"), pytest.warns(UserWarning, match="equilibrium"):
        EquilibriumRewriter([local_flip], max_changes_per_node=5).apply(fg)
    f = function(fg.inputs, fg.outputs[0], mode=Mode("py", None))
    assert np.isclose(f(1.0, 2.0), 3.0)


def test_warnings_from_users_point_of_view_do_not_break_compilation():
    @node_rewriter([sm.Log])
    def local_crash(fgraph, node):
        raise RuntimeError("boom")

    phase = db.phase("stabilize")
    phase.node_rewriters.insert(0, local_crash)
    try:
        x = T.dscalar("x")
        with config.change_flags(on_opt_error="warn"), warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            f = compiled([x], T.log(1 + x))
        assert any("local_crash" in str(m.message) for m in w)
        assert np.isclose(f(1e-20), 1e-20)  # the other stabilize rewrites still ran
    finally:
        phase.node_rewriters.remove(local_crash)


def test_rewrite_that_would_make_a_cycle_is_refused():
    @node_rewriter([sm.Exp])
    def local_self_reference(fgraph, node):
        return [T.log(node.outputs[0])]

    x = T.dscalar("x")
    fg = FunctionGraph([x], [T.exp(x)])
    with config.change_flags(on_opt_error="warn"), pytest.warns(UserWarning, match="itself"):
        try_rewrite(fg, local_self_reference, fg.outputs[0].owner)
    assert pp(fg.outputs[0]) == "exp(x)" and len(fg.apply_nodes) == 1
