"""Batch normalisation (`T.nnet.bn`), as graphs of elementwise ops and reductions.

`axes` names the axes statistics are taken over: 'per-activation' (axis 0), 'spatial'
(axis 0 and every axis after 1, for images laid out (batch, channel, ...)) or a tuple.
Parameters (gamma, beta, mean, var) have the inputs' number of dimensions with length 1 on
those axes, or, for convenience, only the remaining axes (the kept ones are inserted)."""
from __future__ import annotations

from symgrad.tensor.basic import as_tensor_variable
from symgrad.tensor.math import mean as _mean
from symgrad.tensor.math import prod, sqrt
from symgrad.tensor.math import var as _var

__all__ = ["batch_normalization", "batch_normalization_test", "batch_normalization_train"]


def _axes(axes, ndim: int) -> tuple[int, ...]:
    if axes == "per-activation":
        return (0,)
    if axes == "spatial":
        return (0, *range(2, ndim))
    if isinstance(axes, str):
        raise ValueError(f"axes must be 'per-activation', 'spatial' or a tuple, got {axes!r}")
    return tuple(sorted(a % ndim for a in axes))


def _param(p, name: str, inputs, axes):
    """`p` shaped to broadcast against `inputs` (length-1 axes where statistics are taken)."""
    p = as_tensor_variable(p)
    if p.ndim == inputs.ndim:
        return p
    if p.ndim == inputs.ndim - len(axes):
        kept = iter(range(p.ndim))
        return p.dimshuffle(*("x" if a in axes else next(kept) for a in range(inputs.ndim)))
    raise TypeError(f"batch normalisation: {name} has {p.ndim} dimensions; it needs "
                    f"{inputs.ndim} (the inputs') or {inputs.ndim - len(axes)} (without the "
                    f"normalised axes {axes})")


def batch_normalization(inputs, gamma, beta, mean, std, mode: str = "low_mem"):
    """(inputs - mean) * (gamma / std) + beta, elementwise with broadcasting. `mode` is
    Theano's memory/speed choice; symgrad fuses the expression either way."""
    if mode not in ("low_mem", "high_mem"):
        raise ValueError(f"mode must be 'low_mem' or 'high_mem', got {mode!r}")
    inputs = as_tensor_variable(inputs)
    return (inputs - mean) * (gamma / std) + beta


def batch_normalization_train(inputs, gamma, beta, axes="per-activation", epsilon=1e-4,
                              running_average_factor=0.1, running_mean=None,
                              running_var=None):
    """Normalise with the batch's own statistics over `axes`.

    Returns (out, mean, invstd), plus the new running mean and running variance when
    running_mean and running_var are given: running * (1 - factor) + batch * factor, the
    variance taken unbiased (over m - 1 for m values). mean and invstd keep length-1 axes.
    """
    inputs = as_tensor_variable(inputs)
    axes = _axes(axes, inputs.ndim)
    gamma, beta = _param(gamma, "gamma", inputs, axes), _param(beta, "beta", inputs, axes)
    mean = _mean(inputs, axis=axes, keepdims=True)
    var = _var(inputs, axis=axes, keepdims=True)
    invstd = 1.0 / sqrt(var + epsilon)
    out = (inputs - mean) * (gamma * invstd) + beta
    if (running_mean is None) != (running_var is None):
        raise ValueError("give both running_mean and running_var, or neither")
    if running_mean is None:
        return out, mean, invstd
    f = running_average_factor
    m = prod([inputs.shape[a] for a in axes]).astype(var.dtype)
    new_mean = _param(running_mean, "running_mean", inputs, axes) * (1 - f) + mean * f
    new_var = (_param(running_var, "running_var", inputs, axes) * (1 - f)
               + var * (m / (m - 1)) * f)
    return (out, mean, invstd, _like(new_mean, running_mean, axes),
            _like(new_var, running_var, axes))


def _like(stat, given, axes):
    """A running statistic in the shape it was given (so it can update a shared variable)."""
    if as_tensor_variable(given).ndim == stat.ndim:
        return stat
    return stat.dimshuffle(*(a for a in range(stat.ndim) if a not in axes))


def batch_normalization_test(inputs, gamma, beta, mean, var, axes="per-activation",
                             epsilon=1e-4):
    """Normalise with given (running) statistics: (inputs - mean) * gamma / sqrt(var + eps)
    + beta."""
    inputs = as_tensor_variable(inputs)
    axes = _axes(axes, inputs.ndim)
    gamma, beta = _param(gamma, "gamma", inputs, axes), _param(beta, "beta", inputs, axes)
    mean, var = _param(mean, "mean", inputs, axes), _param(var, "var", inputs, axes)
    return (inputs - mean) * (gamma / sqrt(var + epsilon)) + beta
