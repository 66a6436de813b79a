"""The Scan kernel: the step's graph becomes jitted functions of its own, and the loop runs in
nopython code around them, mirroring `Scan.perform` (symgrad/scan/op.py) step for step.

The step graph is optimised as the VM optimises it (with the mode scan was given) and turned
into source by the same `GraphSource` as a whole graph, with 0-d values as plain numbers. Its
kernels and its step function travel as helpers of the Scan kernel (`KernelSource`), each named
by a hash of its text, so nested scans and repeated steps share them. Array constants of the
step become module-level globals decoded from their bytes (exact, and numba freezes them).

Recurrent outputs live in a buffer holding the initial rows and then one row per step (or a
ring of lookback + 1 rows for an output whose earlier rows nobody reads); per-step outputs get
their buffer once the first step has told their row shape; opaque states (updated shared
variables) are carried from step to step and copied once at the end, so no result shares
memory with an input. A scan carrying non-tensor state (a random generator) has no kernel:
`has_kernel` says no and the graph runs on the VM.
"""
from __future__ import annotations

import hashlib
import weakref

import numpy as np

from symgrad import rewriting
from symgrad.graph.basic import Constant
from symgrad.graph.fgraph import FunctionGraph
from symgrad.link.numba.dispatch import (
    KERNEL_NAME,
    KernelSource,
    _kernel_checks,
    has_kernel,
    numba_kernel,
)
from symgrad.link.numba.linker import GraphSource
from symgrad.scan.op import Scan, resolve_mode
from symgrad.scan.utils import tap_span
from symgrad.tensor.type import TensorType

# array constants of a step are written into the module's text; larger ones keep the VM
MAX_CONSTANT_BYTES = 1 << 16


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:12]


class StepSource(GraphSource):
    """A step graph as module-level blocks: helpers, constants, kernels and `step_<hash>`."""

    scalars_as_numbers = True
    share_kernels = False  # the step's kernels travel with the Scan kernel as its helpers

    def __init__(self, fgraph) -> None:
        self.constant_blocks: dict[str, None] = {}
        super().__init__(fgraph)

    def _name(self, var) -> str:
        if isinstance(var, Constant) and np.ndim(var.data) > 0:
            if var not in self.names:
                data = np.ascontiguousarray(var.data)
                value = (f"np.frombuffer(bytes.fromhex('{data.tobytes().hex()}'), "
                         f"dtype='{data.dtype.str}').reshape({data.shape}).copy()")
                name = f"sc_{_digest(value)}"
                self.constant_blocks[f"\n{name} = {value}\n"] = None
                self.names[var] = name
            return self.names[var]
        return super()._name(var)

    def _generate(self) -> str:
        params, body = self._graph_body()
        text = (f"def STEP({', '.join(params)}):\n"
                + "".join(f"    {line}\n" for line in body))
        self.function_name = f"step_{_digest(text)}"
        function = "\n@_kernel\n" + text.replace("def STEP(", f"def {self.function_name}(", 1)
        self.blocks = [*self.helpers, *self.constant_blocks, *self.kernel_blocks(), function]
        return function


# per Scan op (ops compare by identity): its optimised step graph and that graph's source
_steps: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _step_graph(op: Scan) -> FunctionGraph:
    entry = _steps.get(op)
    if entry is None:
        fgraph = FunctionGraph(op.inner_inputs, op.inner_outputs)
        rewriting.optimize(fgraph, resolve_mode(op.mode).optimizer)
        entry = _steps[op] = {"fgraph": fgraph}
    return entry["fgraph"]


def _step_source(op: Scan) -> StepSource:
    _step_graph(op)
    entry = _steps[op]
    if "source" not in entry:
        entry["source"] = StepSource(entry["fgraph"])
    return entry["source"]


def scan_has_kernel(op: Scan) -> bool:
    """Tensor values only (no generators), every step node with a kernel, small constants."""
    if not all(isinstance(v.type, TensorType) for v in op.inner_inputs + op.inner_outputs):
        return False
    fgraph = _step_graph(op)
    for node in fgraph.toposort():
        if not has_kernel(node.op):
            return False
        for var in node.inputs:
            if isinstance(var, Constant) and np.asarray(var.data).nbytes > MAX_CONSTANT_BYTES:
                return False
    return True


_kernel_checks[Scan] = scan_has_kernel


def _shape(first: str, array: str, ndim: int, skip: int = 0) -> str:
    """Source of the tuple (first, array.shape[skip], ..., ) of length 1 + ndim."""
    dims = [first] + [f"{array}.shape[{d}]" for d in range(skip, skip + ndim)]
    return "(" + ", ".join(dims) + ",)"


def _raise(message: str) -> str:
    return f"raise ValueError({message!r})"


def _check_row(value: str, buf: str, ndim: int, where: str) -> list[str]:
    """Lines raising the VM's error when a step's row does not fit its output's buffer."""
    if ndim == 0:
        return []
    differs = " or ".join(f"{value}.shape[{d}] != {buf}.shape[{d + 1}]" for d in range(ndim))
    return [f"if {differs}:",
            "    " + _raise(f"{where}: the step returned a row whose shape differs from the "
                            "earlier rows (or the initial value); a scan output keeps one "
                            "shape over all steps")]


