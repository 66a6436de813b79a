"""MRG31k3p: L'Ecuyer's combined multiple-recursive generator, with many independent streams.

A stream's state is 6 int32s: (x1[n-1], x1[n-2], x1[n-3]) of the first component, taken mod
M1 = 2**31 - 1, and the same three for the second component, mod M2 = 2**31 - 21069:

    x1[n] = (2**22 * x1[n-2] + (2**7 + 1) * x1[n-3]) mod M1
    x2[n] = (2**15 * x2[n-1] + (2**15 + 1) * x2[n-3]) mod M2
    u[n]  = ((x1[n] - x2[n]) mod M1, M1 in place of 0) * NORM

A state matrix (n_streams, 6) holds many streams; draw i of a node comes from stream
i % n_streams, so the draws of one call are, in C order, round 0 of every stream, then round 1...
Streams start 2**72 steps apart (`jump_matrices`), so they never overlap in practice.

Ops: `MRGUniform` (state, *size) -> (new state, uniforms in (0, 1)); `MultinomialFromUniform` and
`ChoiceFromUniform` turn uniforms into category counts or indices. Every `perform` here is the
reference; the numba kernels (link/numba/mrg.py) do the same integer steps and the same float64
product, so both give the same bits.
"""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Apply, Constant
from symgrad.graph.op import Op
from symgrad.tensor.constant import as_tensor_variable
from symgrad.tensor.random.op import size_entries
from symgrad.tensor.type import TensorType

M1 = 2147483647  # 2**31 - 1
M2 = 2147462579  # 2**31 - 21069
# transition matrices of the two components, acting on (x[n-1], x[n-2], x[n-3])
A1 = ((0, 4194304, 129), (1, 0, 0), (0, 1, 0))
A2 = ((32768, 0, 32769), (1, 0, 0), (0, 1, 0))

# uniforms are (x1 - x2 mod M1) * NORM, computed in float64 and rounded to the dtype; float32's
# NORM is a little under 2**-31 so that M1 * NORM still rounds to a float32 below 1
NORMS = {"float64": 4.656612873077392578125e-10,
         "float32": float(np.float32(4.6566126e-10))}


# --- jumping ahead -------------------------------------------------------------------------
def _mat_mul(a, b, m: int):
    return tuple(tuple(sum(a[i][k] * b[k][j] for k in range(3)) % m for j in range(3))
                 for i in range(3))


def _mat_pow(a, exponent: int, m: int):
    result = ((1, 0, 0), (0, 1, 0), (0, 0, 1))
    while exponent:
        if exponent & 1:
            result = _mat_mul(result, a, m)
        a = _mat_mul(a, a, m)
        exponent >>= 1
    return result


def jump_matrices(log2_steps: int) -> tuple:
    """(A1**(2**k) mod M1, A2**(2**k) mod M2): advance both components by 2**k steps."""
    a1, a2 = A1, A2
    for _ in range(log2_steps):
        a1, a2 = _mat_mul(a1, a1, M1), _mat_mul(a2, a2, M2)
    return a1, a2


_JUMPS: dict[int, tuple] = {}


def jump(state, log2_steps: int) -> np.ndarray:
    """One stream state (6 ints) advanced by 2**log2_steps draws."""
    if log2_steps not in _JUMPS:
        _JUMPS[log2_steps] = jump_matrices(log2_steps)
    a1, a2 = _JUMPS[log2_steps]
    s = [int(v) for v in state]
    first = [sum(a1[i][k] * s[k] for k in range(3)) % M1 for i in range(3)]
    second = [sum(a2[i][k] * s[3 + k] for k in range(3)) % M2 for i in range(3)]
    return np.array(first + second, dtype=np.int32)


def check_seed(seed) -> np.ndarray:
    """A stream state from an int (used 6 times) or 6 ints, as MRG_RandomStreams takes it."""
    if isinstance(seed, (int, np.integer)):
        if seed <= 0 or seed >= M2:
            raise ValueError(f"an MRG seed must be in [1, {M2}), got {seed}")
        return np.full(6, seed, dtype=np.int32)
    values = [int(v) for v in seed]
    if len(values) != 6:
        raise TypeError(f"an MRG seed is one integer or 6 integers, got {seed!r}")
    if not all(0 <= v < M1 for v in values[:3]) or not any(values[:3]):
        raise ValueError(f"the first 3 seed values must be in [0, {M1}), not all 0: {seed!r}")
    if not all(0 <= v < M2 for v in values[3:]) or not any(values[3:]):
        raise ValueError(f"the last 3 seed values must be in [0, {M2}), not all 0: {seed!r}")
    return np.array(values, dtype=np.int32)


def substream_states(state, n_streams: int) -> np.ndarray:
    """(n_streams, 6) int32: `state`, then each row 2**72 draws after the one before."""
    if n_streams < 1:
        raise ValueError(f"n_streams must be at least 1, got {n_streams}")
    rows = [np.asarray(state, dtype=np.int32)]
    for _ in range(1, n_streams):
        rows.append(jump(rows[-1], 72))
    return np.stack(rows)


