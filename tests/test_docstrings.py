"""Every public name of the documented modules has a docstring (the API reference is built from
them by sphinx autodoc, so a name without one is a blank entry there).

Which names count: a module's `__all__` when it defines one, else its attributes that do not
start with an underscore. Of those, only objects that symgrad defines are checked: symgrad
modules, and classes and functions whose `__module__` is in symgrad. Re-exported numpy or
standard-library objects are documented by their owners and are skipped.

Instances (a type such as `T.dscalar`, an op such as `T.exp`, a config object) cannot carry a
docstring of their own: an instance counts as documented when its class is documented and the
class is symgrad's; instances of foreign classes (a dict of modes, a tuple of dtype names) are
data, not API, and are skipped.
"""
from __future__ import annotations

import importlib
import inspect
import types

import pytest

MODULES = ["symgrad", "symgrad.tensor", "symgrad.gradient", "symgrad.printing", "symgrad.compile"]


def _ours(name: str | None) -> bool:
    return bool(name) and (name == "symgrad" or name.startswith("symgrad."))


def _has_doc(obj) -> bool:
    return bool(obj.__doc__ and obj.__doc__.strip())


def undocumented(module: types.ModuleType) -> list[str]:
    """The public names of `module` (see the rule above) that have no docstring."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    missing = []
    for name in names:
        obj = getattr(module, name)
        if isinstance(obj, types.ModuleType):
            checked = obj if _ours(obj.__name__) else None
        elif inspect.isclass(obj) or inspect.isroutine(obj):
            checked = obj if _ours(getattr(obj, "__module__", None)) else None
        else:
            checked = type(obj) if _ours(type(obj).__module__) else None
        if checked is not None and not _has_doc(checked):
            missing.append(name)
    return sorted(missing)


@pytest.mark.parametrize("name", MODULES)
def test_public_names_have_docstrings(name):
    assert undocumented(importlib.import_module(name)) == []


def test_the_rule_sees_a_missing_docstring():
    # a fake module "defined in symgrad", with one name of each kind, documented or not
    fake = types.ModuleType("symgrad.fake")

    def bare(x):
        return x

    def told(x):
        """Returns x."""
        return x

    class Bare:
        pass

    class Told:
        """A documented class."""

    for obj in (bare, told, Bare, Told):
        obj.__module__ = "symgrad.fake"
    fake.bare, fake.told, fake.Bare, fake.Told = bare, told, Bare, Told
    fake.bare_instance, fake.told_instance = Bare(), Told()
    fake.data = {"not": "api"}
    fake._private = bare
    assert undocumented(fake) == ["Bare", "bare", "bare_instance"]
    fake.__all__ = ["told", "Bare"]
    assert undocumented(fake) == ["Bare"]
