"""W4's eight matrix products timed alone, one thread, through numpy's BLAS, the BLAS symgrad's
kernels call (scipy's, via numba) and PyTorch's when it is installed: the floor W4 cannot go
below with that library. Run in the bench venv: `.venv-bench/bin/python benchmarks/w4_gemms.py`.
"""
from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import time  # noqa: E402

import numpy as np  # noqa: E402
from workloads import W4_BATCH, W4_LAYERS  # noqa: E402


def _shapes():
    """(m, k, n, transpose a, transpose b) of the forward and backward products."""
    b, (n0, n1, n2, n3) = W4_BATCH, W4_LAYERS
    return {"x @ W1": (b, n0, n1, 0, 0), "h1 @ W2": (b, n1, n2, 0, 0),
            "h2 @ W3": (b, n2, n3, 0, 0), "h2.T @ d3": (n2, b, n3, 1, 0),
            "d3 @ W3.T": (b, n3, n2, 0, 1), "h1.T @ d2": (n1, b, n2, 1, 0),
            "d2 @ W2.T": (b, n2, n1, 0, 1), "x.T @ d1": (n0, b, n1, 1, 0)}


def _operands(m, k, n, ta, tb, rng):
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
    return (a.T if ta else a), (b.T if tb else b)


def _median_ms(fn, repeats=7, inner=50):
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t) / inner * 1e3)
    return float(np.median(times))


def main() -> None:
    rng = np.random.default_rng(0)
    libs = {"numpy": lambda a, b: (lambda: a @ b)}
    try:
        from symgrad.link.numba.blas import matmat
        libs["symgrad (scipy BLAS)"] = lambda a, b: (lambda: matmat(a, b))
    except ImportError:
        pass
    try:
        import torch
        torch.set_num_threads(1)
        def torch_product(a, b):
            ta, tb = torch.from_numpy(a), torch.from_numpy(b)  # strided views, no copies
            return lambda: ta @ tb
        libs["PyTorch"] = torch_product
    except ImportError:
        pass
    totals = dict.fromkeys(libs, 0.0)
    print(f"{'product':12s}" + "".join(f"{name:>22s}" for name in libs))
    for label, shape in _shapes().items():
        a, b = _operands(*shape, rng)
        row = []
        for name, make in libs.items():
            ms = _median_ms(make(a, b))
            totals[name] += ms
            row.append(f"{ms:19.3f} ms")
        print(f"{label:12s}" + "".join(row))
    print(f"{'total':12s}" + "".join(f"{totals[n]:19.3f} ms" for n in libs))


if __name__ == "__main__":
    main()
