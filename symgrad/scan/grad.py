"""Derivatives of a Scan: reverse mode is another Scan running backwards over the stored
outputs; forward mode (R_op) is one Scan computing values and tangents side by side.

Reverse mode, for forward step i (processed last to first), carries for each recurrent output
r and each l < L_r the gradient gathered so far for its row i - l (`pending[r][l]`). The step
adds the outer gradient of row i to pending[r][0], pulls it back through the step's graph, and
shifts: pending'[l] = pending[l + 1] + (gradient reaching tap -(l + 1)). After the first
step, pending[r][l] is the gradient of the initial row L_r - 1 - l. Non-sequence gradients are
summed along the way; sequence gradients come out one row per step and are added into place.
"""
from __future__ import annotations

from symgrad.gradient.grad import Rop, grad
from symgrad.graph.clone import clone_replace
from symgrad.graph.traversal import ancestors
from symgrad.scan.info import ScanInfo
from symgrad.scan.utils import hoist_loop_invariants, row_type, tap_span
from symgrad.tensor.basic import alloc, concatenate, stack, switch, zeros_like
from symgrad.tensor.constant import constant
from symgrad.tensor.math import add, lt
from symgrad.tensor.shape import shape_i
from symgrad.tensor.subtensor import inc_subtensor
from symgrad.tensor.type import TensorType


def _differentiable(var) -> bool:
    return isinstance(var.type, TensorType) and var.type.is_float


def _zero_rows(like, n_rows: int = 1):
    """A zero block of `n_rows` rows shaped like `like`."""
    zero = constant(0, dtype=like.type.dtype)
    return alloc(zero, n_rows, *[shape_i(like, d) for d in range(like.type.ndim)])


def _split(values, sizes):
    out, pos = [], 0
    for n in sizes:
        out.append(list(values[pos:pos + n]))
        pos += n
    return out


