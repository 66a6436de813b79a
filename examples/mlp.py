"""A two-hidden-layer perceptron trained by minibatch SGD on scikit-learn's handwritten digits.

    make mlp                      # installs the `examples` extra (scikit-learn), then runs this
    python examples/mlp.py --epochs 40 --hidden 128 64 --lr 0.1

Written as a Theano user writes it: shared parameters, T.nnet.softmax with
categorical_crossentropy for the loss, T.grad for the gradients, and `updates` for SGD.
"""
from __future__ import annotations

import argparse
import itertools
import sys
import time

import numpy as np
from tqdm import tqdm

import symgrad as theano
import symgrad.tensor as T


def load_digits_split(seed: int):
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        sys.exit("this example needs scikit-learn: pip install -e '.[examples]' (or `make mlp`)")
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")  # pixel intensities are 0..16
    y = digits.target.astype("int32")
    return train_test_split(x, y, test_size=0.25, random_state=seed, stratify=y)


def init_layer(rng, n_in: int, n_out: int, name: str):
    """Glorot-uniform weights for a tanh layer, zero biases."""
    bound = np.sqrt(6.0 / (n_in + n_out))
    w = rng.uniform(-bound, bound, size=(n_in, n_out)).astype("float32")
    return theano.shared(w, name=f"W{name}"), theano.shared(np.zeros(n_out, "float32"),
                                                            name=f"b{name}")


def build(sizes, lr: float, rng):
    x, y = T.fmatrix("x"), T.ivector("y")
    params, h = [], x
    for k, (n_in, n_out) in enumerate(itertools.pairwise(sizes), start=1):
        w, b = init_layer(rng, n_in, n_out, str(k))
        params += [w, b]
        pre = T.dot(h, w) + b
        h = T.tanh(pre) if k < len(sizes) - 1 else pre
    probs = T.nnet.softmax(h)
    loss = T.nnet.categorical_crossentropy(probs, y).mean()
    grads = T.grad(loss, params)
    rate = T.constant(lr, dtype="float32")  # a float32 step keeps the parameters float32
    updates = [(p, p - rate * g) for p, g in zip(params, grads)]
    train = theano.function([x, y], loss, updates=updates)
    predict = theano.function([x], T.argmax(probs, axis=1))
    return train, predict


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--hidden", type=int, nargs=2, default=[128, 64])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    x_train, x_test, y_train, y_test = load_digits_split(args.seed)
    rng = np.random.default_rng(args.seed)
    sizes = [x_train.shape[1], *args.hidden, 10]
    start = time.perf_counter()
    train, predict = build(sizes, args.lr, rng)
    compiled = time.perf_counter()
    print(f"digits: {len(x_train)} train / {len(x_test)} test images, layers {sizes}, "
          f"compiled in {compiled - start:.2f}s")

    accuracy = 0.0
    epochs = tqdm(range(1, args.epochs + 1), desc="epochs", unit="epoch")
    for epoch in epochs:
        order = rng.permutation(len(x_train))
        losses = [float(train(x_train[idx], y_train[idx]))
                  for idx in np.array_split(order, max(1, len(order) // args.batch))]
        accuracy = float(np.mean(predict(x_test) == y_test))
        epochs.set_postfix(loss=f"{np.mean(losses):.4f}", test_acc=f"{accuracy:.2%}")
    epochs.close()
    print(f"test accuracy {accuracy:.2%} after {args.epochs} epochs; training took "
          f"{time.perf_counter() - compiled:.2f}s")
    return accuracy


if __name__ == "__main__":
    main()
