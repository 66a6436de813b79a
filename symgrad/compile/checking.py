"""Checking modes: run a graph node by node and stop at the first node that misbehaves.

NanGuardMode: every node's float outputs (and the function's float inputs) are checked for
    NaN, Inf and huge values (|x| > big_threshold); the error names the node, the user's line
    that built it, and its inputs' shapes.
DebugMode: the Python VM runs the graph and checks, at every node, that `perform` returned
    values of the declared type and left its inputs unchanged; when the mode's backend is not
    the Python VM (numba), each node is also run alone on that backend and must agree with the
    VM's result.

Both are slow on purpose and only used when asked for (`mode='DebugMode'`, `mode=NanGuardMode()`,
or config.mode): the normal modes do not pay for them.
"""
from __future__ import annotations

import numpy as np

from symgrad.compile.mode import Mode, predefined_modes
from symgrad.errors import (
    BadDestroyMap,
    BadThunkOutput,
    DebugModeError,
    InvalidValueError,
    NanGuardError,
    node_origin,
)
from symgrad.graph.basic import Constant
from symgrad.graph.fgraph import FunctionGraph
from symgrad.link import get_linker
from symgrad.link.python import PythonLinker, describe_inputs


def _float_array(value) -> np.ndarray | None:
    arr = value if isinstance(value, np.ndarray) else None
    if arr is None and isinstance(value, np.generic):
        arr = np.asarray(value)
    return arr if arr is not None and arr.dtype.kind in "fc" else None


def _node_report(node, args) -> str:
    return (f"The node was built at:\n{node_origin(node)}\n"
            f"Its inputs were:\n{describe_inputs(node, args)}")


class NanGuardMode(Mode):
    """Raise NanGuardError at the first node whose output holds NaN (nan_is_error), +-Inf
    (inf_is_error) or a value larger in magnitude than big_threshold (big_is_error)."""

    def __init__(self, nan_is_error: bool = True, inf_is_error: bool = True,
                 big_is_error: bool = True, big_threshold: float = 1e10,
                 optimizer: str | None = "fast_run") -> None:
        super().__init__("py", optimizer, "NanGuardMode")
        self.nan_is_error = nan_is_error
        self.inf_is_error = inf_is_error
        self.big_is_error = big_is_error
        self.big_threshold = big_threshold

    def _key(self) -> tuple:
        return (self.nan_is_error, self.inf_is_error, self.big_is_error, self.big_threshold,
                self._rewrite_key())

    def __eq__(self, other) -> bool:
        return type(other) is NanGuardMode and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(("NanGuardMode", self._key()))

    def __repr__(self) -> str:
        return (f"NanGuardMode(nan_is_error={self.nan_is_error}, inf_is_error="
                f"{self.inf_is_error}, big_is_error={self.big_is_error})")

    def problem(self, value) -> str | None:
        """What is wrong with `value`, or None."""
        arr = _float_array(value)
        if arr is None or arr.size == 0:
            return None
        if self.nan_is_error and np.isnan(arr).any():
            return "NaN"
        if self.inf_is_error and np.isinf(arr).any():
            return "Inf"
        if self.big_is_error:
            finite = np.abs(arr[np.isfinite(arr)])
            if finite.size and finite.max() > self.big_threshold:
                return f"a value of magnitude {finite.max():.3g} (over {self.big_threshold:g})"
        return None

    def make_linker(self):
        return _GuardedLinker(self)


class _GuardedLinker(PythonLinker):
    name = "nanguard"

    def __init__(self, guard: NanGuardMode) -> None:
        super().__init__(wrap_perform=self._guarded)
        self.guard = guard

    def make_runner(self, fgraph):
        run = super().make_runner(fgraph)
        inputs = list(fgraph.inputs)

        def checked(values):
            for var, value in zip(inputs, values):
                found = self.guard.problem(value)
                if found is not None:
                    raise NanGuardError(f"NanGuardMode: input {var} holds {found}")
            return run(values)

        checked.nodes = run.nodes
        return checked

    def _guarded(self, node, perform):
        guard = self.guard

        def run(node_, args, cells):
            perform(node_, args, cells)
            for k, cell in enumerate(cells):
                found = guard.problem(cell[0])
                if found is not None:
                    error = NanGuardError(
                        f"NanGuardMode: {node.op} produced {found} in output {k} "
                        f"(shape {np.shape(cell[0])})\n{_node_report(node, args)}")
                    error.node = node
                    raise error
        return run


