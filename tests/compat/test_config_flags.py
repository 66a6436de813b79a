"""Theano's flag tree: dotted sections, typed values, SYMGRAD_FLAGS, change_flags."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

import symgrad as theano
from symgrad.config import config


def test_sections_read_and_set_like_theano():
    assert config.warn.subtensor_merge_bug is True
    assert config.unittests.rseed == 666
    assert config.device == "cpu" and config.print_test_value is False
    assert config.exception_verbosity == "low" and config.profile is False
    config.warn.subtensor_merge_bug = False
    try:
        assert config.warn.subtensor_merge_bug is False
    finally:
        config.warn.subtensor_merge_bug = True


def test_bad_values_and_unknown_flags_are_refused():
    with pytest.raises(ValueError, match="exception_verbosity"):
        config.exception_verbosity = "medium"
    with pytest.raises(AttributeError):
        config.warn.no_such_bug = True
    with pytest.raises(ValueError, match="device"):
        config.device = "cuda0"


def test_change_flags_is_a_context_manager_restoring_on_error():
    with pytest.raises(KeyError), \
            theano.change_flags({"warn.round": False}, exception_verbosity="high"):
        assert config.warn.round is False and config.exception_verbosity == "high"
        raise KeyError("inside")
    assert config.warn.round is True and config.exception_verbosity == "low"


def test_change_flags_is_a_decorator_and_checks_early():
    @config.change_flags(floatX="float32")
    def make():
        return theano.tensor.scalar("x").dtype

    assert make() == "float32" and config.floatX == "float64"
    with pytest.raises(ValueError):
        theano.change_flags(floatX="float8")


def test_flags_come_from_the_environment():
    code = ("import symgrad as t; c = t.config; "
            "print(c.warn.round, c.unittests.rseed, c.optimizer, c.exception_verbosity)")
    env = dict(os.environ, SYMGRAD_FLAGS="warn.round=False,unittests.rseed=7,optimizer=merge,"
               "exception_verbosity=high")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=120, check=True).stdout.split()
    assert out == ["False", "7", "merge", "high"]


def test_profile_flag_profiles_every_function():
    x = theano.tensor.dvector("x")
    with config.change_flags(profile=True):
        f = theano.function([x], x * 2, mode=theano.Mode(linker="py"))
    g = theano.function([x], x * 2, mode=theano.Mode(linker="py"))
    assert isinstance(f.profile, theano.compile.profiling.ProfileStats)
    assert getattr(g, "profile", None) is None