def scan_L_op(op, inputs, outputs, output_grads):
    info = op.info
    if info.as_while:
        raise NotImplementedError("the gradient of a scan stopped by until is not supported; "
                                  "give it a fixed number of steps instead")
    where = info.outer_input_slices()
    n_steps = inputs[0]
    seqs, inits = inputs[where["seqs"]], inputs[where["rec"]]
    non_seqs = inputs[where["non_seqs"]]
    seq_vars, rec_vars, opaque_vars, non_seq_vars = op.inner_inputs_by_kind()
    rec_outs, per_step_outs, _, _ = op.inner_outputs_by_kind()
    seq_groups = _split(seq_vars, [len(t) for t in info.seq_taps])
    rec_groups = _split(rec_vars, [len(t) for t in info.rec_taps])

    # backward inner inputs standing for the outer gradient rows and the carried sums
    row_grads = [row_type(o.type)() for o in outputs[:info.n_rec + info.n_per_step]]
    diff_rec = [r for r in range(info.n_rec) if _differentiable(outputs[r])]
    pending = {r: [row_type(outputs[r].type)(f"pending{r}_{l}")
                   for l in range(info.rec_lookback(r))] for r in diff_rec}
    diff_non_seqs = [w for w, v in enumerate(non_seq_vars) if _differentiable(v)]
    sums = {w: non_seq_vars[w].type(f"sum_grad_{w}") for w in diff_non_seqs}
    counter = TensorType("int64", ())("step") if info.truncate_gradient > 0 else None

    def live(g):
        # steps beyond truncate_gradient pass no gradient back
        if counter is None:
            return g
        return switch(lt(counter, info.truncate_gradient), g, zeros_like(g))

    known = {}
    for r in diff_rec:
        # an output holding only its last row gets that row's gradient through pending[r][0]
        total = pending[r][0] if info.keeps_last_only(r) else add(row_grads[r], pending[r][0])
        known.setdefault(rec_outs[r], []).append(live(total))
    for n, out in enumerate(per_step_outs):
        if _differentiable(out):
            known.setdefault(out, []).append(live(row_grads[info.n_rec + n]))
    known = {v: (gs[0] if len(gs) == 1 else add(*gs)) for v, gs in known.items()
             if v.owner is not None or v in op.inner_inputs}
    wrt = [v for v in seq_vars + rec_vars + [non_seq_vars[w] for w in diff_non_seqs]
           if _differentiable(v)]
    if known and wrt:
        grads = grad(None, wrt, known_grads=known, disconnected_inputs="ignore")
    else:
        grads = [zeros_like(v) for v in wrt]
    grad_of = dict(zip(wrt, grads))
    if any(v in ancestors(grads) for v in opaque_vars):
        raise NotImplementedError("the gradient of this scan needs the values its shared "
                                  "variables or random generators held at each step, which "
                                  "scan does not keep")

    # the step's graph gets its own copies of the forward inner inputs
    fresh = {v: v.type(v.name) for v in op.inner_inputs}
    new_pending = {}
    for r in diff_rec:
        taps = info.rec_taps[r]
        shifted = []
        for l in range(info.rec_lookback(r)):
            carried = pending[r][l + 1] if l + 1 < len(pending[r]) else None
            tap = -(l + 1)
            from_tap = grad_of.get(rec_groups[r][taps.index(tap)]) if tap in taps else None
            parts = [p for p in (carried, from_tap) if p is not None]
            shifted.append(add(*parts) if len(parts) > 1 else parts[0] if parts
                           else zeros_like(pending[r][l]))
        new_pending[r] = shifted
    new_sums = {w: add(sums[w], grad_of[non_seq_vars[w]]) for w in diff_non_seqs}

    # backward layout: sequences, then carried pending rows and sums (and a step counter).
    # Each sequence entry: (inner variables, outer variable, taps, read backwards)
    diff_seqs = [s for s in range(info.n_seqs) if _differentiable(seqs[s])]
    b_seqs = []
    for s, group in enumerate(seq_groups):
        b_seqs.append(([fresh[v] for v in group], seqs[s], info.seq_taps[s],
                       not info.seq_reversed[s]))

    # the step's own results were stored by the forward loop: read them, do not recompute
    def stored(inner_out, r=None):
        kept = r is None or not info.keeps_last_only(r)
        return kept and inner_out.owner is not None and inner_out not in fresh

    for r, group in enumerate(rec_groups):
        lookback = info.rec_lookback(r)
        inner = [fresh[v] for v in group]
        taps = tuple(lookback + j for j in info.rec_taps[r])
        if stored(rec_outs[r], r):
            fresh[rec_outs[r]] = row_type(outputs[r].type)()
            inner.append(fresh[rec_outs[r]])
            taps += (lookback,)
        b_seqs.append((inner, concatenate([inits[r], outputs[r]]), taps, True))
    for n, out in enumerate(per_step_outs):
        if stored(out):
            fresh[out] = row_type(outputs[info.n_rec + n].type)()
            b_seqs.append(([fresh[out]], outputs[info.n_rec + n], (0,), True))
    for k, g in enumerate(row_grads):
        if k >= info.n_rec or not info.keeps_last_only(k):
            b_seqs.append(([g], output_grads[k], (0,), True))

    b_rec_inner, b_rec_outer, b_rec_out, b_rec_taps = [], [], [], []
    for r in diff_rec:
        for l in range(info.rec_lookback(r)):
            b_rec_inner.append(pending[r][l])
            # an output holding only its last row gets that row's gradient up front
            first = l == 0 and info.keeps_last_only(r)
            b_rec_outer.append(output_grads[r] if first else _zero_rows_of_row(inits[r]))
            b_rec_out.append(new_pending[r][l])
            b_rec_taps.append((-1,))
    # the sums and the counter are linear or discrete: their past rows are never needed
    n_pending = len(b_rec_inner)
    for w in diff_non_seqs:
        b_rec_inner.append(sums[w])
        b_rec_outer.append(_zero_rows(non_seqs[w]))
        b_rec_out.append(new_sums[w])
        b_rec_taps.append((-1,))
    if counter is not None:
        b_rec_inner.append(counter)
        b_rec_outer.append(alloc(constant(0, dtype="int64"), 1))
        b_rec_out.append(counter + 1)
        b_rec_taps.append((-1,))

    b_step_out = []
    for s in diff_seqs:
        for v in seq_groups[s]:
            g = grad_of.get(v)
            b_step_out.append(g if g is not None else zeros_like(v))
    b_inner_outputs = clone_replace(b_rec_out + b_step_out, fresh)
    b_inner_outputs, hoisted = hoist_loop_invariants(
        b_inner_outputs, {fresh[v]: outer for v, outer in zip(non_seq_vars, non_seqs)})
    b_non_seqs = [(fresh[v], outer) for v, outer in zip(non_seq_vars, non_seqs)] + hoisted
    # keep only the sequence rows the backward step reads
    used = set(ancestors(b_inner_outputs))
    for r, group in enumerate(rec_groups):
        if info.keeps_last_only(r) and any(fresh[v] in used for v in group):
            raise NotImplementedError(f"{op} kept only the last row of output {r}, but its "
                                      "gradient needs every row")
    b_seqs = [(kept, outer, tuple(t for v, t in zip(inner, taps) if v in used), rev)
              for inner, outer, taps, rev in b_seqs
              for kept in [[v for v in inner if v in used]] if kept]
    b_non_seqs = [(inner, outer) for inner, outer in b_non_seqs if inner in used]
    b_inner_inputs = ([v for inner, _, _, _ in b_seqs for v in inner] + b_rec_inner
                      + [inner for inner, _ in b_non_seqs])
    b_info = ScanInfo(seq_taps=tuple(t for _, _, t, _ in b_seqs),
                      seq_reversed=tuple(rev for _, _, _, rev in b_seqs),
                      rec_taps=tuple(b_rec_taps), n_per_step=len(b_step_out), n_opaque=0,
                      n_non_seqs=len(b_non_seqs), name=f"grad_of_{info.name or 'scan'}",
                      rec_keep_last=tuple(r >= n_pending for r in range(len(b_rec_taps))))
    b_op = type(op)(b_inner_inputs, b_inner_outputs, b_info, op.mode)
    b_outs = b_op.make_node(n_steps, *[outer for _, outer, _, _ in b_seqs], *b_rec_outer,
                            *[outer for _, outer in b_non_seqs]).outputs

    # gather the results per outer input
    result = [None] * len(inputs)
    pos = 0
    for r in diff_rec:
        rows = [b_outs[pos + l][-1] for l in range(info.rec_lookback(r))]
        pos += info.rec_lookback(r)
        block = rows[0].dimshuffle("x", *range(rows[0].type.ndim)) if len(rows) == 1 \
            else stack(rows[::-1])
        result[where["rec"].start + r] = block
    for w in diff_non_seqs:
        result[where["non_seqs"].start + w] = b_outs[pos][-1]
        pos += 1
    if counter is not None:
        pos += 1
    step_rows = b_outs[pos:]
    k = 0
    for s in diff_seqs:
        low = tap_span(info.seq_taps[s])[0]
        total = zeros_like(seqs[s])
        for tap in info.seq_taps[s]:
            rows = step_rows[k]
            k += 1
            # backward step b handled forward step N-1-b; put rows back in sequence order
            if not info.seq_reversed[s]:
                rows = rows[::-1]
            start = tap - low
            total = inc_subtensor(total[start:start + n_steps], rows)
        result[where["seqs"].start + s] = total
    return result


