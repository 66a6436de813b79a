"""Indexing: basic slicing, advanced (integer and boolean array) indexing, writing into slices.

An index is described once, as a tuple of entries kept in the op's parameters:

    "i"                          a scalar integer (one index input)
    ("s", start, stop, step)     a slice; each field is True when given (one input each)
    "x"                          numpy's newaxis (None)
    "a"                          an integer or boolean array (one index input)

The index values are the node's inputs after the array (and after the value written), so
bounds, steps and positions may all be symbolic. `x[key]` follows numpy's rules exactly,
Ellipsis and negative indices included.
"""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Apply, Constant, Variable
from symgrad.graph.op import Op
from symgrad.scalar.type import discrete_dtypes, upcast
from symgrad.tensor import math as tm
from symgrad.tensor.basic import (
    alloc,
    arange,
    as_tensor_variable,
    cast,
    constant,
    switch,
    zeros_like,
)
from symgrad.tensor.shape import as_int64, get_vector_length, reshape, shape, shape_i
from symgrad.tensor.type import TensorType

FULL_SLICE = ("s", False, False, False)


# --- describing an index -------------------------------------------------------------------
def _as_index_scalar(value, what: str) -> Variable:
    v = as_tensor_variable(value)
    if v.type.ndim != 0 or v.type.dtype not in discrete_dtypes or v.type.dtype == "bool":
        raise TypeError(f"a {what} must be an integer scalar, got {value} ({v.type})")
    return v


def _entry_of(item) -> tuple[object, list]:
    """One entry and its index inputs for one element of a Python index."""
    if item is None:
        return "x", []
    if isinstance(item, slice):
        fields = (item.start, item.stop, item.step)
        inputs = [_as_index_scalar(f, "slice bound or step") for f in fields if f is not None]
        return ("s",) + tuple(f is not None for f in fields), inputs
    if isinstance(item, (bool, np.bool_)):
        raise TypeError("indexing with a Python bool is not supported; use a boolean array")
    if isinstance(item, (list, tuple)) and np.asarray(item).size == 0:
        item = np.zeros(np.shape(item), dtype="int64")  # numpy reads x[[]] as integer indexing
    v = as_tensor_variable(item)
    if v.type.dtype not in discrete_dtypes:
        raise TypeError(f"an index must hold integers or booleans, got {item} ({v.type})")
    if v.type.dtype == "bool":
        if v.type.ndim == 0:
            raise TypeError("a 0-d boolean index is not supported; use a boolean array")
        return "a", [v]
    return ("i" if v.type.ndim == 0 else "a"), [v]


def _consumed(entry, index_input) -> int:
    """How many dimensions of the indexed array one entry uses up."""
    if entry == "x":
        return 0
    if entry == "a" and index_input.type.dtype == "bool":
        return index_input.type.ndim
    return 1


def parse_index(ndim: int, key) -> tuple[tuple, list]:
    """(entries, index inputs) for `x[key]` on an `ndim`-d array; Ellipsis expanded."""
    items = list(key) if isinstance(key, tuple) else [key]
    if sum(item is Ellipsis for item in items) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    parsed = [(item, None, None) if item is Ellipsis else (item, *_entry_of(item))
              for item in items]
    used = 0
    for item, entry, inputs in parsed:
        if item is not Ellipsis:
            used += _consumed(entry, inputs[0] if inputs else None)
    if used > ndim:
        raise IndexError(f"too many indices: {used} dimensions indexed but the array has {ndim}")
    entries, inputs = [], []
    for item, entry, ins in parsed:
        if item is Ellipsis:
            entries.extend([FULL_SLICE] * (ndim - used))
        else:
            entries.append(entry)
            inputs.extend(ins)
    return tuple(entries), inputs


def split_index_inputs(entries, index_inputs) -> list:
    """Group the flat index inputs by entry: one list per entry."""
    groups, k = [], 0
    for entry in entries:
        n = sum(entry[1:]) if isinstance(entry, tuple) else (0 if entry == "x" else 1)
        groups.append(list(index_inputs[k:k + n]))
        k += n
    return groups


