"""Configuration flags, read once from SYMGRAD_FLAGS (or THEANO_FLAGS): "floatX=float32,mode=FAST_COMPILE".

Flags form Theano's tree: a dotted name is a flag in a section (`warn.round`,
`unittests.rseed`), read as `config.warn.round` and set the same way, in SYMGRAD_FLAGS
(`SYMGRAD_FLAGS=warn.round=False`) or with `change_flags` (a context manager and a decorator:
`with config.change_flags({'warn.round': False}): ...`, or keyword names for undotted flags).

Each flag has a default and either fixed choices or the default's type (a bool flag reads
'True'/'False', an int flag a number). Flags that only matter to Theano's C and GPU backends
(gcc.*, cuda.*, dnn.*, gpuarray.*, cmodule.*, blas.ldflags) are not flags here.
"""
from __future__ import annotations

import os
from contextlib import ContextDecorator


def _default_compiledir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "symgrad")


# Theano's warn.* flags: each names a bug an old Theano version had; True warns when a graph
# would have hit it. symgrad never had those bugs, so they only exist to be read and set.
_OLD_BUG_WARNINGS = (
    "argmax_pushdown_bug", "gpusum_01_011_0111_bug", "sum_sum_bug", "sum_div_dimshuffle_bug",
    "subtensor_merge_bug", "gpu_set_subtensor1", "vm_gc_bug", "signal_conv2d_interface",
    "reduce_join", "inc_set_subtensor1", "round", "identify_1pexp_bug", "inc_subtensor1_opt",
)

_ON_OFF = ("off", "ignore", "warn", "raise", "pdb")

# name -> (default, choices or None). Choices None: the default's type decides the parsing.
FLAGS: dict[str, tuple] = {
    "device": ("cpu", ("cpu",)),  # symgrad runs on the CPU; Theano's gpu names are refused
    "init_gpu_device": ("", ("",)),
    "force_device": (False, None),
    "floatX": ("float64", ("float64", "float32", "float16")),
    "warn_float64": ("ignore", ("ignore", "warn", "raise", "pdb")),
    "cast_policy": ("custom", ("custom", "numpy+floatX")),
    "int_division": ("int", ("int", "raise", "floatX")),
    # 'Mode': the default mode made of config.linker and config.optimizer
    "mode": ("FAST_RUN", ("FAST_RUN", "FAST_COMPILE", "Mode", "DebugMode", "DEBUG_MODE",
                          "NanGuardMode")),
    "linker": ("auto", None),
    "optimizer": ("fast_run", ("fast_run", "merge", "fast_compile", "None", "o1", "o2", "o3",
                               "o4", "stabilize", "unsafe")),
    "optimizer_excluding": ("", None),
    "optimizer_including": ("", None),
    "optimizer_requiring": ("", None),
    "optimizer_verbose": (False, None),
    # a rewrite that raises: warn and skip it (users), or raise (the test suite)
    "on_opt_error": ("warn", ("warn", "raise", "pdb", "ignore")),
    "on_unused_input": ("raise", ("raise", "warn", "ignore")),
    "on_shape_error": ("warn", ("warn", "raise")),
    "allow_gc": (True, None),
    "profile": (False, None),
    "profile_memory": (False, None),
    "profile_optimizer": (False, None),
    "profiling.n_apply": (20, None),
    "profiling.n_ops": (20, None),
    "profiling.output_line_width": (512, None),
    "profiling.min_peak_memory": (False, None),
    "profiling.destination": ("stderr", None),
    "compute_test_value": ("off", _ON_OFF),
    "compute_test_value_opt": ("off", _ON_OFF),
    "print_test_value": (False, None),
    "exception_verbosity": ("low", ("low", "high")),
    "traceback.limit": (8, None),
    "traceback.compile_limit": (0, None),
    "check_input": (True, None),
    "deterministic": ("default", ("default", "more")),
    "cycle_detection": ("regular", ("regular", "fast")),
    "check_stack_trace": ("off", ("off", "log", "warn", "raise")),
    "reoptimize_unpickled_function": (False, None),
    "unpickle_function": (True, None),
    "nocleanup": (False, None),
    "compiledir": (_default_compiledir(), None),
    "base_compiledir": (_default_compiledir(), None),
    # numba linker: keep freed large blocks for reuse (see symgrad/link/numba/memory.py)
    "numba_keep_freed_memory": (True, None),
    # numba linker: 512-bit vectors on AVX-512 CPUs (see symgrad/link/numba/vector_width.py)
    "numba_wide_vectors": (True, None),
    # numba linker: threads for large elementwise loops and reductions; 0 = every core numba
    # may use (NUMBA_NUM_THREADS), 1 = serial code only
    "num_threads": (0, None),
    "openmp": (False, None),
    "openmp_elemwise_minsize": (200000, None),
    "numpy.seterr_all": ("ignore", ("ignore", "warn", "raise", "call", "print", "log", "None")),
    "DebugMode.patience": (10, None),
    "DebugMode.check_py": (True, None),
    "DebugMode.check_finite": (True, None),
    "DebugMode.check_strides": (0, None),
    "DebugMode.warn_input_not_reused": (True, None),
    "NanGuardMode.nan_is_error": (True, None),
    "NanGuardMode.inf_is_error": (True, None),
    "NanGuardMode.big_is_error": (True, None),
    "NanGuardMode.action": ("raise", ("raise", "warn", "pdb")),
    "unittests.rseed": (666, None),
    "scan.allow_gc": (False, None),
    "scan.allow_output_prealloc": (True, None),
    "scan.debug": (False, None),
    "tensor.cmp_sloppy": (0, None),
    "tensor.local_elemwise_fusion": (True, None),
    "warn.ignore_bug_before": ("0.9", None),
    **{f"warn.{name}": (True, None) for name in _OLD_BUG_WARNINGS},
}


