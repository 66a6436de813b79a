"""Tables of results: implementation | median | ratio to symgrad FAST_RUN | notes, as plain text
for the terminal and as markdown for RESULTS.md."""
from __future__ import annotations

from dataclasses import dataclass, field

SCALE = {"µs": 1e6, "ms": 1e3, "s": 1.0}


@dataclass
class Table:
    title: str
    unit: str  # µs, ms, s, or auto (chosen per cell)
    rows: list = field(default_factory=list)  # (label, cell); a cell is a worker result dict
    baseline: str = ""  # label of the row the ratios divide by


def format_value(seconds: float, unit: str) -> str:
    if unit == "auto":  # compile times: from microseconds (numpy) to minutes (inductor)
        unit = "µs" if seconds < 1e-3 else "ms" if seconds < 1.0 else "s"
    v = seconds * SCALE[unit]
    if v >= 100:
        return f"{v:.0f} {unit}"
    if v >= 10:
        return f"{v:.1f} {unit}"
    return f"{v:.2f} {unit}" if v >= 0.1 else f"{v:.3g} {unit}"


def cell_text(cell: dict | None, unit: str) -> str:
    if cell is None:
        return "not run (cold run failed)"
    if cell.get("status") == "n/a":
        return "n/a"
    if cell.get("status") != "ok":
        return "error: " + cell.get("message", "?")
    text = format_value(cell["seconds"], unit)
    return text if cell.get("verified", True) else text + " (!)"


def ratio_text(cell: dict | None, base: dict | None) -> str:
    ok = [c is not None and c.get("status") == "ok" and c.get("seconds") for c in (cell, base)]
    if not all(ok):
        return "-"
    ratio = cell["seconds"] / base["seconds"]
    if ratio >= 100:
        return f"{ratio:.0f}"
    return f"{ratio:.1f}" if ratio >= 10 else f"{ratio:.2f}" if ratio >= 0.01 else f"{ratio:.1g}"


def notes_text(cell: dict | None) -> str:
    if not cell or cell.get("status") != "ok":
        return ""
    notes = list(cell.get("notes", []))
    if not cell.get("verified", True):
        notes.append("DIFFERS FROM NUMPY: " + "; ".join(cell.get("problems", [])))
    tried = cell.get("repeats_tried")
    if tried and cell.get("repeats_ok", tried) < tried:
        notes.append(f"only {cell['repeats_ok']} of {tried} runs ok")
    if cell.get("import_s") is not None and cell.get("show_import"):
        notes.append(f"import {cell['import_s']:.2f} s")
    return ", ".join(notes)


def steady_text(cell: dict | None) -> str:
    """Time to steady state (from building the function) and calls answered in the first
    second; compile tables only."""
    if not cell or cell.get("status") != "ok" or cell.get("steady_s") is None:
        return "-"
    return f"{format_value(cell['steady_s'], 'auto')}, {cell['calls_first_s']:.0f} calls in 1st s"


def rss_text(cell: dict | None) -> str:
    if not cell or cell.get("status") != "ok" or cell.get("peak_rss_mb") is None:
        return "-"
    return f"{cell['peak_rss_mb']:.0f} MB"


def cores_text(cell: dict | None) -> str:
    """CPU time over wall time while the calls were timed: 1.0 is one busy core."""
    if not cell or cell.get("status") != "ok" or cell.get("cores") is None:
        return "-"
    return f"{cell['cores']:.2f}"


def table_rows(table: Table) -> list[list[str]]:
    base = dict(table.rows).get(table.baseline)
    return [[label, cell_text(cell, table.unit), ratio_text(cell, base), cores_text(cell),
             steady_text(cell), rss_text(cell), notes_text(cell)]
            for label, cell in table.rows]


HEADER = ["implementation", "median", "ratio", "cores", "steady state", "peak RSS", "notes"]


def render_text(tables: list[Table]) -> str:
    out = []
    for table in tables:
        rows = table_rows(table)
        widths = [max(len(r[i]) for r in rows + [HEADER]) for i in range(6)]
        out.append(f"\n{table.title}  (ratio = time / {table.baseline})")
        line = "  ".join(h.ljust(w) for h, w in zip(HEADER, widths)) + "  notes"
        out.append(line)
        out.append("-" * min(len(line) + 20, 110))
        for r in rows:
            out.append("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[6])
    return "\n".join(out)


def machine_lines(m: dict) -> list[str]:
    if not m or "error" in m:
        return [f"machine facts: error: {m.get('error', 'not measured') if m else 'not measured'}"]
    coretype = m.get("openblas_coretype", "unset")
    before = m.get("openblas_coretype_before_run")
    if before and before != coretype:
        coretype += f" (was {before}; unset for this run)"
    load = m.get("load_start")
    lines = [
        (f"CPU: {m['cpu']}, {m['logical_cpus']} logical CPUs, {m['memory_GiB']:.1f} GiB; "
         f"Python {m['python']}, numpy {m['numpy']}; vectors: {m.get('simd', 'unknown')}"),
        f"BLAS: {m['blas']}; OPENBLAS_CORETYPE: {coretype}",
        (f"memory copy, 1 core ({m['copy_MiB']:.0f} MiB float64, reused destination): "
         f"{m['copy_GBps']:.1f} GB/s copied = {m['copy_rw_GBps']:.1f} GB/s read+written"),
        (f"GEMM {m['gemm_n']}x{m['gemm_n']}, 1 thread: float64 {m['gemm_f64_GFLOPs']:.1f} "
         f"GFLOP/s, float32 {m['gemm_f32_GFLOPs']:.1f} GFLOP/s"),
    ]
    if load is not None:
        text = f"load average (1 min) at start: {load:.2f}"
        if m.get("load_end") is not None:
            text += f", at end: {m['load_end']:.2f}"
        if max(load, m.get("load_end") or 0.0) > 1.5:
            text += " - other processes were running: figures are noisy"
        lines.append(text)
    return lines


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(machine: dict, meta: list[str], tables: list[Table]) -> str:
    out = ["# symgrad benchmarks", "", "Produced by `make bench` (`benchmarks/bench.py`).", ""]
    out += ["## Machine", ""] + [f"- {line}" for line in machine_lines(machine)] + [""]
    if meta:
        out += ["## Set-up", ""] + [f"- {line}" for line in meta] + [""]
    out += ["## Results", ""]
    for table in tables:
        out += [f"### {table.title}", "",
                (f"| implementation | median | ratio to {table.baseline} | cores busy "
                 "| time to steady state | peak RSS | notes |"),
                "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
        out += ["| " + " | ".join(_md_escape(c) for c in row) + " |" for row in table_rows(table)]
        out.append("")
    return "\n".join(out)
