"""Kernels for the random variables: draws bit-identical to the Python VM's, from the same state.

A node `op(rng, *size, *params) -> (new_rng, draws)` becomes a kernel that allocates the draws
(of the op's dtype) and calls a jitted filler in randomlib.py on the numpy Generator itself;
numba advances that Generator's bit generator in place and the kernel returns it as the new
state. So the Python VM's copy-before-drawing happens outside: the generated runner copies
every generator input before the call (`runner_input_copies`), and a node is only compiled
when its generator state has no other reader (its rng input feeds only this node, its new
state at most one node or output). Graphs outside that, and legacy RandomState generators
(whose algorithms differ from the Generator's), run on the Python VM.
"""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Constant
from symgrad.link.numba.dispatch import (
    KERNEL_NAME,
    _kernel_checks,
    _node_checks,
    numba_kernel,
    runner_input_copies,
)
from symgrad.tensor.random.basic import ChoiceRV, MultinomialRV, PermutationRV, RandomIntegersRV
from symgrad.tensor.random.op import RandomVariable
from symgrad.tensor.random.type import RandomGeneratorType

# `rnd` is randomlib, as the generated module's prelude imports it
runner_input_copies[RandomGeneratorType] = "rnd.copy_generator"

# RandomVariable names (numpy Generator methods) with a filler in randomlib, and the filler
_SCALAR_DRAWS = {"uniform": "uniform", "normal": "normal", "binomial": "binomial"}
_INTEGER_PARAMS = {"binomial": (0,), "random_integers": (0, 1)}


def _def(args, *body: str) -> str:
    return "\n".join([f"def {KERNEL_NAME}({', '.join(args)}):"] +
                     ["    " + b for b in body]) + "\n"


def _tuple(items) -> str:
    items = list(items)
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _names(op, node):
    """Kernel argument names: the generator, the size entries, the parameters."""
    _, size, params = op.split_inputs(node.inputs)
    size_names = [f"s{k}" for k in range(len(size))]
    param_names = [f"p{k}" for k in range(len(params))]
    return ["rng", *size_names, *param_names], size_names, param_names, params


def _batch_shape(op, node, size_names, param_names, params) -> list[str]:
    """Expressions for the draws' batch dimensions: `size`, or the broadcast of the
    parameters' batch shapes."""
    if size_names:
        return size_names
    n_batch = node.outputs[1].type.ndim - op.ndim_supp
    dims = []
    for d in range(n_batch):
        expr = "1"
        for var, name, core in zip(params, param_names, op.ndims_params):
            k = d - (n_batch - (var.type.ndim - core))
            if k >= 0:
                expr = f"rnd.broadcast_dim({expr}, {name}.shape[{k}])"
        dims.append(expr)
    return dims


def _out_shape(node, dims) -> str:
    """The shape the kernel allocates: one element stands for 0-d draws (numba cannot
    broadcast a parameter to the shape ())."""
    return _tuple(dims) if node.outputs[1].type.ndim else "(1,)"


def _result(node) -> str:
    """The return line: 0-d draws travel as a number of the op's dtype."""
    return "return rng, out[0]" if node.outputs[1].type.ndim == 0 else "return rng, out"


def _dtype(node) -> str:
    return f"np.{node.outputs[1].type.dtype}"


@numba_kernel.register(RandomVariable)
def _scalar_draws_kernel(op, node) -> str:
    args, size_names, param_names, params = _names(op, node)
    shape = _out_shape(node, _batch_shape(op, node, size_names, param_names, params))
    filler = "integers_closed" if isinstance(op, RandomIntegersRV) else _SCALAR_DRAWS[op.name]
    return _def(args, f"out = np.empty({shape}, dtype={_dtype(node)})",
                f"rnd.{filler}(rng, out, {', '.join(param_names)})", _result(node))


numba_kernel.register(RandomIntegersRV, _scalar_draws_kernel)


@numba_kernel.register(MultinomialRV)
def _multinomial_kernel(op, node) -> str:
    args, size_names, param_names, params = _names(op, node)
    shape = _batch_shape(op, node, size_names, param_names, params) + ["p1.shape[-1]"]
    return _def(args, f"out = np.empty({_tuple(shape)}, dtype={_dtype(node)})",
                "rnd.multinomial(rng, out, p0, p1)", _result(node))