@numba_kernel.register(Scan)
def _scan_kernel(op: Scan, node) -> str:
    """The loop in nopython code: check the inputs, allocate the output buffers, run the
    jitted step per iteration (ring buffers for recurrent outputs), return the rows done."""
    step = _step_source(op)
    params = [f"i{k}" for k in range(len(node.inputs))]
    lines = (_scan_checks_and_buffers(op, node, params)
             + ["n_done = n", "for i in range(n):"]
             + ["    " + line for line in _scan_loop_body(op, node, params, step)]
             + _scan_results(op, node))
    text = "\n".join([f"def {KERNEL_NAME}({', '.join(params)}):"]
                     + ["    " + line for line in lines]) + "\n"
    return KernelSource(text, step.blocks)


def _scan_checks_and_buffers(op: Scan, node, params) -> list[str]:
    """Input checks (steps, sequence lengths, initial rows) and the output buffers."""
    info, name, outs = op.info, str(op), node.outputs
    where = info.outer_input_slices()
    lines = ["n = np.int64(i0)",
             "if n < 0:",
             "    " + _raise(f"{name}: n_steps must not be negative")]
    if info.n_per_step:
        lines += ["if n == 0:",
                  "    " + _raise(f"{name}: cannot run 0 steps with outputs_info None "
                                  "outputs (their shape comes from the first step)")]
    for seq, taps in zip(params[where["seqs"]], info.seq_taps):
        low, high = tap_span(taps)
        lines += [f"if {seq}.shape[0] < n + {high - low}:",
                  "    " + _raise(f"{name}: a sequence with taps {taps} is too short for "
                                  "the number of steps")]
    for r, init in enumerate(params[where["rec"]]):
        lookback = info.rec_lookback(r)
        dtype = outs[r].type.dtype
        rows = "1" if info.keeps_last_only(r) else "n"
        shape = _shape(f"rows{r}", init, outs[r].type.ndim - 1, 1)
        lines += [f"if {init}.shape[0] != {lookback}:",
                  "    " + _raise(f"{name}: output {r} has taps {info.rec_taps[r]} and needs "
                                  f"{lookback} initial rows"),
                  f"rows{r} = {lookback} + {rows}",
                  f"b{r} = np.empty({shape}, dtype=np.{dtype})",
                  f"b{r}[:{lookback}] = {init}"]
    for k in range(info.n_per_step):
        out = outs[info.n_rec + k]
        zeros = "(" + "0, " * out.type.ndim + ")"
        # replaced by the right shape at the first step (same array type, so numba agrees)
        lines.append(f"p{k} = np.empty({zeros}, dtype=np.{out.type.dtype})")
    for q, state in enumerate(params[where["opaque"]]):
        lines.append(f"q{q} = {state}")
    return lines


def _scan_loop_body(op: Scan, node, params, step) -> list[str]:
    """One iteration: read the taps, run the step, store its rows (and stop on `until`)."""
    info, name, outs = op.info, str(op), node.outputs
    where = info.outer_input_slices()
    loop, args = [], []
    if any(info.seq_reversed):
        loop.append("tb = n - 1 - i")
    for seq, taps, rev in zip(params[where["seqs"]], info.seq_taps, info.seq_reversed):
        low = tap_span(taps)[0]
        args += [f"{seq}[{'tb' if rev else 'i'} + {k - low}]" for k in taps]
    for r in range(info.n_rec):
        lookback = info.rec_lookback(r)
        args += [f"b{r}[({lookback} + i + {j}) % rows{r}]" for j in info.rec_taps[r]]
    args += [f"q{q}" for q in range(info.n_opaque)] + params[where["non_seqs"]]
    loop.append(f"res = {step.function_name}({', '.join(args)})")
    for r in range(info.n_rec):
        lookback = info.rec_lookback(r)
        loop.append(f"x{r} = res[{r}]")  # one name per output: their types differ
        loop += _check_row(f"x{r}", f"b{r}", outs[r].type.ndim - 1, f"{name}, output {r}")
        loop.append(f"b{r}[({lookback} + i) % rows{r}] = x{r}")
    for k in range(info.n_per_step):
        out = outs[info.n_rec + k]
        ndim = out.type.ndim - 1
        loop += [f"y{k} = res[{info.n_rec + k}]",
                 "if i == 0:",
                 f"    p{k} = np.empty({_shape('n', f'y{k}', ndim)}, dtype=np.{out.type.dtype})"]
        loop += _check_row(f"y{k}", f"p{k}", ndim, f"{name}, output {info.n_rec + k}")
        loop.append(f"p{k}[i] = y{k}")
    first_state = info.n_rec + info.n_per_step
    for q in range(info.n_opaque):
        loop.append(f"q{q} = res[{first_state + q}]")
    if info.as_while:
        loop += [f"if res[{first_state + info.n_opaque}]:",
                 "    n_done = i + 1",
                 "    break"]
    return loop


def _scan_results(op: Scan, node) -> list[str]:
    """The return statement: the rows computed (or only the last), and the final states."""
    info, outs = op.info, node.outputs
    lines, results = [], []
    for r in range(info.n_rec):
        lookback = info.rec_lookback(r)
        if info.keeps_last_only(r):
            lines += [f"last{r} = ({lookback} + n_done - 1) % rows{r}",
                      f"o{r} = b{r}[last{r}:last{r} + 1] if n_done > 0 else b{r}[:0]"]
            results.append(f"o{r}")
        else:
            results.append(f"b{r}[{lookback}:{lookback} + n_done]")
    results += [f"p{k}[:n_done]" for k in range(info.n_per_step)]
    first_state = info.n_rec + info.n_per_step
    for q in range(info.n_opaque):
        # a state may still be (a view of) an input: the result gets its own memory
        is_array = outs[first_state + q].type.ndim > 0
        results.append(f"q{q}.copy()" if is_array else f"q{q}")
    lines.append("return " + (results[0] if len(results) == 1 else ", ".join(results)))
    return lines
