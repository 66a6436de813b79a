"""examples/logistic_regression.py with Theano's unscaled starting weights (--init-scale 1).

x.w then reaches several tens, p_1 rounds to exactly 1 for some samples, and only the
stabilising rewrites keep the cross-entropy and its gradient finite.
"""
import importlib.util
import pathlib

import numpy as np

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "logistic_regression.py"


def _example():
    spec = importlib.util.spec_from_file_location("logistic_regression", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_first_step_is_finite_where_p_rounds_to_one():
    module = _example()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 784))
    y = rng.integers(0, 2, size=400)
    w, b, train, _ = module.build(784, rng, init_scale=1.0)
    p_1 = 1 / (1 + np.exp(-(x @ w.get_value())))
    assert ((p_1 == 1.0) & (y == 0)).any()  # log(1 - p_1) = -inf as written
    _, xent = train(x, y)
    assert np.isfinite(xent).all()
    assert np.isfinite(w.get_value()).all() and np.isfinite(b.get_value())


def test_short_unscaled_run_trains_and_agrees_with_numpy():
    result = _example().main(["--steps", "300", "--init-scale", "1", "--quiet"])
    assert result["weights_agree"]
    assert result["accuracy"] >= 0.95
