"""Function: the compiled callable. Checks and converts arguments, runs, applies updates.

Everything a call needs is prepared in __init__ (positions, storage cells, which outputs may
alias memory the function keeps), so a call is: arguments -> runner -> store updates -> return.
"""
from __future__ import annotations

import numpy as np

from symgrad.errors import InputError
from symgrad.graph.basic import Constant
from symgrad.graph.display import Displayable


class Function(Displayable):
    """Call with positional arguments or by input name; returns arrays the caller owns.

    `f.trust_input = True` skips converting and checking arguments (they must already be
    arrays of the right dtype and ndim). `f['name']` reads and sets an input's default.
    """

    def __init__(self, maker, single_output: bool, outputs_none: bool = False) -> None:
        self.maker = maker
        self.name = maker.name
        self.single_output = single_output
        self.outputs_none = outputs_none
        self.trust_input = False
        self.output_keys = None  # set when `outputs` was a dict: calls return a dict
        self.profile = None
        specs = maker.inputs
        explicit = [s for s in specs if not s.implicit]
        self._specs = explicit
        self._n_args = len(explicit)
        self._types = [s.variable.type for s in explicit]
        self._names = {s.name: i for i, s in enumerate(explicit) if s.name}
        # an input with a default keeps it in a cell; an In update stores its result there
        self._defaults = [None if s.value is None else [self._filter(i, s.value)]
                          for i, s in enumerate(explicit)]
        self._shared_cells = [s.variable.container for s in specs if s.implicit]
        self._bind_update_cells()
        self._n_out = maker.n_outputs
        self._runner = maker.runner
        # a value another linker left on a device (the JAX linker's updates) comes back first
        self._host_shared = not getattr(maker.runner, "keeps_device_values", False)
        self._accept = [self._acceptor(i) for i in range(self._n_args)]
        self._plan_copies(maker)

    def _bind_update_cells(self) -> None:
        """Where each update's result goes: a shared variable's container, or the cell holding
        an explicit input's default (explicit inputs come first, so positions agree)."""
        self._update_cells = [
            s.variable.container if s.implicit else self._defaults[i]
            for i, s in enumerate(self.maker.inputs) if s.update is not None]

    def _plan_copies(self, maker) -> None:
        """Decide once which results must be copied so callers and storage never share memory:
        an output that is an input, a constant, a repeat, or also stored as an update."""
        fg = maker.fgraph
        n_out = self._n_out
        kept = set(fg.inputs) | set(fg.outputs[n_out:])
        always, check, seen = [], [], set()
        for i, (var, spec) in enumerate(zip(fg.outputs[:n_out], maker.outputs)):
            if var in kept or var in seen or isinstance(var, Constant):
                always.append(i)
            elif not spec.borrow:
                check.append(i)  # an op may return a view of its input: look at the result
            seen.add(var)
        self._copy_always = always
        # a runner that promises fresh arrays (the numba linkers) needs no look at the results
        self._check_views = not getattr(maker.runner, "outputs_are_fresh", False)
        self._copy_if_view = check if self._check_views else []
        upd_seen = set(fg.inputs)
        self._copy_updates = []
        for j, var in enumerate(fg.outputs[n_out:]):
            if var in upd_seen or isinstance(var, Constant):
                self._copy_updates.append(j)
            upd_seen.add(var)

    # --- arguments ---------------------------------------------------------------------------
    def _describe(self, pos: int) -> str:
        spec = self._specs[pos]
        label = f"'{spec.name}'" if spec.name else f"{spec.variable}"
        where = f" of function '{self.name}'" if self.name else ""
        return f"input {pos} ({label}){where}"

    def _filter(self, pos: int, value):
        spec = self._specs[pos]
        try:
            return self._types[pos].filter(value, strict=spec.strict,
                                           allow_downcast=spec.allow_downcast)
        except (TypeError, ValueError) as exc:
            raise InputError(f"bad argument for {self._describe(pos)}: {exc}") from None

    def _acceptor(self, pos: int):
        """A one-argument check for input `pos`: an ndarray that already fits passes at the cost
        of a few comparisons; anything else goes through the type's filter."""
        ttype = self._types[pos]
        dtype = np.dtype(getattr(ttype, "dtype", "object"))
        ndim = getattr(ttype, "ndim", None)
        ones = [a for a, b in enumerate(getattr(ttype, "broadcastable", ())) if b]
        filter_ = self._filter
        if ndim is None or dtype == object:
            return lambda v: filter_(pos, v)
        if ones:
            def accept(v):
                if type(v) is np.ndarray and v.dtype == dtype and v.ndim == ndim and all(
                        v.shape[a] == 1 for a in ones):
                    return v
                return filter_(pos, v)
        elif ndim == 0 and dtype == np.float64 and not self._specs[pos].strict:
            def accept(v):
                if type(v) is float:
                    return np.asarray(v)
                if type(v) is np.ndarray and v.dtype == dtype and v.ndim == 0:
                    return v
                return filter_(pos, v)
        else:
            def accept(v):
                if type(v) is np.ndarray and v.dtype == dtype and v.ndim == ndim:
                    return v
                return filter_(pos, v)
        return accept

    def _arguments(self, args, kwargs) -> list:
        n = self._n_args
        if len(args) > n:
            names = [s.name or str(s.variable) for s in self._specs]
            raise InputError(f"function{' ' + repr(self.name) if self.name else ''} takes "
                             f"{n} argument(s) {names} but {len(args)} were given")
        values = list(args) + [_MISSING] * (n - len(args))
        for key, value in kwargs.items():
            pos = self._names.get(key)
            if pos is None:
                raise InputError(f"unknown keyword argument {key!r}; the inputs' names are "
                                 f"{[s.name for s in self._specs]}")
            if values[pos] is not _MISSING:
                raise InputError(f"{self._describe(pos)} was given twice (by position and by "
                                 f"keyword {key!r})")
            values[pos] = value
        trust = self.trust_input
        for pos, v in enumerate(values):
            if v is _MISSING:
                cell = self._defaults[pos]
                if cell is None:
                    raise InputError(f"missing argument for {self._describe(pos)}")
                values[pos] = cell[0]
            elif not trust:
                values[pos] = self._filter(pos, v)
        return values

    # --- calling -----------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if kwargs or len(args) != self._n_args:
            values = self._arguments(args, kwargs)
        elif self.trust_input:
            values = list(args)
        else:
            values = [accept(v) for accept, v in zip(self._accept, args)]
        for cell in self._shared_cells:
            value = cell[0]
            if self._host_shared and type(value) is not np.ndarray and hasattr(
                    value, "__array__") and not isinstance(value, np.generic):
                value = cell[0] = np.asarray(value)
            values.append(value)
        try:
            results = self._runner(values)
        except Exception as exc:
            located = self.maker.locate_failure(values, exc)
            if located is exc:
                raise
            raise located from exc
        n_out = self._n_out
        if self._update_cells:
            new_values = results[n_out:]
            for j in self._copy_updates:
                new_values[j] = _copy(new_values[j])
            for cell, new in zip(self._update_cells, new_values):
                if self._check_views and type(new) is np.ndarray and new.base is not None:
                    new = new.copy()  # a view may share memory with an output we return
                cell[0] = new
        if self.outputs_none:
            return []
        outs = results[:n_out]
        for i in self._copy_always:
            outs[i] = _copy(outs[i])
        for i in self._copy_if_view:
            out = outs[i]
            if type(out) is np.ndarray:
                if out.base is not None or not out.flags.writeable:
                    outs[i] = out.copy()
            elif isinstance(out, np.generic):
                outs[i] = np.asarray(out)
        if self.output_keys is not None:
            return dict(zip(self.output_keys, outs))
        return outs[0] if self.single_output else outs

    # --- defaults, copies --------------------------------------------------------------------
    def _position(self, key) -> int:
        if isinstance(key, int):
            return key
        pos = self._names.get(key)
        if pos is None:
            for i, spec in enumerate(self._specs):
                if spec.variable is key:
                    return i
            raise KeyError(f"{key!r} is not an input of this function")
        return pos

    def __getitem__(self, key):
        """The current default value of an input (by name, position or variable)."""
        cell = self._defaults[self._position(key)]
        return None if cell is None else cell[0]

    def __setitem__(self, key, value) -> None:
        pos = self._position(key)
        filtered = self._filter(pos, value)
        if self._defaults[pos] is None:
            self._defaults[pos] = [filtered]
        else:
            self._defaults[pos][0] = filtered  # the cell an In update writes to

    @property
    def value(self) -> _InputValues:
        """Theano's `f.value[key]`: read or set an input's stored default (as `f[key]`)."""
        return _InputValues(self)

    @property
    def container(self) -> _InputContainers:
        """Theano's `f.container[key]`: the Container holding an input's stored value (an
        input with a default, or a shared variable the function reads)."""
        return _InputContainers(self)

    def free(self) -> None:
        """Theano's f.free() releases intermediate storage kept between calls. Runners here
        keep none (each call allocates its intermediates and drops them), so nothing is held."""

    def copy(self, share_memory: bool = False, swap: dict | None = None,
             delete_updates: bool = False, name: str | None = None) -> Function:
        """A function over a copy of this one's optimised graph.

        swap: {old shared variable: new shared variable of the same type} for the copy.
        delete_updates: the copy computes the outputs only and changes no state.
        share_memory: with True, inputs with defaults share their stored values with this
            function; shared variables are always shared unless swapped.
        """
        maker = self.maker.copy(swap=swap, delete_updates=delete_updates, name=name)
        fn = Function(maker, self.single_output, self.outputs_none)
        fn.trust_input = self.trust_input
        fn.output_keys = self.output_keys
        for pos, cell in enumerate(self._defaults):
            if cell is not None:
                fn._defaults[pos] = cell if share_memory else [_copy(cell[0])]
        fn._bind_update_cells()
        return fn

    def __copy__(self) -> Function:
        return self.copy()

    def __repr__(self) -> str:
        return f"<symgrad.Function {self.name or ''}>"


