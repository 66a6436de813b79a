"""Theano's mode, linker and optimizer names compile functions that give the same values."""
from __future__ import annotations

import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile import DebugMode, Mode, get_default_mode, get_mode
from symgrad.config import config


def _graph():
    x = T.dvector("x")
    return x, T.exp(x) * 2 + 0 * x


@pytest.mark.parametrize("optimizer", ["fast_run", "merge", "fast_compile", "None", None, "o1",
                                       "o2", "o3", "o4", "stabilize", "unsafe"])
def test_optimizer_names_compile_and_agree(optimizer):
    x, y = _graph()
    f = theano.function([x], y, mode=Mode(linker="py", optimizer=optimizer))
    np.testing.assert_allclose(f(np.array([0.0, 1.0])), 2 * np.exp([0.0, 1.0]))


def test_merge_only_keeps_the_multiplication_by_zero():
    x, y = _graph()
    merged = theano.function([x], y, mode=Mode(linker="py", optimizer="merge"))
    full = theano.function([x], y, mode=Mode(linker="py", optimizer="fast_run"))
    assert len(merged.maker.fgraph.apply_nodes) > len(full.maker.fgraph.apply_nodes)


@pytest.mark.parametrize("linker", ["py", "vm", "vm_nogc", "c|py", "c", "cvm"])
def test_linker_names_map_to_our_linkers(linker):
    x, y = _graph()
    f = theano.function([x], y, mode=Mode(linker=linker, optimizer="fast_compile"))
    np.testing.assert_allclose(f(np.array([3.0])), 2 * np.exp([3.0]))


def test_debug_mode_names_and_default_mode_follow_config():
    assert isinstance(get_mode("DEBUG_MODE"), DebugMode)
    assert isinstance(get_mode("DebugMode"), DebugMode)
    with config.change_flags(optimizer="merge"):
        assert get_default_mode().optimizer is None
        assert "merge" in get_default_mode().included
    with config.change_flags(mode="Mode", linker="py", optimizer="fast_compile"):
        assert get_default_mode().optimizer == "fast_compile"


def test_excluding_takes_theano_tags():
    mode = Mode(linker="py").excluding("local_elemwise_fusion", "gpu")
    assert "fusion" in mode.excluded and "gpu" not in mode.excluded
    x = T.dvector("x")
    f = theano.function([x], T.exp(x) + T.log(x), mode=mode)
    assert len(f.maker.fgraph.apply_nodes) >= 2


def test_unknown_optimizer_is_refused():
    with pytest.raises(ValueError, match="optimizer"):
        Mode(optimizer="o9")
