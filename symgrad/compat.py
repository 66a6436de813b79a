"""Theano's `theano.compat`: the Python 2/3 helpers Theano code imports, on Python 3."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, MutableMapping  # noqa: F401
from io import BytesIO, StringIO  # noqa: F401

PY3 = True
string_types = (str,)
integer_types = (int,)
izip, imap, ifilter = zip, map, filter
unicode = str
long = int
xrange = range


def decode(x: bytes | str) -> str:
    """Bytes as text (text stays as it is)."""
    return x.decode() if isinstance(x, bytes) else x


def decode_iter(itr: Iterable) -> Iterable[str]:
    for x in itr:
        yield decode(x)


def iteritems(d: Mapping):
    return iter(d.items())


def itervalues(d: Mapping):
    return iter(d.values())


def iterkeys(d: Mapping):
    return iter(d.keys())


def get_unbound_function(f: Callable) -> Callable:
    """A class attribute's plain function (Python 2 had unbound methods; 3 has functions)."""
    return getattr(f, "__func__", f)


class DefaultOrderedDict(OrderedDict):
    """An OrderedDict that makes missing values with `default_factory`, like defaultdict."""

    def __init__(self, default_factory: Callable | None = None, *args, **kwargs) -> None:
        if default_factory is not None and not callable(default_factory):
            raise TypeError("first argument must be callable")
        super().__init__(*args, **kwargs)
        self.default_factory = default_factory

    def __missing__(self, key):
        if self.default_factory is None:
            raise KeyError(key)
        self[key] = value = self.default_factory()
        return value