# --- the generator step, vectorised over streams ---------------------------------------------
def advance(state: np.ndarray) -> np.ndarray:
    """Step every row of an (n, 6) int64 state once, in place; returns the (n,) int64
    differences x1 - x2 mod M1 in [1, M1] that the uniforms scale."""
    x11, x12, x13 = state[:, 0], state[:, 1], state[:, 2]
    x21, x22, x23 = state[:, 3], state[:, 4], state[:, 5]
    # 2**22 * x12 and 2**7 * x13 mod M1 by shifts (2**31 = 1 mod M1), then + x13
    y1 = ((x12 & 511) << 22) + (x12 >> 9) + ((x13 & 16777215) << 7) + (x13 >> 24)
    y1 = np.where(y1 >= M1, y1 - M1, y1) + x13
    y1 = np.where(y1 >= M1, y1 - M1, y1)
    # 2**15 * x mod M2 by shifts (2**31 = 21069 mod M2)
    z1 = ((x21 & 65535) << 15) + 21069 * (x21 >> 16)
    z1 = np.where(z1 >= M2, z1 - M2, z1)
    z2 = ((x23 & 65535) << 15) + 21069 * (x23 >> 16)
    z2 = np.where(z2 >= M2, z2 - M2, z2) + x23
    z2 = np.where(z2 >= M2, z2 - M2, z2) + z1
    z2 = np.where(z2 >= M2, z2 - M2, z2)
    state[:, 2], state[:, 1], state[:, 0] = x12, x11, y1
    state[:, 5], state[:, 4], state[:, 3] = x22, x21, z2
    return np.where(y1 <= z2, y1 - z2 + M1, y1 - z2)


def mrg_uniforms(state: np.ndarray, n: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """(new state, n uniforms of `dtype`) drawn from an (n_streams, 6) int32 state."""
    work = np.asarray(state, dtype=np.int64).copy()
    n_streams = work.shape[0]
    out = np.empty(n, dtype=dtype)
    norm = NORMS[dtype]
    for start in range(0, n, n_streams):
        take = min(n_streams, n - start)  # a partial last round moves the first streams only
        diff = advance(work[:take])
        out[start:start + take] = (diff.astype(np.float64) * norm).astype(dtype)
    return work.astype(np.int32), out


class MRGUniform(Op):
    """(state, *size) -> (new state, uniforms in (0, 1) of shape `size`).

    `state` is an int32 matrix (n_streams, 6); `size` is int64 scalars, one per dimension.
    """

    __props__ = ("dtype",)
    default_output = 1

    def __init__(self, dtype: str = "float64") -> None:
        if dtype not in NORMS:
            raise TypeError(f"MRG uniforms are float32 or float64, not {dtype}")
        self.dtype = dtype

    def __str__(self) -> str:
        return f"mrg_uniform{{{self.dtype}}}"

    def make_node(self, state, *size) -> Apply:
        state = as_tensor_variable(state)
        if state.type.dtype != "int32" or state.type.ndim != 2:
            raise TypeError(f"{self}: the state must be an int32 matrix (n_streams, 6), "
                            f"got {state.type}")
        size = size_entries(tuple(size))
        bcast = tuple(isinstance(s, Constant) and int(s.data) == 1 for s in size)
        return Apply(self, [state, *size], [state.type(), TensorType(self.dtype, bcast)()])

    def perform(self, node, inputs, output_storage) -> None:
        state, *size = inputs
        shape = tuple(int(s) for s in size)
        if np.shape(state)[1:] != (6,) or len(state) == 0:
            raise ValueError(f"{self}: the state must have shape (n_streams, 6), "
                             f"got {np.shape(state)}")
        if any(s < 0 for s in shape):
            raise ValueError(f"{self}: negative size {shape}")
        n = int(np.prod(shape, dtype=np.int64))
        new_state, draws = mrg_uniforms(state, n, self.dtype)
        output_storage[0][0] = new_state
        output_storage[1][0] = draws.reshape(shape)

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0], tuple(node.inputs[1:])]

    def connection_pattern(self, node):
        return [[False, False]] * len(node.inputs)

    def L_op(self, inputs, outputs, output_grads):
        raise NotImplementedError(f"{self} has no gradient: its inputs are a generator state "
                                  "and sizes")

    def R_op(self, inputs, eval_points):
        return [None, None]


# --- categories from uniforms -----------------------------------------------------------------
def _check_pvals_unis(op, pvals, unis, count):
    pvals, unis, count = (as_tensor_variable(v) for v in (pvals, unis, count))
    if pvals.type.ndim != 2 or pvals.type.dtype not in ("float32", "float64"):
        raise TypeError(f"{op}: pvals must be a float matrix (rows, categories), got "
                        f"{pvals.type}")
    if unis.type.ndim != 1 or unis.type.dtype not in ("float32", "float64"):
        raise TypeError(f"{op}: the uniforms must be a float vector, got {unis.type}")
    if count.type.ndim != 0 or np.dtype(count.type.dtype).kind not in "iu":
        raise TypeError(f"{op}: the draw count must be an integer scalar, got {count.type}")
    return pvals, unis, count


