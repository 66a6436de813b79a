"""Saving objects that hold arrays (models, shared variables, compiled functions) as a zip:
`dump(obj, f)` writes a zip file whose `pkl` entry is the pickle and whose other entries are
the arrays as .npy files (readable with numpy alone); `load(f)` reads it back.
`StripPickler` pickles graphs without the build-site traces and test values of variables."""
from __future__ import annotations

import copy
import copyreg
import io
import pickle
import zipfile
from types import SimpleNamespace

import numpy as np

from symgrad.graph.basic import Apply, Variable

__all__ = ["StripPickler", "dump", "load"]


class _ArraysAsFiles(pickle.Pickler):
    """Each numeric array becomes a `<name>.npy` entry (named after its shared variable when
    it has one) and is referred to by name in the pickle."""

    def __init__(self, file, zip_file: zipfile.ZipFile, protocol):
        super().__init__(file, protocol)
        self.zip_file = zip_file
        self.names: dict[int, str] = {}
        self.keep: list = []  # arrays stay alive so their ids stay unique while pickling
        self.next_name = None

    def persistent_id(self, obj):
        if isinstance(obj, Variable) and obj.name and getattr(obj, "container", None):
            self.next_name = obj.name
        if type(obj) is not np.ndarray or obj.dtype.hasobject:
            return None
        key = id(obj)
        if key not in self.names:
            name = self._free_name(self.next_name or f"array_{len(self.names)}")
            self.names[key] = name
            self.keep.append(obj)
            with self.zip_file.open(name, "w", force_zip64=True) as out:
                np.lib.format.write_array(out, obj, allow_pickle=False)
        return self.names[key]

    def _free_name(self, base: str) -> str:
        taken = set(self.names.values())
        name, k = f"{base}.npy", 0
        while name in taken or name == "pkl":
            k += 1
            name = f"{base}_{k}.npy"
        self.next_name = None
        return name


def dump(obj, file_handler, protocol: int = pickle.DEFAULT_PROTOCOL, persistent_id=None):
    """Write `obj` to `file_handler` (a path or binary file) as a zip of a pickle and .npy
    files. `persistent_id` is Theano's hook for naming arrays; symgrad names them itself."""
    if persistent_id is not None:
        raise TypeError("dump: symgrad names the saved arrays itself; persistent_id is not "
                        "supported")
    with zipfile.ZipFile(file_handler, "w", zipfile.ZIP_DEFLATED) as zf:
        buffer = io.BytesIO()
        _ArraysAsFiles(buffer, zf, protocol).dump(obj)
        zf.writestr("pkl", buffer.getvalue())


class _ArraysFromFiles(pickle.Unpickler):
    def __init__(self, file, zip_file: zipfile.ZipFile):
        super().__init__(file)
        self.zip_file = zip_file
        self.loaded: dict[str, np.ndarray] = {}

    def persistent_load(self, name):
        if name not in self.loaded:
            with self.zip_file.open(name) as src:
                self.loaded[name] = np.lib.format.read_array(src, allow_pickle=False)
        return self.loaded[name]


def load(f, persistent_load=None):
    """Read an object written by `dump` from a path or binary file."""
    if persistent_load is not None:
        raise TypeError("load: symgrad reads the arrays itself; persistent_load is not "
                        "supported")
    with zipfile.ZipFile(f, "r") as zf:
        return _ArraysFromFiles(io.BytesIO(zf.read("pkl")), zf).load()


class StripPickler(pickle.Pickler):
    """A Pickler that leaves out what ties a graph to the session that built it: each node's
    build-site trace and each variable's test value (and the tag names in
    extra_tag_to_remove). The objects being pickled are not changed."""

    def __init__(self, file, protocol: int = 0, extra_tag_to_remove=None):
        super().__init__(file, protocol)
        self.tags = ("trace", "test_value", *(extra_tag_to_remove or ()))

    def reducer_override(self, obj):
        if isinstance(obj, Variable) and any(t in vars(obj.tag) for t in self.tags):
            stripped = copy.copy(obj)
            stripped.tag = SimpleNamespace(**{k: v for k, v in vars(obj.tag).items()
                                              if k not in self.tags})
            return _state_reduction(obj, stripped)
        if isinstance(obj, Apply) and getattr(obj, "trace", None) is not None:
            stripped = copy.copy(obj)
            stripped.trace = None
            return _state_reduction(obj, stripped)
        return NotImplemented


def _state_reduction(obj, stripped):
    """Rebuild `obj`'s class from the stripped copy's attributes."""
    return copyreg.__newobj__, (type(obj),), dict(vars(stripped))
