"""Variable, Apply and Constant: the nodes of every symgrad graph."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from itertools import count
from types import SimpleNamespace
from typing import Any

from symgrad.config import config
from symgrad.errors import user_frame
from symgrad.graph.display import Displayable

_ids = count()
_tracing = threading.local()


@contextmanager
def traces_set_by_caller():
    """Within this block new nodes do not look up the user's line (a walk up the stack): the
    rewriter building them gives each kept node the trace of the node it replaces."""
    before = getattr(_tracing, "off", False)
    _tracing.off = True
    try:
        yield
    finally:
        _tracing.off = before


class Variable(Displayable):
    """A symbolic value: its `type`, and the Apply node that computes it (`owner`, None for inputs)."""

    def __init__(self, type, owner: Apply | None = None, index: int | None = None,
                 name: str | None = None) -> None:
        self.type = type
        self.owner = owner
        self.index = index
        self.name = name
        self.tag = SimpleNamespace()
        self.auto_id = next(_ids)

    def clone(self) -> Variable:
        """A new ownerless variable of the same type and name."""
        cp = self.__class__(self.type, None, None, self.name)
        cp.tag = SimpleNamespace(**vars(self.tag))
        return cp

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        if self.owner is not None:
            op = self.owner.op
            if len(self.owner.outputs) == 1:
                return f"{op}.out"
            return f"{op}.{self.index}"
        return f"<{self.type}>"

    def __repr__(self) -> str:
        # config.print_test_value: show the test value under the name, as Theano does
        if config.print_test_value and hasattr(self.tag, "test_value"):
            return f"{self}\n{self.tag.test_value!r}"
        return str(self)

    def get_test_value(self):
        """The value standing for this variable while the graph is built (see
        config.compute_test_value); AttributeError when it has none."""
        if hasattr(self, "data"):
            return self.data
        try:
            return self.tag.test_value
        except AttributeError:
            raise AttributeError(f"{self} has no test value (tag.test_value)") from None

    def get_parents(self) -> list[Apply]:
        return [self.owner] if self.owner is not None else []

    def eval(self, inputs_to_values: dict | None = None):
        """Compile (once per set of inputs) and run the graph that computes this variable."""
        from symgrad.compile.function import function  # upward convenience, as in DESIGN

        inputs_to_values = inputs_to_values or {}
        inputs = list(inputs_to_values)
        cache = self.__dict__.setdefault("_eval_cache", {})
        key = tuple(id(v) for v in inputs)
        if key not in cache:
            cache[key] = function(inputs, self, on_unused_input="ignore")
        return cache[key](*[inputs_to_values[v] for v in inputs])


class Constant(Variable):
    """A Variable with a fixed value `data`; equal constants are interchangeable (merge)."""

    def __init__(self, type, data: Any, name: str | None = None) -> None:
        super().__init__(type, None, None, name)
        self.data = type.filter(data)

    def signature(self) -> tuple:
        return (self.type, self.type.data_signature(self.data))

    def equals(self, other: Variable) -> bool:
        return isinstance(other, Constant) and self.signature() == other.signature()

    def clone(self) -> Constant:
        cp = self.__class__(self.type, self.data, self.name)
        cp.tag = SimpleNamespace(**vars(self.tag))
        return cp

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        return str(self.data)

    @property
    def value(self):
        return self.data


class Apply:
    """One application of an Op to input Variables, producing output Variables.

    `trace` is the user's source line that built the node, kept so errors can point at it.
    """

    def __init__(self, op, inputs, outputs, trace=None) -> None:
        self.op = op
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        for i, out in enumerate(self.outputs):
            if out.owner is not None and (out.owner is not self or out.index != i):
                raise ValueError(f"output {out} of {op} is already owned by another node")
            out.owner = self
            out.index = i
        if trace is None and not getattr(_tracing, "off", False):
            trace = user_frame()
        self.trace = trace
        self.tag = SimpleNamespace()

    @property
    def out(self) -> Variable:
        if len(self.outputs) != 1:
            raise AttributeError(f"{self.op} has {len(self.outputs)} outputs; use .outputs")
        return self.outputs[0]

    def nin(self) -> int:
        return len(self.inputs)

    def clone_with_new_inputs(self, inputs, strict: bool = True) -> Apply:
        """Rebuild this node with other inputs through the op's make_node (types re-checked)."""
        if strict:
            for old, new in zip(self.inputs, inputs):
                if old.type != new.type:
                    raise TypeError(
                        f"cannot replace input {old} of type {old.type} with {new} of type "
                        f"{new.type} when cloning {self.op}")
        node = self.op.make_node(*inputs)
        node.trace = self.trace
        return node

    def clone(self) -> Apply:
        """A copy with the same inputs and fresh outputs."""
        outputs = [o.clone() for o in self.outputs]
        for o in outputs:
            o.owner = None
        return Apply(self.op, self.inputs, outputs, trace=self.trace)

    def __str__(self) -> str:
        return f"{self.op}({', '.join(map(str, self.inputs))})"

    __repr__ = __str__
