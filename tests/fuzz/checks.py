"""Run one program on the Python VM, on numba and (when importable) on JAX, and compare."""
from __future__ import annotations

import numpy as np

import symgrad.tensor as T
from symgrad import function
from symgrad.compile.mode import Mode
from symgrad.gradient import grad
from symgrad.link import available_linkers
from tests.fuzz.programs import FLOATS, Program

try:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
except ImportError:  # the JAX comparison is optional
    jax = jnp = None

LINKERS = [k for k in ("py", "numba") if k in available_linkers()]


def tolerance(program: Program) -> dict:
    dtypes = {i.dtype for i in program.inputs}
    if "float32" in dtypes:
        return {"rtol": 2e-4, "atol": 2e-4}
    return {"rtol": 1e-9, "atol": 1e-9}


def symbolic(program: Program):
    """(input variables, [sum(program)] + gradients wrt the float inputs, wrt names)."""
    variables = {i.name: T.tensor(i.dtype, shape=tuple(1 if s == 1 else None for s in i.shape),
                                  name=i.name) for i in program.inputs}
    cost = eval(f"T.sum({program.root.src})", {"T": T}, dict(variables))
    wrt = [i.name for i in program.inputs if i.dtype in FLOATS]
    outs = [cost]
    if wrt and cost.type.dtype in FLOATS:
        outs += grad(cost, [variables[n] for n in wrt], disconnected_inputs="ignore")
    else:
        wrt = []
    return [variables[i.name] for i in program.inputs], outs, wrt


def run_symgrad(program: Program, linker: str) -> list:
    inputs, outs, _ = symbolic(program)
    f = function(inputs, outs, mode=Mode(linker=linker))
    values = program.values()
    copies = [v.copy() for v in values]
    got = [np.array(r, copy=True) for r in f(*values)]
    for v, c in zip(values, copies):
        if not np.array_equal(v, c, equal_nan=True):
            raise AssertionError(f"{linker}: an input was modified")
    again = f(*values)  # a later call must not overwrite the results of the first
    for a, b in zip(got, again):
        if not np.array_equal(a, b, equal_nan=True):
            raise AssertionError(f"{linker}: a second call gave different results")
    return got


def run_jax(program: Program) -> list | None:
    if jax is None:
        return None
    names = [i.name for i in program.inputs]
    values = dict(zip(names, program.values()))
    wrt = [i.name for i in program.inputs if i.dtype in FLOATS]

    def cost(*floats):
        env = dict(values)
        env.update(zip(wrt, floats))
        return jnp.sum(eval(program.root.src, {"T": jnp}, env))

    value = np.asarray(cost(*[values[n] for n in wrt]))
    if not wrt or value.dtype.kind != "f":
        return [value]
    grads = jax.grad(cost, argnums=tuple(range(len(wrt))))(*[values[n] for n in wrt])
    return [value] + [np.asarray(g) for g in grads]


def mismatch(program: Program) -> str | None:
    """None when every backend agrees, else what differs (an exception counts as differing
    unless every backend raises)."""
    results, errors = {}, {}
    for linker in LINKERS:
        try:
            results[linker] = run_symgrad(program, linker)
        except Exception as e:  # noqa: BLE001 - reported as a mismatch
            errors[linker] = f"{type(e).__name__}: {e}"
    if errors:
        if len(errors) == len(LINKERS) and len({e.split(':')[0] for e in errors.values()}) == 1:
            return None  # rejected alike by every backend (e.g. max of an empty axis)
        return f"errors: {errors}"
    ref = results["py"]
    tol = tolerance(program)
    for linker, got in results.items():
        problem = _compare(ref, got, tol, f"py vs {linker}", exact_dtype=True)
        if problem:
            return problem
    try:
        want = run_jax(program)
    except Exception as e:  # noqa: BLE001 - JAX rejected what symgrad accepted
        return f"jax raised {type(e).__name__}: {e}"
    if want is not None:
        # JAX's abs has gradient 1 at 0 where symgrad's has 0 (documented), so compare values
        n = 1 if "T.abs(" in program.root.src else len(want)
        return _compare(ref[:n], want[:n], tol, "py vs jax", exact_dtype=False)
    return None


def _compare(ref, got, tol, where, exact_dtype: bool) -> str | None:
    for k, (a, b) in enumerate(zip(ref, got)):
        a, b = np.asarray(a), np.asarray(b)
        what = "value" if k == 0 else f"gradient {k}"
        if a.shape != b.shape:
            return f"{where}: {what} shape {a.shape} != {b.shape}"
        if exact_dtype and a.dtype != b.dtype:
            return f"{where}: {what} dtype {a.dtype} != {b.dtype}"
        if not np.allclose(a, b, equal_nan=True, **tol):
            return f"{where}: {what} {a.tolist()} != {b.tolist()}"
    return None


def shrink(program: Program) -> Program:
    """The smallest subtree found that still mismatches (any subtree is a whole program)."""
    best = program
    improved = True
    while improved:
        improved = False
        for sub in sorted(best.subprograms(), key=lambda p: len(p.root.src)):
            if mismatch(sub) is not None:
                best, improved = sub, True
                break
    return best
