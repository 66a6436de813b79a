"""Exception types, and the user's construction frame captured cheaply when a node is built."""
from __future__ import annotations

import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class SymgradError(Exception):
    """Base class of symgrad's own errors."""


class InputError(SymgradError, TypeError):
    """A compiled function was called with an argument that does not fit its input."""


class UnusedInputError(SymgradError, ValueError):
    """An input of `function` is not needed to compute the outputs."""


class InconsistencyError(SymgradError):
    """A graph change would break a rule a FunctionGraph feature keeps (Theano's name: a
    feature's `validate` raises it to refuse a replacement)."""


class NodeRuntimeError(SymgradError, RuntimeError):
    """A node failed while running; the message names the op and the line that built it.

    `node` is the failing Apply node when it is known (a compiled backend that runs the graph
    as one function may not know it; the call is then replayed on the Python VM to find it).
    """

    node = None


_located_types: dict[type, type] = {}


def located_error_type(exc_type: type) -> type:
    """A NodeRuntimeError that is also `exc_type` (ValueError for numpy's shape mismatches),
    so `except ValueError` catches a failed node as it would catch numpy's own error."""
    if issubclass(exc_type, NodeRuntimeError) or exc_type in (Exception, RuntimeError):
        return NodeRuntimeError
    found = _located_types.get(exc_type)
    if found is None:
        try:
            found = type(exc_type.__name__, (NodeRuntimeError, exc_type),
                         {"__module__": __name__, "__doc__": NodeRuntimeError.__doc__})
            found("probe")  # exception types whose constructor wants more than a message
        except TypeError:
            found = NodeRuntimeError
        _located_types[exc_type] = found
    return found


class NanGuardError(NodeRuntimeError):
    """NanGuardMode found a NaN, an Inf or a huge value; the message names the node."""


class DebugModeError(NodeRuntimeError):
    """DebugMode found a node that broke a rule (wrong output type, changed its inputs) or a
    backend that disagrees with the Python VM on a node."""


class BadThunkOutput(DebugModeError):
    """DebugMode: the backend and the Python VM computed different outputs for a node."""


class BadDestroyMap(DebugModeError):
    """DebugMode: a node changed one of its inputs in place."""


class InvalidValueError(DebugModeError):
    """DebugMode: a node's output does not fit its type (dtype, ndim, shape or values)."""


class BadOptimization(DebugModeError):
    """Theano's DebugMode error for a rewrite that changed a value. symgrad's DebugMode checks
    nodes, not rewrites, so it never raises this; the name exists for `except` clauses."""


class BadViewMap(DebugModeError):
    """Theano's error for an undeclared view. symgrad's ops return fresh arrays or declared
    views only, so DebugMode never raises this; the name exists for `except` clauses."""


class StochasticOrder(DebugModeError):
    """Theano's error for a graph whose node order varies between runs; symgrad's order is
    deterministic, so it is never raised; the name exists for `except` clauses."""


class FloatError(DebugModeError):
    """Theano's error for a float check that failed; symgrad reports NaN/Inf through
    NanGuardMode (NanGuardError), so DebugMode never raises this."""


class GradientError(SymgradError, TypeError):
    """A gradient cannot be built as asked."""


class DisconnectedInputError(GradientError, ValueError):
    """grad was asked for a variable the cost does not depend on."""


class NullGradientError(GradientError):
    """A gradient that is mathematically undefined was used."""


class GradientNotImplementedError(NullGradientError, NotImplementedError):
    """An op does not implement the gradient that was asked for."""


class ShapeError(SymgradError, ValueError):
    """Shapes that cannot work together."""


def user_frame() -> tuple[str, int, str] | None:
    """The innermost stack frame outside symgrad: (file, line, function)."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR):
            return (filename, frame.f_lineno, frame.f_code.co_name)
        frame = frame.f_back
    return None


def format_frame(frame: tuple[str, int, str] | None) -> str:
    if frame is None:
        return "an unknown line"
    filename, lineno, func = frame
    text = f'File "{filename}", line {lineno}, in {func}'
    try:
        import linecache

        src = linecache.getline(filename, lineno).strip()
    except Exception:  # a frame from exec'd code has no source
        src = ""
    return text + (f"\n    {src}" if src else "")


def node_origin(node) -> str:
    """Where the user built `node`, then the other lines a rewrite folded into it (fusion,
    canonicalisation), each indented as in a traceback."""
    frames = [node.trace] + [f for f in getattr(node.tag, "merged_traces", ()) if f != node.trace]
    text = "  " + format_frame(frames[0])
    if len(frames) > 1:
        text += "\nIt also computes what was built at:"
        for frame in frames[1:]:
            text += "\n  " + format_frame(frame)
    return text


def note_construction(exc: BaseException, op) -> None:
    """Add to an error raised while building a node which op and which user line it was; the
    innermost op wins, so nested constructions do not repeat the note."""
    if getattr(exc, "_symgrad_noted", False):
        return
    try:
        exc._symgrad_noted = True
    except AttributeError:  # an exception type with __slots__: leave it as raised
        return
    note = f"while building {op} at {format_frame(user_frame())}"
    if hasattr(exc, "add_note"):
        exc.add_note(note)
    elif len(exc.args) == 1 and isinstance(exc.args[0], str):  # Python 3.10: no notes
        exc.args = (f"{exc.args[0]}\n{note}",)
