"""The JAX linker: a whole FunctionGraph becomes one `jax.jit`-compiled function.

Each node's implementation (dispatch.py) is called in topological order while JAX traces, so
XLA sees the graph as one program. Values known while tracing stay numpy: constants, shapes
(every shape is static under jit) and the graph inputs that decide a shape (`static_inputs`);
a node whose inputs are all known runs its numpy `perform` right there, so shape arithmetic
never becomes traced data. The compiled program is cached per value of those static inputs
(a new value compiles again).

Explicit outputs come back as numpy arrays the caller owns; the values of updated shared
variables stay on the device as jax arrays (their old buffers are donated to the call), and
`get_value()` hands out numpy copies. Random generators become `jax.random` keys on first use
(derived from the numpy generator's state, so runs are reproducible per seed; the numbers are
not numpy's). float64 is enabled, since symgrad graphs are float64 by default.

A loop stopped by `until` has outputs as long as the steps it ran, known only at run time:
the program returns them padded (`Ragged`) and the runner trims them, so nothing else in the
graph may read them (checked when linking).

Where XLA differs from numpy: an index out of bounds is clamped instead of raising, subnormal
results are flushed to zero on CPU, float32 division may round by an ulp differently, and
`a * b + c` may be fused into one rounding (an FMA), so float32 results may differ by an ulp.
"""
from __future__ import annotations

import copy
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from symgrad.graph.basic import Constant
from symgrad.graph.fgraph import OUTPUT
from symgrad.graph.inline import inline_ops
from symgrad.link.jax.dispatch import (
    Ragged,
    folds_when_known,
    is_concrete,
    jax_funcify,
    ragged_outputs,
    static_inputs,
)
from symgrad.link.jax.sharding import DataParallel, as_data_parallel
from symgrad.tensor.random.type import RandomType
from symgrad.tensor.shape import Shape, ShapeEntry, ShapeI

jax.config.update("jax_enable_x64", True)
# donating a buffer JAX cannot reuse (a numpy argument, a CPU layout) is harmless
warnings.filterwarnings("ignore", message="Some donated buffers were not usable")

# op classes whose outputs are known while tracing whatever their inputs are
_SHAPE_OPS = (Shape, ShapeI, ShapeEntry)


def static_graph_inputs(fgraph) -> list[int]:
    """Positions of the graph inputs some node needs as numbers when compiling."""
    positions = {var: k for k, var in enumerate(fgraph.inputs)}
    found, seen = set(), set()
    stack = [node.inputs[i] for node in fgraph.toposort()
             for i in static_inputs(node.op, node)]
    while stack:
        var = stack.pop()
        if var in seen or isinstance(var, Constant):
            continue
        seen.add(var)
        if var in positions:
            found.add(positions[var])
        elif var.owner is not None and not isinstance(var.owner.op, _SHAPE_OPS):
            stack.extend(var.owner.inputs)
    return sorted(found)


def _static_key(value) -> tuple:
    arr = np.asarray(value)
    return (arr.dtype.str, arr.shape, arr.tobytes())


def rng_key(value):
    """A jax.random key for a generator value: keys pass through; a numpy Generator or
    RandomState gives a key drawn from a copy of it (the caller's generator is unchanged)."""
    if isinstance(value, np.random.Generator):
        return jax.random.PRNGKey(int(copy.deepcopy(value).integers(0, 2 ** 63)))
    if isinstance(value, np.random.RandomState):
        return jax.random.PRNGKey(int(copy.deepcopy(value).randint(0, 2 ** 31)))
    return value


def _fold(node, args):
    """Run a node whose inputs are all known with its numpy `perform`."""
    cells = [[None] for _ in node.outputs]
    node.op.perform(node, [np.asarray(a) if isinstance(a, (int, float, bool)) else a
                           for a in args], cells)
    return [np.asarray(c[0], dtype=out.type.dtype) for c, out in zip(cells, node.outputs)]


def _foldable(node) -> bool:
    return not any(isinstance(v.type, RandomType) for v in node.inputs) and not isinstance(
        node.op, _SHAPE_OPS) and folds_when_known(node.op, node)


def _check_ragged(fgraph, order, allowed: bool) -> None:
    """Outputs of run-time length (`Ragged`) may only be returned by the graph."""
    for node in order:
        for pos in ragged_outputs(node.op, node):
            var = node.outputs[pos]
            readers = [c for c, _ in fgraph.clients.get(var, []) if c != OUTPUT]
            if readers or not allowed:
                where = (f"it is read by {readers[0].op}" if readers else
                         "it is an output of an inner graph (a loop's step)")
                raise NotImplementedError(
                    f"{node.op}: output {pos} has as many rows as the loop ran steps, known "
                    "only when it stops (until), and XLA needs every shape when compiling; "
                    f"under the JAX linker such an output can only be returned ({where}). "
                    "Give the loop a fixed number of steps, or use another linker")


