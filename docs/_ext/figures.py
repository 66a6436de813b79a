"""Draws the documentation's figures when the build starts, into docs/_generated/:

- dlogistic.png: the logistic function's gradient (the same plot as `symgrad demo --plot`);
- graph_before.svg / graph_after.svg: a gradient graph before and after the rewrites;
- benchmarks.png: the run-time ratios of benchmarks/RESULTS.md as a bar chart.

Each figure is redrawn on every build, so the pictures always show the current code.
"""
from __future__ import annotations

import pathlib
import re

HERE = pathlib.Path(__file__).resolve().parent.parent
OUT = HERE / "_generated"
RESULTS = HERE.parent / "benchmarks" / "RESULTS.md"


def draw_graphs(out: pathlib.Path) -> None:
    import symgrad.tensor as T
    from symgrad import function
    from symgrad.printing import pydotprint

    x = T.dmatrix("x")
    gs = T.grad(T.sum(1 / (1 + T.exp(-x))), x)
    pydotprint(gs, outfile=str(out / "graph_before.svg"), print_output_file=False)
    dlogistic = function([x], gs)
    pydotprint(dlogistic, outfile=str(out / "graph_after.svg"), print_output_file=False)


def read_results(text: str) -> dict[str, dict[str, float]]:
    """{workload heading: {implementation: ratio to symgrad FAST_RUN}} for the run-time tables
    (the '### W... ' sections whose table has a 'ratio to symgrad FAST_RUN' column)."""
    tables: dict[str, dict[str, float]] = {}
    heading = None
    for line in text.splitlines():
        if line.startswith("### "):
            heading = line[4:].strip()
        elif line.startswith("| implementation |"):
            if heading is None or "ratio to symgrad FAST_RUN |" not in line:
                heading = None
        elif heading and line.startswith("| ") and not line.startswith("| ---"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(cells) >= 3 and re.fullmatch(r"[0-9.e+-]+", cells[2]):
                tables.setdefault(heading, {})[cells[0]] = float(cells[2])
    return tables


def draw_benchmarks(out: pathlib.Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    tables = read_results(RESULTS.read_text())
    if not tables:
        raise RuntimeError(f"no run-time tables found in {RESULTS}")
    workloads = list(tables)
    impls = list(dict.fromkeys(i for t in tables.values() for i in t))
    fig, ax = plt.subplots(figsize=(9, 4.2), dpi=100)
    width = 0.8 / len(impls)
    for k, impl in enumerate(impls):
        ratios = [tables[w].get(impl, np.nan) for w in workloads]
        ax.bar(np.arange(len(workloads)) + (k - (len(impls) - 1) / 2) * width, ratios, width,
               label=impl)
    ax.set_yscale("log")
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(np.arange(len(workloads)))
    ax.set_xticklabels([w.split(" ")[0] for w in workloads])
    ax.set_ylabel("time / symgrad FAST_RUN time (log)")
    ax.set_title("Run time per call, relative to symgrad FAST_RUN (lower is faster)")
    ax.legend(fontsize=8, ncol=3, frameon=False)
    fig.tight_layout()
    fig.savefig(out / "benchmarks.png")
    plt.close(fig)


def draw_all(app=None) -> None:
    from symgrad.cli import plot_dlogistic

    OUT.mkdir(exist_ok=True)
    plot_dlogistic(str(OUT / "dlogistic.png"))
    draw_graphs(OUT)
    draw_benchmarks(OUT)


def setup(app):
    app.connect("builder-inited", draw_all)
    return {"parallel_read_safe": True, "version": "1"}
