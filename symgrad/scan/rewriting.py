"""Rewrites of Scan nodes: move work that does not change from step to step out of the loop,
drop the outputs nobody reads, and keep a single row of an output only read at its last step.

(`scan` and the gradient already hoist loop-invariant work when they build a Scan; the rewrite
covers every other Scan, such as the forward-mode one built by R_op.)
"""
from __future__ import annotations

from symgrad.graph.basic import Constant
from symgrad.graph.traversal import ancestors
from symgrad.rewriting.db import register
from symgrad.rewriting.engine import node_rewriter
from symgrad.scan.info import ScanInfo
from symgrad.scan.op import Scan
from symgrad.scan.utils import hoist_loop_invariants
from symgrad.tensor.subtensor import Subtensor


def _groups(variables, taps_per_entry) -> list[list]:
    out, pos = [], 0
    for taps in taps_per_entry:
        out.append(list(variables[pos:pos + len(taps)]))
        pos += len(taps)
    return out


@register("useless")
@node_rewriter([Scan])
def local_scan_remove_unused_outputs(fgraph, node):
    """Scan with outputs nobody reads -> a Scan computing only the ones that are read."""
    op, info = node.op, node.op.info
    read = [bool(fgraph.get_clients(out)) for out in node.outputs]
    rec_outs, step_outs, opaque_outs, cond = op.inner_outputs_by_kind()
    seq_vars, rec_vars, opaque_vars, non_seq_vars = op.inner_inputs_by_kind()
    rec_groups = _groups(rec_vars, info.rec_taps)
    keep_rec = read[:info.n_rec]
    keep_step = read[info.n_rec:info.n_rec + info.n_per_step]
    if all(keep_rec) and all(keep_step):
        return None
    # an unread recurrent output stays while a kept result reads its past values;
    # opaque states (generators, updated shared variables) always stay
    while True:
        roots = ([o for o, k in zip(rec_outs, keep_rec) if k]
                 + [o for o, k in zip(step_outs, keep_step) if k] + opaque_outs
                 + ([cond] if cond is not None else []))
        reached = set(ancestors(roots))
        newly = [r for r in range(info.n_rec)
                 if not keep_rec[r] and any(v in reached for v in rec_groups[r])]
        if not newly:
            break
        for r in newly:
            keep_rec[r] = True
    if all(keep_rec) and all(keep_step):
        return None

    where = info.outer_input_slices()
    seq_groups = _groups(seq_vars, info.seq_taps)
    # a sequence keeps all its taps (they fix which rows each step reads) or goes entirely
    keep_seq = [any(v in reached for v in group) for group in seq_groups]
    keep_non_seq = [v in reached for v in non_seq_vars]
    outer = node.inputs

    def pick(items, flags):
        return [x for x, k in zip(items, flags) if k]

    new_info = ScanInfo(
        seq_taps=tuple(pick(info.seq_taps, keep_seq)),
        seq_reversed=tuple(pick(info.seq_reversed, keep_seq)),
        rec_taps=tuple(pick(info.rec_taps, keep_rec)), n_per_step=sum(keep_step),
        n_opaque=info.n_opaque, n_non_seqs=sum(keep_non_seq), as_while=info.as_while,
        truncate_gradient=info.truncate_gradient, name=info.name,
        rec_keep_last=tuple(pick(info.rec_keep_last, keep_rec)) if info.rec_keep_last else ())
    inner_inputs = ([v for g in pick(seq_groups, keep_seq) for v in g]
                    + [v for g in pick(rec_groups, keep_rec) for v in g]
                    + opaque_vars + pick(non_seq_vars, keep_non_seq))
    inner_outputs = (pick(rec_outs, keep_rec) + pick(step_outs, keep_step) + opaque_outs
                     + ([cond] if cond is not None else []))
    new_op = Scan(inner_inputs, inner_outputs, new_info, op.mode)
    new_node = new_op.make_node(
        outer[0], *pick(outer[where["seqs"]], keep_seq), *pick(outer[where["rec"]], keep_rec),
        *outer[where["opaque"]], *pick(outer[where["non_seqs"]], keep_non_seq))
    kept = (pick(node.outputs[:info.n_rec], keep_rec)
            + pick(node.outputs[info.n_rec:info.n_rec + info.n_per_step], keep_step)
            + node.outputs[info.n_rec + info.n_per_step:])
    return {old: new for old, new in zip(kept, new_node.outputs) if fgraph.get_clients(old)}


def _reads_last_row_only(fgraph, var) -> bool:
    clients = fgraph.get_clients(var)
    for client, i in clients:
        if not (isinstance(getattr(client, "op", None), Subtensor) and i == 0
                and client.op.entries == ("i",) and isinstance(client.inputs[1], Constant)
                and int(client.inputs[1].data) == -1):
            return False
    return bool(clients)


@register("specialize")
@node_rewriter([Scan])
def local_scan_keep_last_row(fgraph, node):
    """Scan output read only as out[-1] -> the same Scan keeping one row of it, not n_steps."""
    op, info = node.op, node.op.info
    keep_last = [info.keeps_last_only(r) or _reads_last_row_only(fgraph, node.outputs[r])
                 for r in range(info.n_rec)]
    if all(info.keeps_last_only(r) == k for r, k in enumerate(keep_last)):
        return None
    fields = {name: getattr(info, name) for name in info.__dataclass_fields__}
    fields["rec_keep_last"] = tuple(keep_last)
    new_op = Scan(op.inner_inputs, op.inner_outputs, ScanInfo(**fields), op.mode)
    new_node = new_op.make_node(*node.inputs)
    # every reader takes row -1, which is the same row in both
    return dict(zip(node.outputs, new_node.outputs))


@register("canonicalize")
@node_rewriter([Scan])
def local_scan_hoist_loop_invariants(fgraph, node):
    """Scan whose step computes f(non-sequences) -> f computed once outside, passed in."""
    op, info = node.op, node.op.info
    where = info.outer_input_slices()
    _, _, _, non_seq_vars = op.inner_inputs_by_kind()
    n_before = len(op.inner_inputs) - info.n_non_seqs
    outer_non_seqs = node.inputs[where["non_seqs"]]
    inner_outputs, hoisted = hoist_loop_invariants(op.inner_outputs,
                                                   dict(zip(non_seq_vars, outer_non_seqs)))
    if not hoisted:
        return None
    used = set(ancestors(inner_outputs))
    pairs = [(v, o) for v, o in list(zip(non_seq_vars, outer_non_seqs)) + hoisted if v in used]
    fields = {name: getattr(info, name) for name in info.__dataclass_fields__}
    fields["n_non_seqs"] = len(pairs)
    new_op = Scan(op.inner_inputs[:n_before] + [v for v, _ in pairs], inner_outputs,
                  ScanInfo(**fields), op.mode)
    new_node = new_op.make_node(*node.inputs[:where["non_seqs"].start], *[o for _, o in pairs])
    return dict(zip(node.outputs, new_node.outputs))
