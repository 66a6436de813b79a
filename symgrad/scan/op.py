"""The Scan op: a loop whose body is an inner graph, compiled once and run once per step.

Outer inputs, in order:
    n_steps                  int64 scalar
    sequences                one per sequence; step t reads rows t + k - low for each tap k
    recurrent initial values one (L, ...) block per recurrent output, L = -(lowest tap)
    opaque states            values carried from step to step (random generators ...)
    non-sequences            the same value at every step
Outer outputs, in order:
    recurrent outputs        the n_steps new rows (the initial block is not repeated), or
                             only the last one where `rec_keep_last` says so
    per-step outputs         one row per step (outputs_info None)
    opaque states            the value after the last step

Inner inputs are the sequence taps, the recurrent taps, the opaque states and the
non-sequences; inner outputs are the recurrent rows, the per-step rows, the next opaque states
and, for a `until` loop, the stop condition.
"""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Apply
from symgrad.graph.fgraph import FunctionGraph
from symgrad.graph.op import Op
from symgrad.scan.grad import scan_L_op, scan_R_op
from symgrad.scan.info import ScanInfo
from symgrad.scan.utils import row_type, stacked_type, tap_span
from symgrad.tensor.basic import cast
from symgrad.tensor.constant import as_tensor_variable
from symgrad.tensor.type import TensorType

# How a loop's step graph is compiled (rewrites + linker) is the compile stage's business, one
# stage up: symgrad.compile installs its mode lookup here when it loads.
_mode_resolver = None


def set_mode_resolver(resolver) -> None:
    """Install `resolver(mode_or_name) -> Mode`, used to compile step graphs."""
    global _mode_resolver
    _mode_resolver = resolver


def resolve_mode(mode):
    """The Mode object for a scan's `mode` argument (None: the default mode)."""
    if _mode_resolver is None:
        raise RuntimeError("scan needs symgrad.compile to compile its step graph; "
                           "import symgrad first")
    return _mode_resolver(mode)


