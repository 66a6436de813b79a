"""Draws the documentation's figures when the build starts, into docs/_generated/:

- dlogistic.png: the logistic function's gradient (the same plot as `symgrad demo --plot`);
- graph_before.svg / graph_after.svg: a gradient graph before and after the rewrites;
- benchmarks.png: the run-time ratios of benchmarks/RESULTS.md as a bar chart, and
  workloads.inc: the list of those workloads;
- api_*.inc: the API reference pages (apipages.py).

Each figure is redrawn on every build, so the pictures always show the current code.
"""
from __future__ import annotations

import pathlib
import re

from apipages import write_api

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
    of the latest full run: its '## Results' section up to the next '# ' title (RESULTS.md
    lists the latest run first), '### W... ' headings whose table has a 'ratio to symgrad
    FAST_RUN' column (compile-time tables have a 'cold' column instead)."""
    tables: dict[str, dict[str, float]] = {}
    heading, in_results = None, False
    for line in text.splitlines():
        if line.strip() == "## Results":
            in_results = True
        elif in_results and line.startswith("# "):
            break
        elif not in_results:
            continue
        elif line.startswith("### "):
            heading = line[4:].strip()
        elif line.startswith("| implementation |"):
            if heading is None or "ratio to symgrad FAST_RUN |" not in line:
                heading = None
        elif heading and line.startswith("| ") and not line.startswith("| ---"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(cells) >= 3 and re.fullmatch(r"\d+(\.\d+)?(e[+-]?\d+)?", cells[2]):
                tables.setdefault(heading, {})[cells[0]] = float(cells[2])
    return tables


def short_labels(workloads: list[str]) -> list[str]:
    """'W2' for a workload measured once; 'W2' and its size (the heading's last part) when
    RESULTS.md measures it at several sizes."""
    ids = [w.split(" ", 1)[0] for w in workloads]
    return [f"{i}\n{w.rsplit(', ', 1)[-1]}" if ids.count(i) > 1 else i
            for i, w in zip(ids, workloads)]


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
    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=100)
    width = 0.8 / len(impls)
    for k, impl in enumerate(impls):
        ratios = [tables[w].get(impl, np.nan) for w in workloads]
        ax.bar(np.arange(len(workloads)) + (k - (len(impls) - 1) / 2) * width, ratios, width,
               label=impl)
    ax.set_yscale("log")
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(np.arange(len(workloads)))
    ax.set_xticklabels(short_labels(workloads))
    ax.set_ylabel("time / symgrad FAST_RUN time (log)")
    ax.set_title("Run time per call, relative to symgrad FAST_RUN (lower is faster)")
    # below the axes: the tallest bars reach the top of the plot
    ax.legend(fontsize=8, ncol=3, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16))
    fig.tight_layout()
    fig.savefig(out / "benchmarks.png", bbox_inches="tight")
    plt.close(fig)


def write_workloads(out: pathlib.Path) -> None:
    """The workload headings of RESULTS.md as a bullet list, included by benchmarks.rst."""
    lines = []
    for heading in read_results(RESULTS.read_text()):
        name, _, what = heading.partition(" ")
        lines.append(f"- **{name}**: " + what.replace("*", r"\*"))
    (out / "workloads.inc").write_text("\n".join(lines) + "\n")


def draw_all(app=None) -> None:
    from symgrad.cli import plot_dlogistic

    OUT.mkdir(exist_ok=True)
    plot_dlogistic(str(OUT / "dlogistic.png"))
    draw_graphs(OUT)
    draw_benchmarks(OUT)
    write_workloads(OUT)
    write_api(OUT)


def setup(app):
    app.connect("builder-inited", draw_all)
    return {"parallel_read_safe": True, "version": "1"}
