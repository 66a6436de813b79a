"""In and Out: how each input and output of a compiled function behaves."""
from __future__ import annotations

from symgrad.graph.basic import Variable


class In:
    """An input with optional name, default value, update and casting rules."""

    def __init__(self, variable: Variable, name: str | None = None, value=None, update=None,
                 mutable: bool = False, borrow: bool = False, strict: bool = False,
                 allow_downcast: bool | None = None, implicit: bool | None = None) -> None:
        if not isinstance(variable, Variable):
            raise TypeError(f"In() needs a symbolic variable, got {type(variable).__name__}")
        self.variable = variable
        self.name = name if name is not None else variable.name
        self.value = value
        self.update = update
        self.mutable = mutable
        self.borrow = borrow
        self.strict = strict
        self.allow_downcast = allow_downcast
        self.implicit = implicit if implicit is not None else False

    def __repr__(self) -> str:
        return f"In({self.variable})"


class Out:
    """An output; `borrow=True` lets the function return memory it may reuse next call."""

    def __init__(self, variable: Variable, borrow: bool = False) -> None:
        self.variable = variable
        self.borrow = borrow

    def __repr__(self) -> str:
        return f"Out({self.variable})"