def _slice_keeps_length_one(entry, values) -> bool:
    """Whether slicing a length-1 axis surely gives length 1 (a full slice, or constant
    bounds that keep the single element)."""
    if entry == FULL_SLICE:
        return True
    if not all(isinstance(v, Constant) for v in values):
        return False
    fields, it = [], iter(values)
    for given in entry[1:]:
        fields.append(int(next(it).data) if given else None)
    return len(range(*slice(*fields).indices(1))) == 1


def indexed_broadcastable(x_bcast, entries, index_inputs) -> tuple:
    """The broadcastable pattern of `x[key]` by numpy's rules (where advanced dims go)."""
    groups = split_index_inputs(entries, index_inputs)
    advanced = "a" in entries
    out, adv_at, adv_positions, dim = [], None, [], 0
    arrays = []
    for pos, (entry, ins) in enumerate(zip(entries, groups)):
        if entry == "x":
            out.append(True)
        elif isinstance(entry, tuple):
            out.append(x_bcast[dim] and _slice_keeps_length_one(entry, ins))
            dim += 1
        else:
            if entry == "i" and not advanced:
                dim += 1
                continue
            adv_positions.append(pos)
            if adv_at is None:
                adv_at = len(out)
            arrays.append(ins[0])
            dim += _consumed(entry, ins[0])
    out.extend(x_bcast[dim:])
    if not advanced:
        return tuple(out)
    adv_ndim = max(1 if a.type.dtype == "bool" else a.type.ndim for a in arrays)
    adv_bcast = []
    for d in range(adv_ndim):  # right-aligned broadcasting of the index arrays
        flags = [a.type.broadcastable[d - adv_ndim + a.type.ndim] for a in arrays
                 if a.type.dtype != "bool" and d - adv_ndim + a.type.ndim >= 0]
        bool_here = any(a.type.dtype == "bool" for a in arrays)
        adv_bcast.append(bool(flags) and all(flags) and not bool_here)
    adjacent = adv_positions == list(range(adv_positions[0], adv_positions[-1] + 1))
    at = adv_at if adjacent else 0
    return tuple(out[:at] + adv_bcast + out[at:])


def numpy_key(entries, index_values) -> tuple:
    """The numpy index for these entries and runtime index values (bool arrays as nonzero())."""
    key, it = [], iter(index_values)
    for entry in entries:
        if entry == "x":
            key.append(None)
        elif entry == "i":
            key.append(int(next(it)))
        elif entry == "a":
            arr = np.asarray(next(it))
            key.extend(np.nonzero(arr) if arr.dtype == bool else [arr])
        else:
            key.append(slice(*[int(next(it)) if given else None for given in entry[1:]]))
    return tuple(key)


def entry_text(entry, texts) -> str:
    """How one index entry reads in Python, given the printed forms of its inputs."""
    if entry == "x":
        return "None"
    if not isinstance(entry, tuple):
        return texts[0]
    it = iter(texts)
    start, stop, step = [next(it) if given else "" for given in entry[1:]]
    return f"{start}:{stop}" + (f":{step}" if entry[3] else "")


def _describe(entries) -> str:
    """Theano's form: `int64` for an integer index (indices are read as int64), a slice as
    `start:stop:step` with each given part `int64` (`::` for `:`)."""
    names = {"i": "int64", "x": "None", "a": "array"}
    return ", ".join(names[e] if not isinstance(e, tuple) else
                     ":".join("int64" if g else "" for g in e[1:]) for e in entries)


