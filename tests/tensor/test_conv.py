"""T.nnet.conv2d against a scipy.signal reference, and its gradients by finite differences."""
import numpy as np
import pytest
import scipy.signal

import symgrad.tensor as T
from symgrad import function, grad
from symgrad.gradient import Rop, verify_grad
from symgrad.tensor.nnet import conv2d, conv2d_grad_wrt_inputs, conv2d_grad_wrt_weights
from tests.helpers import check_against_numpy


def reference_conv2d(x, w, border_mode="valid", subsample=(1, 1), filter_flip=True,
                     filter_dilation=(1, 1)):
    """Per (image, filter, channel) scipy correlations on an explicitly padded image."""
    dr, dc = filter_dilation
    kernel = w[:, :, ::-1, ::-1] if filter_flip else w
    span = ((w.shape[2] - 1) * dr + 1, (w.shape[3] - 1) * dc + 1)
    spread = np.zeros(w.shape[:2] + span)
    spread[:, :, ::dr, ::dc] = kernel
    if border_mode == "valid":
        pad = (0, 0)
    elif border_mode == "full":
        pad = (span[0] - 1, span[1] - 1)
    elif border_mode == "half":
        pad = (span[0] // 2, span[1] // 2)
    elif isinstance(border_mode, int):
        pad = (border_mode, border_mode)
    else:
        pad = border_mode
    xp = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    rows = []
    for b in range(x.shape[0]):
        maps = []
        for o in range(w.shape[0]):
            acc = sum(scipy.signal.correlate2d(xp[b, c], spread[o, c], mode="valid")
                      for c in range(x.shape[1]))
            maps.append(acc[::subsample[0], ::subsample[1]])
        rows.append(maps)
    return np.array(rows)


CASES = [
    {},
    {"border_mode": "full"},
    {"border_mode": "half"},
    {"border_mode": 1},
    {"border_mode": (2, 0)},
    {"subsample": (2, 2)},
    {"subsample": (2, 1), "border_mode": "half"},
    {"filter_flip": False},
    {"filter_dilation": (2, 2)},
    {"filter_dilation": (2, 1), "border_mode": "full", "subsample": (1, 2)},
]


def case_id(case):
    return ",".join(f"{k}={v}" for k, v in case.items()) or "defaults"


@pytest.mark.parametrize("case", CASES, ids=case_id)
@pytest.mark.parametrize("shapes", [((2, 3, 7, 6), (4, 3, 3, 2)), ((1, 1, 5, 5), (1, 1, 1, 1)),
                                    ((3, 2, 8, 9), (2, 2, 4, 3))])
def test_conv2d_matches_scipy(case, shapes, rng):
    x, w = T.dtensor4("x"), T.dtensor4("w")
    xv, wv = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
    check_against_numpy([x, w], conv2d(x, w, **case), [xv, wv],
                        reference_conv2d(xv, wv, **case), rtol=1e-10, atol=1e-12)


def test_conv2d_is_a_true_convolution_by_default(rng):
    x, w = T.dtensor4("x"), T.dtensor4("w")
    xv, wv = rng.normal(size=(1, 1, 5, 6)), rng.normal(size=(1, 1, 3, 2))
    for mode in ("valid", "full"):
        check_against_numpy([x, w], conv2d(x, w, border_mode=mode), [xv, wv],
                            scipy.signal.convolve2d(xv[0, 0], wv[0, 0], mode)[None, None])


def test_conv2d_float32_and_shape_hints(rng):
    x, w = T.ftensor4("x"), T.ftensor4("w")
    out = conv2d(x, w, input_shape=(None, 2, 5, 5), filter_shape=(3, 2, 2, 2))
    assert out.type.dtype == "float32"
    xv = rng.normal(size=(1, 2, 5, 5)).astype("float32")
    wv = rng.normal(size=(3, 2, 2, 2)).astype("float32")
    check_against_numpy([x, w], out, [xv, wv], reference_conv2d(xv, wv), rtol=1e-5, atol=1e-5)
    with pytest.raises(Exception, match=r"input_shape was declared as \(None, 2, 5, 5\)"):
        function([x, w], out)(xv[:, :, :4], wv)


def test_conv2d_errors(rng):
    x, w = T.dtensor4("x"), T.dtensor4("w")
    f = function([x, w], conv2d(x, w))
    with pytest.raises(Exception, match="the input has 2 channels but the filters expect 3"):
        f(np.ones((1, 2, 4, 4)), np.ones((1, 3, 2, 2)))
    with pytest.raises(Exception, match="does not fit"):
        f(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)))
    with pytest.raises(TypeError, match="4-d tensor"):
        conv2d(T.dmatrix("m"), w)
    with pytest.raises(ValueError, match="border_mode must be"):
        conv2d(x, w, border_mode="same")
    with pytest.raises(NotImplementedError, match="num_groups"):
        conv2d(x, w, num_groups=2)


