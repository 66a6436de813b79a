"""LeNet: two convolution + max-pooling layers, a tanh hidden layer and a logistic-regression
layer, trained by minibatch SGD, as in the Theano tutorial.

    python convolutional_mlp.py --epochs 10 --kernels 20 50
"""
from __future__ import annotations

import argparse

import numpy
from logistic_sgd import LogisticRegression, load_data, parse, sgd_loop
from mlp import HiddenLayer

import symgrad as theano
import symgrad.tensor as T
from symgrad.tensor.nnet import conv2d
from symgrad.tensor.signal import pool


class LeNetConvPoolLayer:
    def __init__(self, rng, input, filter_shape, image_shape, poolsize=(2, 2)):
        assert image_shape[1] == filter_shape[1]
        self.input = input
        fan_in = numpy.prod(filter_shape[1:])
        fan_out = filter_shape[0] * numpy.prod(filter_shape[2:]) // numpy.prod(poolsize)
        W_bound = numpy.sqrt(6.0 / (fan_in + fan_out))
        self.W = theano.shared(numpy.asarray(rng.uniform(low=-W_bound, high=W_bound,
                                                         size=filter_shape),
                                             dtype=theano.config.floatX), borrow=True)
        self.b = theano.shared(numpy.zeros((filter_shape[0],), dtype=theano.config.floatX),
                               borrow=True)
        conv_out = conv2d(input=input, filters=self.W, filter_shape=filter_shape,
                          input_shape=image_shape)
        pooled_out = pool.pool_2d(input=conv_out, ws=poolsize, ignore_border=True)
        self.output = T.tanh(pooled_out + self.b.dimshuffle("x", 0, "x", "x"))
        self.params = [self.W, self.b]


def main(argv=None) -> list[float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--kernels", type=int, nargs=2, default=[20, 50])
    parser.add_argument("--hidden", type=int, default=500)
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--dataset", default="mnist.pkl.gz")
    parser.add_argument("--mode", default=None, help="compile mode, e.g. FAST_COMPILE")
    args = parse(parser, argv)

    (train_set_x, train_set_y), _, _ = load_data(args.dataset, args.n_train)
    bs = args.batch_size
    nkerns = args.kernels
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // bs
    index = T.lscalar()
    x = T.matrix("x")
    y = T.ivector("y")
    rng = numpy.random.RandomState(23455)
    layer0_input = x.reshape((bs, 1, 28, 28))
    layer0 = LeNetConvPoolLayer(rng, input=layer0_input, image_shape=(bs, 1, 28, 28),
                                filter_shape=(nkerns[0], 1, 5, 5), poolsize=(2, 2))
    layer1 = LeNetConvPoolLayer(rng, input=layer0.output, image_shape=(bs, nkerns[0], 12, 12),
                                filter_shape=(nkerns[1], nkerns[0], 5, 5), poolsize=(2, 2))
    layer2 = HiddenLayer(rng, input=layer1.output.flatten(2), n_in=nkerns[1] * 4 * 4,
                         n_out=args.hidden, activation=T.tanh)
    layer3 = LogisticRegression(input=layer2.output, n_in=args.hidden, n_out=10)
    cost = layer3.negative_log_likelihood(y)
    params = layer3.params + layer2.params + layer1.params + layer0.params
    grads = T.grad(cost, params)
    updates = [(p, p - args.learning_rate * g) for p, g in zip(params, grads)]
    train_model = theano.function(
        [index], cost, updates=updates,
        givens={x: train_set_x[index * bs:(index + 1) * bs],
                y: train_set_y[index * bs:(index + 1) * bs]})
    return sgd_loop(train_model, n_train_batches, args.epochs, "lenet")


if __name__ == "__main__":
    main()
