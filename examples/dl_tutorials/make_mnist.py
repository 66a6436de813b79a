"""Write a small MNIST-format data set, `mnist.pkl.gz`, of synthetic digit-like images.

    python make_mnist.py --n-train 3000 --out mnist.pkl.gz

The pickle holds ((train_x, train_y), (valid_x, valid_y), (test_x, test_y)) as MNIST's does:
float32 rows of 28*28 pixels in [0, 1] and int64 labels 0..9. Each class is a fixed pattern of
strokes; every sample shifts it by up to 2 pixels, thickens or thins it and adds noise, so the
classes are learnable but not trivially separable.
"""
from __future__ import annotations

import argparse
import gzip
import pickle

import numpy as np

SIDE = 28


def _templates(rng) -> np.ndarray:
    """Ten 28x28 stroke patterns: a few random line segments per class."""
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    out = np.zeros((10, SIDE, SIDE))
    for c in range(10):
        for _ in range(3):
            (y0, x0), (y1, x1) = rng.uniform(6, 22, size=(2, 2))
            t = np.clip(((yy - y0) * (y1 - y0) + (xx - x0) * (x1 - x0))
                        / max((y1 - y0) ** 2 + (x1 - x0) ** 2, 1e-6), 0, 1)
            dist = np.hypot(yy - (y0 + t * (y1 - y0)), xx - (x0 + t * (x1 - x0)))
            out[c] = np.maximum(out[c], np.exp(-(dist / 1.5) ** 2))
    return out


def make(n: int, rng, templates) -> tuple[np.ndarray, np.ndarray]:
    labels = rng.integers(0, 10, size=n)
    images = np.empty((n, SIDE * SIDE), dtype=np.float32)
    for k, c in enumerate(labels):
        dy, dx = rng.integers(-2, 3, size=2)
        img = np.roll(templates[c], (dy, dx), axis=(0, 1)) ** rng.uniform(0.6, 1.6)
        img = img + rng.normal(0, 0.15, size=img.shape)
        images[k] = np.clip(img, 0, 1).reshape(-1)
    return images, labels.astype(np.int64)


def write(path: str = "mnist.pkl.gz", n_train: int = 3000, n_valid: int = 500,
          n_test: int = 500, seed: int = 1234) -> str:
    rng = np.random.default_rng(seed)
    templates = _templates(rng)
    sets = tuple(make(n, rng, templates) for n in (n_train, n_valid, n_test))
    with gzip.open(path, "wb") as f:
        pickle.dump(sets, f, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="mnist.pkl.gz")
    parser.add_argument("--n-train", type=int, default=3000)
    parser.add_argument("--n-valid", type=int, default=500)
    parser.add_argument("--n-test", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args(argv)
    path = write(args.out, args.n_train, args.n_valid, args.n_test, args.seed)
    print(f"wrote {path}")
    return path


if __name__ == "__main__":
    main()