def _check_lengths(op, pvals, unis, count) -> None:
    if unis.shape[0] != pvals.shape[0] * count:
        raise ValueError(f"{op}: {unis.shape[0]} uniforms for {pvals.shape[0]} rows and "
                         f"{count} draws each (need rows * draws)")


class MultinomialFromUniform(Op):
    """(pvals (rows, k), unis (rows * n,), n) -> counts (rows, k) of `dtype`.

    Draw c of row r takes unis[c * rows + r] and counts the first category whose cumulative
    probability (summed in float64) exceeds it; a uniform beyond the row's total counts nowhere.
    """

    __props__ = ("dtype",)

    def __init__(self, dtype: str = "int64") -> None:
        self.dtype = np.dtype(dtype).name

    def make_node(self, pvals, unis, n) -> Apply:
        pvals, unis, n = _check_pvals_unis(self, pvals, unis, n)
        return Apply(self, [pvals, unis, n], [TensorType(self.dtype, pvals.type.broadcastable)()])

    def perform(self, node, inputs, output_storage) -> None:
        pvals, unis, n = inputs
        n = int(n)
        _check_lengths(self, pvals, unis, n)
        rows, k = pvals.shape
        cum = np.cumsum(pvals.astype(np.float64), axis=1)
        counts = np.zeros((rows, k), dtype=np.int64)
        for c in range(n):
            u = unis[c * rows:(c + 1) * rows].astype(np.float64)
            above = cum > u[:, None]
            hit = above.any(axis=1)
            first = np.argmax(above, axis=1)
            counts[np.nonzero(hit)[0], first[hit]] += 1
        output_storage[0][0] = counts.astype(self.dtype)

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]

    def connection_pattern(self, node):
        return [[False]] * 3

    def L_op(self, inputs, outputs, output_grads):
        raise NotImplementedError(f"{self} has no gradient")

    def R_op(self, inputs, eval_points):
        return [None]  # counts and indices are piecewise constant in pvals: no tangent


def _first_above(row: np.ndarray, u: float) -> int:
    """The first index whose cumulative probability exceeds u; when rounding leaves u above
    the total, the last index with a positive probability (the last index if none)."""
    cum = 0.0
    for m in range(row.shape[0]):
        cum += row[m]
        if cum > u:
            return m
    positive = np.nonzero(row > 0)[0]
    return int(positive[-1]) if positive.size else row.shape[0] - 1


class ChoiceFromUniform(Op):
    """(pvals (rows, k), unis (rows * size,), size) -> indices (rows, size) of `dtype`.

    Draw c of row r takes unis[c * rows + r] and picks the first index whose cumulative
    probability exceeds it. Without replacement the picked index's probability becomes 0 and
    the row is renormalised before the next draw (size must then be at most k).
    """

    __props__ = ("dtype", "replace")

    def __init__(self, dtype: str = "int64", replace: bool = False) -> None:
        self.dtype = np.dtype(dtype).name
        self.replace = bool(replace)

    def make_node(self, pvals, unis, size) -> Apply:
        pvals, unis, size = _check_pvals_unis(self, pvals, unis, size)
        bcast = (pvals.type.broadcastable[0],
                 isinstance(size, Constant) and int(size.data) == 1)
        return Apply(self, [pvals, unis, size], [TensorType(self.dtype, bcast)()])

    def perform(self, node, inputs, output_storage) -> None:
        pvals, unis, size = inputs
        size = int(size)
        _check_lengths(self, pvals, unis, size)
        rows, k = pvals.shape
        if not self.replace and size > k:
            raise ValueError(f"{self}: cannot pick {size} of {k} categories without "
                             "replacement")
        p = pvals.astype(np.float64)
        out = np.zeros((rows, size), dtype=np.int64)
        for r in range(rows):
            row = p[r].copy()
            for c in range(size):
                u = float(unis[c * rows + r])
                pick = _first_above(row, u)
                out[r, c] = pick
                if not self.replace:
                    row[pick] = 0.0
                    total = 0.0
                    for v in row:  # summed in order, as the numba kernel does
                        total += v
                    if total > 0:
                        row /= total
        output_storage[0][0] = out.astype(self.dtype)

    def infer_shape(self, fgraph, node, input_shapes):
        return [(input_shapes[0][0], node.inputs[2])]

    def connection_pattern(self, node):
        return [[False]] * 3

    def L_op(self, inputs, outputs, output_grads):
        raise NotImplementedError(f"{self} has no gradient")

    def R_op(self, inputs, eval_points):
        return [None]  # counts and indices are piecewise constant in pvals: no tangent
