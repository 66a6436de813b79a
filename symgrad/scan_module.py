"""Theano's older home of scan's helpers: `symgrad.scan_module.until`."""
from __future__ import annotations

from symgrad.scan import foldl, foldr, map, reduce, scan, until  # noqa: F401