def _zero_rows_of_row(block):
    """A one-row zero block shaped like one row of `block`."""
    zero = constant(0, dtype=block.type.dtype)
    return alloc(zero, 1, *[shape_i(block, d) for d in range(1, block.type.ndim)])


def scan_R_op(op, inputs, eval_points):
    """Forward mode: the same loop, carrying each value's tangent beside it."""
    info = op.info
    where = info.outer_input_slices()
    seq_vars, rec_vars, opaque_vars, non_seq_vars = op.inner_inputs_by_kind()
    rec_outs, per_step_outs, opaque_outs, cond = op.inner_outputs_by_kind()
    seq_groups = _split(seq_vars, [len(t) for t in info.seq_taps])
    rec_groups = _split(rec_vars, [len(t) for t in info.rec_taps])

    def tangent_of(k):
        ev = eval_points[k]
        return ev if ev is not None else zeros_like(inputs[k])

    fresh_tangent = {}  # inner input -> its tangent's inner input
    seq_taps, seq_rev, seq_inner, seq_outer = [], [], [], []
    t_seq_taps, t_seq_rev, t_seq_inner, t_seq_outer = [], [], [], []
    for s, group in enumerate(seq_groups):
        k = where["seqs"].start + s
        seq_taps.append(info.seq_taps[s])
        seq_rev.append(info.seq_reversed[s])
        seq_inner += group
        seq_outer.append(inputs[k])
        if _differentiable(inputs[k]):
            tangents = [v.type(f"d_{v.name}" if v.name else None) for v in group]
            fresh_tangent.update(zip(group, tangents))
            t_seq_taps.append(info.seq_taps[s])
            t_seq_rev.append(info.seq_reversed[s])
            t_seq_inner += tangents
            t_seq_outer.append(tangent_of(k))
    diff_rec = [r for r in range(info.n_rec) if _differentiable(rec_outs[r])]
    t_rec_inner, t_rec_outer = [], []
    for r in diff_rec:
        k = where["rec"].start + r
        tangents = [v.type() for v in rec_groups[r]]
        fresh_tangent.update(zip(rec_groups[r], tangents))
        t_rec_inner += tangents
        t_rec_outer.append(tangent_of(k))
    t_non_inner, t_non_outer = [], []
    for w, v in enumerate(non_seq_vars):
        k = where["non_seqs"].start + w
        if _differentiable(v):
            t = v.type()
            fresh_tangent[v] = t
            t_non_inner.append(t)
            t_non_outer.append(tangent_of(k))
    diff_step = [n for n, o in enumerate(per_step_outs) if _differentiable(o)]
    targets = [rec_outs[r] for r in diff_rec] + [per_step_outs[n] for n in diff_step]
    wrt = list(fresh_tangent)
    tangents = Rop(targets, wrt, [fresh_tangent[v] for v in wrt],
                   disconnected_outputs="ignore") if targets and wrt else \
        [zeros_like(t) for t in targets]
    t_rec_outs, t_step_outs = tangents[:len(diff_rec)], tangents[len(diff_rec):]

    r_info = ScanInfo(
        seq_taps=tuple(seq_taps + t_seq_taps), seq_reversed=tuple(seq_rev + t_seq_rev),
        rec_taps=info.rec_taps + tuple(info.rec_taps[r] for r in diff_rec),
        n_per_step=info.n_per_step + len(diff_step), n_opaque=info.n_opaque,
        n_non_seqs=info.n_non_seqs + len(t_non_inner), as_while=info.as_while,
        truncate_gradient=info.truncate_gradient, name=f"rop_of_{info.name or 'scan'}",
        rec_keep_last=tuple(info.keeps_last_only(r) for r in list(range(info.n_rec)) + diff_rec))
    r_inner_inputs = (seq_inner + t_seq_inner + rec_vars + t_rec_inner + opaque_vars
                      + non_seq_vars + t_non_inner)
    r_inner_outputs = (rec_outs + list(t_rec_outs) + per_step_outs + list(t_step_outs)
                       + opaque_outs + ([cond] if cond is not None else []))
    # a copy of the graph, so the new op does not share variables with this one
    copies = {v: v.type(v.name) for v in r_inner_inputs}
    r_op = type(op)([copies[v] for v in r_inner_inputs], clone_replace(r_inner_outputs, copies),
                r_info, op.mode)
    outer = ([inputs[0]] + seq_outer + t_seq_outer + list(inputs[where["rec"]]) + t_rec_outer
             + list(inputs[where["opaque"]]) + list(inputs[where["non_seqs"]]) + t_non_outer)
    r_outs = r_op.make_node(*outer).outputs
    n_rec_all = info.n_rec + len(diff_rec)
    result = [None] * (info.n_rec + info.n_per_step + info.n_opaque)
    for pos, r in enumerate(diff_rec):
        result[r] = r_outs[info.n_rec + pos]
    for pos, n in enumerate(diff_step):
        result[info.n_rec + n] = r_outs[n_rec_all + info.n_per_step + pos]
    return result

