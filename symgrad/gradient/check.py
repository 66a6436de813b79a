"""Checking symbolic gradients against finite differences: numeric_grad and verify_grad.

In: a Python function building a graph from symbolic inputs, and a point. Out: nothing when the
analytic gradient matches central differences; GradientCheckError showing where it does not.
"""
from __future__ import annotations

import numpy as np

from symgrad.errors import GradientError
from symgrad.gradient.grad import grad
from symgrad.graph.traversal import ancestors
from symgrad.tensor.constant import as_tensor_variable
from symgrad.tensor.math import sum as tensor_sum
from symgrad.tensor.type import TensorType

# step sizes and tolerances per dtype: float32 and float16 round far more coarsely
_default_eps = {"float64": 1e-7, "float32": 3e-4, "float16": 1e-1}
_default_abs_tol = {"float64": 1e-4, "float32": 1e-2, "float16": 5e-2}
_default_rel_tol = {"float64": 1e-4, "float32": 1e-2, "float16": 5e-2}


def _coarsest(dtypes) -> str:
    """The float dtype with the least precision among `dtypes` (float64 when none is float)."""
    floats = [np.dtype(d).name for d in dtypes if np.dtype(d).kind == "f"]
    for name in ("float16", "float32"):
        if name in floats:
            return name
    return "float64"


class GradientCheckError(GradientError, AssertionError):
    """The analytic and numeric gradients disagree; the message shows where."""

    def __init__(self, arg: int, index, analytic, numeric, abs_err: float, rel_err: float,
                 abs_tol: float, rel_tol: float, analytic_all=None, numeric_all=None) -> None:
        self.arg, self.index = arg, index
        self.abs_err, self.rel_err = abs_err, rel_err
        self.abs_tol, self.rel_tol = abs_tol, rel_tol
        text = (f"verify_grad: the gradient with respect to input {arg} differs from finite "
                f"differences at index {index}: analytic {analytic!r}, numeric {numeric!r} "
                f"(absolute error {abs_err:.3g} > {abs_tol:g} and relative error "
                f"{rel_err:.3g} > {rel_tol:g})")
        if analytic_all is not None:
            text += f"\nanalytic gradient:\n{analytic_all}\nnumeric gradient:\n{numeric_all}"
        super().__init__(text)


class numeric_grad:
    """Central-difference gradient of the scalar function f(*pt) at pt.

    `gf` holds one array per input (iterating the object yields them); `max_err` compares them
    with an analytic gradient.
    """

    def __init__(self, f, pt, eps: float | None = None, out_type: str | None = None) -> None:
        single = isinstance(pt, np.ndarray) or np.isscalar(pt)
        points = [np.array(p, copy=True) for p in ([pt] if single else pt)]
        if eps is None:
            eps = _default_eps[_coarsest([p.dtype for p in points] + [out_type or "float64"])]
        self.eps = eps
        self.gf = []
        for i, x in enumerate(points):
            g = np.zeros(x.shape, dtype="float64")
            flat_x, flat_g = x.reshape(-1), g.reshape(-1)  # views: writing moves the point
            for k in range(flat_x.size):
                orig = flat_x[k]
                flat_x[k] = orig + eps
                hi = float(np.asarray(f(*points)))
                flat_x[k] = orig - eps
                lo = float(np.asarray(f(*points)))
                flat_x[k] = orig
                flat_g[k] = (hi - lo) / (2 * eps)
            self.gf.append(g)
        if single:
            self.gf = self.gf[0]

    def _arrays(self) -> list:
        return self.gf if isinstance(self.gf, list) else [self.gf]

    def __iter__(self):
        return iter(self._arrays())

    def __getitem__(self, i):
        return self._arrays()[i]

    def __len__(self) -> int:
        return len(self._arrays())

    @staticmethod
    def abs_rel_err(a, b) -> tuple[np.ndarray, np.ndarray]:
        """Absolute and relative errors between two arrays (relative to their magnitudes)."""
        a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
        abs_err = np.abs(a - b)
        rel_err = abs_err / np.maximum(np.abs(a) + np.abs(b), 1e-8)
        return abs_err, rel_err

    def max_err(self, g_pt, abs_tol: float, rel_tol: float):
        """The worst disagreement with `g_pt`: (input, flat index, abs error, rel error).

        Positions within either tolerance count as agreeing; when all agree, the error is 0.
        """
        worst, worst_score = (None, None, 0.0, 0.0), 1.0
        for i, (a, n) in enumerate(zip(g_pt, self)):
            a = np.asarray(a)
            if a.shape != n.shape:
                raise ValueError(f"analytic gradient {i} has shape {a.shape}, the numeric one "
                                 f"{n.shape}")
            abs_err, rel_err = self.abs_rel_err(a, n)
            # how many times over the looser of the two tolerances each position is
            score = np.minimum(abs_err / abs_tol, rel_err / rel_tol).reshape(-1)
            if score.size and score.max() > worst_score:
                k = int(score.argmax())
                worst_score = float(score[k])
                worst = (i, k, float(abs_err.reshape(-1)[k]), float(rel_err.reshape(-1)[k]))
        return worst