def test_conv2d_infer_shape_matches_values(rng):
    x, w = T.dtensor4("x"), T.dtensor4("w")
    for case in CASES:
        node = conv2d(x, w, **case).owner
        input_shapes = [[T.shape_i(v, i) for i in range(4)] for v in (x, w)]
        inferred = node.op.infer_shape(None, node, input_shapes)[0]
        xv, wv = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 2))
        got = function([x, w], list(inferred), on_unused_input="ignore")(xv, wv)
        assert tuple(int(g) for g in got) == reference_conv2d(xv, wv, **case).shape, case


GRAD_CASES = [{}, {"border_mode": "full", "filter_flip": False},
              {"subsample": (2, 2), "border_mode": "half"},
              {"filter_dilation": (2, 1), "border_mode": (1, 2)}]


@pytest.mark.parametrize("case", GRAD_CASES, ids=case_id)
def test_conv2d_gradients(case, rng):
    xv, wv = rng.normal(size=(2, 2, 5, 4)), rng.normal(size=(2, 2, 3, 2))
    verify_grad(lambda x, w: conv2d(x, w, **case), [xv, wv], rng=rng)


@pytest.mark.parametrize("case", GRAD_CASES[:3], ids=case_id)
def test_conv2d_gradient_ops_are_differentiable(case, rng):
    xv, wv = rng.normal(size=(1, 2, 5, 4)), rng.normal(size=(2, 2, 3, 2))
    gzv = reference_conv2d(xv, wv, **case)
    verify_grad(lambda g, w: conv2d_grad_wrt_inputs(g, w, xv.shape, **case), [gzv, wv], rng=rng)
    verify_grad(lambda x, g: conv2d_grad_wrt_weights(x, g, wv.shape, **case), [xv, gzv], rng=rng)
    verify_grad(lambda x: grad((conv2d(x, T.constant(wv), **case) ** 2).sum(), x), [xv],
                rng=rng)


def test_conv2d_gradient_values_are_the_adjoints(rng):
    x, w, gz = T.dtensor4("x"), T.dtensor4("w"), T.dtensor4("gz")
    out = conv2d(x, w, border_mode="half", subsample=(2, 1))
    xv, wv = rng.normal(size=(2, 3, 6, 5)), rng.normal(size=(4, 3, 3, 3))
    gzv = rng.normal(size=reference_conv2d(xv, wv, "half", (2, 1)).shape)
    gx, gw = function([x, w, gz], grad((out * gz).sum(), [x, w]))(xv, wv, gzv)
    # <conv(x, w), gz> is bilinear: its gradient in x applied to x gives the value back
    value = (reference_conv2d(xv, wv, "half", (2, 1)) * gzv).sum()
    np.testing.assert_allclose((gx * xv).sum(), value, rtol=1e-10)
    np.testing.assert_allclose((gw * wv).sum(), value, rtol=1e-10)


def test_conv2d_rop(rng):
    x, w, vx, vw = T.dtensor4("x"), T.dtensor4("w"), T.dtensor4("vx"), T.dtensor4("vw")
    out = conv2d(x, w, border_mode="full")
    xv, wv = rng.normal(size=(1, 2, 4, 4)), rng.normal(size=(3, 2, 2, 2))
    vxv, vwv = rng.normal(size=xv.shape), rng.normal(size=wv.shape)
    got = function([x, w, vx, vw], Rop(out, [x, w], [vx, vw]))(xv, wv, vxv, vwv)
    expected = (reference_conv2d(xv, vwv, "full") + reference_conv2d(vxv, wv, "full"))
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_conv2d_gradient_ops_rop_and_shapes(rng):
    g, w, x = T.dtensor4("g"), T.dtensor4("w"), T.dtensor4("x")
    eg, ew, ex = T.dtensor4("eg"), T.dtensor4("ew"), T.dtensor4("ex")
    case = {"border_mode": "half", "subsample": (2, 1)}
    xv, wv = rng.normal(size=(2, 2, 5, 4)), rng.normal(size=(3, 2, 3, 2))
    gv = rng.normal(size=reference_conv2d(xv, wv, **case).shape)
    grad_in = conv2d_grad_wrt_inputs(g, w, xv.shape, **case)
    grad_w = conv2d_grad_wrt_weights(x, g, wv.shape, **case)
    for out, wrt, evs, values in [(grad_in, [g, w], [eg, ew], [gv, wv]),
                                  (grad_w, [x, g], [ex, eg], [xv, gv])]:
        tangents = [rng.normal(size=v.shape) for v in values]
        got = function(wrt + evs, Rop(out, wrt, evs))(*values, *tangents)
        f = function(wrt, out)
        eps = 1e-6
        expected = (f(*[v + eps * t for v, t in zip(values, tangents)])
                    - f(*[v - eps * t for v, t in zip(values, tangents)])) / (2 * eps)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)
        node = out.owner
        in_shapes = [[T.shape_i(v, i) for i in range(v.type.ndim)] for v in node.inputs]
        inferred = node.op.infer_shape(None, node, in_shapes)[0]
        dims = function(wrt, list(inferred), on_unused_input="ignore")(*values)
        assert tuple(int(d) for d in dims) == f(*values).shape
