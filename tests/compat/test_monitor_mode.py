"""MonitorMode calls pre_func/post_func(i, node, fn) around each node; the NaN detector of
Theano's debugging FAQ finds the node that first makes a NaN."""
from __future__ import annotations

import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile import MonitorMode, detect_nan


def test_pre_and_post_see_each_node_in_order():
    seen = []

    def pre(i, node, fn):
        seen.append(("pre", i, fn.outputs[0][0] is None))

    def post(i, node, fn):
        seen.append(("post", i, np.asarray(fn.outputs[0][0]).copy()))

    x = T.dvector("x")
    f = theano.function([x], T.exp(x) * 3, mode=MonitorMode(pre, post, optimizer="None"))
    np.testing.assert_allclose(f(np.zeros(2)), [3.0, 3.0])
    n = len(f.maker.fgraph.apply_nodes)
    assert [s[:2] for s in seen] == [(k, i) for i in range(n) for k in ("pre", "post")]
    assert all(s[2] for s in seen if s[0] == "pre")
    np.testing.assert_allclose(seen[-1][2], [3.0, 3.0])


def test_nan_detector_names_the_first_node_that_makes_nan():
    x = T.dscalar("x")
    f = theano.function([x], T.log(x) * 2, mode=MonitorMode(post_func=detect_nan,
                                                           optimizer="None"))
    assert f(1.0) == 0.0
    with pytest.raises(ValueError, match="log"):
        f(-1.0)


def test_a_faq_style_detector_written_by_the_user():
    found = []

    def find_nan(i, node, fn):
        for output in fn.outputs:
            if np.isnan(output[0]).any():
                found.append(str(node.op))
                break

    x = T.dvector("x")
    f = theano.function([x], T.sqrt(x) + 1, mode=MonitorMode(post_func=find_nan,
                                                            optimizer="None"))
    f(np.array([-1.0, 4.0]))
    assert found and "sqrt" in found[0]
