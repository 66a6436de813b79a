"""The on-disk compile cache: generated modules stored by content, compiled code kept by numba.

A graph's generated source is hashed together with the versions of symgrad, numba and this
backend's own files; the module is written once (atomically) as `<compiledir>/numba-.../g_<hash>.py`
and imported from there, so numba's `cache=True` can keep the machine code beside it and a new
process compiling the same graph loads it instead of compiling. A file whose text is not
exactly what we would write (torn, edited, foreign) is ignored and written again.
"""
from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import threading
import types

import numba

from symgrad.config import config

_BACKEND_DIR = os.path.dirname(os.path.abspath(__file__))
_loaded: dict[str, object] = {}
_lock = threading.Lock()
_fingerprint: list[str] = []


def backend_fingerprint() -> str:
    """A hash of what decides the generated code's meaning: versions and this backend's source."""
    if not _fingerprint:
        h = hashlib.sha256()
        # the LLVM level too (NUMBA_OPT): numba's own cache does not tell levels apart
        h.update(f"numba={numba.__version__};python={sys.version_info[:2]};"
                 f"opt={numba.config.OPT}".encode())
        for name in sorted(os.listdir(_BACKEND_DIR)):
            if name.endswith(".py"):
                with open(os.path.join(_BACKEND_DIR, name), "rb") as f:
                    h.update(name.encode() + b"\0" + f.read())
        _fingerprint.append(h.hexdigest()[:16])
    return _fingerprint[0]


def cache_dir() -> str:
    path = os.path.join(os.path.expanduser(config.compiledir), f"numba-{backend_fingerprint()}")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def source_key(source: str) -> str:
    return hashlib.sha256((backend_fingerprint() + "\0" + source).encode()).hexdigest()[:32]


def _write_atomically(path: str, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-", suffix=".py")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _reads_back(path: str, text: str) -> bool:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read() == text
    except (OSError, UnicodeDecodeError):
        return False


def module_name(source: str, kind: str = "g") -> str:
    """The name `source` is imported under (in sys.modules, so other generated modules can
    import from it): kind "g" for a graph's module, "k" for one shared kernel's."""
    return f"symgrad_numba_{kind}_{source_key(source)}"


def load_module(source: str, kind: str = "g"):
    """The module for `source`, imported from the compile dir (written there first if needed).

    Loaded once per process and key: equal graphs share their compiled functions."""
    key = source_key(source)
    with _lock:
        module = _loaded.get(key)
        if module is not None:
            return module
        path = os.path.join(cache_dir(), f"{kind}_{key}.py")
        if not _reads_back(path, source):
            _write_atomically(path, source)
        # run the text we hold, not what is on disk now; the path names it for numba's cache
        module = types.ModuleType(module_name(source, kind))
        module.__file__ = path
        sys.modules[module.__name__] = module
        exec(compile(source, path, "exec"), module.__dict__)  # noqa: S102 (our own text)
        _loaded[key] = module
        return module


def holds_compiled(dispatcher, signature) -> bool:
    """Whether numba's disk cache already holds `dispatcher`'s machine code for `signature`
    (loading it then takes milliseconds to a few tenths of a second, not a compile). Asks
    numba's cache index; any surprise there (another numba version) answers False."""
    try:
        disk = dispatcher._cache
        key = disk._index_key(tuple(signature), dispatcher.targetctx.codegen())
        return key in disk._cache_file._load_index()
    except Exception:  # noqa: BLE001 - private numba API: no answer means compile as usual
        return False
