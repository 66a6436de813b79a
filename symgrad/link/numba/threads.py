"""Threads for large kernels: how many, above which size, and the parallel loops' shape.

`config.num_threads` (0: every thread numba may start, NUMBA_NUM_THREADS; 1: serial code only)
is read when a graph is linked. With more than one thread, elementwise kernels and reductions
of arrays that are not statically of length 1 get a second, parallel loop (a `prange` over
fixed chunks, in a `parallel=True` helper) that runs only for arrays of at least
PARALLEL_MIN_SIZE elements (a reduction) or of `elemwise_min_size(node)` (an elementwise
kernel: enough estimated work that a second thread pays for waking it, see there); smaller
calls run the serial loop, unchanged. The count is part of the generated source, so modules
for different counts never share a cache entry.

Elementwise results are bit-identical to the serial loop: each element is computed by the same
statements, and chunks start at multiples of CHUNK, so LLVM's vector body and scalar tail
cover the same elements in both. Reductions along a kept leading axis are identical too (each
output accumulates in the same order); a reduction to one number adds per-chunk partial
results in chunk order, which differs from the serial left-to-right sum by rounding only
(a relative error within about n * eps, usually much less: the chunks make it pairwise).
"""
from __future__ import annotations

import os
import threading
from contextlib import nullcontext

# numba's OpenMP pool busy-waits after each parallel loop (GNU libgomp's default spin count),
# taking the cores BLAS's own threads need next: an MLP step (parallel elementwise kernels
# between GEMMs) ran 4x slower on two cores than on one (48 ms against 12 ms). Idle threads
# that sleep at once cost the elementwise workloads nothing measurable. libgomp reads this
# when it loads, which numba does at the first parallel loop; a user's own setting wins.
if "GOMP_SPINCOUNT" not in os.environ and "OMP_WAIT_POLICY" not in os.environ:
    os.environ["GOMP_SPINCOUNT"] = "0"

import numba  # noqa: E402 - after the setting above, whatever loads numba's pool later
from numba.np.ufunc import parallel as numba_parallel

from symgrad.config import config
from symgrad.scalar import basic as sb
from symgrad.scalar.composite import Composite

PARALLEL_MIN_SIZE = 32768
# a multiple of every vector width, so chunk boundaries fall where the serial loop's vector
# iterations do
CHUNK = 8192


def thread_count() -> int:
    """The number of threads linking uses now: config.num_threads, bounded by numba's pool."""
    limit = int(numba.config.NUMBA_NUM_THREADS)
    wanted = int(config.num_threads)
    return limit if wanted <= 0 else min(wanted, limit)


def parallel_node(node) -> bool:
    """Whether this node's kernel gets a parallel loop: threads are on and its output may be
    large (ndim >= 1 with an axis not known to be of length 1)."""
    if thread_count() <= 1:
        return False
    out = node.outputs[0].type
    return getattr(out, "ndim", 0) >= 1 and not all(out.broadcastable)


# Estimated work (the units of _elementwise_cost per element) an elementwise call needs before
# its parallel loop runs. Waking numba's threads between BLAS calls costs more than it saves on
# light loops: an MLP step on two cores took 4.66 ms with its 256x512 tanh(h + b) and weight
# updates in parallel and 3.98 ms with them serial, while a 1000x1000 sigmoid gradient
# (about 19 units an element) gains a third from the second core.
PARALLEL_MIN_WORK = 4_000_000
# an element's cost: 1 for each array read or written and each cheap scalar op, this much for
# a division or a function (exp, log, tanh, pow ...)
_COSTLY_OP = 8


def _scalar_cost(scalar_op) -> int:
    if isinstance(scalar_op, Composite):
        return sum(_scalar_cost(n.op) for n in scalar_op.nodes)
    module = type(scalar_op).__module__
    costly = (sb.TrueDiv, sb.IntDiv, sb.Mod)
    if isinstance(scalar_op, costly) or not module.endswith(".basic"):
        return _COSTLY_OP
    return 1


def elemwise_min_size(node) -> int:
    """The element count from which this Elemwise node's kernel runs its parallel loop."""
    cost = len(node.inputs) + len(node.outputs) + _scalar_cost(node.op.scalar_op)
    return max(PARALLEL_MIN_SIZE, -(-PARALLEL_MIN_WORK // cost))


def parallel_input(node) -> bool:
    """The same for a node whose input decides the work (a reduction)."""
    if thread_count() <= 1:
        return False
    x = node.inputs[0].type
    return getattr(x, "ndim", 0) >= 1 and not all(x.broadcastable)


def parallel_decorated(name: str, params, lines) -> str:
    """A module-level `parallel=True` helper block with the given body."""
    body = "".join(f"    {line}\n" for line in lines)
    return f"\n@_parallel\ndef {name}({', '.join(params)}):\n{body}"


_guard: list = []


def _call_guard():
    """A lock where numba's threading layer cannot run parallel loops for several calling
    threads at once (its `workqueue` fallback, used when neither OpenMP nor TBB loads);
    otherwise a no-op. Decided once, on the first parallel call (numba starts its threads)."""
    if not _guard:
        numba_parallel._launch_threads()
        layer = numba.threading_layer()
        _guard.append(threading.Lock() if layer == "workqueue" else nullcontext())
    return _guard[0]


def run_parallel(threads: int, graph, *args):
    """Call a generated graph that has parallel loops with `threads` threads. numba's count
    is per calling thread, so it is set on every call (about a microsecond)."""
    numba.set_num_threads(threads)
    with _call_guard():
        return graph(*args)
