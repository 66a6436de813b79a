"""debugprint: Theano-style trees for variables, lists, graphs and compiled functions."""
import io

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile.mode import Mode
from symgrad.graph.fgraph import FunctionGraph
from symgrad.printing import debugprint, dprint


def test_variable_tree_with_ids_and_shared_subtrees():
    x = T.dvector("x")
    e = T.exp(x)
    y = e * e
    y.name = "y"
    assert debugprint(y, file="str").splitlines() == [
        "Elemwise{mul,no_inplace} [id A] 'y'",
        " |Elemwise{exp,no_inplace} [id B] ''",
        " | |x [id C]",
        " |Elemwise{exp,no_inplace} [id B] ''",
    ]


def test_types_constants_and_hidden_nothing():
    x = T.dscalar("x")
    text = debugprint(x + 2.0, file="str", print_type=True)
    assert text.splitlines() == [
        "Elemwise{add,no_inplace} [id A] <TensorType(float64, scalar)> ''",
        " |x [id B] <TensorType(float64, scalar)>",
        " |TensorConstant{2.0} [id C] <TensorType(float64, scalar)>",
    ]


def test_lists_share_ids_and_depth_limits():
    x = T.dscalar("x")
    a = T.exp(x)
    text = debugprint([a, T.log(a)], file="str")
    assert text.splitlines() == [
        "Elemwise{exp,no_inplace} [id A] ''",
        " |x [id B]",
        "Elemwise{log,no_inplace} [id C] ''",
        " |Elemwise{exp,no_inplace} [id A] ''",
    ]
    assert debugprint(T.log(a), depth=1, file="str") == "Elemwise{log,no_inplace} [id A] ''"
    assert debugprint(T.log(a), ids="", file="str").splitlines()[0] == \
        "Elemwise{log,no_inplace} ''"
    assert debugprint(T.log(a), ids="int", file="str").splitlines()[1] == \
        " |Elemwise{exp,no_inplace} [id 1] ''"


def test_compiled_function_shows_the_optimised_graph_in_run_order():
    x = T.dscalar("x")
    f = theano.function([x], T.grad(x ** 2, x))
    assert debugprint(f, file="str").splitlines() == [
        "Elemwise{mul,no_inplace} [id A] ''   0",
        " |TensorConstant{2.0} [id B]",
        " |x [id C]",
    ]
    assert dprint is debugprint and theano.dprint is debugprint
    assert theano.printing.debugprint is debugprint


def test_fgraph_and_stream_output():
    x = T.dvector("x")
    fg = FunctionGraph([x], [T.exp(x) + 1.0])
    stream = io.StringIO()
    assert debugprint(fg, file=stream) is stream
    assert stream.getvalue().splitlines()[0] == "Elemwise{add,no_inplace} [id A] ''   2"


def test_fused_nodes_show_their_inner_graph():
    m = T.dmatrix("x")
    gs = T.grad(T.sum(1 / (1 + T.exp(-m))), m)
    f = theano.function([m], gs, mode=Mode("py", "fast_run"))
    lines = debugprint(f, file="str").splitlines()
    assert lines[0].startswith("Elemwise{Composite{") and lines[0].endswith("''   0")
    assert lines[1] == " |x [id B]"
    assert lines[2:5] == ["", "Inner graphs:", ""]
    # the stabilised gradient: exp(-|x|) / (1 + exp(-|x|))**2, finite for every x
    assert lines[5].startswith("Elemwise{Composite{") and lines[6].startswith(" >true_div")
    assert "abs" in lines[5]
    assert any("|i0 [id" in line for line in lines[6:])


def test_printing_to_standard_output_returns_nothing(capsys):
    # at a prompt, a returned stream would print an extra `<_io.TextIOWrapper ...>` line
    x = T.dvector("x")
    assert debugprint(x * 2) is None
    assert capsys.readouterr().out.splitlines()[0].startswith("Elemwise{mul,no_inplace}")
