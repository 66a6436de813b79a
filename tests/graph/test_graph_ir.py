"""The graph IR: nodes and variables, traversal, cloning, and FunctionGraph's bookkeeping."""
from __future__ import annotations

import numpy as np
import pytest

import symgrad.tensor as T
from symgrad.graph import (
    Apply,
    Constant,
    FunctionGraph,
    Variable,
    ancestors,
    clone,
    clone_replace,
    graph_inputs,
    io_toposort,
)
from symgrad.graph.features import ReplacementHistory, ReplaceValidator
from symgrad.graph.fgraph import OUTPUT, MissingInputError


def _chain():
    x, y = T.dvectors("x", "y")
    a = T.exp(x)
    b = a * y
    c = b + a
    return x, y, a, b, c


def test_apply_links_its_outputs_back_to_it():
    x, y, a, b, _ = _chain()
    node = b.owner
    assert isinstance(node, Apply) and node.inputs == [a, y] and node.outputs == [b]
    assert b.index == 0 and node.out is b and node.nin() == 2
    assert x.owner is None and isinstance(x, Variable)


def test_constants_hold_filtered_data_and_compare_by_value():
    c1 = T.constant(np.array([1.0, 2.0]))
    c2 = T.constant(np.array([1.0, 2.0]))
    assert isinstance(c1, Constant) and c1.owner is None
    assert c1 is not c2 and c1.equals(c2) and not c1.equals(T.constant(np.array([1.0, 3.0])))
    assert c1.data.dtype == np.float64


def test_ancestors_and_graph_inputs_stop_at_blockers():
    x, y, a, b, c = _chain()
    assert set(ancestors([c])) == {x, y, a, b, c}
    assert set(graph_inputs([c])) == {x, y}
    assert set(graph_inputs([c], blockers=[a])) == {a, y}
    assert x not in ancestors([c], blockers=[a])


def test_io_toposort_puts_each_node_after_its_producers():
    x, y, a, b, c = _chain()
    order = io_toposort([x, y], [c])
    assert set(order) == {a.owner, b.owner, c.owner}
    position = {node: k for k, node in enumerate(order)}
    for node in order:
        for inp in node.inputs:
            if inp.owner is not None:
                assert position[inp.owner] < position[node]
    assert io_toposort([a, y], [c]) == [b.owner, c.owner]  # nothing above given inputs


def test_clone_copies_every_node_and_keeps_the_originals():
    x, y, _, _, c = _chain()
    (x2, y2), (c2,) = clone([x, y], [c])
    assert x2 is not x and c2 is not c and c2.owner is not c.owner
    assert set(graph_inputs([c2])) == {x2, y2}
    assert set(graph_inputs([c])) == {x, y}  # the original graph is untouched
    assert str(c2.owner.op) == str(c.owner.op) and c2.type == c.type


def test_clone_replace_swaps_a_subgraph_without_changing_the_original():
    x, y, a, _, c = _chain()
    z = T.dvector("z")
    (new,) = clone_replace([c], {a: z})
    assert set(graph_inputs([new])) == {y, z}
    assert set(graph_inputs([c])) == {x, y}
    single = clone_replace(c, {y: x})
    assert isinstance(single, Variable) and set(graph_inputs([single])) == {x}


def test_fgraph_clones_by_default_and_tracks_clients():
    x, y, a, b, c = _chain()
    fg = FunctionGraph([x, y], [c])
    assert fg.inputs[0] is not x and fg.equiv[c] is fg.outputs[0]
    a2 = fg.equiv[a]
    # a feeds the mul and the add
    assert sorted(i for _, i in fg.clients[a2]) == [0, 1]
    assert {node for node, _ in fg.clients[a2]} == {fg.equiv[b].owner, fg.equiv[c].owner}
    assert fg.clients[fg.outputs[0]] == [(OUTPUT, 0)]
    assert len(fg.apply_nodes) == 3 and fg.toposort()[0] is a2.owner


def test_fgraph_needs_every_free_variable_as_an_input():
    x, _, _, _, c = _chain()
    with pytest.raises(MissingInputError, match="y"):
        FunctionGraph([x], [c])


def test_replace_moves_clients_prunes_the_old_node_and_updates_outputs():
    x, y, a, b, c = _chain()
    fg = FunctionGraph([x, y], [c, b], clone=False)
    new = T.log(x)
    fg.replace(a, new, reason="test")
    assert b.owner.inputs[0] is new and c.owner.inputs[1] is new
    assert a.owner not in fg.apply_nodes and a not in fg.variables
    assert {node for node, _ in fg.clients[new]} == {b.owner, c.owner}
    assert fg.clients[x] == [(new.owner, 0)]  # exp was pruned with its client entry
    b_new = T.sqrt(y)
    fg.replace(b, b_new, reason="output")
    assert fg.outputs[1] is b_new and c.owner.inputs[0] is b_new
    assert b.owner not in fg.apply_nodes and new.owner in fg.apply_nodes  # c still uses log


def test_replace_rejects_a_type_mismatch_naming_the_reason():
    x, y, a, _, c = _chain()
    fg = FunctionGraph([x, y], [c], clone=False)
    with pytest.raises(TypeError, match="my_rewrite"):
        fg.replace(a, T.dmatrix("m"), reason="my_rewrite")
    with pytest.raises(ValueError, match="not in this graph"):
        fg.replace(T.dvector("elsewhere"), x)
    assert c.owner.inputs[1] is a  # nothing changed


def test_features_hear_replacements_and_history_records_them():
    x, y, a, _, c = _chain()
    history = ReplacementHistory()
    fg = FunctionGraph([x, y], [c], features=[history, ReplaceValidator()], clone=False)
    assert fg.history is history and len(fg.features) == 2
    new = T.log(x)
    fg.replace(a, new, reason="exp_to_log")
    assert history.entries == [("exp_to_log", a, new)]
    fg.attach_feature(history)  # attaching twice keeps one
    assert fg.features.count(history) == 1
    fg.remove_feature(history)
    fg.replace(new, T.sin(x), reason="later")
    assert len(history.entries) == 1


def test_validator_refuses_an_output_type_change():
    x = T.dvector("x")
    out = T.exp(x)
    fg = FunctionGraph([x], [out], features=[ReplaceValidator()], clone=False)
    changed = T.exp(T.cast(x, "float32"))
    with pytest.raises(TypeError):
        fg.change_node_input(OUTPUT, 0, changed, reason="narrowing")
