"""Scan as `lax.scan`, or `lax.while_loop` for a loop stopped by `until`.

The step graph is optimised as the VM optimises it (with the mode scan was given) and traced
with the same table as a whole graph, once, into the loop's body. The layout is Scan.perform's
(symgrad/scan/op.py): each sequence tap becomes one stacked slice of its sequence, read a row
per step; a recurrent output carries a window of its last L rows (L = its lowest tap), shifted
by one row per step; updated shared variables (random keys included) are carried as they are;
non-sequences are closed over, so those known when tracing stay numpy and can decide shapes.

The number of steps decides the stacked outputs' length, so it is a compile-time value (like a
slice bound). A `until` loop's full outputs have as many rows as steps ran: they come back
padded to n_steps with their length (`Ragged`), which the runner trims, so they may only be
returned by the function, not read by other nodes (the linker says so when linking).
"""
from __future__ import annotations

import weakref

import jax
import jax.numpy as jnp
from jax import lax

from symgrad.graph.fgraph import FunctionGraph
from symgrad.link.jax.dispatch import (
    Ragged,
    as_int,
    jax_funcify,
    ragged_outputs,
    static_inputs,
)
from symgrad.link.jax.linker import graph_function, static_graph_inputs
from symgrad.scan.op import Scan, resolve_mode
from symgrad.scan.utils import tap_span

# per Scan op (ops compare by identity): its optimised step graph and the traced function
_steps: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _step(op: Scan) -> dict:
    entry = _steps.get(op)
    if entry is None:
        fgraph = FunctionGraph(op.inner_inputs, op.inner_outputs)
        resolve_mode(op.mode).optimize(fgraph)
        entry = _steps[op] = {"fgraph": fgraph,
                              "run": graph_function(fgraph, ragged_outputs_allowed=False),
                              "static": static_graph_inputs(fgraph)}
    return entry


@static_inputs.register(Scan)
def _scan_static_inputs(op: Scan, node) -> tuple[int, ...]:
    """n_steps, and the non-sequences that decide a shape inside the step."""
    n_seq, n_rec, n_opaque, _ = op.info.inner_input_counts()
    first_non_seq = n_seq + n_rec + n_opaque
    outer_first = op.info.outer_input_slices()["non_seqs"].start
    positions = [0]
    for p in _step(op)["static"]:
        if p < first_non_seq:
            kind = ("a sequence row" if p < n_seq else "a past output" if p < n_seq + n_rec
                    else "a carried shared value")
            raise NotImplementedError(
                f"{op}: a shape inside the step depends on {kind} "
                f"({op.inner_inputs[p]}), which changes from step to step; XLA needs every "
                "shape when compiling, so the JAX linker cannot run this loop")
        positions.append(outer_first + p - first_non_seq)
    return tuple(positions)


@ragged_outputs.register(Scan)
def _scan_ragged_outputs(op: Scan, node) -> tuple[int, ...]:
    info = op.info
    if not info.as_while:
        return ()
    full = [r for r in range(info.n_rec) if not info.keeps_last_only(r)]
    return tuple(full) + tuple(range(info.n_rec, info.n_rec + info.n_per_step))


def _check_inputs(op: Scan, n: int, seqs, inits) -> None:
    """The VM's errors, raised while tracing (every shape involved is static)."""
    info = op.info
    if n < 0:
        raise ValueError(f"{op}: n_steps must not be negative, got {n}")
    if n == 0 and info.n_per_step:
        raise ValueError(f"{op}: cannot run 0 steps with outputs_info None outputs (their "
                         "shape comes from the first step)")
    for seq, taps in zip(seqs, info.seq_taps):
        low, high = tap_span(taps)
        if jnp.shape(seq)[0] < n + high - low:
            raise ValueError(f"{op}: a sequence of length {jnp.shape(seq)[0]} with taps "
                             f"{taps} is too short for {n} steps")
    for r, init in enumerate(inits):
        lookback = info.rec_lookback(r)
        if jnp.shape(init)[0] != lookback:
            raise ValueError(f"{op}: output {r} has taps {info.rec_taps[r]} and needs "
                             f"{lookback} initial rows, got {jnp.shape(init)[0]}")


def _sequence_rows(op: Scan, seqs, n: int) -> list:
    """Per sequence tap, the (n, ...) block of rows the steps read, in step order."""
    blocks = []
    for seq, taps, backwards in zip(seqs, op.info.seq_taps, op.info.seq_reversed):
        low = tap_span(taps)[0]
        for k in taps:
            rows = jnp.asarray(seq)[k - low:k - low + n]
            blocks.append(rows[::-1] if backwards else rows)
    return blocks


def _row(op: Scan, value, like, output: int):
    """A step's result for a stacked output, checked against the shape of the earlier rows."""
    value = jnp.asarray(value)
    if value.shape != tuple(like.shape):
        raise ValueError(f"{op}: the step returned shape {value.shape} for output {output}; "
                         f"earlier rows (or the initial value) have shape {tuple(like.shape)}. "
                         "A scan output keeps one shape over all steps.")
    return value.astype(like.dtype)