class DebugMode(Mode):
    """Run on the Python VM with per-node checks; compare `backend` (default: the linker the
    optimizer would otherwise get) with the VM node by node. rtol/atol: how close they must be."""

    def __init__(self, optimizer: str | None = "fast_run", backend: str | None = None,
                 rtol: float = 1e-5, atol: float = 1e-8) -> None:
        super().__init__("auto" if backend is None else backend, optimizer, "DebugMode")
        self.rtol = rtol
        self.atol = atol

    def __eq__(self, other) -> bool:
        return type(other) is DebugMode and (self.linker_name, self._rewrite_key(), self.rtol,
                                              self.atol) == (other.linker_name,
                                                             other._rewrite_key(), other.rtol,
                                                             other.atol)

    def __hash__(self) -> int:
        return hash(("DebugMode", self.linker_name, self._rewrite_key()))

    def __repr__(self) -> str:
        return f"DebugMode(optimizer={self.optimizer!r}, backend={self.backend_name()!r})"

    def backend_name(self) -> str:
        name = self.resolved_linker_name()
        # a tiered linker answers on the VM until its compiled code is ready: check the latter
        return "numba" if name == "tiered" else name

    def make_linker(self):
        backend = self.backend_name()
        reference = type(get_linker(backend)) is PythonLinker
        return _CheckingLinker(None if reference else backend, self.rtol, self.atol)


class _CheckingLinker(PythonLinker):
    name = "debug"

    def __init__(self, backend: str | None, rtol: float, atol: float) -> None:
        super().__init__(wrap_perform=self._checked)
        self.backend = backend
        self.rtol = rtol
        self.atol = atol

    def _fail(self, node, args, what: str, kind=DebugModeError) -> DebugModeError:
        error = kind(f"DebugMode: {node.op} {what}\n{_node_report(node, args)}")
        error.node = node
        return error

    def _checked(self, node, perform):
        backend_run = self._backend_runner(node) if self.backend is not None else None

        def run(node_, args, cells):
            before = [np.copy(a) if isinstance(a, np.ndarray) else None for a in args]
            perform(node_, args, cells)
            for i, (arg, copy) in enumerate(zip(args, before)):
                if copy is not None and not np.array_equal(arg, copy, equal_nan=True):
                    raise self._fail(node, before, f"changed its input {i} in place",
                                     BadDestroyMap)
            for k, (var, cell) in enumerate(zip(node.outputs, cells)):
                wrong = _type_problem(var, cell[0])
                if wrong is not None:
                    raise self._fail(node, args, f"output {k}: {wrong}", InvalidValueError)
            if backend_run is not None:
                self._compare(node, args, cells, backend_run)
        return run

    def _backend_runner(self, node):
        """The node alone, compiled by the backend; fed the non-constant inputs."""
        inputs = list(dict.fromkeys(v for v in node.inputs if not isinstance(v, Constant)))
        fgraph = FunctionGraph(inputs, node.outputs, clone=True)
        runner = get_linker(self.backend).make_runner(fgraph)
        positions = [node.inputs.index(v) for v in inputs]
        return lambda args: runner([args[p] for p in positions])

    def _compare(self, node, args, cells, backend_run) -> None:
        try:
            theirs = backend_run(args)
        except Exception as exc:  # reported as a disagreement
            raise self._fail(node, args, f"fails on backend {self.backend!r} but not on the "
                             f"Python VM: {type(exc).__name__}: {exc}", BadThunkOutput) from exc
        for k, (var, cell, other) in enumerate(zip(node.outputs, cells, theirs)):
            ours = np.asarray(cell[0])
            other = np.asarray(other)
            if ours.shape != other.shape or ours.dtype != other.dtype:
                raise self._fail(node, args, f"output {k}: backend {self.backend!r} gives "
                                 f"{other.dtype}{other.shape}, the VM {ours.dtype}{ours.shape}",
                                 BadThunkOutput)
            if ours.dtype.kind in "fc":
                same = np.allclose(ours, other, rtol=self.rtol, atol=self.atol, equal_nan=True)
            else:
                same = np.array_equal(ours, other)
            if not same:
                diff = np.max(np.abs(ours.astype(complex) - other.astype(complex)))
                raise self._fail(node, args, f"output {k}: backend {self.backend!r} disagrees "
                                 f"with the Python VM (largest difference {diff:.3g})",
                                 BadThunkOutput)


def _type_problem(var, value) -> str | None:
    """Why `value` does not fit `var`'s declared type, or None."""
    vtype = var.type
    dtype = getattr(vtype, "dtype", None)
    if dtype is None or not hasattr(vtype, "broadcastable"):
        return None  # not a tensor (random generators ...): nothing cheap to check
    if not isinstance(value, (np.ndarray, np.generic)):
        return f"expected an ndarray of {vtype}, got {type(value).__name__}"
    if value.dtype.name != dtype:
        return f"declared {dtype}, computed {value.dtype}"
    if value.ndim != len(vtype.broadcastable):
        return f"declared {len(vtype.broadcastable)} dimension(s), computed shape {value.shape}"
    for axis, (b, n) in enumerate(zip(vtype.broadcastable, value.shape)):
        if b and n != 1:
            return f"axis {axis} is declared of length 1, computed shape {value.shape}"
    return None


predefined_modes["NanGuardMode"] = NanGuardMode()
predefined_modes["DebugMode"] = predefined_modes["DEBUG_MODE"] = DebugMode()
