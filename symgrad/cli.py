"""The `symgrad` command: `symgrad demo [--plot FILE.png]` walks the tutorial page "Derivatives in
Theano" live (and draws the logistic function's gradient); `symgrad graph FILE.py:NAME
[-o OUT.svg]` prints or draws a graph defined in a script."""
from __future__ import annotations

import argparse
import sys

import numpy as np


def plot_dlogistic(outfile: str) -> str:
    """Draw the logistic function and its gradient (computed by a compiled symgrad function) to
    `outfile` (.png, .svg, .pdf); needs matplotlib. Returns the file name."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError("the plot needs matplotlib: pip install matplotlib") from exc
    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    import symgrad.tensor as T
    from symgrad import function

    x = T.dvector("x")
    s = 1 / (1 + T.exp(-x))
    logistic = function([x], s)
    dlogistic = function([x], T.grad(T.sum(s), x))
    xs = np.linspace(-6, 6, 241)
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=100)
    ax.plot(xs, logistic(xs), color="0.6", linestyle="--", label="s(x) = 1 / (1 + exp(-x))")
    ax.plot(xs, dlogistic(xs), color="C0", linewidth=2, label="ds(x)/dx, from T.grad")
    ax.set_xlabel("x")
    ax.set_ylabel("ds(x)/dx")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", frameon=False)
    fig.tight_layout()
    fig.savefig(outfile)
    plt.close(fig)
    return outfile


def demo(plot: str | None = None) -> int:
    import symgrad as theano
    import symgrad.tensor as T
    from symgrad import function, pp

    def show(code: str, value) -> None:
        print(f">>> {code}")
        if value is not None:
            print(repr(value))

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
    if plot:
        print(f"\nThe plot of ds(x)/dx is in {plot_dlogistic(plot)}")
    return 0


def graph(target: str, outfile: str | None) -> int:
    """Run FILE.py and print (or draw, with -o) the graph named NAME in it."""
    import runpy

    from symgrad.printing import pp, pydotprint

    path, _, name = target.rpartition(":")
    if not path or not name:
        print("usage: symgrad graph FILE.py:NAME [-o OUT.png|svg|pdf]", file=sys.stderr)
        return 2
    namespace = runpy.run_path(path, run_name="__symgrad_graph__")
    if name not in namespace:
        print(f"{path} defines no variable or function named {name!r}", file=sys.stderr)
        return 2
    obj = namespace[name]
    if outfile:
        pydotprint(obj, outfile=outfile)
    else:
        print(pp(obj))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="symgrad", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="walk the tutorial page 'Derivatives in Theano' live")
    d.add_argument("--plot", metavar="FILE",
                   help="also draw the logistic function's gradient to FILE (.png, .svg)")
    g = sub.add_parser("graph", help="print or draw a graph defined in a Python file")
    g.add_argument("target", help="FILE.py:NAME, a variable or compiled function in FILE.py")
    g.add_argument("-o", "--outfile", help="draw to this file (.png, .svg, .pdf)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo(args.plot)
    if args.command == "graph":
        return graph(args.target, args.outfile)
    return 1


if __name__ == "__main__":
    sys.exit(main())
