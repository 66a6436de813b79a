"""The per-function rewrite log and config.optimizer_verbose."""
import symgrad.tensor as T
from symgrad import config, function
from symgrad.graph.fgraph import FunctionGraph
from symgrad.printing import RewriteLog, pp, rewrite_log


def test_the_seed_gradient_log_lists_each_rewrite_with_before_and_after(capsys):
    x = T.dscalar("x")
    gy = T.grad(x ** 2, x)
    with config.change_flags(optimizer_verbose=True):
        f = function([x], gy, name="dsquare")
    printed = capsys.readouterr().out
    log = rewrite_log(f)
    assert pp(f.maker.fgraph.outputs[0]) == "(2.0 * x)"
    pairs = [(e.before, e.after) for e in log]
    assert ("fill((x ** 2), 1.0)", "1.0") in pairs
    assert ("(x ** 1)", "x") in pairs
    assert sum(log.counts().values()) == len(log) == len(pairs) >= 3
    assert all(e.name.startswith("local_") for e in log)
    assert printed.strip() == str(log)  # the whole log, once per compiled function
    assert "Rewrites of function 'dsquare'" in printed
    assert "fill((x ** 2), 1.0)  ->  1.0" in printed
    assert "Summary (replacements per rewrite):" in printed
    assert log.summary().splitlines() == [
        f"Rewrites of function 'dsquare': {len(log)} replacement(s)",
        *[f"  {n:>5}  {name}" for name, n in log.counts().items()]]


def test_quiet_by_default_and_empty_without_rewrites(capsys):
    x = T.dscalar("x")
    f = function([x], x + 1, mode="FAST_COMPILE")
    assert capsys.readouterr().out == ""
    assert len(rewrite_log(f)) == 0
    assert "0 replacement(s)" in str(rewrite_log(f))
    assert len(rewrite_log(f.copy())) == 0  # a copy is not rewritten again
    assert len(rewrite_log(FunctionGraph([x], [x + 1]))) == 0


def test_deep_expressions_are_cut_in_the_log():
    x = T.dscalar("x")
    deep = x
    for _ in range(8):
        deep = T.exp(deep)
    f = function([x], deep * 1, name="deep")
    entry = next(e for e in rewrite_log(f) if e.after.startswith("exp"))
    assert "…" in entry.before and entry.before.count("exp(") <= 4
    assert pp(deep, max_depth=2) == "exp(exp(…))"


def test_entries_show_the_graph_as_it_was_at_each_replacement():
    x, y = T.dscalars("x", "y")
    total = x + y
    fg = FunctionGraph([x, y], [T.exp(total)], clone=False)
    fg.attach_feature(RewriteLog("by hand"))
    fg.replace(fg.outputs[0], T.log(total), reason="first")
    fg.replace(total, x * y, reason="second")  # changes the node the first entry printed
    assert pp(fg.outputs[0]) == "log((x * y))"
    first, second = rewrite_log(fg)
    assert (first.name, first.before, first.after) == ("first", "exp((x + y))", "log((x + y))")
    assert (second.before, second.after) == ("(x + y)", "(x * y)")
