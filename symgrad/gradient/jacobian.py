"""Jacobians and Hessians from one batched backward (or forward) pass.

In: an expression and the variables to differentiate with respect to. Out: graphs whose results
have shape expression.shape + wrt.shape, built by running the gradient graph over a batch of
identity seeds (see batch.py), or a scan over output elements when an op has no batching rule.
"""
from __future__ import annotations

from symgrad.errors import DisconnectedInputError
from symgrad.gradient.batch import NoBatchRuleError, identity_seed, vectorize_over_seed
from symgrad.gradient.grad import Rop, _as_list, _check_choice, _disconnected, _grad_dtype, grad
from symgrad.graph.basic import Variable
from symgrad.tensor.basic import arange, as_tensor_variable, join, zeros_like
from symgrad.tensor.shape import flatten, reshape, shape, shape_i


def jacobian(expression, wrt, consider_constant=None, disconnected_inputs: str = "raise",
             mode: str = "reverse"):
    """The Jacobian of `expression` with respect to `wrt` (a variable or a list of them).

    Each result has shape expression.shape + wrt.shape. mode='reverse' (Theano's way, JAX's
    jacrev) builds the backward pass once and runs it for all output elements together over a
    batch of identity seeds; mode='forward' (JAX's jacfwd) does the same with the forward pass
    over a batch of identity tangents, cheaper when wrt has fewer elements than expression.
    Either way no Python loop runs per element when the function is called. Should the pass
    hold an op with no batching rule (see batch.py), the reverse mode falls back to a
    scan running one backward pass per element.
    """
    _check_choice("mode", mode, ("reverse", "forward"))
    expression = as_tensor_variable(expression)
    wrt_list, single = _as_list(wrt)
    if mode == "forward":
        if consider_constant:
            raise ValueError("jacobian: consider_constant needs mode='reverse'")
        results = [_jacobian_forward(expression, w, disconnected_inputs) for w in wrt_list]
        return results[0] if single else results
    if expression.type.ndim == 0:
        results = grad(expression, wrt_list, consider_constant=consider_constant,
                       disconnected_inputs=disconnected_inputs, add_names=False)
        return results[0] if single else results
    seed = expression.type.clone(dtype=_grad_dtype(expression))("jacobian_seed")
    grads = grad(None, wrt_list, consider_constant=consider_constant,
                 disconnected_inputs=disconnected_inputs, known_grads={expression: seed},
                 add_names=False)
    batched_seed, batch_shape = identity_seed(expression, seed.type.dtype)
    try:
        results = vectorize_over_seed(grads, seed, batched_seed, batch_shape)
    except NoBatchRuleError:
        results = _jacobian_by_scan(expression, wrt_list, consider_constant)
    return results[0] if single else results


def _jacobian_forward(expression, w: Variable, disconnected_inputs: str):
    """One forward pass for all elements of `w` at once, over a batch of identity tangents."""
    tangent = w.type.clone(dtype=_grad_dtype(w))("jacobian_tangent")
    try:
        forward = Rop(expression, w, tangent)
    except DisconnectedInputError:
        _disconnected(w, disconnected_inputs, "zero")  # raises or warns as asked
        forward = zeros_like(expression, _grad_dtype(expression))
    tangents, batch_shape = identity_seed(w, tangent.type.dtype)
    try:
        (batched,) = vectorize_over_seed([forward], tangent, tangents, batch_shape)
    except NoBatchRuleError:
        return jacobian(expression, w, disconnected_inputs=disconnected_inputs)
    # the batch axes (w's) come first; the Jacobian puts the expression's axes first
    k, m = w.type.ndim, expression.type.ndim
    return batched.dimshuffle(*range(k, k + m), *range(k))


def _jacobian_by_scan(expression, wrt_list: list, consider_constant) -> list:
    """One reverse pass per output element inside a symbolic loop: the way for backward
    passes holding an op with no batching rule."""
    # loops sit above differentiation in the layers: an upward convenience, as in DESIGN
    from symgrad.scan import scan

    flat = flatten(expression)

    def row(i):
        return grad(flat[i], wrt_list, consider_constant=consider_constant,
                    disconnected_inputs="ignore", add_names=False)

    rows, _ = scan(row, sequences=arange(shape_i(flat, 0)))
    rows = rows if isinstance(rows, list) else [rows]
    out = []
    for w, r in zip(wrt_list, rows):
        full_shape = join(0, shape(expression), shape(w))
        out.append(reshape(r, full_shape, ndim=expression.type.ndim + w.type.ndim))
    return out


def hessian(cost, wrt, consider_constant=None, disconnected_inputs: str = "raise",
            mode: str = "reverse"):
    """The Hessian of the scalar `cost` with respect to each `wrt` (shape wrt.shape * 2):
    the Jacobian of the gradient, reverse over reverse (Theano's way) or, with mode='forward',
    forward over reverse (JAX's `hessian`, usually cheaper)."""
    cost = as_tensor_variable(cost)
    if cost.type.ndim != 0:
        raise TypeError(f"hessian: cost must be a scalar, got {cost} of type {cost.type}")
    wrt_list, single = _as_list(wrt)
    results = []
    for w in wrt_list:
        g = grad(cost, w, consider_constant=consider_constant,
                 disconnected_inputs=disconnected_inputs, add_names=False)
        results.append(jacobian(g, w, consider_constant=None if mode == "forward" else
                                consider_constant, disconnected_inputs="ignore", mode=mode))
    return results[0] if single else results


def hessian_vector_product(cost, wrt, vectors, consider_constant=None):
    """H · v without forming H: forward mode (Rop) over the reverse-mode gradient of `cost`."""
    wrt_list, single = _as_list(wrt)
    vec_list, _ = _as_list(vectors)
    grads = grad(cost, wrt_list, consider_constant=consider_constant,
                 disconnected_inputs="ignore", add_names=False)
    products = Rop(grads, wrt_list, vec_list, disconnected_outputs="ignore")
    if len(wrt_list) > 1 or not single:
        return products
    return products[0]