def graph_function(fgraph, ragged_outputs_allowed: bool = True, keep_known: bool = False):
    """A Python function of the graph inputs' values computing its outputs with JAX.

    ragged_outputs_allowed: whether graph outputs may be `Ragged` (the runner trims them);
    a step graph traced into a loop passes False. keep_known: outputs known while tracing
    stay numpy (for graphs computing shapes), instead of becoming jax arrays."""
    order = fgraph.toposort()
    _check_ragged(fgraph, order, ragged_outputs_allowed)
    steps = [(node, jax_funcify(node.op, node), _foldable(node)) for node in order]
    inputs, outputs = list(fgraph.inputs), list(fgraph.outputs)

    def run(*values):
        env = dict(zip(inputs, values))

        def value(var):
            if var in env:
                return env[var]
            if isinstance(var, Constant):
                return np.asarray(var.data)
            raise ValueError(f"{var} is neither an input, a constant nor computed")

        for node, fn, foldable in steps:
            args = [value(v) for v in node.inputs]
            if foldable and all(is_concrete(a) for a in args):
                results = _fold(node, args)
            else:
                results = fn(*args)
                if len(node.outputs) == 1:
                    results = [results]
                results = [r if isinstance(r, Ragged) else _as_declared(r, out)
                           for r, out in zip(results, node.outputs)]
            env.update(zip(node.outputs, results))
        return tuple(_returned(value(v), v, keep_known) for v in outputs)

    return run


def _returned(result, var, keep_known: bool):
    """A graph output as the program returns it: a jax array, except keys, Ragged values and
    (with keep_known) values known while tracing."""
    if isinstance(var.type, RandomType) or isinstance(result, Ragged):
        return result
    if keep_known and is_concrete(result):
        return result
    return jnp.asarray(result)


def _as_declared(result, var):
    """A result in its variable's declared dtype (jax promotes differently from numpy)."""
    dtype = getattr(var.type, "dtype", None)
    if dtype is None or getattr(result, "dtype", None) == np.dtype(dtype):
        return result
    if is_concrete(result):
        return np.asarray(result, dtype=dtype)
    return jnp.asarray(result).astype(dtype)


class JaxRunner:
    """Calls the jitted graph; compiles once per value of the static inputs."""

    outputs_are_fresh = True
    keeps_device_values = True

    def __init__(self, fgraph, n_outputs: int | None, donate: tuple[int, ...],
                 batch_inputs: set[int] | None, sharding: DataParallel | None) -> None:
        self.fgraph = fgraph
        self.nodes = fgraph.toposort()
        self.n_outputs = len(fgraph.outputs) if n_outputs is None else n_outputs
        self.static = static_graph_inputs(fgraph)
        n_in = len(fgraph.inputs)
        self.dynamic = [k for k in range(n_in) if k not in self.static]
        self.rng_inputs = [k for k, v in enumerate(fgraph.inputs)
                           if isinstance(v.type, RandomType)]
        self.donate = tuple(self.dynamic.index(k) for k in donate if k in self.dynamic)
        self.sharding = sharding
        self.batch_inputs = set(range(n_in)) if batch_inputs is None else set(batch_inputs)
        self._graph = graph_function(fgraph)
        self._compiled: dict = {}

    def _compile(self, static_values):
        known = dict(zip(self.static, static_values))
        dynamic = self.dynamic
        graph = self._graph
        n_in = len(self.fgraph.inputs)

        def program(*args):
            full, it = [], iter(args)
            for k in range(n_in):
                full.append(known[k] if k in known else next(it))
            return graph(*full)

        options = {"donate_argnums": self.donate}
        if self.sharding is not None:
            options.update(self.sharding.jit_options(self.fgraph, dynamic, self.batch_inputs))
        return jax.jit(program, **options)

    def __call__(self, values):
        for k in self.rng_inputs:
            values[k] = rng_key(values[k])
        static_values = [np.asarray(values[k]) for k in self.static]
        key = tuple(_static_key(v) for v in static_values)
        fn = self._compiled.get(key)
        if fn is None:
            fn = self._compiled[key] = self._compile(static_values)
        results = fn(*[values[k] for k in self.dynamic])
        n = self.n_outputs
        # explicit outputs: numpy arrays the caller owns (np.asarray views the host buffer,
        # and copying that view is much faster than np.array's own path); updates stay put
        return ([_trimmed(np.asarray(r.padded), r) if isinstance(r, Ragged) else
                 np.asarray(r).copy() for r in results[:n]]
                + [_trimmed(r.padded, r) if isinstance(r, Ragged) else r for r in results[n:]])


def _trimmed(padded, ragged: Ragged):
    """The rows a Ragged value really has (a copy for numpy, the caller owns it)."""
    rows = padded[:int(ragged.length)]
    return rows.copy() if isinstance(rows, np.ndarray) else rows


class JaxLinker:
    """Builds a runner that executes the whole graph as one jax.jit program.

    sharding: None (one device), 'data', a jax.sharding.Mesh or a DataParallel (see
    sharding.py): run data-parallel over the batch axis of the explicit inputs."""

    name = "jax"
    takes_function_layout = True

    def __init__(self, sharding=None) -> None:
        self.sharding = as_data_parallel(sharding)

    def make_runner(self, fgraph, n_outputs: int | None = None, donate=(),
                    batch_inputs=None):
        """n_outputs: how many of the graph's outputs the caller gets (the rest are updates,
        kept on the device); donate: input positions whose buffers the call may reuse (the
        updated shared variables); batch_inputs: positions split over devices when sharded."""
        fgraph = inline_ops(fgraph)  # ops standing for graphs are traced as those graphs
        return JaxRunner(fgraph, n_outputs, tuple(donate), batch_inputs, self.sharding)
