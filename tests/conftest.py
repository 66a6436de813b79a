import numpy as np
import pytest

from symgrad import config

# a rewrite that raises is a bug: fail the test instead of warning and skipping the rewrite
config.on_opt_error = "raise"
# Functions compiled without an explicit mode run on the reference VM here, instead of starting
# a background numba compile each: the numba backend is checked explicitly in every mode of
# tests/helpers.modes() and in tests/link (which also covers the tiered FAST_RUN default).
config.linker = "py"


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
