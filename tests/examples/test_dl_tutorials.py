"""The deep-learning tutorial scripts in examples/dl_tutorials run, small, and learn: the
printed cost goes down every epoch."""
from __future__ import annotations

import importlib
import itertools
import pathlib
import sys

import pytest

from symgrad import config

FOLDER = pathlib.Path(__file__).parents[2] / "examples" / "dl_tutorials"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    sys.path.insert(0, str(FOLDER))  # the scripts import each other, as the tutorials do
    try:
        path = tmp_path_factory.mktemp("mnist") / "mnist.pkl.gz"
        importlib.import_module("make_mnist").write(str(path), n_train=300, n_valid=50,
                                                    n_test=100)
        yield str(path)
    finally:
        sys.path.remove(str(FOLDER))


def _run(name, dataset, *flags):
    module = importlib.import_module(name)
    # the scripts' --mode sets config.mode for the process, as a user's run would: keep it here
    with config.change_flags(mode=config.mode):
        return module.main(["--dataset", dataset, "--mode", "FAST_COMPILE", *flags])


def _decreasing(costs):
    return all(b < a for a, b in itertools.pairwise(costs))


def test_make_mnist_writes_mnist_format(dataset):
    import gzip
    import pickle

    with gzip.open(dataset) as f:
        (tx, ty), _, (sx, _) = pickle.load(f)
    assert tx.shape == (300, 784) and tx.dtype == "float32" and sx.shape == (100, 784)
    assert 0 <= tx.min() and tx.max() <= 1 and set(ty) == set(range(10))


def test_logistic_sgd_cost_decreases(dataset, capsys):
    costs = _run("logistic_sgd", dataset, "--epochs", "3", "--batch-size", "50")
    assert len(costs) == 3 and _decreasing(costs)
    assert "epoch 3, cost" in capsys.readouterr().out


def test_denoising_autoencoder_cost_decreases(dataset):
    costs = _run("dA", dataset, "--epochs", "3", "--hidden", "20", "--n-train", "200")
    assert len(costs) == 3 and _decreasing(costs)


def test_mlp_cost_decreases(dataset):
    costs = _run("mlp", dataset, "--epochs", "3", "--hidden", "30", "--n-train", "200")
    assert len(costs) == 3 and _decreasing(costs)


def test_lenet_cost_decreases(dataset):
    costs = _run("convolutional_mlp", dataset, "--epochs", "3", "--kernels", "4", "6",
                 "--hidden", "20", "--batch-size", "20", "--n-train", "100")
    assert len(costs) == 3 and _decreasing(costs)
