"""Theano's tutorial "A Real Example: Logistic Regression", in symgrad.

400 random samples with 784 features and random 0/1 labels; logistic regression with an L2
penalty, trained by gradient descent through `updates` for 10,000 steps. Shows a progress bar
with the current cost, the final training accuracy, and the time per training step next to the same steps in numpy.

    python examples/logistic_regression.py            # the full run
    python examples/logistic_regression.py --steps 500 --mode FAST_COMPILE

The starting weights are standard normal scaled by --init-scale (0.01). Theano's page uses
unscaled ones: then x.w reaches ~40 for some samples, p_1 rounds to exactly 1.0 and
log(1 - p_1) is -inf; Theano's optimizer hides that by rewriting log(1 - sigmoid(z)) into
-softplus(z). With --init-scale 1 the run needs that stabilising rewrite.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from tqdm import tqdm

import symgrad as theano
import symgrad.tensor as T


def build(features: int, rng, mode=None, init_scale: float = 0.01):
    """The symbolic model: shared weights, cost, and the compiled train and predict."""
    x = T.dmatrix("x")
    y = T.dvector("y")
    w = theano.shared(rng.standard_normal(features) * init_scale, name="w")
    b = theano.shared(0.0, name="b")
    p_1 = 1 / (1 + T.exp(-T.dot(x, w) - b))  # probability that the target is 1
    prediction = p_1 > 0.5
    xent = -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)  # cross-entropy per sample
    cost = xent.mean() + 0.01 * (w ** 2).sum()
    gw, gb = T.grad(cost, [w, b])
    train = theano.function(inputs=[x, y], outputs=[prediction, xent],
                            updates=((w, w - 0.1 * gw), (b, b - 0.1 * gb)), mode=mode)
    predict = theano.function(inputs=[x], outputs=prediction, mode=mode)
    return w, b, train, predict


def numpy_steps(data, w, b: float, steps: int):
    """The same training steps written by hand in numpy."""
    x, y = data
    n = len(y)
    for _ in range(steps):
        p_1 = 1 / (1 + np.exp(-(x @ w) - b))
        residual = p_1 - y
        w = w - 0.1 * (x.T @ residual / n + 0.02 * w)
        b = b - 0.1 * residual.mean()
    return w, b


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10000)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--features", type=int, default=784)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--init-scale", type=float, default=0.01)
    parser.add_argument("--mode", default=None, help="FAST_RUN (default), FAST_COMPILE, py ...")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    say = (lambda *a: None) if args.quiet else print

    rng = np.random.default_rng(args.seed)
    data = (rng.standard_normal((args.samples, args.features)),
            rng.integers(0, 2, size=args.samples))
    t0 = time.perf_counter()
    w, b, train, predict = build(args.features, rng, args.mode, args.init_scale)
    say(f"compiled in {time.perf_counter() - t0:.2f} s "
        f"({len(train.maker.fgraph.apply_nodes)} nodes in the training graph)")
    w0, b0 = w.get_value(), float(b.get_value())

    t0 = time.perf_counter()
    report_every = max(args.steps // 10, 1)
    # the cost on the bar is refreshed every 1% of the steps: formatting it every step would
    # cost as much as a step
    postfix_every = max(args.steps // 100, 1)
    steps = tqdm(range(1, args.steps + 1), desc="training", unit="step", disable=args.quiet)
    for step in steps:
        pred, err = train(data[0], data[1])
        if step % postfix_every == 0:
            steps.set_postfix(cost=f"{err.mean():.6f}", refresh=False)
        if step % report_every == 0:
            steps.write(f"step {step:6d}  cost(xent) {err.mean():.6f}  "
                        f"accuracy {np.mean(pred == data[1]):.4f}")
    steps.close()
    symgrad_time = (time.perf_counter() - t0) / args.steps

    t0 = time.perf_counter()
    w_np, b_np = numpy_steps(data, w0, b0, args.steps)
    numpy_time = (time.perf_counter() - t0) / args.steps

    accuracy = float(np.mean(predict(data[0]) == data[1]))
    agree = bool(np.allclose(w.get_value(), w_np, rtol=1e-6, atol=1e-9)
                 and np.isclose(b.get_value(), b_np, rtol=1e-6, atol=1e-9))
    say(f"final training accuracy: {accuracy:.4f}")
    say(f"time per step: symgrad {symgrad_time * 1e6:.1f} us, hand-written numpy "
        f"{numpy_time * 1e6:.1f} us (ratio {symgrad_time / numpy_time:.2f}); "
        f"weights agree with numpy: {agree}")
    return {"accuracy": accuracy, "symgrad_step_s": symgrad_time, "numpy_step_s": numpy_time,
            "weights_agree": agree}


if __name__ == "__main__":
    main()
