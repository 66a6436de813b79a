"""PyTorch: torch.func gradients under torch.compile (inductor), falling back to eager mode for a
workload whose compiled version fails on its first call; the report's notes say which ran."""
from __future__ import annotations

import os

import numpy as np
from workloads import W3_L2, W3_LR, W4_LR, W4_PARAMS, W6_PARAMS, apply_chain

from peers import Built
from peers.numpy_peer import rnn_outputs

torch = None


def setup(options: dict) -> dict:
    global torch
    import torch as _torch

    if not os.environ.get("BENCH_ALL_CORES"):  # bench.py --all-cores: torch's own default
        _torch.set_num_threads(1)
        try:
            _torch.set_num_interop_threads(1)
        except RuntimeError:
            pass  # only settable before the first parallel work
    torch = _torch
    return {"version": _torch.__version__.split("+")[0], "notes": []}


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:80]


def _compiled(fn, notes: list):
    """`fn` under torch.compile; if its first call raises, eager `fn` from then on."""
    state = {"f": torch.compile(fn), "first": True}
    notes.append("torch.compile")

    def call(*args):
        if not state["first"]:
            return state["f"](*args)
        try:
            out = state["f"](*args)
        except Exception as exc:  # noqa: BLE001 - any compile failure means: run eager
            notes[:] = [f"eager (torch.compile failed: {_short(exc)})"]
            state["f"] = fn
            out = fn(*args)
        state["first"] = False
        return out

    return call


def _t(a):
    return torch.from_numpy(np.ascontiguousarray(a))


def _w1(data, notes):
    f = _compiled(torch.func.grad(lambda x: x ** 2), notes)
    x = torch.tensor(data["x"], dtype=torch.float64)
    return Built(lambda: f(x), lambda r: {"g": r.numpy()})


def _w2(data, notes):
    f = _compiled(torch.func.grad(lambda x: torch.sum(1.0 / (1.0 + torch.exp(-x)))), notes)
    x = _t(data["x"])
    return Built(lambda: f(x), lambda r: {"g": r.numpy()})


def _w3(data, notes):
    x, y = _t(data["x"]), _t(data["y"].astype(np.float64))

    def cost(w, b, x, y):
        p_1 = 1.0 / (1.0 + torch.exp(-(x @ w) - b))
        xent = -y * torch.log(p_1) - (1.0 - y) * torch.log(1.0 - p_1)
        return xent.mean() + W3_L2 * (w ** 2).sum(), (p_1 > 0.5, xent)

    def train(w, b, x, y):
        (gw, gb), (_, (prediction, xent)) = torch.func.grad_and_value(
            cost, argnums=(0, 1), has_aux=True)(w, b, x, y)
        return w - W3_LR * gw, b - W3_LR * gb, prediction, xent

    f = _compiled(train, notes)
    state = {"w": _t(data["w"].copy()), "b": torch.tensor(data["b"], dtype=torch.float64)}

    def run():
        state["w"], state["b"], prediction, xent = f(state["w"], state["b"], x, y)
        return prediction, xent

    def outputs(raw):
        return {"prediction": raw[0].numpy(), "xent": raw[1].numpy(),
                "dw": state["w"].numpy() - data["w"], "db": state["b"].numpy() - data["b"]}

    return Built(run, outputs)


def _w4(data, notes):
    x, y = _t(data["x"]), _t(data["y"].astype(np.int64))
    functional = torch.nn.functional

    def loss(p, x, y):
        h1 = torch.tanh(x @ p["W1"] + p["b1"])
        h2 = torch.tanh(h1 @ p["W2"] + p["b2"])
        return functional.cross_entropy(h2 @ p["W3"] + p["b3"], y)

    def step(p, x, y):
        grads, cost = torch.func.grad_and_value(loss)(p, x, y)
        return cost, {k: p[k] - W4_LR * grads[k] for k in p}

    f = _compiled(step, notes)
    notes.append("F.cross_entropy")
    state = {"p": {k: _t(data[k].copy()) for k in W4_PARAMS}}

    def run():
        cost, state["p"] = f(state["p"], x, y)
        return cost

    def outputs(raw):
        out = {"cost": raw.detach().numpy()}
        out.update({"d" + k: state["p"][k].numpy() - data[k] for k in W4_PARAMS})
        return out

    return Built(run, outputs)


def _w5(data, notes):
    f = _compiled(torch.func.grad(lambda x: torch.sum(apply_chain(x, torch))), notes)
    x = _t(data["x"])
    return Built(lambda: f(x), lambda r: {"g": r.numpy()})


def _w6(data, notes):
    def cost(W, U, b, h0, x):
        h, total = h0, 0.0
        for t in range(x.shape[0]):
            h = torch.tanh(x[t] @ W + h @ U + b)
            total = total + h.sum()
        return total

    # eager: torch.compile would unroll the 100-step Python loop into one graph
    notes.append("eager, a Python loop")
    f = torch.func.grad_and_value(cost, argnums=(0, 1, 2, 3))
    params = [_t(data[k]) for k in W6_PARAMS]
    x = _t(data["x"])

    def run():
        grads, value = f(*params, x)
        return [value, *grads]

    return Built(run, lambda r: rnn_outputs([t.detach().numpy() for t in r]))


BUILDERS = {"W1": _w1, "W2": _w2, "W3": _w3, "W4": _w4, "W5": _w5, "W6": _w6}


def build(workload: str, data: dict) -> Built:
    notes: list = []
    built = BUILDERS[workload](data, notes)
    built.notes = notes  # the same list the compile fallback rewrites
    return built