def _carried(value, like):
    """A carried shared value in its initial value's dtype (keys pass through)."""
    if hasattr(like, "dtype") and hasattr(value, "dtype") and value.dtype != like.dtype:
        return jnp.asarray(value).astype(like.dtype)
    return value


@jax_funcify.register(Scan)
def _scan(op: Scan, node):
    info = op.info
    where = info.outer_input_slices()
    run = _step(op)["run"]
    n_rec, n_per = info.n_rec, info.n_per_step
    first_state = n_rec + n_per
    rec_dtypes = [out.type.dtype for out in node.outputs[:n_rec]]
    per_dtypes = [out.type.dtype for out in node.outputs[n_rec:first_state]]

    def one_step(rows, windows, states, non_seqs):
        """(windows, states, new recurrent rows, per-step rows, stop) after one step."""
        args = list(rows)
        for r, window in enumerate(windows):
            lookback = window.shape[0]
            args += [window[lookback + j] for j in info.rec_taps[r]]
        results = run(*args, *states, *non_seqs)
        rec = [_row(op, results[r], windows[r][0], r) for r in range(n_rec)]
        windows = [jnp.concatenate([w[1:], row[None]]) for w, row in zip(windows, rec)]
        per = [jnp.asarray(results[n_rec + k]).astype(per_dtypes[k]) for k in range(n_per)]
        new_states = [_carried(s, old) for s, old in
                      zip(results[first_state:first_state + info.n_opaque], states)]
        stop = (jnp.asarray(results[-1]).reshape(()).astype(bool) if info.as_while
                else None)
        return windows, new_states, rec, per, stop

    def scan(*inputs):
        n = as_int(inputs[0])
        seqs, inits = inputs[where["seqs"]], inputs[where["rec"]]
        states, non_seqs = list(inputs[where["opaque"]]), list(inputs[where["non_seqs"]])
        _check_inputs(op, n, seqs, inits)
        windows = [jnp.asarray(init).astype(dtype) for init, dtype in zip(inits, rec_dtypes)]
        if n == 0:  # no step runs: empty stacked outputs, states unchanged
            empty = [w[:0] for w in windows]
            return _outputs(op, empty, [], states, None)
        blocks = _sequence_rows(op, seqs, n)
        if info.as_while:
            return _while_loop(op, one_step, n, blocks, windows, states, non_seqs)

        def body(carry, rows):
            windows, states = carry
            windows, states, rec, per, _ = one_step(rows, windows, states, non_seqs)
            full = [row for r, row in enumerate(rec) if not info.keeps_last_only(r)]
            return (windows, states), (full, per)

        (windows, states), (full, per) = lax.scan(body, (windows, states), blocks, length=n)
        return _outputs(op, _with_kept_last(op, full, windows), per, states, None)
    return scan


def _with_kept_last(op: Scan, full, windows) -> list:
    """Every recurrent output's rows: the stacked ones, or only the last for kept-last ones."""
    it = iter(full)
    return [windows[r][-1:] if op.info.keeps_last_only(r) else next(it)
            for r in range(op.info.n_rec)]


def _outputs(op: Scan, rec, per, states, n_done):
    """The node's outputs in order; with n_done (a `until` loop) full outputs are Ragged."""
    info = op.info
    if n_done is not None:
        rec = [row if info.keeps_last_only(r) else Ragged(row, n_done)
               for r, row in enumerate(rec)]
        per = [Ragged(rows, n_done) for rows in per]
    results = [*rec, *per, *states]
    return results[0] if len(results) == 1 else tuple(results)


def _while_loop(op: Scan, one_step, n: int, blocks, windows, states, non_seqs):
    """Steps until the condition holds (that step is kept) or n steps ran; the stacked
    outputs live in n-row buffers, of which the first n_done rows are the result."""
    info = op.info
    blocks = [jnp.asarray(b) for b in blocks]
    # the rows' shapes, from tracing one step without running it
    _, _, rec_rows, per_rows, _ = jax.eval_shape(
        lambda rows, w, s: one_step(rows, w, s, non_seqs), [b[0] for b in blocks], windows,
        states)
    full = [r for r in range(info.n_rec) if not info.keeps_last_only(r)]
    buffers = [jnp.zeros((n,) + rec_rows[r].shape, rec_rows[r].dtype) for r in full]
    buffers += [jnp.zeros((n,) + row.shape, row.dtype) for row in per_rows]

    def keep_going(carry):
        i, stop = carry[0], carry[1]
        return (i < n) & ~stop

    def body(carry):
        i, _, windows, states, buffers = carry
        windows, states, rec, per, stop = one_step([b[i] for b in blocks], windows, states,
                                                   non_seqs)
        rows = [rec[r] for r in full] + per
        buffers = [buf.at[i].set(row) for buf, row in zip(buffers, rows)]
        return i + 1, stop, windows, states, buffers

    start = (jnp.asarray(0, "int64"), jnp.asarray(False), windows, states, buffers)
    n_done, _, windows, states, buffers = lax.while_loop(keep_going, body, start)
    stacked = buffers[:len(full)]
    return _outputs(op, _with_kept_last(op, stacked, windows), buffers[len(full):], states,
                    n_done)
