"""One compiled function called from several threads gives each caller its own result, and
random draws never change the generator they read."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import symgrad.tensor as T
from symgrad import function
from symgrad.tensor.random.utils import RandomStream


def test_concurrent_calls_get_their_own_results():
    x = T.dvector("x")
    f = function([x], (x * 2).sum() + T.exp(x).sum())
    args = [np.full(50, float(i)) for i in range(40)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(f, args))
    for a, r in zip(args, results):
        assert np.isclose(r, (a * 2).sum() + np.exp(a).sum())


def test_concurrent_random_calls_leave_a_valid_generator():
    srng = RandomStream(0)
    u = srng.uniform(size=(100,))
    f = function([], u)
    with ThreadPoolExecutor(4) as pool:
        draws = list(pool.map(lambda _: f(), range(20)))
    assert all(d.shape == (100,) and (0 <= d).all() and (d < 1).all() for d in draws)
    assert isinstance(u.rng.get_value(borrow=True), np.random.Generator)
