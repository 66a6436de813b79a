"""pool_2d against a window-by-window numpy reference, and its gradient ops."""
import numpy as np
import pytest

import symgrad.tensor as T
from symgrad import function, grad
from symgrad.gradient import Rop, verify_grad
from symgrad.tensor.nnet.pool import AveragePoolGrad, MaxPoolGrad, MaxPoolRop, Pool
from symgrad.tensor.signal.pool import max_pool_2d_same_size, pool_2d
from tests.helpers import check_against_numpy


def n_windows(n, ws, st, pad, ignore_border):
    if ignore_border:
        return max(0, (n + 2 * pad - ws) // st + 1)
    starts, s = 0, 0
    while s < n and (s == 0 or s - st + ws < n):  # a window starts while data is left uncovered
        starts, s = starts + 1, s + st
    return starts


def reference_pool(x, ws, ignore_border=False, stride=None, pad=(0, 0), mode="max"):
    """Loops over windows; a window covers the padded image, clipped at its end."""
    stride = stride or ws
    rows, cols = x.shape[-2:]
    prow, pcol = rows + 2 * pad[0], cols + 2 * pad[1]
    oh = n_windows(rows, ws[0], stride[0], pad[0], ignore_border)
    ow = n_windows(cols, ws[1], stride[1], pad[1], ignore_border)
    padded = np.zeros(x.shape[:-2] + (prow, pcol))
    padded[..., pad[0]:pad[0] + rows, pad[1]:pad[1] + cols] = x
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * stride[0], j * stride[1]
            r1, c1 = min(r0 + ws[0], prow), min(c0 + ws[1], pcol)
            inside_r = slice(max(r0, pad[0]), min(r1, pad[0] + rows))
            inside_c = slice(max(c0, pad[1]), min(c1, pad[1] + cols))
            if mode == "max":
                out[..., i, j] = padded[..., inside_r, inside_c].max(axis=(-2, -1))
                continue
            total = padded[..., r0:r1, c0:c1].sum(axis=(-2, -1))
            if mode == "sum":
                out[..., i, j] = total
            elif mode == "average_inc_pad":
                out[..., i, j] = total / ((r1 - r0) * (c1 - c0))
            else:
                count = (inside_r.stop - inside_r.start) * (inside_c.stop - inside_c.start)
                out[..., i, j] = total / count
    return out


MODES = ["max", "sum", "average_inc_pad", "average_exc_pad"]
GEOMETRIES = [
    {"ws": (2, 2), "ignore_border": True},
    {"ws": (2, 2), "ignore_border": False},
    {"ws": (3, 2), "ignore_border": False, "stride": (1, 1)},
    {"ws": (3, 3), "ignore_border": False, "stride": (2, 1)},
    {"ws": (2, 3), "ignore_border": True, "stride": (1, 2)},
    {"ws": (3, 3), "ignore_border": True, "stride": (2, 2), "pad": (1, 2)},
    {"ws": (1, 1), "ignore_border": True},
    {"ws": (2, 1), "ignore_border": False, "stride": (3, 1)},
]


def geometry_id(g):
    return ",".join(f"{k}={v}" for k, v in g.items())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", [(2, 3, 5, 7), (6, 6), (1, 1, 1)])
def test_pool_matches_reference(mode, shape, rng):
    """Every geometry at once: one compiled function per mode checks them all."""
    x = T.tensor("float64", ndim=len(shape))
    xv = rng.normal(size=shape)
    check_against_numpy([x], [pool_2d(x, mode=mode, **g) for g in GEOMETRIES], [xv],
                        [reference_pool(xv, mode=mode, **g) for g in GEOMETRIES])


def test_window_larger_than_image_gives_an_empty_result_with_ignore_border(rng):
    x = T.dmatrix("x")
    xv = rng.normal(size=(2, 2))
    check_against_numpy([x], pool_2d(x, (3, 3), ignore_border=True), [xv], np.zeros((0, 0)))
    check_against_numpy([x], pool_2d(x, (3, 3)), [xv], xv.max().reshape(1, 1))


def test_theano_argument_names_and_integer_max_pool(rng):
    x, i = T.dtensor4("x"), T.imatrix("i")
    xv = rng.normal(size=(1, 1, 4, 4))
    check_against_numpy([x], pool_2d(x, ds=(2, 2), st=(1, 1), padding=(1, 1),
                                     ignore_border=True),
                        [xv], reference_pool(xv, (2, 2), True, (1, 1), (1, 1)))
    iv = rng.integers(-5, 5, size=(4, 6)).astype("int32")
    out = pool_2d(i, (2, 3), ignore_border=True)
    assert out.type.dtype == "int32"
    check_against_numpy([i], out, [iv], reference_pool(iv, (2, 3), True).astype("int32"))
    assert pool_2d(i, (2, 2), mode="average_exc_pad").type.dtype == "float64"


def test_pool_errors():
    x = T.dmatrix("x")
    with pytest.raises(ValueError, match="pool mode must be one of"):
        pool_2d(x, (2, 2), mode="median")
    with pytest.raises(NotImplementedError, match="only with ignore_border=True"):
        pool_2d(x, (2, 2), pad=(1, 1))
    with pytest.raises(ValueError, match="smaller than the window"):
        pool_2d(x, (2, 2), ignore_border=True, pad=(2, 0))
    with pytest.raises(TypeError, match="at least a matrix"):
        pool_2d(T.dvector("v"), (2, 2))
    with pytest.raises(ValueError, match="needs the window size"):
        pool_2d(x)


def test_pool_infer_shape(rng):
    x = T.dtensor4("x")
    for geometry in GEOMETRIES:
        node = pool_2d(x, **geometry).owner
        shapes = [[T.shape_i(x, k) for k in range(4)]]
        inferred = node.op.infer_shape(None, node, shapes)[0]
        xv = rng.normal(size=(2, 3, 5, 7))
        got = function([x], list(inferred), on_unused_input="ignore")(xv)
        assert tuple(int(g) for g in got) == reference_pool(xv, **geometry).shape, geometry


GRAD_GEOMETRIES = [GEOMETRIES[0], GEOMETRIES[3], GEOMETRIES[5], GEOMETRIES[7]]


def distinct_values(rng, shape):
    """Distinct, well separated values, so no window has a tie and no step moves a maximum."""
    return rng.permutation(np.arange(np.prod(shape))).reshape(shape) * 0.1 + \
        rng.uniform(0, 0.01, size=shape)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("geometry", GRAD_GEOMETRIES, ids=geometry_id)
def test_pool_gradients(mode, geometry, rng):
    xv = distinct_values(rng, (2, 5, 6))
    verify_grad(lambda x: pool_2d(x, mode=mode, **geometry), [xv], rng=rng)


@pytest.mark.parametrize("mode", MODES)
def test_pool_second_derivatives(mode, rng):
    geometry = GEOMETRIES[3]
    xv = distinct_values(rng, (4, 5))
    verify_grad(lambda x: grad((pool_2d(x, mode=mode, **geometry) ** 2).sum(), x), [xv],
                rng=rng)


@pytest.mark.parametrize("geometry", GRAD_GEOMETRIES, ids=geometry_id)
def test_pool_gradient_ops(geometry, rng):
    xv = distinct_values(rng, (5, 6))
    pooled = reference_pool(xv, **geometry)
    gv = rng.normal(size=pooled.shape)
    x, g = T.dmatrix("x"), T.dmatrix("g")
    args = (geometry["ws"], geometry["ignore_border"], geometry.get("stride"),
            geometry.get("pad", (0, 0)))
    max_op = Pool(*args, "max")
    verify_grad(lambda x, g: MaxPoolGrad(*args, "max")(x, max_op(x), g), [xv, gv], rng=rng)
    verify_grad(lambda x, v: MaxPoolRop(*args, "max")(x, max_op(x), v), [xv, xv * 0.3],
                rng=rng)
    for mode in MODES[1:]:
        verify_grad(lambda g, mode=mode: AveragePoolGrad(*args, mode)(T.constant(xv), g), [gv],
                    rng=rng)
    # the max pool gradient puts each window's gradient where the reference finds the maximum
    gx = function([x, g], grad((max_op(x) * g).sum(), x))(xv, gv)
    np.testing.assert_allclose(gx.sum(), gv.sum())
    assert set(np.flatnonzero(gx)) <= set(np.flatnonzero(np.isin(xv, pooled)))


@pytest.mark.parametrize("mode", MODES)
def test_pool_rop(mode, rng):
    x, v = T.dmatrix("x"), T.dmatrix("v")
    out = pool_2d(x, (2, 2), ignore_border=False, stride=(1, 2), mode=mode)
    xv, vv = distinct_values(rng, (5, 5)), rng.normal(size=(5, 5))
    got = function([x, v], Rop(out, x, v), on_unused_input="ignore")(xv, vv)
    f = function([x], out)
    eps = 1e-6
    np.testing.assert_allclose(got, (f(xv + eps * vv) - f(xv - eps * vv)) / (2 * eps),
                               rtol=1e-5, atol=1e-8)


def test_max_pool_2d_same_size(rng):
    x = T.dmatrix("x")
    xv = distinct_values(rng, (4, 4))
    expected = np.zeros_like(xv)
    for i in range(0, 4, 2):
        for j in range(0, 4, 2):
            block = xv[i:i + 2, j:j + 2]
            r, c = np.unravel_index(block.argmax(), block.shape)
            expected[i + r, j + c] = block.max()
    check_against_numpy([x], max_pool_2d_same_size(x, (2, 2)), [xv], expected)


def test_pool_gradient_ops_rop(rng):
    args = ((3, 3), False, (2, 1), (0, 0))
    xv = distinct_values(rng, (5, 6))
    x, g, eg = T.dmatrix("x"), T.dmatrix("g"), T.dmatrix("eg")
    pooled = Pool(*args, "max")(x)
    gv = rng.normal(size=reference_pool(xv, (3, 3), False, (2, 1)).shape)
    egv = rng.normal(size=gv.shape)
    for out in [MaxPoolGrad(*args, "max")(x, pooled, g), AveragePoolGrad(*args, "sum")(x, g),
                AveragePoolGrad(*args, "average_exc_pad")(x, g)]:
        got = function([x, g, eg], Rop(out, g, eg), on_unused_input="ignore")(xv, gv, egv)
        f = function([x, g], out, on_unused_input="ignore")
        np.testing.assert_allclose(got, (f(xv, gv + egv) - f(xv, gv - egv)) / 2, rtol=1e-10)
    v, ev = T.dmatrix("v"), T.dmatrix("ev")
    picked = MaxPoolRop(*args, "max")(x, pooled, v)
    vv, evv = rng.normal(size=(5, 6)), rng.normal(size=(5, 6))
    got = function([x, v, ev], Rop(picked, v, ev), on_unused_input="ignore")(xv, vv, evv)
    f = function([x, v], picked)
    np.testing.assert_allclose(got, (f(xv, vv + evv) - f(xv, vv - evv)) / 2, rtol=1e-10)
