"""The `symgrad` command: `symgrad demo` walks the tutorial page "Derivatives in Theano" live."""
from __future__ import annotations

import argparse
import sys

import numpy as np


def demo() -> int:
    import symgrad as theano
    import symgrad.tensor as T
    from symgrad import function, pp

    def show(code: str, value) -> None:
        print(f">>> {code}")
        if value is not None:
            print(repr(value) if not isinstance(value, str) else repr(value))

    print("Derivatives in Theano: computing gradients, with symgrad\n")
    x = T.dscalar("x")
    y = x ** 2
    gy = T.grad(y, x)
    show("x = T.dscalar('x'); y = x ** 2; gy = T.grad(y, x)", None)
    show("pp(gy)  # the gradient before optimisation", pp(gy))
    f = function([x], gy)
    show("f = function([x], gy); f(4)", f(4))
    show("f(94.2)", f(94.2))
    env = f.maker.env
    show("pp(f.maker.env.outputs[0])  # after optimisation", pp(env.outputs[0]))
    print(f"    ({len(env.apply_nodes)} Apply node(s) left; rewrites took "
          f"{f.maker.rewrite_time * 1e3:.2f} ms)")

    print("\nThe logistic function's gradient:")
    xm = T.dmatrix("x")
    s = T.sum(1 / (1 + T.exp(-xm)))
    gs = T.grad(s, xm)
    dlogistic = function([xm], gs)
    show("dlogistic([[0, 1], [-1, -2]])", dlogistic([[0, 1], [-1, -2]]))
    print("    optimised graph:", pp(dlogistic.maker.fgraph.outputs[0]))
    print("    nodes:", len(dlogistic.maker.fgraph.apply_nodes))

    print("\nA list as the second argument gives a list of gradients, in order:")
    a, b = T.dscalars("a", "b")
    ga, gb = T.grad(a * b + a ** 3, [a, b])
    show("function([a, b], T.grad(a * b + a ** 3, [a, b]))(2.0, 5.0)",
         function([a, b], [ga, gb])(2.0, 5.0))
    print("\nThe cost must be a scalar:")
    v = T.dvector("v")
    try:
        T.grad(v ** 2, v)
    except TypeError as exc:
        print(f"    TypeError: {exc}")
    _ = (theano, np)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="symgrad", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="walk the tutorial page 'Derivatives in Theano' live")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo()
    return 1


if __name__ == "__main__":
    sys.exit(main())