def _random_state(rng):
    if rng is None:
        return np.random.default_rng(42)
    if isinstance(rng, (np.random.Generator, np.random.RandomState)):
        return rng
    if rng is np.random:
        return np.random.mtrand._rand  # Theano's docs pass the module: its global RandomState
    raise TypeError(f"verify_grad: rng must be a numpy Generator or RandomState, got {rng!r}")


def _uniform(rng, shape):
    return rng.random(shape) if isinstance(rng, np.random.Generator) else rng.random_sample(shape)


def verify_grad(fun, pt, n_tests: int = 2, rng=None, eps: float | None = None,
                out_type: str | None = None, abs_tol: float | None = None,
                rel_tol: float | None = None, mode=None, cast_to_output_type: bool = False,
                no_debug_ref: bool = True) -> None:
    """Check grad(fun) against central differences at `pt` (a list of arrays).

    fun(*symbolic_inputs) returns a variable; each test weighs its elements with a random
    projection to make a scalar cost. Tolerances default by dtype (float64: 1e-4, float32:
    1e-2, float16: 5e-2). Raises GradientCheckError naming the input and position that differ.
    """
    # compiling sits above differentiation in the layers: an allowed upward convenience
    from symgrad.compile.function import function

    if not isinstance(pt, (list, tuple)):
        raise TypeError(f"verify_grad: pt must be a list of arrays, got {type(pt).__name__}")
    rng = _random_state(rng)
    points = []
    for p in pt:
        arr = np.array(p)
        points.append(arr if arr.dtype.kind == "f" else arr.astype("float64"))
    inputs = [TensorType(p.dtype, (False,) * p.ndim)(f"input{i}") for i, p in enumerate(points)]
    out = as_tensor_variable(fun(*inputs))
    if out.type.dtype not in ("float16", "float32", "float64"):
        raise TypeError(f"verify_grad: fun must return a float tensor, got {out.type}")
    # a float32 step anywhere inside (a cast) limits the precision as much as the ends do
    inner = [v.type.dtype for v in ancestors([out]) if isinstance(v.type, TensorType)]
    coarsest = _coarsest([p.dtype for p in points] + inner + [out_type or out.type.dtype])
    eps = eps if eps is not None else _default_eps[coarsest]
    abs_tol = abs_tol if abs_tol is not None else _default_abs_tol[coarsest]
    rel_tol = rel_tol if rel_tol is not None else _default_rel_tol[coarsest]

    out_fn = function(inputs, out, mode=mode, on_unused_input="ignore")
    out_shape = np.shape(out_fn(*[p.copy() for p in points]))
    for _ in range(n_tests):
        # a random projection turns any output into a scalar cost that weighs every element
        weights = np.asarray(_uniform(rng, out_shape) + 0.5, dtype=out.type.dtype)
        cost = tensor_sum(out * as_tensor_variable(weights))
        cost_fn = function(inputs, cost, mode=mode, on_unused_input="ignore")
        grads = grad(cost, inputs, disconnected_inputs="ignore")
        analytic = function(inputs, grads, mode=mode, on_unused_input="ignore")(
            *[p.copy() for p in points])
        numeric = numeric_grad(cost_fn, points, eps)
        for i, (a, n) in enumerate(zip(analytic, numeric)):
            abs_err, rel_err = numeric_grad.abs_rel_err(a, n)
            bad = (abs_err > abs_tol) & (rel_err > rel_tol)
            if bad.any():
                flat = int(np.argmax(np.where(bad, abs_err, -1).reshape(-1)))
                index = tuple(int(k) for k in np.unravel_index(flat, np.shape(a)))
                raise GradientCheckError(
                    i, index, float(np.asarray(a)[index]), float(n[index]),
                    float(abs_err[index]),
                    float(rel_err[index]), abs_tol, rel_tol, np.asarray(a), n)


verify_grad.E_grad = GradientCheckError  # Theano's spelling: `except verify_grad.E_grad`
