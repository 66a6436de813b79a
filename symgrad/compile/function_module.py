"""Theano's `theano.compile.function_module`: Function, FunctionMaker and `orig_function`."""
from __future__ import annotations

from symgrad.compile.executor import Function
from symgrad.compile.io import In, Out
from symgrad.compile.maker import FunctionMaker
from symgrad.compile.pfunc import pfunc
from symgrad.errors import UnusedInputError


def orig_function(inputs, outputs, mode=None, accept_inplace=False, name=None, profile=None,
                  on_unused_input=None, output_keys=None):
    """Compile from In specs (or variables) and Out specs (or variables), without updates
    or givens other than those the In specs carry."""
    if outputs is not None and not isinstance(outputs, (list, tuple)):
        outputs = outputs if isinstance(outputs, Out) else Out(outputs)
    return pfunc(list(inputs), outputs, mode=mode, accept_inplace=accept_inplace, name=name,
                 profile=profile, on_unused_input=on_unused_input, output_keys=output_keys)


__all__ = ["Function", "FunctionMaker", "In", "Out", "UnusedInputError", "orig_function"]
