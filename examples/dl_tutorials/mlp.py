"""A multilayer perceptron (one tanh hidden layer under a logistic-regression layer) with L1
and L2 penalties, trained by minibatch SGD, as in the Theano tutorial.

    python mlp.py --epochs 20 --hidden 500
"""
from __future__ import annotations

import argparse

import numpy
from logistic_sgd import LogisticRegression, load_data, parse, sgd_loop

import symgrad as theano
import symgrad.tensor as T


class HiddenLayer:
    def __init__(self, rng, input, n_in, n_out, W=None, b=None, activation=T.tanh):
        self.input = input
        if W is None:
            bound = numpy.sqrt(6.0 / (n_in + n_out))
            W_values = numpy.asarray(rng.uniform(low=-bound, high=bound, size=(n_in, n_out)),
                                     dtype=theano.config.floatX)
            if activation == T.nnet.sigmoid:
                W_values *= 4
            W = theano.shared(value=W_values, name="W", borrow=True)
        if b is None:
            b = theano.shared(value=numpy.zeros((n_out,), dtype=theano.config.floatX),
                              name="b", borrow=True)
        self.W, self.b = W, b
        lin_output = T.dot(input, self.W) + self.b
        self.output = lin_output if activation is None else activation(lin_output)
        self.params = [self.W, self.b]


class MLP:
    def __init__(self, rng, input, n_in, n_hidden, n_out):
        self.hiddenLayer = HiddenLayer(rng=rng, input=input, n_in=n_in, n_out=n_hidden,
                                       activation=T.tanh)
        self.logRegressionLayer = LogisticRegression(input=self.hiddenLayer.output,
                                                     n_in=n_hidden, n_out=n_out)
        self.L1 = abs(self.hiddenLayer.W).sum() + abs(self.logRegressionLayer.W).sum()
        self.L2_sqr = (self.hiddenLayer.W ** 2).sum() + (self.logRegressionLayer.W ** 2).sum()
        self.negative_log_likelihood = self.logRegressionLayer.negative_log_likelihood
        self.errors = self.logRegressionLayer.errors
        self.params = self.hiddenLayer.params + self.logRegressionLayer.params
        self.input = input


def main(argv=None) -> list[float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--hidden", type=int, default=500)
    parser.add_argument("--L1", type=float, default=0.0)
    parser.add_argument("--L2", type=float, default=0.0001)
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
    rng = numpy.random.RandomState(1234)
    classifier = MLP(rng=rng, input=x, n_in=28 * 28, n_hidden=args.hidden, n_out=10)
    cost = (classifier.negative_log_likelihood(y) + args.L1 * classifier.L1
            + args.L2 * classifier.L2_sqr)
    gparams = [T.grad(cost, param) for param in classifier.params]
    updates = [(param, param - args.learning_rate * gparam)
               for param, gparam in zip(classifier.params, gparams)]
    train_model = theano.function(
        inputs=[index], outputs=cost, updates=updates,
        givens={x: train_set_x[index * bs:(index + 1) * bs],
                y: train_set_y[index * bs:(index + 1) * bs]})
    test_model = theano.function(
        inputs=[index], outputs=classifier.errors(y),
        givens={x: test_set_x[index * bs:(index + 1) * bs],
                y: test_set_y[index * bs:(index + 1) * bs]})
    return sgd_loop(train_model, n_train_batches, args.epochs, "mlp", test_model,
                    n_test_batches)


if __name__ == "__main__":
    main()
