"""The documentation's examples run as doctests (`pytest docs`, part of `make test`).

They compile on the Python VM, as tests/conftest.py does for the suite: a doctest checks what a
graph computes and prints, and a numba compile per example would cost seconds each. Flags an
example changes are put back after each page, so pages never depend on their order.
"""
import numpy as np
import pytest

from symgrad import config

config.linker = "py"
config.num_threads = 1


@pytest.fixture(autouse=True)
def _page_namespace(doctest_namespace):
    # numpy prints arrays as the pages show them, whatever a test elsewhere set
    doctest_namespace["np"] = np
    before = dict(config._values)
    with np.printoptions(legacy=False):
        yield
    config._values.clear()
    config._values.update(before)
