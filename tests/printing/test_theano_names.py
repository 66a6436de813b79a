"""Printed op names and pp forms as Theano 1.0 prints them, so printed graphs read the same."""
import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad import pp
from symgrad.compile.mode import Mode
from symgrad.printing import debugprint


def test_elemwise_names_carry_no_inplace_and_fused_nodes_show_their_composite():
    x, y = T.dmatrix("x"), T.dmatrix("y")
    z = x + y
    assert str(z.owner.op) == "Elemwise{add,no_inplace}"
    assert debugprint(z, file="str").splitlines() == [
        "Elemwise{add,no_inplace} [id A] ''",
        " |x [id B]",
        " |y [id C]",
    ]
    names = {str(e.owner.op) for e in [x * y, x / y, x // y, -x, T.exp(x), x ** 2, T.fill(x, y),
                                      T.and_(T.lmatrix(), T.lmatrix())]}
    assert names == {"Elemwise{mul,no_inplace}", "Elemwise{true_div,no_inplace}",
                     "Elemwise{int_div,no_inplace}", "Elemwise{neg,no_inplace}",
                     "Elemwise{exp,no_inplace}", "Elemwise{pow,no_inplace}",
                     "Elemwise{second,no_inplace}", "Elemwise{and_,no_inplace}"}
    assert str(T.nnet.sigmoid(x).owner.op) == "sigmoid"
    f = theano.function([x, y], T.exp(x) * y + 1.0, mode=Mode("py", "fast_run"))
    (node,) = f.maker.fgraph.toposort()
    assert str(node.op).startswith("Elemwise{Composite{") and str(node.op).endswith("}}")
    assert ",no_inplace" not in str(node.op)


def test_dimshuffle_subtensor_and_reduction_forms():
    v, m, i = T.dvector("v"), T.dmatrix("m"), T.lscalar("i")
    assert str(v.dimshuffle("x", 0).owner.op) == "DimShuffle{x,0}"
    assert str(m.T.owner.op) == "DimShuffle{1,0}"
    subtensors = {"m[0]": m[0], "m[i]": m[i], "m[1:3]": m[1:3], "m[:, 0]": m[:, 0],
                  "v[i:]": v[i:], "v[::2]": v[::2]}
    assert {k: str(e.owner.op) for k, e in subtensors.items()} == {
        "m[0]": "Subtensor{int64}", "m[i]": "Subtensor{int64}",
        "m[1:3]": "Subtensor{int64:int64:}", "m[:, 0]": "Subtensor{::, int64}",
        "v[i:]": "Subtensor{int64::}", "v[::2]": "Subtensor{::int64}"}
    assert str(m.sum(axis=0).owner.op) == "Sum{axis=[0], acc_dtype=float64}"
    assert str(m.sum().owner.op) == "Sum{axis=[0, 1], acc_dtype=float64}"
    assert str(T.fmatrix().prod(axis=1).owner.op) == "Prod{axis=[1], acc_dtype=float32}"
    assert str(T.lvector().sum().owner.op) == "Sum{axis=[0], acc_dtype=int64}"
    assert str(m.max(axis=0).owner.op) == "Max{axis=[0]}"
    assert str(T.dot(m, v).owner.op) == "dot"
    # the reduction's node says the dtype it accumulates in, and the value agrees
    f = theano.function([m], m.sum(axis=0), mode=Mode("py", None))
    np.testing.assert_allclose(f(np.ones((2, 3))), [2.0, 2.0, 2.0])


def test_compiled_graph_lines_end_with_the_run_order():
    x = T.dvector("x")
    f = theano.function([x], T.exp(x)[0] + x.sum(), mode=Mode("py", "fast_compile"))
    lines = debugprint(f, file="str").splitlines()
    order = [str(n.op) for n in f.maker.fgraph.toposort()]
    for line in lines:
        if "''" in line:  # an Apply node's line: op, id, name column, position
            op_text, rest = line.lstrip(" |").split(" [id ")
            assert rest.split("] '' ")[1].strip() == str(order.index(op_text)), line
    assert lines[0] == f"Elemwise{{add,no_inplace}} [id A] ''   {len(order) - 1}"
    assert any(line.startswith(" |Subtensor{int64} [id ") for line in lines)
    assert any("Sum{axis=[0], acc_dtype=float64} [id " in line for line in lines)


@pytest.mark.parametrize("build, text", [
    (lambda a, b: a > b, "gt(a, b)"),
    (lambda a, b: a < b, "lt(a, b)"),
    (lambda a, b: a >= b, "ge(a, b)"),
    (lambda a, b: a <= b, "le(a, b)"),
    (lambda a, b: T.eq(a, b), "eq(a, b)"),
    (lambda a, b: T.neq(a, b), "neq(a, b)"),
    (lambda a, b: (a + b) > 0.5, "gt((a + b), 0.5)"),
])
def test_pp_prints_comparisons_as_calls(build, text):
    a, b = T.dvector("a"), T.dvector("b")
    assert pp(build(a, b)) == text


def test_pp_keeps_arithmetic_infix():
    a, b = T.dscalar("a"), T.dscalar("b")
    assert pp((a + b) * (a - b) / -a) == "(((a + b) * (a - b)) / -a)"
    assert pp(a ** 2 // b) == "((a ** 2) // b)"
