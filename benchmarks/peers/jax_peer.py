"""JAX: jax.grad / jax.value_and_grad under jax.jit, float64 enabled (jax_enable_x64).

JAX's CPU backend keeps threads of its own even with the XLA flags the runner sets, so its
figures are not strictly single-threaded."""
from __future__ import annotations

import numpy as np
from workloads import W3_L2, W3_LR, W4_LR, W4_PARAMS, W6_PARAMS, apply_chain

from peers import Built
from peers.numpy_peer import rnn_outputs

jax = jnp = None


def setup(options: dict) -> dict:
    global jax, jnp
    import jax as _jax

    _jax.config.update("jax_enable_x64", True)
    _jax.config.update("jax_platforms", "cpu")
    import jax.numpy as _jnp

    jax, jnp = _jax, _jnp
    return {"version": _jax.__version__, "notes": ["jit"]}


def _ready(tree):
    return jax.block_until_ready(tree)


def _w1(data):
    f = jax.jit(jax.grad(lambda x: x ** 2))
    x = jnp.asarray(data["x"], dtype=jnp.float64)
    return Built(lambda: _ready(f(x)), lambda r: {"g": np.asarray(r)})


def _w2(data):
    f = jax.jit(jax.grad(lambda x: jnp.sum(1.0 / (1.0 + jnp.exp(-x)))))
    x = jnp.asarray(data["x"])
    return Built(lambda: _ready(f(x)), lambda r: {"g": np.asarray(r)})


def _w3(data):
    x, y = jnp.asarray(data["x"]), jnp.asarray(data["y"].astype(np.float64))

    def cost(w, b, x, y):
        p_1 = 1.0 / (1.0 + jnp.exp(-jnp.dot(x, w) - b))
        xent = -y * jnp.log(p_1) - (1.0 - y) * jnp.log(1.0 - p_1)
        return xent.mean() + W3_L2 * (w ** 2).sum(), (p_1 > 0.5, xent)

    @jax.jit
    def train(w, b, x, y):
        (_, (prediction, xent)), (gw, gb) = jax.value_and_grad(
            cost, argnums=(0, 1), has_aux=True)(w, b, x, y)
        return w - W3_LR * gw, b - W3_LR * gb, prediction, xent

    state = {"w": jnp.asarray(data["w"]), "b": jnp.asarray(data["b"], dtype=jnp.float64)}

    def run():
        w, b, prediction, xent = _ready(train(state["w"], state["b"], x, y))
        state["w"], state["b"] = w, b
        return prediction, xent

    def outputs(raw):
        return {"prediction": np.asarray(raw[0]), "xent": np.asarray(raw[1]),
                "dw": np.asarray(state["w"]) - data["w"],
                "db": np.asarray(state["b"]) - data["b"]}

    return Built(run, outputs)


def _w4(data):
    x, y = jnp.asarray(data["x"]), jnp.asarray(data["y"])

    def loss(p, x, y):
        h1 = jnp.tanh(x @ p["W1"] + p["b1"])
        h2 = jnp.tanh(h1 @ p["W2"] + p["b2"])
        logp = jax.nn.log_softmax(h2 @ p["W3"] + p["b3"], axis=1)
        return -jnp.take_along_axis(logp, y[:, None], axis=1).mean()

    @jax.jit
    def step(p, x, y):
        cost, grads = jax.value_and_grad(loss)(p, x, y)
        return cost, {k: p[k] - W4_LR * grads[k] for k in p}

    state = {"p": {k: jnp.asarray(data[k]) for k in W4_PARAMS}}

    def run():
        cost, state["p"] = _ready(step(state["p"], x, y))
        return cost

    def outputs(raw):
        out = {"cost": np.asarray(raw)}
        out.update({"d" + k: np.asarray(state["p"][k]) - data[k] for k in W4_PARAMS})
        return out

    return Built(run, outputs, ["jax.nn.log_softmax"])


def _w5(data):
    f = jax.jit(jax.grad(lambda x: jnp.sum(apply_chain(x, jnp))))
    x = jnp.asarray(data["x"])
    return Built(lambda: _ready(f(x)), lambda r: {"g": np.asarray(r)})


def _w6(data):
    def cost(W, U, b, h0, x):
        def step(h, xt):
            h = jnp.tanh(xt @ W + h @ U + b)
            return h, h

        _, hs = jax.lax.scan(step, h0, x)
        return jnp.sum(hs)

    f = jax.jit(jax.value_and_grad(cost, argnums=(0, 1, 2, 3)))
    params = [jnp.asarray(data[k]) for k in W6_PARAMS]
    x = jnp.asarray(data["x"])

    def run():
        value, grads = _ready(f(*params, x))
        return [value, *grads]

    return Built(run, rnn_outputs, ["lax.scan"])


BUILDERS = {"W1": _w1, "W2": _w2, "W3": _w3, "W4": _w4, "W5": _w5, "W6": _w6}


def build(workload: str, data: dict) -> Built:
    return BUILDERS[workload](data)
