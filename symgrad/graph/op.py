"""The Op protocol: ops are immutable values (compared by `__props__`) that build Apply nodes."""
from __future__ import annotations

import warnings
from typing import Any

from symgrad.config import config
from symgrad.errors import note_construction, user_frame


class Op:
    """Base of every operation.

    Subclasses set `__props__` (names of the parameters that define them) and implement
    `make_node(*inputs) -> Apply` and `perform(node, inputs, output_storage)`; differentiable ops
    implement `L_op` (or `grad`), `R_op`, and `infer_shape` where they can.
    """

    __props__: tuple[str, ...] = ()
    default_output: int | None = None
    # True: forward mode (Rop) transposes this op's L_op instead of calling an R_op of its own
    r_op_from_l_op: bool = False

    def _props(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__props__)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._props() == other._props()

    def __hash__(self) -> int:
        return hash((type(self), self._props()))

    def __str__(self) -> str:
        if self.__props__:
            args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__props__)
            return f"{type(self).__name__}{{{args}}}"
        return type(self).__name__

    __repr__ = __str__

    def make_node(self, *inputs):
        raise NotImplementedError(f"{type(self).__name__}.make_node")

    def __call__(self, *inputs, **kwargs):
        try:
            node = self.make_node(*inputs, **kwargs)
        except Exception as exc:
            note_construction(exc, self)  # point at the user's line, not only ours
            raise
        if not type(self).__module__.startswith("symgrad."):
            # an op defined outside symgrad builds its Apply in its own make_node: the line
            # worth showing is the one that called the op
            node.trace = user_frame()
        if config.compute_test_value != "off":
            try:
                compute_test_values(node, config.compute_test_value)
            except Exception as exc:
                note_construction(exc, self)
                raise
        if self.default_output is not None:
            return node.outputs[self.default_output]
        if len(node.outputs) == 1:
            return node.outputs[0]
        return node.outputs

    def perform(self, node, inputs: list[Any], output_storage: list[list[Any]]) -> None:
        raise NotImplementedError(f"{type(self).__name__} has no perform")

    def L_op(self, inputs, outputs, output_grads):
        """Gradients of a scalar cost wrt each input, given the gradients wrt each output."""
        return self.grad(inputs, output_grads)

    def grad(self, inputs, output_grads):
        raise NotImplementedError(f"{type(self).__name__} has no gradient")

    def R_op(self, inputs, eval_points):
        raise NotImplementedError(f"{type(self).__name__} has no R_op")

    def infer_shape(self, fgraph, node, input_shapes):
        raise NotImplementedError(f"{type(self).__name__} has no infer_shape")

    def connection_pattern(self, node) -> list[list[bool]]:
        """connection_pattern[i][j]: does output j depend (differentiably) on input i."""
        return [[True] * len(node.outputs) for _ in node.inputs]


class TestValueError(AttributeError):
    """A variable has no test value (`var.tag.test_value`) where one is needed."""

    __test__ = False  # not a test class, whatever pytest's name rule says


def input_test_value(var):
    """The value that stands for `var` while the graph is built: a constant's data, a shared
    variable's value, or `var.tag.test_value` (checked against the variable's type)."""
    if hasattr(var, "data"):
        return var.data
    get_value = getattr(var, "get_value", None)
    if get_value is not None:
        return get_value(borrow=True)
    if hasattr(var.tag, "test_value"):
        return var.type.filter(var.tag.test_value)
    raise TestValueError(f"{var} has no test value: set {var}.tag.test_value, or set "
                         "config.compute_test_value to 'off'")


def compute_test_values(node, action: str) -> None:
    """Run `node` on its inputs' test values (Theano's config.compute_test_value), so a
    shape or dtype mistake raises on the line that builds the graph. `action` says what a
    missing input test value does: 'raise' or 'pdb' (TestValueError), 'warn', 'ignore'."""
    try:
        values = [input_test_value(var) for var in node.inputs]
    except TestValueError as exc:
        if action in ("raise", "pdb"):
            raise
        if action == "warn":
            warnings.warn(f"{exc}; {node.op} gets no test value", stacklevel=4)
        return
    storage = [[None] for _ in node.outputs]
    op = node.op
    if getattr(op, "lazy", False):
        op.perform_lazy(node, values.__getitem__, storage)
    else:
        op.perform(node, values, storage)
    for var, cell in zip(node.outputs, storage):
        var.tag.test_value = cell[0]
