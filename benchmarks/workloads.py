"""The benchmark workloads W1-W6: their sizes, their input data and the W5 op chain.

Every implementation builds the same computation from the data made here (one fixed seed), so a
result can be checked against the hand-written numpy reference before it is timed.
"""
from __future__ import annotations

import itertools

import numpy as np

SEED = 20240611

# Which sizes each workload runs at; `None` means the workload has one fixed shape.
FULL_SIZES = {"W1": [None], "W2": [1000, 3000], "W3": [None], "W4": [None], "W5": [100_000],
              "W6": [None]}
QUICK_SIZES = {"W1": [None], "W2": [1000], "W3": [None], "W4": [None], "W5": [10_000],
               "W6": [None]}
COMPILE_WORKLOADS = ("W1", "W3", "W4", "W5", "W6")

TITLES = {
    "W1": "W1 tutorial grad(x**2) wrt a dscalar, one call",
    "W2": "W2 grad of sum(1/(1+exp(-x))) wrt a float64 matrix",
    "W3": "W3 logistic regression training step (N=400, feats=784, float64)",
    "W4": "W4 MLP SGD step (float32, batch 256, 784-512-512-10, tanh, softmax xent)",
    "W5": "W5 gradient of sum of a 200-step elementwise chain, float64 vector",
    "W6": "W6 RNN forward + backward through 100 steps (scan; batch 32, 32 inputs, 64 hidden, float64)",
}

# Relative tolerance of the check against the numpy reference (max abs error / max abs reference).
TOLERANCE = {"W1": 1e-9, "W2": 1e-9, "W3": 1e-7, "W4": 5e-3, "W5": 1e-7, "W6": 1e-9}

# W3 (Theano's tutorial "a real example")
W3_N, W3_FEATS, W3_LR, W3_L2 = 400, 784, 0.1, 0.01
# W4 (MLP)
W4_BATCH, W4_LAYERS, W4_LR = 256, (784, 512, 512, 10), 0.01
W5_STEPS = 200
# W6 (RNN): h_t = tanh(x_t W + h_{t-1} U + b), cost = sum of every h_t
W6_STEPS, W6_BATCH, W6_INPUTS, W6_HIDDEN = 100, 32, 32, 64
W6_PARAMS = ("W", "U", "b", "h0")


def size_label(workload: str, size) -> str:
    if size is None:
        return workload
    if workload == "W2":
        return f"{workload} {size}x{size}"
    return f"{workload} n={size:.0e}".replace("e+0", "e")


def make_data(workload: str, size=None) -> dict:
    """Inputs and initial state for one workload, as numpy arrays (or a float for W1)."""
    rng = np.random.default_rng(SEED)
    if workload == "W1":
        return {"x": 4.0}
    if workload == "W2":
        return {"x": rng.standard_normal((size, size))}
    if workload == "W3":
        return {
            "x": rng.standard_normal((W3_N, W3_FEATS)),
            "y": rng.integers(0, 2, size=W3_N),  # int64 0/1 labels, as in the tutorial
            "w": 0.01 * rng.standard_normal(W3_FEATS),
            "b": 0.0,
        }
    if workload == "W4":
        sizes = W4_LAYERS
        data = {
            "x": rng.standard_normal((W4_BATCH, sizes[0])).astype(np.float32),
            "y": rng.integers(0, sizes[-1], size=W4_BATCH).astype(np.int32),
        }
        for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes), start=1):
            bound = np.sqrt(6.0 / (n_in + n_out))  # Glorot uniform
            data[f"W{i}"] = rng.uniform(-bound, bound, size=(n_in, n_out)).astype(np.float32)
            data[f"b{i}"] = np.zeros(n_out, dtype=np.float32)
        return data
    if workload == "W5":
        return {"x": rng.standard_normal(size)}
    if workload == "W6":
        return rnn_data(rng)
    raise ValueError(f"unknown workload {workload!r}")


W4_PARAMS = ("W1", "b1", "W2", "b2", "W3", "b3")


def rnn_data(rng, steps=W6_STEPS, batch=W6_BATCH, n_in=W6_INPUTS, hidden=W6_HIDDEN) -> dict:
    """W6's inputs (also benchmarks/rnn_scan.py's, at the sizes it is given)."""
    return {
        "x": rng.standard_normal((steps, batch, n_in)),
        "W": 0.1 * rng.standard_normal((n_in, hidden)),
        "U": 0.1 * rng.standard_normal((hidden, hidden)),
        "b": 0.1 * rng.standard_normal(hidden),
        "h0": np.zeros((batch, hidden)),
    }


def chain_steps(n_steps: int = W5_STEPS) -> list[tuple[str, float, float]]:
    """The W5 chain: `n_steps` unary elementwise steps (kind, a, b), cycling through five kinds:
    sin(x) | exp(0.5*x) | tanh(x) | 4.6*x-0.5 | sqrt(x*x+1).

    Every value after the first step lies in [-1, 4]. One cycle maps the line onto itself with
    a slope near -0.93 at its fixed point, so the gradient neither vanishes nor blows up over the
    40 cycles (it ends around 1e-2) and the values do not all collapse onto the fixed point."""
    kinds = ("sin", "exp", "tanh", "affine", "hypot")
    constants = {"exp": (0.5, 0.0), "affine": (4.6, -0.5)}
    return [(kinds[i % 5], *constants.get(kinds[i % 5], (0.0, 0.0))) for i in range(n_steps)]


def apply_chain(x, lib, steps=None):
    """Apply the W5 chain to `x` with the elementwise functions of `lib` (numpy, jax.numpy,
    torch, or a Theano-style tensor module: anything with sin, exp, tanh and sqrt)."""
    for kind, a, b in steps or chain_steps():
        if kind == "sin":
            x = lib.sin(x)
        elif kind == "exp":
            x = lib.exp(x * a)
        elif kind == "tanh":
            x = lib.tanh(x)
        elif kind == "affine":
            x = x * a + b
        else:
            x = lib.sqrt(x * x + 1.0)
    return x
