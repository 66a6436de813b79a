"""Theano's `theano.misc.pkl_utils`: dump/load of objects with their arrays as .npy files in
a zip, and StripPickler (defined in `symgrad.compile.saving`)."""
from symgrad.compile.saving import StripPickler, dump, load  # noqa: F401

__all__ = ["StripPickler", "dump", "load"]
