"""Linear algebra in jax.numpy.linalg and jax.scipy.linalg, with the ops' conventions: the
eigenvector phases are fixed as `fix_eigenvector_phases` fixes them (largest entry real and
positive) and the triangle an op reads is the one it names."""
from __future__ import annotations

import jax.numpy as jnp
import jax.scipy.linalg as jsl

from symgrad.link.jax.dispatch import jax_funcify
from symgrad.tensor import nlinalg as nl
from symgrad.tensor import slinalg as sl


def _square(x, what: str):
    shape = jnp.shape(x)
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"{what}: expected a square matrix, got shape {shape}")
    return x


def fix_phases(v):
    """Each column scaled so that its first entry of largest magnitude is real and positive."""
    if v.shape[0] == 0:
        return v
    pivot = jnp.take_along_axis(v, jnp.argmax(jnp.abs(v), axis=0)[None, :], axis=0)[0]
    scale = jnp.where(pivot != 0, jnp.abs(pivot) / jnp.where(pivot != 0, pivot, 1), 1)
    return v * scale[None, :]


def _symmetric_from(a, lower: bool):
    return jnp.tril(a) + jnp.tril(a, -1).T if lower else jnp.triu(a) + jnp.triu(a, 1).T


def _register(cls, make):
    jax_funcify.register(cls)(lambda op, node: make(op, node))


_register(nl.Tri, lambda op, node: (lambda x: (jnp.tril if op.lower else jnp.triu)(x, op.k)))
_register(nl.MatrixInverse, lambda op, node: lambda x: jnp.linalg.inv(_square(x, "inv")))
_register(nl.MatrixPinv, lambda op, node: jnp.linalg.pinv)
_register(nl.Det, lambda op, node: lambda x: jnp.linalg.det(_square(x, "det")))
_register(nl.Trace, lambda op, node: jnp.trace)
_register(nl.EyeLike, lambda op, node: lambda x: jnp.eye(
    *jnp.shape(x), dtype=node.outputs[0].type.dtype))


@jax_funcify.register(nl.Eigh)
def _eigh(op, node):
    def eigh(x):
        w, v = jnp.linalg.eigh(_square(x, "eigh"), UPLO=op.UPLO, symmetrize_input=False)
        return w, fix_phases(v)
    return eigh


@jax_funcify.register(nl.EighGrad)
def _eigh_grad(op, node):
    def eigh_grad(w, v, gw, gv):
        n = jnp.shape(w)[0]
        gaps = w[None, :] - w[:, None]
        gaps = jnp.where(jnp.eye(n, dtype=bool), jnp.inf, gaps)
        g = v @ (jnp.diag(gw) + (v.T @ gv) / gaps) @ v.T
        if op.UPLO == "L":
            return jnp.tril(g) + jnp.triu(g, 1).T
        return jnp.triu(g) + jnp.tril(g, -1).T
    return eigh_grad


@jax_funcify.register(nl.Eig)
def _eig(op, node):
    dtype = node.outputs[1].type.dtype

    def eig(x):  # XLA computes general eigenproblems on the CPU only
        w, v = jnp.linalg.eig(_square(x, "eig"))
        return w, fix_phases(v.astype(dtype))
    return eig


@jax_funcify.register(nl.QRFull)
def _qr(op, node):
    def qr(x):
        res = jnp.linalg.qr(x, mode=op.mode)
        return res if op.mode == "r" else tuple(res)  # one output: the array itself
    return qr


@jax_funcify.register(nl.SVD)
def _svd(op, node):
    def svd(x):
        res = jnp.linalg.svd(x, full_matrices=op.full_matrices, compute_uv=op.compute_uv)
        return tuple(res) if op.compute_uv else res
    return svd


@jax_funcify.register(sl.Cholesky)
def _cholesky(op, node):
    # a matrix that is not positive definite gives NaNs (XLA does not raise)
    return lambda x: jsl.cholesky(_square(x, "cholesky"), lower=op.lower)


@jax_funcify.register(sl.CholeskyGrad)
def _cholesky_grad(op, node):
    def cholesky_grad(factor, g):
        low, g_low = (factor, g) if op.lower else (factor.T, g.T)
        phi = jnp.tril(low.T @ g_low)
        phi = phi - 0.5 * jnp.diag(jnp.diag(phi))
        left = jsl.solve_triangular(low, phi, trans="T", lower=True)
        full = jsl.solve_triangular(low, left.T, trans="T", lower=True).T
        if op.lower:
            return jnp.tril(full) + jnp.triu(full, 1).T
        return jnp.triu(full) + jnp.tril(full, -1).T
    return cholesky_grad


@jax_funcify.register(sl.Solve)
def _solve(op, node):
    def solve(a, b):
        _square(a, "solve")
        if jnp.shape(a)[0] != jnp.shape(b)[0]:
            raise ValueError(f"solve: a has {jnp.shape(a)[0]} rows but b has "
                             f"{jnp.shape(b)[0]}")
        if op.triangular:
            return jsl.solve_triangular(a, b, lower=op.lower)
        if op.assume_a in ("sym", "her", "pos"):  # only the named triangle is read
            a = _symmetric_from(a, op.lower)
            return jsl.solve(a, b, assume_a="pos" if op.assume_a == "pos" else "gen")
        return jsl.solve(a, b)
    return solve


@jax_funcify.register(sl.Eigvalsh)
def _eigvalsh(op, node):
    def eigvalsh(a, *b):
        _square(a, "eigvalsh")
        a = _symmetric_from(a, op.lower)
        if b:  # the generalised problem a x = w b x through b's Cholesky factor
            low = jnp.linalg.cholesky(b[0])
            inner = jsl.solve_triangular(low, jsl.solve_triangular(low, a, lower=True).T,
                                         lower=True)
            a = inner
        return jnp.linalg.eigvalsh(a)
    return eigvalsh
