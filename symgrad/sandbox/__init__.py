"""Theano's sandbox names: `rng_mrg.MRG_RandomStreams`, random streams drawn with MRG31k3p."""
from symgrad.sandbox import rng_mrg  # noqa: F401
