"""Hand-written numpy: the forward pass and its gradient written out by hand.

This is both a timed implementation and the reference every other one is checked against
(`reference` runs the same code in float64 on a copy of the data)."""
from __future__ import annotations

import numpy as np
from workloads import W3_L2, W3_LR, W4_LR, W4_PARAMS, W6_PARAMS, chain_steps

from peers import Built


def setup(options: dict) -> dict:
    return {"version": np.__version__, "notes": []}


def _w1(data):
    x = data["x"]

    def grad_x_squared():
        return 2.0 * x  # d(x**2)/dx

    return Built(grad_x_squared, lambda r: {"g": np.asarray(r)})


def _sigmoid_grad(x):
    s = np.negative(x)
    np.exp(s, out=s)
    s += 1.0
    np.reciprocal(s, out=s)  # s = sigmoid(x)
    g = 1.0 - s
    g *= s  # d/dx sum(sigmoid(x)) = s * (1 - s)
    return g


def _w2(data):
    x = data["x"]
    return Built(lambda: _sigmoid_grad(x), lambda r: {"g": r})


def _w3(data):
    x, y = data["x"], data["y"].astype(np.float64)
    state = {"w": data["w"].copy(), "b": float(data["b"])}
    w0, b0 = data["w"].copy(), float(data["b"])
    n = x.shape[0]

    def train():
        w, b = state["w"], state["b"]
        p_1 = 1.0 / (1.0 + np.exp(-(x @ w) - b))
        prediction = p_1 > 0.5
        xent = -y * np.log(p_1) - (1.0 - y) * np.log(1.0 - p_1)
        dz = (p_1 - y) / n  # d mean(xent) / d (x.w + b)
        gw = x.T @ dz + (2.0 * W3_L2) * w
        gb = dz.sum()
        w -= W3_LR * gw
        state["b"] = b - W3_LR * gb
        return prediction, xent

    def outputs(raw):
        return {"prediction": raw[0], "xent": raw[1],
                "dw": state["w"] - w0, "db": np.asarray(state["b"] - b0)}

    return Built(train, outputs)


def _log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _w4(data):
    x, y = data["x"], data["y"]
    params = {k: data[k].copy() for k in W4_PARAMS}
    initial = {k: data[k].copy() for k in W4_PARAMS}
    lr = x.dtype.type(W4_LR)
    rows = np.arange(x.shape[0])

    def step():
        p = params
        h1 = np.tanh(x @ p["W1"] + p["b1"])
        h2 = np.tanh(h1 @ p["W2"] + p["b2"])
        logp = _log_softmax(h2 @ p["W3"] + p["b3"])
        cost = -logp[rows, y].mean()
        dz = np.exp(logp)  # softmax
        dz[rows, y] -= 1.0
        dz /= x.shape[0]
        grads = {"W3": h2.T @ dz, "b3": dz.sum(axis=0)}
        dh = (dz @ p["W3"].T) * (1.0 - h2 * h2)
        grads["W2"], grads["b2"] = h1.T @ dh, dh.sum(axis=0)
        dh = (dh @ p["W2"].T) * (1.0 - h1 * h1)
        grads["W1"], grads["b1"] = x.T @ dh, dh.sum(axis=0)
        for k in W4_PARAMS:
            p[k] -= lr * grads[k]
        return cost

    def outputs(raw):
        out = {"cost": np.asarray(raw)}
        out.update({"d" + k: params[k] - initial[k] for k in W4_PARAMS})
        return out

    return Built(step, outputs)


def _chain_grad(x, steps):
    xs = [x]
    for kind, a, b in steps:
        v = xs[-1]
        if kind == "sin":
            xs.append(np.sin(v))
        elif kind == "exp":
            xs.append(np.exp(v * a))
        elif kind == "tanh":
            xs.append(np.tanh(v))
        elif kind == "affine":
            xs.append(v * a + b)
        else:
            xs.append(np.sqrt(v * v + 1.0))
    g = np.ones_like(x)  # d sum / d chain
    for i in range(len(steps) - 1, -1, -1):
        kind, a, _ = steps[i]
        v_in, v_out = xs[i], xs[i + 1]
        if kind == "sin":
            g *= np.cos(v_in)
        elif kind == "exp":
            g *= a * v_out
        elif kind == "tanh":
            g *= 1.0 - v_out * v_out
        elif kind == "affine":
            g *= a
        else:
            g *= v_in / v_out
    return g


def _w5(data):
    x, steps = data["x"], chain_steps()
    return Built(lambda: _chain_grad(x, steps), lambda r: {"g": r})


def rnn_grads(x, W, U, b, h0):
    """W6 by hand: the forward pass, then backpropagation through time; [cost, dW, dU, db, dh0]."""
    hs = [h0]
    for t in range(len(x)):
        hs.append(np.tanh(x[t] @ W + hs[-1] @ U + b))
    cost = sum(h.sum() for h in hs[1:])
    gW, gU, gb = np.zeros_like(W), np.zeros_like(U), np.zeros_like(b)
    carry = np.zeros_like(h0)
    for t in reversed(range(len(x))):
        pre = (1.0 + carry) * (1.0 - hs[t + 1] ** 2)
        gW += x[t].T @ pre
        gU += hs[t].T @ pre
        gb += pre.sum(axis=0)
        carry = pre @ U.T
    return [cost, gW, gU, gb, carry]


def rnn_outputs(raw) -> dict:
    return dict(zip(("cost",) + tuple("d" + k for k in W6_PARAMS), map(np.asarray, raw)))


def _w6(data):
    args = [data[k] for k in ("x",) + W6_PARAMS]
    return Built(lambda: rnn_grads(*args), rnn_outputs)


BUILDERS = {"W1": _w1, "W2": _w2, "W3": _w3, "W4": _w4, "W5": _w5, "W6": _w6}


def build(workload: str, data: dict) -> Built:
    return BUILDERS[workload](data)


def reference(workload: str, data: dict) -> dict:
    """The expected outputs of the first call, computed in float64."""
    data64 = {k: (v.astype(np.float64) if isinstance(v, np.ndarray) and v.dtype.kind == "f" else v)
              for k, v in data.items()}
    built = build(workload, data64)
    return built.outputs(built.run())
