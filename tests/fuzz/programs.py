"""Random expression programs for differential testing, and the checks that compare backends.

A program is a tree of nodes with concrete shapes and dtypes, written out as Python source over a
module `T` (symgrad.tensor, or jax.numpy for the JAX side: every name used exists in both).
The checked quantity is `sum(program)` and, where it is a float, its gradient with respect to
every float input. Any subtree is itself a program, which makes shrinking a mismatch simple: keep
replacing the tree by a smaller subtree that still mismatches.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

FLOATS = ("float64", "float32")
DTYPES = FLOATS + ("int64",)
# name -> template; all exist in symgrad.tensor and in jax.numpy
UNARY_FLOAT = {"exp": "T.exp({})", "tanh": "T.tanh({})", "sin": "T.sin({})",
               "sqrt1": "T.sqrt(T.abs({}) + 1)", "neg": "(-{})", "sqr": "({} ** 2)",
               "abs": "T.abs({})"}
UNARY_INT = {"neg": "(-{})", "abs": "T.abs({})", "sqr": "({} ** 2)"}
BINARY = {"add": "({} + {})", "sub": "({} - {})", "mul": "({} * {})",
          "maximum": "T.maximum({}, {})", "minimum": "T.minimum({}, {})"}
LAYOUTS = ("c", "f", "strided", "reversed")


@dataclass
class Input:
    name: str
    shape: tuple
    dtype: str
    layout: str
    grid: bool  # values on a coarse grid, so ties and exact cancellations happen

    def value(self, rng: np.random.Generator) -> np.ndarray:
        if self.dtype == "int64":
            v = rng.integers(-3, 4, size=self.shape)
        elif self.grid:
            v = rng.integers(-4, 5, size=self.shape) * 0.5
        else:
            v = rng.uniform(-2.0, 2.0, size=self.shape)
        return lay_out(np.asarray(v, dtype=self.dtype), self.layout)


def lay_out(v: np.ndarray, layout: str) -> np.ndarray:
    """The same values with another memory layout (a view where the layout needs one)."""
    if v.ndim == 0 or layout == "c":
        return v
    if layout == "f":
        return np.asfortranarray(v)
    if layout == "strided":
        big = np.zeros(v.shape[:-1] + (2 * v.shape[-1],), dtype=v.dtype)
        big[..., ::2] = v
        return big[..., ::2]
    return np.flip(np.flip(v).copy())  # negative strides on every axis


@dataclass
class Node:
    kind: str
    shape: tuple
    dtype: str
    src: str  # Python source of this subtree
    children: list = field(default_factory=list)
    inputs: list = field(default_factory=list)  # Input objects this subtree reads


@dataclass
class Program:
    root: Node
    seed: int

    @property
    def inputs(self) -> list:
        seen, out = set(), []
        for i in self.root.inputs:
            if i.name not in seen:
                seen.add(i.name)
                out.append(i)
        return out

    def values(self) -> list:
        rng = np.random.default_rng(self.seed)
        return [i.value(rng) for i in self.inputs]

    def source(self) -> str:
        lines = [f"# seed {self.seed}"]
        for i in self.inputs:
            static = tuple(1 if n == 1 else None for n in i.shape)
            lines.append(f"{i.name} = T.tensor({i.dtype!r}, shape={static})"
                         f"  # value shape {i.shape}, layout {i.layout}"
                         + (", grid values" if i.grid else ""))
        lines.append(f"out = T.sum({self.root.src})")
        return "\n".join(lines)

    def subprograms(self):
        stack = list(self.root.children)
        while stack:
            n = stack.pop()
            yield Program(n, self.seed)
            stack.extend(n.children)


def _result_dtype(a: str, b: str) -> str:
    return str(np.result_type(np.dtype(a), np.dtype(b)))


@st.composite
def programs(draw, max_depth: int = 4) -> Program:
    counter = [0]

    def new_input(shape, dtype) -> Node:
        name = f"x{counter[0]}"
        counter[0] += 1
        inp = Input(name, tuple(shape), dtype, draw(st.sampled_from(LAYOUTS)),
                    dtype in FLOATS and draw(st.booleans()))
        return Node("input", tuple(shape), dtype, name, [], [inp])

    def dim() -> int:
        return draw(st.sampled_from((0, 1, 1, 2, 3, 3, 4)))

    def gen(shape: tuple, dtype: str, depth: int, top: bool = False) -> Node:
        kinds = ["input"] if depth == 0 else ([] if top else ["input"]) + ["unary", "binary", "binary", "reduce",
                                              "dot", "index", "reshape", "transpose",
                                              "newaxis", "keepdims"]
        kind = draw(st.sampled_from(kinds))
        if kind == "unary":
            table = UNARY_INT if dtype == "int64" else UNARY_FLOAT
            c = gen(shape, dtype, depth - 1)
            return _node("unary", shape, dtype, draw(st.sampled_from(sorted(table.values()))), [c])
        if kind == "binary":
            # the second operand broadcasts: fewer leading axes, or some axes of length 1
            nd = draw(st.integers(0, len(shape)))
            bshape = tuple(1 if draw(st.booleans()) else s for s in shape[len(shape) - nd:])
            da = dtype
            db = dtype if dtype == "int64" or draw(st.booleans()) else "int64"
            if db == "int64" and dtype != "int64" and draw(st.booleans()):
                da, db = db, da  # the float may be either operand
            if da == "int64" and db == "int64" and dtype != "int64":
                db = dtype
            a, b = gen(shape, da, depth - 1), gen(bshape, db, depth - 1)
            if draw(st.booleans()):
                a, b = (b, a) if bshape == shape else (a, b)
            tmpl = draw(st.sampled_from(sorted(BINARY.values())))
            return _node("binary", shape, _result_dtype(a.dtype, b.dtype), tmpl, [a, b])
        if kind == "reduce" and len(shape) < 3:
            axis = draw(st.integers(0, len(shape)))
            fn = draw(st.sampled_from(("sum", "max", "min")))
            n = dim() if fn == "sum" else draw(st.integers(1, 3))
            c = gen(shape[:axis] + (n,) + shape[axis:], dtype, depth - 1)
            out_dtype = dtype
            return _node("reduce", shape, out_dtype, f"T.{fn}({{}}, axis={axis})", [c])
        if kind == "keepdims" and 1 in shape:
            # a reduction keeping its axis (named from the end half of the time)
            axis = shape.index(1)
            fn = draw(st.sampled_from(("sum", "max", "min")))
            n = dim() if fn == "sum" else draw(st.integers(1, 3))
            c = gen(shape[:axis] + (n,) + shape[axis + 1:], dtype, depth - 1)
            name = axis - len(shape) if draw(st.booleans()) else axis
            return _node("reduce", shape, dtype,
                         f"T.{fn}({{}}, axis={name}, keepdims=True)", [c])
        if kind == "newaxis" and 1 in shape:
            # a new broadcastable axis (a DimShuffle inserting 'x')
            axis = shape.index(1)
            c = gen(shape[:axis] + shape[axis + 1:], dtype, depth - 1)
            key = ", ".join([":"] * axis + ["None"])
            return _node("newaxis", shape, dtype, f"{{}}[{key}]", [c])
        if kind == "dot" and len(shape) <= 2 and dtype in FLOATS:
            k = dim()
            if len(shape) == 2:
                ashape, bshape = (shape[0], k), (k, shape[1])
            elif len(shape) == 1:
                ashape, bshape = (shape[0], k), (k,)
            else:
                ashape, bshape = (k,), (k,)
            a, b = gen(ashape, dtype, depth - 1), gen(bshape, dtype, depth - 1)
            return _node("dot", shape, dtype, "T.dot({}, {})", [a, b])
        if kind == "index" and len(shape) < 3:
            if shape and draw(st.booleans()):
                # a slice along axis 0 (steps 1, 2, -1) of a longer axis
                step = draw(st.sampled_from((1, 2, -1)))
                n = shape[0]
                total = n * abs(step) + draw(st.integers(0, 2))
                start = draw(st.integers(0, total - n * abs(step)))
                if step < 0:
                    start = total - 1 - start
                    stop = start - n
                    key = f"{start}:{stop if stop >= 0 else ''}:-1"
                else:
                    key = f"{start}:{start + (n - 1) * step + 1 if n else start}:{step}"
                c = gen((total,) + shape[1:], dtype, depth - 1)
                return _node("index", shape, dtype, f"{{}}[{key}]", [c])
            n = draw(st.integers(1, 3))
            i = draw(st.integers(-n, n - 1))
            c = gen((n,) + shape, dtype, depth - 1)
            return _node("index", shape, dtype, f"{{}}[{i}]", [c])
        if kind == "reshape" and shape:
            size = int(np.prod(shape))
            src = draw(st.sampled_from([(size,), tuple(reversed(shape)), shape + (1,)]))
            c = gen(src, dtype, depth - 1)
            return _node("reshape", shape, dtype, f"T.reshape({{}}, {shape!r})", [c])
        if kind == "transpose" and len(shape) >= 2:
            perm = tuple(draw(st.permutations(range(len(shape)))))
            src = [0] * len(shape)
            for i, p in enumerate(perm):
                src[p] = shape[i]
            c = gen(tuple(src), dtype, depth - 1)
            return _node("transpose", shape, dtype, f"T.transpose({{}}, {perm!r})", [c])
        return new_input(shape, dtype)

    nd = draw(st.integers(0, 3))
    shape = tuple(dim() for _ in range(nd))
    dtype = draw(st.sampled_from(DTYPES))
    # the root is an operation (a bare input tests nothing); kinds that do not fit the shape
    # fall back to an input, so try a few
    for _ in range(4):
        root = gen(shape, dtype, draw(st.integers(1, max_depth)), top=True)
        if root.kind != "input":
            break
    return Program(root, draw(st.integers(0, 2**31 - 1)))


def _node(kind, shape, dtype, template, children) -> Node:
    src = template.format(*[c.src for c in children])
    return Node(kind, tuple(shape), dtype, src, children,
                [i for c in children for i in c.inputs])
