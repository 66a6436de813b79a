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
    """The gradient of a Scan: a Scan running the step's backward pass from the last step."""
    if op.info.as_while:
        raise NotImplementedError("the gradient of a scan stopped by until is not supported; "
                                  "give it a fixed number of steps instead")
    backward = _BackwardScan(op, inputs, outputs, output_grads)
    backward.differentiate_step()
    backward.shift_pending_rows()
    backward.lay_out_sequences()
    backward.lay_out_carried_values()
    b_outs = backward.build()
    return backward.gather(b_outs)


class _BackwardScan:
    """The steps of building a Scan's reverse-mode loop, sharing the layout they work out."""

    def __init__(self, op, inputs, outputs, output_grads) -> None:
        self.op, self.inputs, self.outputs, self.output_grads = op, inputs, outputs, output_grads
        info = self.info = op.info
        self.where = info.outer_input_slices()
        self.n_steps = inputs[0]
        self.seqs, self.inits = inputs[self.where["seqs"]], inputs[self.where["rec"]]
        self.non_seqs = inputs[self.where["non_seqs"]]
        self.seq_vars, self.rec_vars, self.opaque_vars, self.non_seq_vars = \
            op.inner_inputs_by_kind()
        self.rec_outs, self.per_step_outs, _, _ = op.inner_outputs_by_kind()
        self.seq_groups = _split(self.seq_vars, [len(t) for t in info.seq_taps])
        self.rec_groups = _split(self.rec_vars, [len(t) for t in info.rec_taps])
        # backward inner inputs standing for the outer gradient rows and the carried sums
        self.row_grads = [row_type(o.type)() for o in outputs[:info.n_rec + info.n_per_step]]
        self.diff_rec = [r for r in range(info.n_rec) if _differentiable(outputs[r])]
        self.pending = {r: [row_type(outputs[r].type)(f"pending{r}_{l}")
                            for l in range(info.rec_lookback(r))] for r in self.diff_rec}
        self.diff_non_seqs = [w for w, v in enumerate(self.non_seq_vars) if _differentiable(v)]
        self.sums = {w: self.non_seq_vars[w].type(f"sum_grad_{w}") for w in self.diff_non_seqs}
        self.counter = (TensorType("int64", ())("step") if info.truncate_gradient > 0
                        else None)
        self.diff_seqs = [s for s in range(info.n_seqs) if _differentiable(self.seqs[s])]

    def _live(self, g):
        # steps beyond truncate_gradient pass no gradient back
        if self.counter is None:
            return g
        return switch(lt(self.counter, self.info.truncate_gradient), g, zeros_like(g))

    def differentiate_step(self) -> None:
        """Gradients of the step's inputs, given the rows' gradients and the pending sums."""
        info, op = self.info, self.op
        known = {}
        for r in self.diff_rec:
            # an output holding only its last row gets that row's gradient through pending[r][0]
            total = (self.pending[r][0] if info.keeps_last_only(r)
                     else add(self.row_grads[r], self.pending[r][0]))
            known.setdefault(self.rec_outs[r], []).append(self._live(total))
        for n, out in enumerate(self.per_step_outs):
            if _differentiable(out):
                known.setdefault(out, []).append(self._live(self.row_grads[info.n_rec + n]))
        known = {v: (gs[0] if len(gs) == 1 else add(*gs)) for v, gs in known.items()
                 if v.owner is not None or v in op.inner_inputs}
        wrt = [v for v in self.seq_vars + self.rec_vars
               + [self.non_seq_vars[w] for w in self.diff_non_seqs] if _differentiable(v)]
        if known and wrt:
            grads = grad(None, wrt, known_grads=known, disconnected_inputs="ignore")
        else:
            grads = [zeros_like(v) for v in wrt]
        self.grad_of = dict(zip(wrt, grads))
        if any(v in ancestors(grads) for v in self.opaque_vars):
            raise NotImplementedError("the gradient of this scan needs the values its shared "
                                      "variables or random generators held at each step, which "
                                      "scan does not keep")
        # the step's graph gets its own copies of the forward inner inputs
        self.fresh = {v: v.type(v.name) for v in op.inner_inputs}

    def shift_pending_rows(self) -> None:
        """pending'[l] = pending[l + 1] + the gradient reaching tap -(l + 1); sums grow."""
        info = self.info
        self.new_pending = {}
        for r in self.diff_rec:
            taps = info.rec_taps[r]
            shifted = []
            for l in range(info.rec_lookback(r)):
                carried = self.pending[r][l + 1] if l + 1 < len(self.pending[r]) else None
                tap = -(l + 1)
                from_tap = (self.grad_of.get(self.rec_groups[r][taps.index(tap)])
                            if tap in taps else None)
                parts = [p for p in (carried, from_tap) if p is not None]
                shifted.append(add(*parts) if len(parts) > 1 else parts[0] if parts
                               else zeros_like(self.pending[r][l]))
            self.new_pending[r] = shifted
        self.new_sums = {w: add(self.sums[w], self.grad_of[self.non_seq_vars[w]])
                         for w in self.diff_non_seqs}

    def _stored(self, inner_out, r=None) -> bool:
        # the step's own results were stored by the forward loop: read them, do not recompute
        kept = r is None or not self.info.keeps_last_only(r)
        return kept and inner_out.owner is not None and inner_out not in self.fresh

    def lay_out_sequences(self) -> None:
        """The backward loop's sequences, each (inner variables, outer, taps, read backwards):
        the forward sequences, the stored outputs and the outer gradient rows."""
        info, fresh, outputs = self.info, self.fresh, self.outputs
        b_seqs = []
        for s, group in enumerate(self.seq_groups):
            b_seqs.append(([fresh[v] for v in group], self.seqs[s], info.seq_taps[s],
                           not info.seq_reversed[s]))
        for r, group in enumerate(self.rec_groups):
            lookback = info.rec_lookback(r)
            inner = [fresh[v] for v in group]
            taps = tuple(lookback + j for j in info.rec_taps[r])
            if self._stored(self.rec_outs[r], r):
                fresh[self.rec_outs[r]] = row_type(outputs[r].type)()
                inner.append(fresh[self.rec_outs[r]])
                taps += (lookback,)
            b_seqs.append((inner, concatenate([self.inits[r], outputs[r]]), taps, True))
        for n, out in enumerate(self.per_step_outs):
            if self._stored(out):
                fresh[out] = row_type(outputs[info.n_rec + n].type)()
                b_seqs.append(([fresh[out]], outputs[info.n_rec + n], (0,), True))
        for k, g in enumerate(self.row_grads):
            if k >= info.n_rec or not info.keeps_last_only(k):
                b_seqs.append(([g], self.output_grads[k], (0,), True))
        self.b_seqs = b_seqs

    def lay_out_carried_values(self) -> None:
        """The backward loop's recurrent values: pending rows, the sums, the step counter."""
        info = self.info
        inner, outer, out, taps = [], [], [], []
        for r in self.diff_rec:
            for l in range(info.rec_lookback(r)):
                inner.append(self.pending[r][l])
                # an output holding only its last row gets that row's gradient up front
                first = l == 0 and info.keeps_last_only(r)
                outer.append(self.output_grads[r] if first else _zero_rows_of_row(self.inits[r]))
                out.append(self.new_pending[r][l])
                taps.append((-1,))
        # the sums and the counter are linear or discrete: their past rows are never needed
        self.n_pending = len(inner)
        for w in self.diff_non_seqs:
            inner.append(self.sums[w])
            outer.append(_zero_rows(self.non_seqs[w]))
            out.append(self.new_sums[w])
            taps.append((-1,))
        if self.counter is not None:
            inner.append(self.counter)
            outer.append(alloc(constant(0, dtype="int64"), 1))
            out.append(self.counter + 1)
            taps.append((-1,))
        self.b_rec_inner, self.b_rec_outer, self.b_rec_out, self.b_rec_taps = \
            inner, outer, out, taps

    def build(self) -> list:
        """The backward Scan node's outputs, keeping only the inputs its step reads."""
        info, op, fresh = self.info, self.op, self.fresh
        b_step_out = []
        for s in self.diff_seqs:
            for v in self.seq_groups[s]:
                g = self.grad_of.get(v)
                b_step_out.append(g if g is not None else zeros_like(v))
        b_inner_outputs = clone_replace(self.b_rec_out + b_step_out, fresh)
        b_inner_outputs, hoisted = hoist_loop_invariants(
            b_inner_outputs, {fresh[v]: o for v, o in zip(self.non_seq_vars, self.non_seqs)})
        b_non_seqs = [(fresh[v], o) for v, o in zip(self.non_seq_vars, self.non_seqs)] + hoisted
        # keep only the sequence rows the backward step reads
        used = set(ancestors(b_inner_outputs))
        for r, group in enumerate(self.rec_groups):
            if info.keeps_last_only(r) and any(fresh[v] in used for v in group):
                raise NotImplementedError(f"{op} kept only the last row of output {r}, but its "
                                          "gradient needs every row")
        b_seqs = [(kept, outer, tuple(t for v, t in zip(inner, taps) if v in used), rev)
                  for inner, outer, taps, rev in self.b_seqs
                  for kept in [[v for v in inner if v in used]] if kept]
        b_non_seqs = [(inner, outer) for inner, outer in b_non_seqs if inner in used]
        b_inner_inputs = ([v for inner, _, _, _ in b_seqs for v in inner] + self.b_rec_inner
                          + [inner for inner, _ in b_non_seqs])
        n_rec = len(self.b_rec_taps)
        b_info = ScanInfo(seq_taps=tuple(t for _, _, t, _ in b_seqs),
                          seq_reversed=tuple(rev for _, _, _, rev in b_seqs),
                          rec_taps=tuple(self.b_rec_taps), n_per_step=len(b_step_out),
                          n_opaque=0, n_non_seqs=len(b_non_seqs),
                          name=f"grad_of_{info.name or 'scan'}",
                          rec_keep_last=tuple(r >= self.n_pending for r in range(n_rec)))
        b_op = type(op)(b_inner_inputs, b_inner_outputs, b_info, op.mode)
        return b_op.make_node(self.n_steps, *[outer for _, outer, _, _ in b_seqs],
                              *self.b_rec_outer, *[outer for _, outer in b_non_seqs]).outputs

    def gather(self, b_outs) -> list:
        """The gradient of each outer input, read off the backward loop's outputs."""
        info, where = self.info, self.where
        result = [None] * len(self.inputs)
        pos = 0
        for r in self.diff_rec:
            rows = [b_outs[pos + l][-1] for l in range(info.rec_lookback(r))]
            pos += info.rec_lookback(r)
            block = rows[0].dimshuffle("x", *range(rows[0].type.ndim)) if len(rows) == 1 \
                else stack(rows[::-1])
            result[where["rec"].start + r] = block
        for w in self.diff_non_seqs:
            result[where["non_seqs"].start + w] = b_outs[pos][-1]
            pos += 1
        if self.counter is not None:
            pos += 1
        step_rows = b_outs[pos:]
        k = 0
        for s in self.diff_seqs:
            low = tap_span(info.seq_taps[s])[0]
            total = zeros_like(self.seqs[s])
            for tap in info.seq_taps[s]:
                rows = step_rows[k]
                k += 1
                # backward step b handled forward step N-1-b; put rows back in sequence order
                if not info.seq_reversed[s]:
                    rows = rows[::-1]
                start = tap - low
                total = inc_subtensor(total[start:start + self.n_steps], rows)
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

