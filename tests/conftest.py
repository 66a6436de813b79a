import numpy as np
import pytest

from symgrad import config

# a rewrite that raises is a bug: fail the test instead of warning and skipping the rewrite
config.on_opt_error = "raise"


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