# --- reading -------------------------------------------------------------------------------
class _IndexOp(Op):
    __props__ = ("entries",)

    def __init__(self, entries) -> None:
        self.entries = tuple(entries)

    def __str__(self) -> str:
        return f"{type(self).__name__}{{{_describe(self.entries)}}}"

    def _check_index_inputs(self, index_inputs) -> list:
        index_inputs = [as_tensor_variable(i) for i in index_inputs]
        groups = split_index_inputs(self.entries, index_inputs)
        if sum(map(len, groups)) != len(index_inputs):
            raise TypeError(f"{self} expects {sum(map(len, groups))} index inputs, "
                            f"got {len(index_inputs)}")
        for entry, ins in zip(self.entries, groups):
            for v in ins:
                if v.type.dtype not in discrete_dtypes:
                    raise TypeError(f"{self}: index {v} must be integer, got {v.type}")
                if entry != "a" and (v.type.ndim != 0 or v.type.dtype == "bool"):
                    raise TypeError(f"{self}: index {v} must be an integer scalar")
        return index_inputs

    def _indexed_type(self, x, index_inputs) -> TensorType:
        used = sum(_consumed(e, g[0] if g else None)
                   for e, g in zip(self.entries, split_index_inputs(self.entries, index_inputs)))
        if used > x.type.ndim:
            raise IndexError(f"{self}: {used} dimensions indexed but {x} has {x.type.ndim}")
        return TensorType(x.type.dtype,
                          indexed_broadcastable(x.type.broadcastable, self.entries, index_inputs))


class Subtensor(_IndexOp):
    """`x[key]` with integers, slices (symbolic bounds and steps) and newaxis: a view."""

    def make_node(self, x, *index_inputs) -> Apply:
        x = as_tensor_variable(x)
        if "a" in self.entries:
            raise TypeError("Subtensor takes no array indices; use AdvancedSubtensor")
        index_inputs = self._check_index_inputs(index_inputs)
        return Apply(self, [x, *index_inputs], [self._indexed_type(x, index_inputs)()])

    def perform(self, node, inputs, output_storage) -> None:
        x, *index_values = inputs
        output_storage[0][0] = np.asarray(x[numpy_key(self.entries, index_values)])

    def connection_pattern(self, node):
        return [[True]] + [[False]] * (len(node.inputs) - 1)

    def vector_length(self, node) -> int | None:
        """Known when a vector of known length (like x.shape) is sliced by constants."""
        x, *index_inputs = node.inputs
        if x.type.ndim != 1 or len(self.entries) != 1 or not isinstance(self.entries[0], tuple):
            return None
        if not all(isinstance(v, Constant) for v in index_inputs):
            return None
        try:
            n = get_vector_length(x)
        except ValueError:
            return None
        it = iter(index_inputs)
        fields = [int(next(it).data) if given else None for given in self.entries[0][1:]]
        return len(range(*slice(*fields).indices(n)))

    def L_op(self, inputs, outputs, output_grads):
        x, *index_inputs = inputs
        (gz,) = output_grads
        nones = [None] * len(index_inputs)
        if x.type.dtype in discrete_dtypes:
            return [None] + nones
        inc = _inc_op_for(self, set_instead_of_inc=False)
        return [inc(zeros_like(x), gz, *index_inputs)] + nones

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0], *inputs[1:])]

    def infer_shape(self, fgraph, node, shapes):
        groups = split_index_inputs(self.entries, node.inputs[1:])
        out, dim = [], 0
        for entry, ins in zip(self.entries, groups):
            if entry == "x":
                out.append(1)
            elif entry == "i":
                dim += 1
            else:
                out.append(slice_length(entry, ins, shapes[0][dim]))
                dim += 1
        out.extend(shapes[0][dim:])
        return [tuple(out)]


class AdvancedSubtensor(_IndexOp):
    """`x[key]` where the key holds integer or boolean arrays: numpy's advanced indexing, a
    copy. Repeated positions read the same element again."""

    def make_node(self, x, *index_inputs) -> Apply:
        x = as_tensor_variable(x)
        index_inputs = self._check_index_inputs(index_inputs)
        return Apply(self, [x, *index_inputs], [self._indexed_type(x, index_inputs)()])

    perform = Subtensor.perform
    connection_pattern = Subtensor.connection_pattern
    L_op = Subtensor.L_op
    R_op = Subtensor.R_op

    def infer_shape(self, fgraph, node, shapes):
        x_shape = shapes[0]
        groups = split_index_inputs(self.entries, node.inputs[1:])
        shape_groups = split_index_inputs(self.entries, shapes[1:])
        out, adv_at, adv_positions, adv_shapes, dim = [], None, [], [], 0
        for pos, (entry, ins, in_shapes) in enumerate(zip(self.entries, groups, shape_groups)):
            if entry == "x":
                out.append(1)
            elif isinstance(entry, tuple):
                out.append(slice_length(entry, ins, x_shape[dim]))
                dim += 1
            else:
                adv_positions.append(pos)
                adv_at = len(out) if adv_at is None else adv_at
                if ins[0].type.dtype == "bool":  # a mask selects as many entries as it has True
                    adv_shapes.append((tm.sum(ins[0]),))
                    dim += ins[0].type.ndim
                else:
                    adv_shapes.append(tuple(in_shapes[0]))
                    dim += 1
        out.extend(x_shape[dim:])
        adv_ndim = max(len(s) for s in adv_shapes)
        adv_out = []
        for d in range(adv_ndim):
            lengths = [s[d - adv_ndim + len(s)] for s in adv_shapes
                       if d - adv_ndim + len(s) >= 0]
            adv_out.append(_broadcast_length(lengths))
        adjacent = adv_positions == list(range(adv_positions[0], adv_positions[-1] + 1))
        at = adv_at if adjacent else 0
        return [tuple(out[:at] + adv_out + out[at:])]


