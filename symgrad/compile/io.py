"""In and Out: how each input and output of a compiled function behaves."""
from __future__ import annotations

from symgrad.graph.basic import Variable


class In:
    """An input with an optional keyword name, default value, update and casting rules.

    value: used when the caller leaves the argument out.
    update: an expression whose result replaces `value` after each call (needs `value`).
    implicit: the input is not an argument of the call (a shared variable read by the graph);
    `function` makes these itself.
    """

    def __init__(self, variable: Variable, name: str | None = None, value=None, update=None,
                 mutable: bool = False, borrow: bool = False, strict: bool = False,
                 allow_downcast: bool | None = None, implicit: bool | None = None) -> None:
        if not isinstance(variable, Variable):
            raise TypeError(f"In() needs a symbolic variable, got {type(variable).__name__}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"In(name=...) must be a string, got {type(name).__name__}")
        if update is not None and value is None:
            raise ValueError(f"In({variable}, update=...) needs a starting `value` to update")
        self.variable = variable
        self.name = name if name is not None else variable.name
        self.value = value
        self.update = update
        self.mutable = mutable
        self.borrow = borrow
        self.strict = strict
        self.allow_downcast = allow_downcast
        self.implicit = bool(implicit)

    def replace(self, **changes) -> In:
        """A copy with some attributes changed."""
        spec = object.__new__(In)
        spec.__dict__.update(self.__dict__)
        spec.__dict__.update(changes)
        return spec

    def __repr__(self) -> str:
        extras = [f"name={self.name!r}"] if self.name else []
        if self.value is not None:
            extras.append("value=...")
        if self.update is not None:
            extras.append("update=...")
        if self.implicit:
            extras.append("implicit=True")
        return f"In({', '.join([str(self.variable)] + extras)})"


class Out:
    """An output; `borrow=True` lets the function return memory it may reuse or share."""

    def __init__(self, variable: Variable, borrow: bool = False) -> None:
        self.variable = variable
        self.borrow = borrow

    def __repr__(self) -> str:
        return f"Out({self.variable}{', borrow=True' if self.borrow else ''})"


def Param(variable: Variable, default=None, name: str | None = None, mutable: bool = False,
          strict: bool = False, allow_downcast: bool | None = None,
          implicit: bool | None = None, borrow: bool | None = None) -> In:
    """Older Theano spelling of In: `Param(y, default=1)` is `In(y, value=1)`."""
    return In(variable, name=name, value=default, mutable=mutable, borrow=bool(borrow),
              strict=strict, allow_downcast=allow_downcast, implicit=implicit)


SymbolicInput, SymbolicOutput = In, Out  # Theano's names for the argument descriptions
