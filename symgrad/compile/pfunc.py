"""Theano's `theano.compile.pfunc`: `pfunc`, the function behind `function`, by its old name."""
from __future__ import annotations

from symgrad.compile.function import function
from symgrad.compile.io import In


def pfunc(params, outputs=None, mode=None, updates=None, givens=None,
          no_default_updates=False, accept_inplace=False, name=None, rebuild_strict=True,
          allow_input_downcast=None, profile=None, on_unused_input=None, output_keys=None):
    """`function` with Theano's pfunc signature: `params` are variables or In specs.

    output_keys: names for the outputs, which makes the call return a dict."""
    if output_keys is not None:
        if not isinstance(outputs, (list, tuple)) or len(outputs) != len(output_keys):
            raise TypeError("pfunc: output_keys needs a list of outputs of the same length")
        outputs = dict(zip(output_keys, outputs))
    return function(list(params), outputs, mode=mode, updates=updates, givens=givens,
                    no_default_updates=no_default_updates, accept_inplace=accept_inplace,
                    name=name, rebuild_strict=rebuild_strict,
                    allow_input_downcast=allow_input_downcast, profile=profile,
                    on_unused_input=on_unused_input)


__all__ = ["pfunc", "In"]
