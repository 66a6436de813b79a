"""Theano's `theano.gof.utils`: the exception an Op raises for a method it leaves out."""


class MethodNotDefined(Exception):
    """An Op (or Type) was asked for a method it does not define (Theano's c_code and friends
    raise it; Python code catching it keeps working)."""
