"""Theano's `theano.configparser`: the flag object and `change_flags` under their old module
name. Flags are declared in `symgrad.config` (Theano's AddConfigVar has no counterpart)."""
from symgrad.config import Config, change_flags, config  # noqa: F401

TheanoConfigParser = Config  # Theano's name for the flag object's class