class Scan(Op):
    """A symbolic loop. Two Scan ops are equal only when they are the same object: comparing
    inner graphs structurally is not worth its cost for merging."""

    def __init__(self, inner_inputs, inner_outputs, info: ScanInfo, mode=None) -> None:
        self.inner_inputs = list(inner_inputs)
        self.inner_outputs = list(inner_outputs)
        self.info = info
        self.mode = mode
        self._runner = None
        n_in = sum(self.info.inner_input_counts())
        n_out = info.n_rec + info.n_per_step + info.n_opaque + int(info.as_while)
        if len(self.inner_inputs) != n_in or len(self.inner_outputs) != n_out:
            raise ValueError(f"Scan: inner graph has {len(self.inner_inputs)} inputs and "
                             f"{len(self.inner_outputs)} outputs, the layout needs {n_in} "
                             f"and {n_out}")

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_runner"] = None  # the compiled step is rebuilt on first use after loading
        return state

    def __eq__(self, other) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __str__(self) -> str:
        return f"Scan{{{self.info.name or 'scan_fn'}}}"

    # --- the inner graph, split by kind ------------------------------------------------------
    def inner_inputs_by_kind(self) -> tuple[list, list, list, list]:
        n_seq, n_rec, n_op, _ = self.info.inner_input_counts()
        ins = self.inner_inputs
        return (ins[:n_seq], ins[n_seq:n_seq + n_rec], ins[n_seq + n_rec:n_seq + n_rec + n_op],
                ins[n_seq + n_rec + n_op:])

    def inner_outputs_by_kind(self) -> tuple[list, list, list, object]:
        info, outs = self.info, self.inner_outputs
        a, b = info.n_rec, info.n_rec + info.n_per_step
        c = b + info.n_opaque
        return outs[:a], outs[a:b], outs[b:c], (outs[c] if info.as_while else None)

    # --- building ----------------------------------------------------------------------------
    def make_node(self, n_steps, *inputs) -> Apply:
        info = self.info
        n_steps = as_tensor_variable(n_steps)
        if n_steps.type.ndim != 0 or n_steps.type.is_float:
            raise TypeError(f"scan's n_steps must be an integer scalar, got {n_steps.type}")
        if n_steps.type.dtype != "int64":
            n_steps = cast(n_steps, "int64")
        inputs = [as_tensor_variable(v) if isinstance(v.type, TensorType) else v for v in inputs]
        where = info.outer_input_slices()
        expected = where["non_seqs"].stop
        if 1 + len(inputs) != expected:
            raise ValueError(f"{self} takes {expected} inputs, got {1 + len(inputs)}")
        full = [n_steps, *inputs]
        seq_vars, _, opaque_vars, _ = self.inner_inputs_by_kind()
        tap_vars = iter(seq_vars)
        for seq, taps in zip(full[where["seqs"]], info.seq_taps):
            for _ in taps:
                _check_fits(next(tap_vars), row_type(seq.type), f"sequence {seq}")
        rec_outs, per_step_outs, _opaque_outs, _ = self.inner_outputs_by_kind()
        outputs = []
        for init, out in zip(full[where["rec"]], rec_outs):
            if init.type.dtype != out.type.dtype or init.type.ndim != out.type.ndim + 1:
                raise TypeError(
                    f"scan: the initial value {init} ({init.type}) does not match the step's "
                    f"result {out} ({out.type}): they must have the same dtype and the step's "
                    "result one dimension less; cast the step's result or the initial value")
            row = row_type(init.type)
            bcast = tuple(a and b for a, b in zip(row.broadcastable, out.type.broadcastable))
            outputs.append(stacked_type(TensorType(out.type.dtype, bcast))())
        outputs += [stacked_type(out.type)() for out in per_step_outs]
        for state, inner in zip(full[where["opaque"]], opaque_vars):
            _check_fits(inner, state.type, f"state {state}")
        outputs += [state.type() for state in full[where["opaque"]]]
        return Apply(self, full, outputs)

    # --- running -----------------------------------------------------------------------------
    def inner_runner(self):
        """The inner graph compiled once, with the mode scan was given."""
        if self._runner is None:
            mode = resolve_mode(self.mode)
            fgraph = FunctionGraph(self.inner_inputs, self.inner_outputs)
            mode.optimize(fgraph)
            self._runner = mode.make_linker().make_runner(fgraph)
        return self._runner

    def perform(self, node, inputs, output_storage) -> None:
        info = self.info
        where = info.outer_input_slices()
        n_steps = int(inputs[0])
        seqs, inits = inputs[where["seqs"]], inputs[where["rec"]]
        states, non_seqs = list(inputs[where["opaque"]]), list(inputs[where["non_seqs"]])
        if n_steps < 0:
            raise ValueError(f"{self}: n_steps must not be negative, got {n_steps}")
        if n_steps == 0 and info.n_per_step:
            raise ValueError(f"{self}: cannot run 0 steps with outputs_info None outputs (their "
                             "shape comes from the first step)")
        for seq, taps in zip(seqs, info.seq_taps):
            low, high = tap_span(taps)
            if len(seq) < n_steps + high - low:
                raise ValueError(f"{self}: a sequence of length {len(seq)} with taps {taps} "
                                 f"is too short for {n_steps} steps")
        rec_bufs = []
        for r, init in enumerate(inits):
            lookback = info.rec_lookback(r)
            if len(init) != lookback:
                raise ValueError(f"{self}: output {r} has taps {info.rec_taps[r]} and needs "
                                 f"{lookback} initial rows, got {len(init)}")
            # an output whose past rows nobody reads after the loop lives in a ring of rows
            n_rows = lookback + (1 if info.keeps_last_only(r) else n_steps)
            buf = np.empty((n_rows,) + init.shape[1:], dtype=node.outputs[r].type.dtype)
            buf[:lookback] = init
            rec_bufs.append(buf)
        # per input, what to read at step i, worked out once
        seq_plan = [(seq, [k - tap_span(taps)[0] for k in taps], rev)
                    for seq, taps, rev in zip(seqs, info.seq_taps, info.seq_reversed)]
        rec_plan = [(buf, info.rec_lookback(r), info.rec_taps[r], len(buf))
                    for r, buf in enumerate(rec_bufs)]
        first_state = info.n_rec + info.n_per_step
        per_step_bufs: list = [None] * info.n_per_step
        run = self.inner_runner()
        n_done = n_steps
        for i in range(n_steps):
            args = []
            for seq, offsets, rev in seq_plan:
                t = n_steps - 1 - i if rev else i
                args += [seq[t + k] for k in offsets]
            for buf, lookback, taps, n_rows in rec_plan:
                args += [buf[(lookback + i + j) % n_rows] for j in taps]
            results = run(args + states + non_seqs)
            for r, (buf, lookback, _, n_rows) in enumerate(rec_plan):
                _store(buf, (lookback + i) % n_rows, results[r], self, r)
            for n in range(info.n_per_step):
                value = np.asarray(results[info.n_rec + n])
                if per_step_bufs[n] is None:
                    out_type = node.outputs[info.n_rec + n].type
                    per_step_bufs[n] = np.empty((n_steps,) + value.shape, dtype=out_type.dtype)
                _store(per_step_bufs[n], i, value, self, info.n_rec + n)
            if info.n_opaque:
                states = list(results[first_state:first_state + info.n_opaque])
            if info.as_while and bool(results[-1]):
                n_done = i + 1
                break
        for r, buf in enumerate(rec_bufs):
            lookback = info.rec_lookback(r)
            if info.keeps_last_only(r):
                last = (lookback + n_done - 1) % len(buf)
                output_storage[r][0] = buf[last:last + 1] if n_done else buf[:0]
            else:
                output_storage[r][0] = buf[lookback:lookback + n_done]
        for n, buf in enumerate(per_step_bufs):
            output_storage[info.n_rec + n][0] = buf[:n_done]
        for q, state in enumerate(states):
            output_storage[info.n_rec + info.n_per_step + q][0] = state

    def connection_pattern(self, node):
        # the step count is not differentiable; anything else may reach any output through
        # the carried values, so say so rather than trace the inner graph
        return [[False] * len(node.outputs)] + [[True] * len(node.outputs)
                                                for _ in node.inputs[1:]]

    def L_op(self, inputs, outputs, output_grads):
        return scan_L_op(self, inputs, outputs, output_grads)

    def R_op(self, inputs, eval_points):
        return scan_R_op(self, inputs, eval_points)

    def infer_shape(self, fgraph, node, input_shapes):
        raise NotImplementedError("Scan output shapes are known only after running the loop")


def _check_fits(inner, outer_type, what: str) -> None:
    # broadcast flags may differ: the values, not the declarations, must agree
    same = inner.type == outer_type or (
        isinstance(inner.type, TensorType) and isinstance(outer_type, TensorType)
        and inner.type.dtype == outer_type.dtype and inner.type.ndim == outer_type.ndim)
    if not same:
        raise TypeError(f"scan: the step's variable {inner} ({inner.type}) does not fit "
                        f"{what} of type {outer_type}")


def _store(buf: np.ndarray, row: int, value, op, output: int) -> None:
    value = np.asarray(value)
    if value.shape != buf.shape[1:]:
        raise ValueError(f"{op}: the step returned shape {value.shape} for output {output}; "
                         f"earlier rows (or the initial value) have shape {buf.shape[1:]}. "
                         "A scan output keeps one shape over all steps.")
    buf[row] = value

