"""Machine facts measured at the start of a run: one core's memory copy bandwidth and numpy's
float64/float32 GEMM rate at one thread. Run it in a process whose environment already limits
BLAS to one thread (bench.py does); `python machine.py [--quick]` prints them as JSON."""
from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time

import numpy as np


def _median_seconds(fn, repeats: int) -> float:
    fn()  # warm: page faults, BLAS buffers
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def copy_bandwidth(n_bytes: int, repeats: int) -> dict:
    """numpy copy of a large float64 array into a reused destination, one core."""
    src = np.random.default_rng(0).standard_normal(n_bytes // 8)
    dst = np.empty_like(src)
    seconds = _median_seconds(lambda: np.copyto(dst, src), repeats)
    return {"copy_GBps": src.nbytes / seconds / 1e9,
            "copy_rw_GBps": 2 * src.nbytes / seconds / 1e9,
            "copy_MiB": src.nbytes / 2**20}


def gemm_gflops(n: int, dtype, repeats: int) -> float:
    rng = np.random.default_rng(1)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    c = np.empty((n, n), dtype=dtype)
    seconds = _median_seconds(lambda: np.matmul(a, b, out=c), repeats)
    return 2.0 * n**3 / seconds / 1e9


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return None


def _blas() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    parts = [f"{i.get('internal_api')} {i.get('version')} kernel={i.get('architecture')} "
             f"threads={i.get('num_threads')}"
             for i in threadpool_info() if i.get("user_api") == "blas"]
    return "; ".join(parts) or "none found"


def _simd() -> str:
    """The widest vector extension LLVM sees (numba kernels use 512-bit vectors on AVX-512)."""
    try:
        import llvmlite.binding as llvm
    except ImportError:
        return "unknown (llvmlite not installed)"
    features = dict(llvm.get_host_cpu_features())
    for name, label in (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("sse2", "SSE2")):
        if features.get(name):
            return f"{label} (LLVM cpu {llvm.get_host_cpu_name()})"
    return f"none found (LLVM cpu {llvm.get_host_cpu_name()})"


def facts(quick: bool = False) -> dict:
    load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    copy = copy_bandwidth((128 if quick else 512) * 2**20, 3 if quick else 7)
    n = 1024 if quick else 2048
    return {
        "load_start": load_start,
        "cpu": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "memory_GiB": _memory_gib(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": _blas(),
        "simd": _simd(),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", "unset"),
        "openblas_coretype_before_run": os.environ.get("BENCH_ORIG_OPENBLAS_CORETYPE", ""),
        **copy,
        "gemm_n": n,
        "gemm_f64_GFLOPs": gemm_gflops(n, np.float64, 3 if quick else 5),
        "gemm_f32_GFLOPs": gemm_gflops(n, np.float32, 3 if quick else 5),
    }


if __name__ == "__main__":
    print(json.dumps(facts(quick="--quick" in sys.argv[1:])))