def _broadcast_length(lengths):
    """The length of broadcasting axes of these lengths (valid ones: equal, or 1)."""
    if len(lengths) == 1:
        return lengths[0]
    longest = tm.maximum(*lengths[:2])
    shortest = tm.minimum(*lengths[:2])
    for n in lengths[2:]:
        longest, shortest = tm.maximum(longest, n), tm.minimum(shortest, n)
    return switch(tm.eq(shortest, 0), 0, longest)


def slice_length(entry, values, n):
    """Symbolic length of `range(n)[slice]` by Python's rules (negative and clipped bounds)."""
    if entry == FULL_SLICE:
        return n
    n = cast(as_tensor_variable(n), "int64")
    it = iter(values)
    start, stop, step = [as_int64(next(it)) if given else None for given in entry[1:]]
    if step is None:  # the common case, step 1: clip both bounds into [0, n]
        lo = 0 if start is None else _clip_bound(start, n, 0, n)
        hi = n if stop is None else _clip_bound(stop, n, 0, n)
        return tm.maximum(hi - lo, 0)
    backwards = tm.lt(step, 0)
    lower = switch(backwards, -1, 0)
    upper = switch(backwards, n - 1, n)
    first = switch(backwards, upper, lower) if start is None else \
        _clip_bound(start, n, lower, upper)
    last = switch(backwards, lower, upper) if stop is None else \
        _clip_bound(stop, n, lower, upper)
    toward = switch(backwards, 1, -1)  # rounds the count up in the direction of the step
    return tm.maximum(tm.int_div(last - first + step + toward, step), 0)


def _clip_bound(b, n, lower, upper):
    if isinstance(b, Constant):  # the sign is known: one branch
        return tm.minimum(b, upper) if int(b.data) >= 0 else tm.maximum(b + n, lower)
    return switch(tm.lt(b, 0), tm.maximum(b + n, lower), tm.minimum(b, upper))


