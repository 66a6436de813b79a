"""Mode.including / Mode.excluding: rewrites chosen by optimizer, phase or rewrite name."""
import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad import pp
from symgrad.compile.checking import NanGuardMode
from symgrad.compile.mode import Mode, get_mode
from symgrad.errors import NanGuardError
from tests.helpers import modes

X = np.array([1e-20, 0.5, 3.0])


def _ops(f) -> list[str]:
    return [str(n.op) for n in f.maker.fgraph.toposort()]


def _text(f) -> str:
    return pp(f.maker.fgraph.outputs[0])


def _py(optimizer="fast_run") -> Mode:
    return Mode("py", optimizer)


def test_excluding_fusion_keeps_separate_elemwise_nodes():
    x = T.dvector("x")
    expr = T.exp(x) * 2 + x
    fused = theano.function([x], expr, mode=_py())
    unfused = theano.function([x], expr, mode=_py().excluding("fusion"))
    assert any("Composite" in op for op in _ops(fused))
    assert not any("Composite" in op for op in _ops(unfused))
    for mode in modes():  # every backend runs the unfused graph too
        f = theano.function([x], expr, mode=mode.excluding("fusion"))
        np.testing.assert_allclose(f(X), np.exp(X) * 2 + X)


def test_excluding_a_phase_or_one_rewrite():
    x = T.dvector("x")
    expr = [T.log(1 + x), T.log(T.nnet.sigmoid(x))]
    default = theano.function([x], expr, mode=_py().excluding("fusion"))
    assert _ops(default) == ["Elemwise{log1p,no_inplace}", "Elemwise{neg,no_inplace}",
                             "softplus", "Elemwise{neg,no_inplace}"]
    no_stabilize = theano.function([x], expr, mode=_py().excluding("fusion", "stabilize"))
    assert "Elemwise{log1p,no_inplace}" not in _ops(no_stabilize)
    assert "softplus" not in _ops(no_stabilize)
    no_log1p = theano.function([x], expr, mode=_py().excluding("fusion", "local_log1p"))
    assert "Elemwise{log1p,no_inplace}" not in _ops(no_log1p)
    assert "softplus" in _ops(no_log1p)  # the rest of stabilize still runs
    got = no_log1p(X)
    assert got[0][0] == 0.0 and default(X)[0][0] == 1e-20  # what log1p is for
    np.testing.assert_allclose(got[1], np.log(1 / (1 + np.exp(-X))))


def test_including_adds_phases_and_rewrites():
    x = T.dscalar("x")
    product = (x * 2) * 3
    assert _text(theano.function([x], product, mode="FAST_COMPILE")) == "((x * 2) * 3)"
    canonical = get_mode("FAST_COMPILE").including("canonicalize")
    assert _text(theano.function([x], product, mode=canonical)) == "(6.0 * x)"
    only_log1p = Mode("py", None).including("local_log1p")
    f = theano.function([x], [T.log(1 + x), product], mode=only_log1p)
    assert pp(f.maker.fgraph.outputs[0]) == "log1p(x)"
    assert pp(f.maker.fgraph.outputs[1]) == "((x * 2) * 3)"  # nothing else ran
    assert f(1e-20)[0] == 1e-20
    everything = get_mode("FAST_COMPILE").including("fast_run")
    g = theano.function([x], T.log(1 + x) * 2 * 3, mode=everything)
    reference = theano.function([x], T.log(1 + x) * 2 * 3, mode=_py())
    assert _ops(g) == _ops(reference)


def test_excluding_wins_over_including():
    x = T.dscalar("x")
    mode = Mode("py", None).including("stabilize").excluding("local_log1p")
    f = theano.function([x], [T.log(1 + x), T.log(1 + T.exp(x))], mode=mode)
    assert "Elemwise{log1p,no_inplace}" not in _ops(f)


def test_modes_are_values():
    fast_run = get_mode("FAST_RUN")
    no_fusion = fast_run.excluding("fusion")
    assert fast_run.excluded == () and no_fusion.excluded == ("fusion",)
    assert repr(no_fusion) == "FAST_RUN.excluding('fusion')"
    assert no_fusion != fast_run and no_fusion == fast_run.excluding("fusion", "fusion")
    assert hash(no_fusion) == hash(fast_run.excluding("fusion"))
    both = _py().including("local_log1p").excluding("fusion")
    assert repr(both) == ("Mode(linker='py', optimizer='fast_run').including('local_log1p')"
                          ".excluding('fusion')")
    assert both == _py().excluding("fusion").including("local_log1p")


def test_unknown_tag_is_an_error():
    with pytest.raises(ValueError, match="unknown rewrite tag 'no_such_rewrite'"):
        get_mode("FAST_RUN").excluding("no_such_rewrite")
    with pytest.raises(ValueError, match="unknown rewrite tag 'FAST_RUN'"):
        get_mode("FAST_RUN").including("FAST_RUN")


def test_a_special_mode_keeps_its_kind():
    x = T.dvector("x")
    guard = NanGuardMode().excluding("stabilize")
    assert isinstance(guard, NanGuardMode) and guard != NanGuardMode()
    f = theano.function([x], T.log(x), mode=guard)
    assert f(np.array([1.0]))[0] == 0.0
    with pytest.raises(NanGuardError):
        f(np.array([-1.0]))


def _scan_inner_ops(mode) -> list[str]:
    x = T.dvector("x")
    out, _ = theano.scan(lambda v, acc: acc + T.exp(v) * 2, sequences=[x],
                         outputs_info=[T.constant(0.0)], mode=mode)
    f = theano.function([x], out[-1], mode=mode)
    np.testing.assert_allclose(f(X), np.sum(np.exp(X) * 2))
    (scan_node,) = [n for n in f.maker.fgraph.apply_nodes if "Scan" in type(n.op).__name__]
    return [str(n.op) for n in scan_node.op.inner_runner().nodes]


def test_scan_inner_graph_follows_the_mode():
    assert any("Composite" in op for op in _scan_inner_ops(_py()))
    assert _scan_inner_ops(_py().excluding("fusion")) == [
        "Elemwise{exp,no_inplace}", "Elemwise{mul,no_inplace}", "Elemwise{add,no_inplace}"]


def test_config_optimizer_excluding_and_including_apply_to_named_modes():
    from symgrad import config

    a, x = T.dmatrix("a"), T.dvector("x")

    def ops(mode=None):
        f = theano.function([a, x], T.exp(T.dot(a, x)) * 2, mode=mode)
        return [type(n.op).__name__ for n in f.maker.fgraph.toposort()]

    assert "Gemv" in ops()
    with config.change_flags(optimizer_excluding="BlasOpt:fusion"):
        names = ops()
        assert "Gemv" not in names and "Dot" in names and names.count("Elemwise") == 2
        assert "Gemv" in ops(Mode("py", "fast_run"))  # a Mode object is taken as given
    with config.change_flags(optimizer="fast_compile", optimizer_including="fusion"):
        assert ops().count("Elemwise") == 1