_MISSING = object()


class Container:
    """A named cell holding a value a function reads: `.value` reads and sets it (set
    values are checked against the input's type), `.storage` is the one-element list."""

    def __init__(self, storage: list, name: str | None, check) -> None:
        self.storage = storage
        self.name = name
        self._check = check

    @property
    def value(self):
        return self.storage[0]

    @value.setter
    def value(self, new) -> None:
        self.storage[0] = self._check(new)

    def __repr__(self) -> str:
        return f"<Container {self.name or ''}: {self.storage[0]!r}>"


class _InputValues:
    def __init__(self, fn: Function) -> None:
        self._fn = fn

    def __getitem__(self, key):
        return self._fn[key]

    def __setitem__(self, key, value) -> None:
        self._fn[key] = value


class _InputContainers:
    def __init__(self, fn: Function) -> None:
        self._fn = fn

    def __getitem__(self, key) -> Container:
        fn = self._fn
        for spec in fn.maker.inputs:
            if spec.implicit and spec.variable is key:
                sv = spec.variable
                return Container(sv.container, sv.name,
                                 lambda v, sv=sv: sv.type.filter(v, strict=sv.strict))
        pos = fn._position(key)
        if fn._defaults[pos] is None:
            fn._defaults[pos] = [None]
            fn._bind_update_cells()
        return Container(fn._defaults[pos], fn._specs[pos].name,
                         lambda v, pos=pos: fn._filter(pos, v))


def _copy(value):
    return value.copy() if isinstance(value, np.ndarray) else value
