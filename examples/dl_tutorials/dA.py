"""A denoising autoencoder, as in the Theano tutorial: corrupt the input with MRG random
streams, encode with a sigmoid layer, decode with the tied transposed weights, and minimise the
cross-entropy of the reconstruction.

    python dA.py --epochs 15 --corruption 0.3 --hidden 500
"""
from __future__ import annotations

import argparse

import numpy
from logistic_sgd import load_data, parse, sgd_loop

import symgrad as theano
import symgrad.tensor as T
from symgrad.sandbox.rng_mrg import MRG_RandomStreams


class dA:
    def __init__(self, numpy_rng, theano_rng, input, n_visible=784, n_hidden=500):
        bound = 4 * numpy.sqrt(6.0 / (n_hidden + n_visible))
        initial_W = numpy.asarray(numpy_rng.uniform(low=-bound, high=bound,
                                                    size=(n_visible, n_hidden)),
                                  dtype=theano.config.floatX)
        self.W = theano.shared(value=initial_W, name="W", borrow=True)
        self.b = theano.shared(numpy.zeros(n_hidden, dtype=theano.config.floatX), name="b")
        self.b_prime = theano.shared(numpy.zeros(n_visible, dtype=theano.config.floatX),
                                     name="b'")
        self.W_prime = self.W.T
        self.theano_rng = theano_rng
        self.x = input
        self.params = [self.W, self.b, self.b_prime]

    def get_corrupted_input(self, input, corruption_level):
        return self.theano_rng.binomial(size=input.shape, n=1, p=1 - corruption_level,
                                        dtype=theano.config.floatX) * input

    def get_hidden_values(self, input):
        return T.nnet.sigmoid(T.dot(input, self.W) + self.b)

    def get_reconstructed_input(self, hidden):
        return T.nnet.sigmoid(T.dot(hidden, self.W_prime) + self.b_prime)

    def get_cost_updates(self, corruption_level, learning_rate):
        tilde_x = self.get_corrupted_input(self.x, corruption_level)
        y = self.get_hidden_values(tilde_x)
        z = self.get_reconstructed_input(y)
        L = -T.sum(self.x * T.log(z) + (1 - self.x) * T.log(1 - z), axis=1)
        cost = T.mean(L)
        gparams = T.grad(cost, self.params)
        updates = [(p, p - learning_rate * g) for p, g in zip(self.params, gparams)]
        return cost, updates


def main(argv=None) -> list[float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--corruption", type=float, default=0.3)
    parser.add_argument("--hidden", type=int, default=500)
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--dataset", default="mnist.pkl.gz")
    parser.add_argument("--mode", default=None, help="compile mode, e.g. FAST_COMPILE")
    args = parse(parser, argv)

    (train_set_x, _), _, _ = load_data(args.dataset, args.n_train)
    bs = args.batch_size
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // bs
    index = T.lscalar()
    x = T.matrix("x")
    rng = numpy.random.RandomState(123)
    theano_rng = MRG_RandomStreams(rng.randint(2 ** 30))
    da = dA(numpy_rng=rng, theano_rng=theano_rng, input=x, n_visible=28 * 28,
            n_hidden=args.hidden)
    cost, updates = da.get_cost_updates(corruption_level=args.corruption,
                                        learning_rate=args.learning_rate)
    train_da = theano.function([index], cost, updates=updates,
                               givens={x: train_set_x[index * bs:(index + 1) * bs]})
    return sgd_loop(train_da, n_train_batches, args.epochs, "dA")


if __name__ == "__main__":
    main()
