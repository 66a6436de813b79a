"""Theano's printing tutorial (pp, debugprint, pydotprint), run against symgrad.

symgrad prints constants by value (`2`, `1.0`) as the older Theano pages do. Its Elemwise ops never
work in place, so every one carries the `,no_inplace` suffix (Theano leaves it off the ops its
gradients build), and broadcasting a constant needs no `InplaceDimShuffle{}`; everything else
keeps the tutorial's form, BLAS ops in the compiled graph included.
"""
import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad import function, pp
from symgrad.printing import debugprint, pydotprint

SEED_GRADIENT_TREE = """\
Elemwise{mul,no_inplace} [id A] ''
 |Elemwise{mul,no_inplace} [id B] ''
 | |Elemwise{second,no_inplace} [id C] ''
 | | |Elemwise{pow,no_inplace} [id D] ''
 | | | |x [id E]
 | | | |TensorConstant{2} [id F]
 | | |TensorConstant{1.0} [id G]
 | |TensorConstant{2} [id F]
 |Elemwise{pow,no_inplace} [id H] ''
   |x [id E]
   |Elemwise{sub,no_inplace} [id I] ''
     |TensorConstant{2} [id F]
     |TensorConstant{1} [id J]"""

PREDICTION_TREE = """\
Elemwise{gt,no_inplace} [id A] ''
 |Elemwise{true_div,no_inplace} [id B] ''
 | |DimShuffle{x} [id C] ''
 | | |TensorConstant{1} [id D]
 | |Elemwise{add,no_inplace} [id E] ''
 |   |DimShuffle{x} [id F] ''
 |   | |TensorConstant{1} [id G]
 |   |Elemwise{exp,no_inplace} [id H] ''
 |     |Elemwise{sub,no_inplace} [id I] ''
 |       |Elemwise{neg,no_inplace} [id J] ''
 |       | |dot [id K] ''
 |       |   |x [id L]
 |       |   |w [id M]
 |       |DimShuffle{x} [id N] ''
 |         |b [id O]
 |DimShuffle{x} [id P] ''
   |TensorConstant{0.5} [id Q]"""

PREDICT_TREE = """\
 |Gemv{no_inplace} [id B] ''   2
 | |Alloc [id C] ''   1
 | | |TensorConstant{0.0} [id D]
 | | |Shape_i{0} [id E] ''   0
 | |   |x [id F]
 | |TensorConstant{1.0} [id G]
 | |x [id F]
 | |w [id H]
 | |TensorConstant{0.0} [id D]
 |DimShuffle{x} [id I] ''   3
   |b [id J]"""


def test_pp_before_and_after_optimization():
    x = T.dscalar("x")
    y = x ** 2
    gy = T.grad(y, x)
    assert pp(gy) == "((fill((x ** 2), 1.0) * 2) * (x ** (2 - 1)))"
    f = function([x], gy)
    assert pp(f.maker.fgraph.outputs[0]) == "(2.0 * x)"
    assert pp(f.maker.env.outputs[0]) == "(2.0 * x)"
    assert theano.printing.pprint(gy) == pp(gy)


def test_debugprint_before_and_after_optimization(capsys):
    x = T.dscalar("x")
    gy = T.grad(x ** 2, x)
    f = function([x], gy)
    debugprint(f.maker.fgraph.outputs[0])
    assert capsys.readouterr().out == ("Elemwise{mul,no_inplace} [id A] ''\n"
                                       " |TensorConstant{2.0} [id B]\n"
                                       " |x [id C]\n")
    assert debugprint(gy, file="str") == SEED_GRADIENT_TREE
    assert debugprint(gy, depth=2, file="str") == ("Elemwise{mul,no_inplace} [id A] ''\n"
                                                   " |Elemwise{mul,no_inplace} [id B] ''\n"
                                                   " |Elemwise{pow,no_inplace} [id C] ''")
    # a compiled function shows each node's position in the run order
    assert debugprint(f, file="str") == ("Elemwise{mul,no_inplace} [id A] ''   0\n"
                                         " |TensorConstant{2.0} [id B]\n"
                                         " |x [id C]")
    assert theano.printing.dprint is debugprint


@pytest.fixture
def logistic_regression():
    rng = np.random.default_rng(0)
    N, feats = 40, 7
    inputs = rng.standard_normal((N, feats))
    D = (inputs, (inputs @ rng.standard_normal(feats) > 0).astype("float64"))  # learnable
    x = T.matrix("x")
    y = T.vector("y")
    w = theano.shared(rng.standard_normal(feats), name="w")
    b = theano.shared(np.asarray(0.0), name="b")
    p_1 = 1 / (1 + T.exp(-T.dot(x, w) - b))  # probability of having a one
    prediction = p_1 > 0.5
    xent = -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)
    cost = xent.mean() + 0.01 * (w ** 2).sum()
    gw, gb = T.grad(cost, [w, b])
    train = function(inputs=[x, y], outputs=[prediction, xent],
                     updates=((w, w - 0.1 * gw), (b, b - 0.1 * gb)), name="train")
    predict = function(inputs=[x], outputs=prediction, name="predict")
    return D, prediction, train, predict


def test_logistic_regression_prints(logistic_regression):
    D, prediction, train, predict = logistic_regression
    assert pp(prediction) == r"gt((1 / (1 + exp((-(x \dot w) - b)))), 0.5)"
    assert debugprint(prediction, file="str") == PREDICTION_TREE
    compiled = debugprint(predict, file="str")
    # the optimised graph: the product as BLAS gemv (beta 0: the zeros it is given are never
    # read), then one fused elementwise loop, with each node's place in the run order
    lines = compiled.splitlines()
    assert lines[0].startswith("Elemwise{Composite{") and lines[0].endswith("[id A] ''   4")
    assert lines[1:12] == PREDICT_TREE.splitlines()
    assert "sigmoid" in lines[0] and "Inner graphs:" in compiled
    assert len(predict.maker.fgraph.apply_nodes) == 5
    for _ in range(100):
        train(D[0], D[1])
    accuracy = np.mean(predict(D[0]) == D[1])
    assert accuracy > 0.8


def test_pydotprint_of_prediction_predict_and_train(tmp_path, logistic_regression, capsys):
    _, prediction, train, predict = logistic_regression
    for obj, name in [(prediction, "prediction"), (predict, "predict"), (train, "train")]:
        out = tmp_path / "pics" / f"logreg_pydotprint_{name}.png"
        out.parent.mkdir(exist_ok=True)
        written = pydotprint(obj, outfile=str(out), var_with_name_simple=True)
        assert written == str(out)
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"The output file is available at {out}" in capsys.readouterr().out