class Section:
    """A dotted group of flags (`config.warn`): reading and setting go to `prefix.name`."""

    def __init__(self, config: Config, prefix: str) -> None:
        object.__setattr__(self, "_config", config)
        object.__setattr__(self, "_prefix", prefix)

    def __getattr__(self, name: str):
        return self._config._get(f"{self._prefix}.{name}")

    def __setattr__(self, name: str, value) -> None:
        self._config._set(f"{self._prefix}.{name}", value)

    def __dir__(self) -> list[str]:
        start = self._prefix + "."
        return sorted({k[len(start):].split(".")[0] for k in FLAGS if k.startswith(start)})


class Config:
    """Theano's flag tree: every flag of FLAGS, validated when set."""

    _ints = ("num_threads",)

    def __init__(self) -> None:
        object.__setattr__(self, "_values", {name: spec[0] for name, spec in FLAGS.items()})
        flags = os.environ.get("SYMGRAD_FLAGS") or os.environ.get("THEANO_FLAGS") or ""
        for item in filter(None, (part.strip() for part in flags.split(","))):
            name, _, value = item.partition("=")
            self._set(name.strip(), value.strip())

    def _get(self, name: str):
        if name in self._values:
            return self._values[name]
        if any(key.startswith(name + ".") for key in self._values):
            return Section(self, name)
        raise AttributeError(f"symgrad.config has no flag {name!r}")

    def _set(self, name: str, value) -> None:
        if name not in FLAGS:
            raise AttributeError(f"unknown config flag {name!r}; known: {sorted(FLAGS)}")
        default, choices = FLAGS[name]
        if isinstance(value, str):
            value = _parse(value, default, name)
        if name == "num_threads":
            value = int(value)
            if value < 0:
                raise ValueError(f"config.num_threads must be >= 0, got {value}")
        if name == "optimizer" and value is None:
            value = "None"  # Theano spells 'no rewrites' both ways
        if choices and value not in choices:
            raise ValueError(f"config.{name} must be one of {choices}, got {value!r}")
        self._values[name] = value

    def __getattr__(self, name: str):
        return self._get(name)

    def __setattr__(self, name: str, value) -> None:
        self._set(name, value)

    def __dir__(self) -> list[str]:
        return sorted({k.split(".")[0] for k in FLAGS} | set(super().__dir__()))

    def change_flags(self, args: dict | None = None, **flags) -> change_flags:
        """Set flags for a `with` block or for every call of a decorated function:
        `config.change_flags(floatX='float32')`, `config.change_flags({'warn.round': False})`."""
        return change_flags(args, config=self, **flags)


class change_flags(ContextDecorator):
    """Flags set on entry and restored on exit; a context manager and a function decorator.

    `with change_flags(floatX='float32'): ...` or `@change_flags({'warn.round': False})`.
    The new values are checked when the object is made, so a typo fails where it is written.
    """

    def __init__(self, args: dict | None = None, config: Config | None = None, **flags) -> None:
        self.config = config if config is not None else globals()["config"]
        self.flags = {**(args or {}), **flags}
        for name, value in self.flags.items():
            probe = Config.__new__(Config)
            object.__setattr__(probe, "_values", {})
            probe._set(name, value)  # validates without touching the live flags
        self._saved: list[dict] = []  # a stack: a decorated function may call itself

    def __enter__(self):  # the object itself, for `with change_flags(...) as flags`
        values = self.config._values
        self._saved.append({name: values[name] for name in self.flags})
        try:
            for name, value in self.flags.items():
                self.config._set(name, value)
        except Exception:
            values.update(self._saved.pop())
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.config._values.update(self._saved.pop())


def _parse(text: str, default, name: str):
    """A flag's text from SYMGRAD_FLAGS as a value of its default's type."""
    if isinstance(default, bool):
        if text.lower() in ("true", "1"):
            return True
        if text.lower() in ("false", "0"):
            return False
        raise ValueError(f"config.{name} is True or False, got {text!r}")
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"config.{name} is an integer, got {text!r}") from None
    return text


config = Config()