# --- writing -------------------------------------------------------------------------------
class IncSubtensor(_IndexOp):
    """A copy of x where `x[key]` is replaced by y (`set_instead_of_inc`) or increased by y.

    With array indices, a position given several times receives every increment.
    """

    __props__ = ("entries", "set_instead_of_inc")

    def __init__(self, entries, set_instead_of_inc: bool = False) -> None:
        super().__init__(entries)
        self.set_instead_of_inc = bool(set_instead_of_inc)

    def __str__(self) -> str:
        verb = "Set" if self.set_instead_of_inc else "Inc"
        kind = "Advanced" if "a" in self.entries else ""
        return f"{kind}{verb}Subtensor{{{_describe(self.entries)}}}"

    def make_node(self, x, y, *index_inputs) -> Apply:
        x, y = as_tensor_variable(x), as_tensor_variable(y)
        index_inputs = self._check_index_inputs(index_inputs)
        target = self._indexed_type(x, index_inputs)
        if y.type.ndim > target.ndim:
            raise TypeError(f"{self}: cannot write {y} ({y.type.ndim} dims) into {target.ndim}-d "
                            f"part of {x}")
        if upcast(x.type.dtype, y.type.dtype) != x.type.dtype:
            raise TypeError(f"{self}: writing {y} ({y.type.dtype}) into {x} ({x.type.dtype}) "
                            f"would lose precision; cast it with T.cast(y, '{x.type.dtype}')")
        return Apply(self, [x, y, *index_inputs], [x.type()])

    def perform(self, node, inputs, output_storage) -> None:
        x, y, *index_values = inputs
        key = numpy_key(self.entries, index_values)
        _check_value_fits(node.inputs[1], np.shape(y), _indexed_shape(x.shape, key))
        out = x.copy()
        if self.set_instead_of_inc:
            out[key] = y
        elif "a" in self.entries:
            np.add.at(out, key, y)
        else:
            out[key] += y
        output_storage[0][0] = out

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0]]

    def connection_pattern(self, node):
        return [[True], [True]] + [[False]] * (len(node.inputs) - 2)

    def L_op(self, inputs, outputs, output_grads):
        x, y, *index_inputs = inputs
        (gz,) = output_grads
        nones = [None] * len(index_inputs)
        if self.set_instead_of_inc:  # what was overwritten does not reach the output
            gx = IncSubtensor(self.entries, True)(gz, zeros_like(y), *index_inputs)
        else:
            gx = gz
        read = _read_op_for(self)
        g_written = read(gz, *index_inputs)
        if self.set_instead_of_inc and "a" in self.entries:
            g_written = tm.mul(g_written, self._surviving_writes(x, index_inputs))
        gy = sum_to_shape_of(g_written, y)
        return [None if x.type.dtype in discrete_dtypes else gx,
                None if y.type.dtype in discrete_dtypes else gy] + nones

    def _surviving_writes(self, x, index_inputs):
        """1 where a written value is the one left in the output, 0 where a later write to the
        same position replaced it: each write stamps its own number, then reads it back."""
        read = _read_op_for(self)
        target_shape = shape(read(x, *index_inputs))
        size = tm.prod(target_shape)
        stamps = reshape(arange(size), target_shape, ndim=len(indexed_broadcastable(
            x.type.broadcastable, self.entries, index_inputs)))
        blank = alloc(constant(-1, dtype="int64"), *[shape_i(x, a) for a in range(x.type.ndim)])
        left = read(IncSubtensor(self.entries, True)(blank, stamps, *index_inputs),
                    *index_inputs)
        return tm.eq(left, stamps)

    def R_op(self, inputs, eval_points):
        ex, ey = eval_points[:2]
        if ex is None and ey is None:
            return [None]
        x, y, *index_inputs = inputs
        ex = zeros_like(x) if ex is None else ex
        ey = zeros_like(y) if ey is None else ey
        return [self(ex, ey, *index_inputs)]


def _indexed_shape(shape, key) -> tuple:
    """The shape of x[key], without copying x: index a zero-strided stand-in of one byte."""
    stand_in = np.lib.stride_tricks.as_strided(np.zeros(1, dtype=np.int8), shape=shape,
                                               strides=(0,) * len(shape))
    return stand_in[key].shape


def _check_value_fits(y_var, y_shape, target_shape) -> None:
    """y may only be stretched along axes its type declares broadcastable, as in elementwise
    ops; otherwise its gradient could not be summed back to its shape."""
    lead = len(target_shape) - len(y_shape)
    for axis, (flag, n) in enumerate(zip(y_var.type.broadcastable, y_shape)):
        if not flag and n != target_shape[lead + axis]:
            raise ValueError(f"the value written has shape {y_shape}, the part of the array it "
                             f"goes to has shape {target_shape}; axis {axis} differs and is not "
                             "declared broadcastable")


def _inc_op_for(read_op: _IndexOp, set_instead_of_inc: bool) -> IncSubtensor:
    return IncSubtensor(read_op.entries, set_instead_of_inc)


def _read_op_for(op: _IndexOp) -> _IndexOp:
    return (AdvancedSubtensor if "a" in op.entries else Subtensor)(op.entries)


def sum_to_shape_of(g, y):
    """Sum `g` (the gradient of a broadcast use of y) down to y's dims and broadcast pattern."""
    lead = g.type.ndim - y.type.ndim
    if lead:
        g = tm.sum(g, axis=tuple(range(lead)))
    axes = tuple(a for a, (by, bg) in enumerate(zip(y.type.broadcastable, g.type.broadcastable))
                 if by and not bg)
    if axes:
        g = tm.sum(g, axis=axes, keepdims=True)
    return g


