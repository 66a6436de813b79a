"""Function: the compiled callable. Checks and converts arguments, runs, applies updates."""
from __future__ import annotations

import numpy as np

from symgrad.errors import InputError


class Function:
    """Call with positional arguments (or by input name). Returns arrays, never views of inputs."""

    def __init__(self, maker, single_output: bool, outputs_none: bool = False) -> None:
        self.maker = maker
        self.name = maker.name
        self.single_output = single_output
        self.outputs_none = outputs_none
        self.trust_input = False
        self._specs = maker.inputs
        self._types = [s.variable.type for s in self._specs]
        self._names = {s.name: i for i, s in enumerate(self._specs) if s.name}
        self._shared = maker.implicit_inputs
        n_out = maker.n_outputs
        self._update_targets = [sv for sv, _ in maker.updates]
        self._n_out = n_out
        self._runner = maker.runner

    # --- arguments ---------------------------------------------------------------------------
    def _describe(self, pos: int) -> str:
        spec = self._specs[pos]
        label = f"'{spec.name}'" if spec.name else f"{spec.variable}"
        where = f" of function '{self.name}'" if self.name else ""
        return f"input {pos} ({label}){where}"

    def _arguments(self, args, kwargs) -> list:
        n = len(self._specs)
        if len(args) > n:
            raise InputError(f"function{' ' + repr(self.name) if self.name else ''} takes "
                             f"{n} argument(s) but {len(args)} were given")
        values = list(args) + [_MISSING] * (n - len(args))
        for key, value in kwargs.items():
            pos = self._names.get(key)
            if pos is None:
                raise InputError(f"unknown keyword argument {key!r}; the inputs are "
                                 f"{[s.name for s in self._specs]}")
            if values[pos] is not _MISSING:
                raise InputError(f"{self._describe(pos)} was given twice")
            values[pos] = value
        for pos, v in enumerate(values):
            if v is _MISSING:
                spec = self._specs[pos]
                if spec.value is None:
                    raise InputError(f"missing argument for {self._describe(pos)}")
                values[pos] = spec.value
        if self.trust_input:
            return values
        for pos, (spec, ttype) in enumerate(zip(self._specs, self._types)):
            try:
                values[pos] = ttype.filter(values[pos], strict=spec.strict,
                                           allow_downcast=spec.allow_downcast)
            except (TypeError, ValueError) as exc:
                raise InputError(f"bad argument for {self._describe(pos)}: {exc}") from None
        return values

    # --- calling -----------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        values = self._arguments(args, kwargs)
        inputs = values + [sv.container[0] for sv in self._shared]
        results = self._runner(inputs)
        outs = results[:self._n_out]
        for sv, new in zip(self._update_targets, results[self._n_out:]):
            sv.container[0] = new
        outs = _own_outputs(outs, inputs)
        if self.outputs_none:
            return []
        return outs[0] if self.single_output else outs

    def __repr__(self) -> str:
        return f"<symgrad.Function {self.name or ''}>"


_MISSING = object()


def _own_outputs(outs, inputs) -> list:
    """Copy outputs that alias an input, a constant, or each other, so callers may keep them."""
    fixed = []
    seen = set()
    input_ids = {id(v) for v in inputs}
    for out in outs:
        if not isinstance(out, np.ndarray):
            out = np.asarray(out)
        elif id(out) in input_ids or id(out) in seen or not out.flags.writeable \
                or out.base is not None:
            out = out.copy()
        seen.add(id(out))
        fixed.append(out)
    return fixed
