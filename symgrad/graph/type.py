"""The Type protocol: what values a Variable may hold and how to make them fit."""
from __future__ import annotations

from typing import Any

from symgrad.graph.basic import Constant, Variable


class Type:
    """Types are values compared by their parameters; they build their own Variables.

    A user's subclass needs only `filter` (and usually `values_eq_approx`, `__eq__`,
    `__hash__`, `__str__`), as in Theano's "extending" tutorial: its variables are plain
    Variables and its constants plain Constants unless it names other classes.
    """

    variable_type: type = Variable
    constant_type: type = Constant

    def filter(self, data: Any, strict: bool = False, allow_downcast: bool | None = None) -> Any:
        """Return `data` converted to this type, or raise TypeError saying why it does not fit."""
        raise NotImplementedError

    def is_valid_value(self, data: Any) -> bool:
        try:
            self.filter(data, strict=True)
            return True
        except (TypeError, ValueError):
            return False

    def make_variable(self, name: str | None = None):
        return self.variable_type(self, None, None, name)

    def make_constant(self, data: Any, name: str | None = None):
        return self.constant_type(self, data, name)

    def __call__(self, name: str | None = None):
        return self.make_variable(name)

    def data_signature(self, data: Any) -> Any:
        """A hashable summary of a value, used to merge equal constants."""
        return data

    def values_eq(self, a: Any, b: Any) -> bool:
        return a == b

    def values_eq_approx(self, a: Any, b: Any) -> bool:
        return self.values_eq(a, b)

    def in_same_class(self, other: Type) -> bool:
        return self == other

    def convert_variable(self, var):
        """Return `var` if it can stand for this type, else None."""
        return var if var.type == self else None


class Generic(Type):
    """Theano's `generic`: a type for any Python object (a variable an op passes around whole,
    like a message or a list). Every Generic is equal to every other."""

    def filter(self, data: Any, strict: bool = False, allow_downcast: bool | None = None) -> Any:
        return data

    def make_variable(self, name: str | None = None):
        return Variable(self, None, None, name)

    def make_constant(self, data: Any, name: str | None = None):
        return Constant(self, data, name)

    def data_signature(self, data: Any) -> Any:
        return id(data)  # arbitrary objects: merge only the very same one

    def __eq__(self, other: object) -> bool:
        return type(other) is Generic

    def __hash__(self) -> int:
        return hash(Generic)

    def __str__(self) -> str:
        return "generic"

    __repr__ = __str__


generic = Generic()