@numba_kernel.register(PermutationRV)
def _permutation_kernel(op, node) -> str:
    args, size_names, _, params = _names(op, node)
    if params[0].type.ndim == 0:  # a permutation of range(x)
        setup = ["x = np.int64(p0)", "n = max(x, 0)"]
    else:
        setup = ["x = p0", "n = x.shape[0]"]
    shape = _tuple([*size_names, "n"])
    return _def(args, *setup, f"out = np.empty({shape}, dtype={_dtype(node)})",
                "rnd.permutations(rng, out, x)", _result(node))


@numba_kernel.register(ChoiceRV)
def _choice_kernel(op, node) -> str:
    args, size_names, _, params = _names(op, node)
    a = params[0]
    pop_size = "np.int64(p0)" if a.type.ndim == 0 else "p0.shape[0]"
    count = " * ".join(size_names) or "1"
    if len(params) == 2:
        p = "np.ascontiguousarray(p1).astype(np.float64)"
        # numpy's tolerance on sum(p): sqrt(eps) of float64, or of p's own float dtype
        p_dtype = np.dtype(params[1].type.dtype)
        eps = np.finfo(p_dtype).eps if p_dtype.kind == "f" else 0.0
        atol = repr(float(max(np.sqrt(np.finfo(np.float64).eps), np.sqrt(eps))))
        weighted = "True"
    else:
        p, atol, weighted = "np.empty(0)", "0.0", "False"
    pick = "flat[k]" if a.type.ndim == 0 else "p0[flat[k]]"
    return _def(args,
                f"flat = rnd.choice_indices(rng, {count}, {pop_size}, {weighted}, {p}, "
                f"{op.replace}, {atol})",
                f"out = np.empty({_out_shape(node, size_names)}, dtype={_dtype(node)})",
                "view = out.reshape(-1)",
                "for k in range(flat.shape[0]):",
                f"    view[k] = {pick}",
                _result(node))


# --- which nodes numba runs ------------------------------------------------------------------
_kernel_checks[RandomVariable] = lambda op: op.name in _SCALAR_DRAWS


def _state_has_one_reader(fgraph, node) -> bool:
    """The generator is a numpy Generator (not a constant, not a legacy RandomState), this node
    is its only reader, and the new state has at most one reader: the kernel advances the
    generator in place, so a second reader would see the wrong state."""
    rng, new_rng = node.inputs[0], node.outputs[0]
    if isinstance(rng, Constant) or not isinstance(rng.type, RandomGeneratorType):
        return False
    if fgraph.clients.get(rng, []) != [(node, 0)]:
        return False
    return len(fgraph.clients.get(new_rng, [])) <= 1


def _plain_dtype(dtype: str) -> bool:
    return dtype != "float16" and np.dtype(dtype).kind in "biuf"


def _signed_integers(variables) -> bool:
    return all(v.type.dtype != "uint64" and np.dtype(v.type.dtype).kind in "biu"
               for v in variables)


def _check_node(fgraph, node) -> bool:
    op = node.op
    _, _, params = op.split_inputs(node.inputs)
    if type(op) not in _COVERED:  # a subclass drawing its own way: not these kernels
        return False
    if not (_state_has_one_reader(fgraph, node) and _plain_dtype(node.outputs[1].type.dtype)):
        return False
    if not all(_plain_dtype(p.type.dtype) for p in params):
        return False
    if isinstance(op, (ChoiceRV, PermutationRV)):
        # numpy treats a float `a` (or x) as an error (or truncates it); a matrix would give
        # draws of another rank than the node's type
        if params[0].type.ndim > 1 or (params[0].type.ndim == 0
                                       and not _signed_integers(params[:1])):
            return False
        return len(params) == 1 or params[1].type.ndim == 1
    if isinstance(op, MultinomialRV):
        return _signed_integers(params[:1])
    integer_params = _INTEGER_PARAMS.get(op.name, ())
    return _signed_integers([params[k] for k in integer_params])


_COVERED = (RandomVariable, RandomIntegersRV, ChoiceRV, MultinomialRV, PermutationRV)
for _cls in _COVERED:
    _node_checks[_cls] = _check_node