# --- the public functions ------------------------------------------------------------------
def getitem(x, key):
    """`x[key]` with numpy's semantics (the implementation of TensorVariable.__getitem__)."""
    x = as_tensor_variable(x)
    entries, index_inputs = parse_index(x.type.ndim, key)
    # even x[:] is a node, so that set_subtensor(x[:], y) knows what was indexed
    op = AdvancedSubtensor(entries) if "a" in entries else Subtensor(entries)
    return op(x, *index_inputs)


def _write(x, y, set_instead_of_inc: bool):
    x = as_tensor_variable(x)
    node = x.owner
    if node is None or not isinstance(node.op, (Subtensor, AdvancedSubtensor)):
        raise TypeError(f"{'set' if set_instead_of_inc else 'inc'}_subtensor takes the result "
                        f"of indexing, like set_subtensor(x[2:], y); got {x}")
    base, *index_inputs = node.inputs
    y = as_tensor_variable(y)
    if isinstance(y, Constant) and y.type.dtype != base.type.dtype:
        exact = y.data.astype(base.type.dtype)
        if np.array_equal(exact, y.data):  # a literal like 0.5 fits a float32 array exactly
            y = as_tensor_variable(exact)
    if y.type.dtype != base.type.dtype and upcast(base.type.dtype, y.type.dtype) == \
            base.type.dtype:
        y = cast(y, base.type.dtype)
    return IncSubtensor(node.op.entries, set_instead_of_inc)(base, y, *index_inputs)


def set_subtensor(x, y, inplace: bool = False, tolerate_inplace_aliasing: bool = False):
    """The array indexed by `x` (written `x = a[key]`), with `a[key]` replaced by y.

    When array indices repeat a position, the last write wins, as in numpy; the gradient
    with respect to y goes to the writes that survive.
    """
    return _write(x, y, True)  # `inplace`: as for inc_subtensor


def inc_subtensor(x, y, inplace: bool = False, set_instead_of_inc: bool = False,
                  tolerate_inplace_aliasing: bool = False):
    """The array indexed by `x` (written `x = a[key]`), with y added to `a[key]`; repeated
    array positions accumulate every increment.

    `inplace` and `tolerate_inplace_aliasing` are accepted for Theano's signature; whether
    memory is reused is the optimizer's decision.
    """
    return _write(x, y, set_instead_of_inc)


def take(a, indices, axis: int | None = None, mode: str = "raise"):
    """Elements of `a` at `indices` along `axis` (of the flattened array when axis is None).

    mode 'wrap' takes indices modulo the length, 'clip' clips them into range.
    """
    a = as_tensor_variable(a)
    indices = as_tensor_variable(indices)
    if axis is None:
        a = a.flatten()
        axis = 0
    axis = axis + a.type.ndim if axis < 0 else axis
    if not 0 <= axis < a.type.ndim:
        raise ValueError(f"take: axis {axis} is out of range for {a.type.ndim} dims")
    if mode != "raise":
        n = shape_i(a, axis)
        if mode == "wrap":
            indices = tm.mod(indices, n)
        elif mode == "clip":
            indices = tm.clip(indices, 0, n - 1)
        else:
            raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    return getitem(a, (slice(None),) * axis + (indices,))


def advanced_inc_subtensor1(x, y, indices):
    """x with y[k] added to x[indices[k]] along the first axis, repeats accumulating."""
    return inc_subtensor(getitem(as_tensor_variable(x), as_tensor_variable(indices)), y)


def advanced_set_subtensor1(x, y, indices):
    """x with x[indices[k]] replaced by y[k] along the first axis."""
    return set_subtensor(getitem(as_tensor_variable(x), as_tensor_variable(indices)), y)


__all__ = [
    "AdvancedSubtensor", "IncSubtensor", "Subtensor", "advanced_inc_subtensor1",
    "advanced_set_subtensor1", "inc_subtensor", "set_subtensor", "take",
]
