"""Every public name of Theano's library reference listed in theano_names resolves under
`symgrad` (or is listed as left out, with its reason)."""
from __future__ import annotations

import importlib
import types

import pytest

from tests.compat.theano_names import NAMES, LeftOut

PROVIDED = [entry for entry in NAMES if not isinstance(entry[2], LeftOut)]


def _resolve(module_path: str, name: str):
    module = importlib.import_module(module_path.replace("theano", "symgrad", 1))
    if hasattr(module, name):
        return getattr(module, name)
    return importlib.import_module(f"{module.__name__}.{name}")


@pytest.mark.parametrize(("module_path", "name", "kind"), PROVIDED,
                         ids=[f"{m}.{n}" for m, n, _ in PROVIDED])
def test_name_resolves(module_path, name, kind):
    obj = _resolve(module_path, name)
    if kind == "module":
        assert isinstance(obj, types.ModuleType)
    elif kind == "call":
        assert callable(obj)
    else:
        assert not isinstance(obj, types.ModuleType)


def test_every_left_out_name_says_why_and_really_is_missing():
    # a name that starts resolving must move to the provided entries, so the list stays true
    for module_path, name, kind in NAMES:
        if isinstance(kind, LeftOut):
            assert len(kind.reason) > 10, (module_path, name)
            with pytest.raises((ImportError, AttributeError)):
                _resolve(module_path, name)


def test_list_has_no_duplicates():
    keys = [(m, n) for m, n, _ in NAMES]
    assert len(keys) == len(set(keys))
