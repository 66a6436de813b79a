"""Symbolic loops: `scan` and the helpers built on it (map, reduce, foldl, foldr, until).

`symgrad.scan` is both this package and Theano's `scan` function: calling the module calls
`scan`, so `symgrad.scan(fn, ...)` and `symgrad.scan.utils.until` both work.

In: a step function and sequences / initial states / non-sequences. Out: Scan nodes (op.py,
laid out by info.py) whose gradients are Scans too (grad.py); rewrites in rewriting.py, kernels
in the backends. The step graph is compiled with a mode the compile stage resolves
(`op.set_mode_resolver`), so this package never imports symgrad.compile.
"""
from __future__ import annotations

import sys
import types

from symgrad.scan import rewriting, utils  # noqa: F401  (rewriting registers Scan rewrites)
from symgrad.scan.basic import scan
from symgrad.scan.info import ScanInfo
from symgrad.scan.op import Scan
from symgrad.scan.utils import until
from symgrad.scan.views import foldl, foldr, map, reduce

__all__ = ["Scan", "ScanInfo", "foldl", "foldr", "map", "reduce", "scan", "until"]


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return scan(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
