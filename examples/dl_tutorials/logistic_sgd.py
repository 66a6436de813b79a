"""Multiclass logistic regression trained by minibatch SGD, as in the Theano tutorial.

    python logistic_sgd.py --epochs 10 --batch-size 100

The data (`mnist.pkl.gz`) is written by make_mnist.py when it is missing.
"""
from __future__ import annotations

import argparse
import gzip
import os
import pickle

import make_mnist
import numpy
from tqdm import tqdm

import symgrad as theano
import symgrad.tensor as T


class LogisticRegression:
    """p(y | x) = softmax(x W + b); the prediction is the most probable class."""

    def __init__(self, input, n_in, n_out):
        self.W = theano.shared(numpy.zeros((n_in, n_out), dtype=theano.config.floatX),
                               name="W", borrow=True)
        self.b = theano.shared(numpy.zeros((n_out,), dtype=theano.config.floatX),
                               name="b", borrow=True)
        self.p_y_given_x = T.nnet.softmax(T.dot(input, self.W) + self.b)
        self.y_pred = T.argmax(self.p_y_given_x, axis=1)
        self.params = [self.W, self.b]
        self.input = input

    def negative_log_likelihood(self, y):
        return -T.mean(T.log(self.p_y_given_x)[T.arange(y.shape[0]), y])

    def errors(self, y):
        return T.mean(T.neq(self.y_pred, y))


def shared_dataset(data_xy, borrow=True):
    """Keep a split in shared variables; labels are used as int32 indices."""
    data_x, data_y = data_xy
    shared_x = theano.shared(numpy.asarray(data_x, dtype=theano.config.floatX), borrow=borrow)
    shared_y = theano.shared(numpy.asarray(data_y, dtype=theano.config.floatX), borrow=borrow)
    return shared_x, T.cast(shared_y, "int32")


def load_data(dataset, n_train=None):
    if not os.path.isfile(dataset):
        make_mnist.write(dataset)
    with gzip.open(dataset, "rb") as f:
        train_set, valid_set, test_set = pickle.load(f)
    if n_train is not None:
        train_set = (train_set[0][:n_train], train_set[1][:n_train])
    return [shared_dataset(s) for s in (train_set, valid_set, test_set)]


def sgd_loop(train_model, n_batches: int, n_epochs: int, name: str,
             test_model=None, n_test_batches: int = 0) -> list[float]:
    """Run the epochs with a progress bar showing the epoch's mean cost so far; print and return
    each epoch's mean cost."""
    costs = []
    for epoch in range(1, n_epochs + 1):
        batches = tqdm(range(n_batches), desc=f"{name} epoch {epoch}", leave=False)
        batch_costs = []
        for i in batches:
            batch_costs.append(float(train_model(i)))
            batches.set_postfix(cost=f"{numpy.mean(batch_costs):.6f}", refresh=False)
        cost = float(numpy.mean(batch_costs))
        costs.append(cost)
        line = f"epoch {epoch}, cost {cost:.6f}"
        if test_model is not None:
            err = numpy.mean([test_model(i) for i in range(n_test_batches)])
            line += f", test error {100 * err:.2f} %"
        print(line, flush=True)
    return costs


def parse(parser, argv):
    args = parser.parse_args(argv)
    if args.mode is not None:
        theano.config.mode = args.mode
    return args


def main(argv=None) -> list[float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--learning-rate", type=float, default=0.13)
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--dataset", default="mnist.pkl.gz")
    parser.add_argument("--mode", default=None, help="compile mode, e.g. FAST_COMPILE")
    args = parse(parser, argv)

    (train_set_x, train_set_y), _, (test_set_x, test_set_y) = load_data(args.dataset,
                                                                         args.n_train)
    bs = args.batch_size
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // bs
    n_test_batches = test_set_x.get_value(borrow=True).shape[0] // bs

    index = T.lscalar()
    x = T.matrix("x")
    y = T.ivector("y")
    classifier = LogisticRegression(input=x, n_in=28 * 28, n_out=10)
    cost = classifier.negative_log_likelihood(y)
    g_W = T.grad(cost=cost, wrt=classifier.W)
    g_b = T.grad(cost=cost, wrt=classifier.b)
    updates = [(classifier.W, classifier.W - args.learning_rate * g_W),
               (classifier.b, classifier.b - args.learning_rate * g_b)]
    train_model = theano.function(
        inputs=[index], outputs=cost, updates=updates,
        givens={x: train_set_x[index * bs:(index + 1) * bs],
                y: train_set_y[index * bs:(index + 1) * bs]})
    test_model = theano.function(
        inputs=[index], outputs=classifier.errors(y),
        givens={x: test_set_x[index * bs:(index + 1) * bs],
                y: test_set_y[index * bs:(index + 1) * bs]})
    return sgd_loop(train_model, n_train_batches, args.epochs, "logistic", test_model,
                    n_test_batches)


if __name__ == "__main__":
    main()
