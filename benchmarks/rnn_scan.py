"""An RNN forward and backward pass over 100 steps with scan, against hand-written numpy
(W6 of `make bench`, with its peers; this script compares two implementations in one process).

    python benchmarks/rnn_scan.py [--steps 100] [--batch 32] [--hidden 64] [--repeat 20]

h_t = tanh(x_t W + h_{t-1} U + b), cost = sum of all h_t; the timed call returns the cost and
its gradients wrt W, U, b and h0. Prints both times (best of --repeat) and their ratio.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # one thread, so the ratio measures the loop, not BLAS

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import symgrad as theano
import symgrad.tensor as T

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers.numpy_peer import rnn_grads  # noqa: E402 - the hand-written RNN of `make bench` (W6)
from workloads import SEED, rnn_data  # noqa: E402


def symgrad_rnn(mode=None):
    x = T.dtensor3("x")
    W, U = T.dmatrices("W", "U")
    b = T.dvector("b")
    h0 = T.dmatrix("h0")
    hs, _ = theano.scan(lambda xt, hp, W, U, b: T.tanh(T.dot(xt, W) + T.dot(hp, U) + b),
                        sequences=x, outputs_info=h0, non_sequences=[W, U, b], mode=mode)
    cost = hs.sum()
    grads = T.grad(cost, [W, U, b, h0])
    return theano.function([x, W, U, b, h0], [cost] + grads, mode=mode)


def best_times(fns, args, repeat: int) -> list[float]:
    """Best time of each function, calling them in turn so a busy machine slows both alike."""
    for fn in fns:
        fn(*args)  # warm up
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for k, fn in enumerate(fns):
            start = time.perf_counter()
            fn(*args)
            best[k] = min(best[k], time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--inputs", type=int, default=32)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--mode", default=None, help="symgrad mode (default: config.mode)")
    opts = parser.parse_args()
    data = rnn_data(np.random.default_rng(SEED), opts.steps, opts.batch, opts.inputs,
                    opts.hidden)
    args = [data[k] for k in ("x", "W", "U", "b", "h0")]
    start = time.perf_counter()
    f = symgrad_rnn(opts.mode)
    compile_time = time.perf_counter() - start
    for got, want in zip(f(*args), rnn_grads(*args)):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    t_numpy, t_symgrad = best_times([rnn_grads, f], args, opts.repeat)
    print(f"RNN forward+backward, {opts.steps} steps, batch {opts.batch}, "
          f"{opts.inputs} inputs, {opts.hidden} hidden, float64, one thread")
    print(f"  compile (symgrad): {compile_time * 1e3:9.2f} ms")
    print(f"  numpy by hand:     {t_numpy * 1e3:9.3f} ms")
    print(f"  symgrad scan:      {t_symgrad * 1e3:9.3f} ms")
    print(f"  ratio symgrad / numpy: {t_symgrad / t_numpy:.2f}")


if __name__ == "__main__":
    main()
